/**
 * The widget's frame (embed.html) is a third-party frame: a browser that blocks third-party storage (third-party
 * cookies off, Safari, private windows, the test Chromium) throws on every `localStorage` read there, which would
 * stop the whole widget (wagmi, the consent record, the node's resume note all read it). Then this puts an in-memory
 * Storage in its place for this frame: consent and the connected wallet last for this visit only, and the visitor is
 * asked again next time, the honest behaviour when the browser keeps nothing.
 *
 * A classic script loaded before the widget's modules: inside the bundle it would run after the shared chunks it
 * must precede (they are imported first). Unit test: web/test/embed.test.ts.
 */
(() => {
  try {
    window.localStorage.getItem("gitblock.storage-probe");
    return;
  } catch {
    // Blocked: fall through to the stand-in.
  }
  const items = new Map();
  const memory = {
    get length() {
      return items.size;
    },
    clear: () => items.clear(),
    getItem: (key) => (items.has(String(key)) ? items.get(String(key)) : null),
    key: (index) => [...items.keys()][index] ?? null,
    removeItem: (key) => {
      items.delete(String(key));
    },
    setItem: (key, value) => {
      items.set(String(key), String(value));
    },
  };
  Object.defineProperty(window, "localStorage", { value: memory, configurable: true });
  // Read by the widget (src/embed/storage-kind.ts): a wallet created here would not outlive the visit.
  Object.defineProperty(window, "gitblockStorageInMemory", { value: true, configurable: true });
})();
