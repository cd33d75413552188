import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { widgetEngine } from "../src/embed/engine-choice.ts";
import {
  earningsMessage,
  isWidgetMessage,
  postToHost,
  statusMessage,
  type WidgetMessage,
  widgetStatus,
} from "../src/embed/host-messages.ts";
import { checkEmbeddingOrigin, embeddingOrigin, hostMatchesDomain } from "../src/embed/origin-check.ts";
import { fetchPlacement } from "../src/embed/placement-api.ts";
import { consentWithinPlacement } from "../src/embed/placement-limits.ts";
import { storageInMemory } from "../src/embed/storage-kind.ts";
import type { MiningConsent } from "../src/lib/consent.ts";
import { frameAncestors } from "../vite.config.ts";

const placement = { id: "pl-1", domain: "example.com", active: true };

describe("the widget's embedding origin", () => {
  it("takes the top ancestor origin first, then the referrer's origin", () => {
    const ancestors = { length: 2, 0: "https://inner.example.com", 1: "https://example.com" };
    expect(embeddingOrigin({ ancestorOrigins: ancestors }, "https://other.org/page")).toBe("https://example.com");
    expect(embeddingOrigin({ ancestorOrigins: { length: 0 } }, "https://shop.example.com/a/b?c")).toBe(
      "https://shop.example.com",
    );
    expect(embeddingOrigin(undefined, "")).toBeNull();
    expect(embeddingOrigin(undefined, "not a url")).toBeNull();
  });

  it("matches the domain and its subdomains only", () => {
    expect(hostMatchesDomain("example.com", "example.com")).toBe(true);
    expect(hostMatchesDomain("Shop.Example.com.", "example.com")).toBe(true);
    expect(hostMatchesDomain("badexample.com", "example.com")).toBe(false);
    expect(hostMatchesDomain("example.com.evil.org", "example.com")).toBe(false);
    expect(hostMatchesDomain("example.com", "")).toBe(false);
  });

  it("accepts a verified domain on any port and scheme", () => {
    expect(checkEmbeddingOrigin(placement, "http://example.com:8080")).toEqual({
      ok: true,
      origin: "http://example.com:8080",
    });
    expect(checkEmbeddingOrigin(placement, "https://www.example.com").ok).toBe(true);
  });

  it("refuses another origin, an unverified domain and a page that tells no origin, saying why", () => {
    const other = checkEmbeddingOrigin(placement, "https://evil.org");
    expect(other).toEqual({ ok: false, reason: expect.stringMatching(/runs only on example\.com, not on evil\.org/) });
    const inactive = checkEmbeddingOrigin({ ...placement, active: false }, "https://example.com");
    expect(inactive).toEqual({ ok: false, reason: expect.stringMatching(/not verified now/) });
    expect(checkEmbeddingOrigin(placement, null)).toEqual({ ok: false, reason: expect.stringMatching(/no referrer/) });
    expect(checkEmbeddingOrigin(placement, "::::").ok).toBe(false);
  });

  it("turns the verified domain into frame-ancestors, and anything odd into 'self' only", () => {
    const policy = frameAncestors("example.com");
    expect(policy).toContain("frame-ancestors 'self' ");
    expect(policy).toContain("http://example.com:*");
    expect(policy).toContain("https://*.example.com");
    expect(frameAncestors(null)).toBe("frame-ancestors 'self'");
    expect(frameAncestors("evil.org; script-src *")).toBe("frame-ancestors 'self'");
  });
});

describe("the placement lookup", () => {
  it("refuses a malformed id before any request, and says when the placement does not exist", async () => {
    let calls = 0;
    const notFound = (async () => {
      calls++;
      return new Response("{}", { status: 404 });
    }) as typeof fetch;
    await expect(fetchPlacement("", "../admin", notFound)).rejects.toThrow(/not a placement id/);
    expect(calls).toBe(0);
    await expect(fetchPlacement("", "pl-1", notFound)).rejects.toThrow(/There is no placement pl-1/);
    expect(calls).toBe(1);
  });
});

describe("the widget's postMessage API", () => {
  it("speaks of status only, and consent first", () => {
    expect(widgetStatus(false, "running")).toBe("consent-needed");
    expect(widgetStatus(true, "stopped")).toBe("ready");
    expect(widgetStatus(true, "signing-in")).toBe("starting");
    expect(widgetStatus(true, "running")).toBe("running");
    expect(widgetStatus(true, "paused-limit")).toBe("paused");
    expect(widgetStatus(true, "error")).toBe("error");
  });

  it("sends well-formed messages to the checked origin only", () => {
    const sent: Array<[unknown, string]> = [];
    const host = { postMessage: (message: unknown, origin: string) => sent.push([message, origin]) };
    expect(
      postToHost(host as Pick<Window, "postMessage">, "https://example.com", statusMessage("pl-1", "running")),
    ).toBe(true);
    expect(
      postToHost(host as Pick<Window, "postMessage">, "https://example.com", earningsMessage("pl-1", 10n ** 18n, 3)),
    ).toBe(true);
    expect(postToHost(null, "https://example.com", statusMessage("pl-1", "running"))).toBe(false);
    expect(sent).toEqual([
      [
        { source: "gitblock-widget", v: 1, placement: "pl-1", type: "status", status: "running" },
        "https://example.com",
      ],
      [
        {
          source: "gitblock-widget",
          v: 1,
          placement: "pl-1",
          type: "earnings",
          earnedWei: "1000000000000000000",
          tasksDone: 3,
        },
        "https://example.com",
      ],
    ]);
    for (const [message] of sent) expect(isWidgetMessage(message)).toBe(true);
    // JSON-safe: what a host receives is exactly what was sent.
    const earnings = sent[1]?.[0] as WidgetMessage;
    expect(JSON.parse(JSON.stringify(earnings))).toEqual(earnings);
  });

  it("tells its messages from anything else a page receives", () => {
    expect(isWidgetMessage(null)).toBe(false);
    expect(isWidgetMessage({ source: "gitblock-widget", v: 2, placement: "p", type: "status", status: "x" })).toBe(
      false,
    );
    expect(isWidgetMessage({ source: "other", v: 1, placement: "p", type: "status", status: "running" })).toBe(false);
    expect(isWidgetMessage({ source: "gitblock-widget", v: 1, placement: "p", type: "earnings", earnedWei: 1 })).toBe(
      false,
    );
    expect(isWidgetMessage({ source: "gitblock-widget", v: 1, placement: "p", type: "wallet", address: "0x" })).toBe(
      false,
    );
  });
});

describe("the widget's engine", () => {
  const consent = (over: Partial<MiningConsent>): MiningConsent => ({
    gpu: false,
    cpu: false,
    storage: false,
    dailyGpuSeconds: 3600,
    cpuThreads: 4,
    acceptedAt: 1,
    ...over,
  });
  const wasmModel = { id: "tiny", label: "tiny", url: "/tiny.gguf", bytes: 1 };
  it("runs the simulation on a local network, else what the visitor allowed, within the placement's threads", () => {
    expect(widgetEngine({ local: true, consent: null, webGpu: false, wasmModel, placementCpuThreads: 1 })).toEqual({
      kind: "simulation",
      modelId: "sim-llm",
    });
    expect(
      widgetEngine({ local: false, consent: consent({ cpu: true }), webGpu: false, wasmModel, placementCpuThreads: 2 }),
    ).toEqual({ kind: "wasm", modelId: "tiny", modelUrl: "/tiny.gguf", threads: 2 });
    expect(
      widgetEngine({ local: false, consent: consent({ gpu: true }), webGpu: true, wasmModel, placementCpuThreads: 2 }),
    ).toMatchObject({ kind: "webgpu" });
    expect(
      widgetEngine({ local: false, consent: consent({ gpu: true }), webGpu: false, wasmModel, placementCpuThreads: 2 }),
    ).toEqual({ error: expect.stringMatching(/no WebGPU/) });
    expect(widgetEngine({ local: false, consent: null, webGpu: true, wasmModel, placementCpuThreads: 2 })).toEqual({
      error: expect.stringMatching(/Allow the GPU or the CPU/),
    });
  });
});

describe("the placement's limits on the visitor's consent", () => {
  const consent: MiningConsent = {
    gpu: true,
    cpu: false,
    storage: true,
    dailyGpuSeconds: 3_600,
    cpuThreads: 4,
    acceptedAt: 1,
  };
  it("lowers the visitor's daily GPU limit to the placement's, never raises it, and keeps the rest", () => {
    expect(consentWithinPlacement(consent, 1_800)).toEqual({ ...consent, dailyGpuSeconds: 1_800 });
    expect(consentWithinPlacement(consent, 7_200)).toBe(consent);
    expect(consentWithinPlacement(consent, 3_600)).toBe(consent);
    expect(consentWithinPlacement(consent, 0), "0: the placement sets no limit").toBe(consent);
  });
});

describe("the widget's storage fallback (public/storage-fallback.js)", () => {
  const run = (window: object) =>
    new Function("window", readFileSync(new URL("../public/storage-fallback.js", import.meta.url), "utf8"))(window);

  it("stands in for a blocked localStorage with one in memory", () => {
    const window = {};
    Object.defineProperty(window, "localStorage", {
      configurable: true,
      get() {
        throw new Error("Failed to read the 'localStorage' property from 'Window': Access is denied");
      },
    });
    run(window);
    const memory = (window as { localStorage: Storage }).localStorage;
    memory.setItem("a", "1");
    memory.setItem("b", "2");
    expect([memory.length, memory.getItem("a"), memory.key(1), memory.getItem("nope")]).toEqual([2, "1", "b", null]);
    memory.removeItem("a");
    expect(memory.getItem("a")).toBeNull();
    memory.clear();
    expect(memory.length).toBe(0);
    expect(storageInMemory(window), "the widget learns that nothing it keeps outlives the visit").toBe(true);
  });

  it("leaves a usable localStorage alone", () => {
    const real = { getItem: () => null };
    const window = { localStorage: real };
    run(window);
    expect(window.localStorage).toBe(real);
    expect(storageInMemory(window)).toBe(false);
  });
});
