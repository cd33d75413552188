/**
 * GitBlock widget: paste on a page of a verified domain
 *
 *   <script src="https://<the dApp's origin>/widget.js" data-placement="PLACEMENT_ID" async></script>
 *
 * It inserts, right where the tag is, an iframe served by the dApp's origin (/embed.html?placement=...): the
 * browser node with its own consent step. Nothing runs before the visitor consents there. The iframe checks that this
 * page's origin is the placement's verified domain and refuses otherwise.
 *
 * Optional attributes: data-width (default "100%"), data-height (default "360", pixels).
 * The host page hears the widget's messages (status, this session's earnings; see the README's "Publishers") as a
 * `gitblock:widget` CustomEvent on `window`, `event.detail` being the message. Messages from anywhere but the
 * widget's own frame are ignored. Plain script, no build step, no globals.
 */
(() => {
  const script = document.currentScript;
  if (!script) return;
  const placement = script.dataset.placement;
  if (!placement) {
    console.error('GitBlock widget: the script tag needs data-placement="<placement id>"');
    return;
  }
  const widgetOrigin = new URL(script.src, document.baseURI).origin;
  const src = new URL("/embed.html", widgetOrigin);
  src.searchParams.set("placement", placement);
  const frame = document.createElement("iframe");
  frame.src = src.href;
  frame.title = "GitBlock browser node";
  frame.style.border = "0";
  frame.style.width = script.dataset.width ?? "100%";
  frame.style.height = `${script.dataset.height ?? "360"}px`;
  // WebGPU in a cross-origin frame needs the host's permission.
  frame.allow = "webgpu";
  // The frame checks this page's origin; the referrer is how browsers without ancestorOrigins tell it.
  frame.referrerPolicy = "strict-origin-when-cross-origin";
  script.after(frame);
  window.addEventListener("message", (event) => {
    if (event.origin !== widgetOrigin || event.source !== frame.contentWindow) return;
    const data = event.data;
    if (data?.source !== "gitblock-widget" || data.placement !== placement) return;
    window.dispatchEvent(new CustomEvent("gitblock:widget", { detail: data }));
  });
})();
