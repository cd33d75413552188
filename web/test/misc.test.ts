import { describe, expect, it } from "vitest";
import { geometryPath, ringPath } from "../src/components/WorldMap.tsx";
import {
  absoluteRpcUrl,
  chainsFromDeployments,
  loadRuntimeConfig,
  txLink,
  type WebDeployment,
} from "../src/lib/config.ts";
import { dailyLimit, readConsent, writeConsent } from "../src/lib/consent.ts";
import { COUNTRIES, countryName, countsByNumeric } from "../src/lib/countries.ts";
import { localeCountry } from "../src/mining/browser-node.ts";
import { detectWebGpu } from "../src/mining/webgpu.ts";
import { ROUTES, routeFromHash } from "../src/router.ts";

const deployment = (chainId: number, network: string, extra: Partial<WebDeployment> = {}): WebDeployment => ({
  network,
  chainId,
  deployBlock: 0,
  contracts: {
    token: "0x0000000000000000000000000000000000000001",
    rewardsVault: "0x0000000000000000000000000000000000000002",
  },
  rpcUrl: `/rpc/${network}`,
  local: true,
  ...extra,
});

describe("chains from deployments", () => {
  it("one chain per chain id, local RPC paths made absolute", () => {
    const chains = chainsFromDeployments(
      [
        deployment(31337, "localhost"),
        deployment(31337, "default"),
        deployment(8453, "base", { rpcUrl: "https://rpc.example", local: false, explorerUrl: "https://scan.example" }),
      ],
      "http://127.0.0.1:5173",
    );
    expect(chains.map((c) => c.id)).toEqual([31337, 8453]);
    expect(chains[0]?.rpcUrls.default.http[0]).toBe("http://127.0.0.1:5173/rpc/localhost");
    expect(chains[0]?.name).toBe("GitBlock local (localhost)");
    expect(chains[1]?.blockExplorers?.default.url).toBe("https://scan.example");
    expect(absoluteRpcUrl("https://x", "http://o")).toBe("https://x");
  });
  it("transaction links only where an explorer exists", () => {
    expect(txLink(deployment(1, "a"), "0xab")).toBeNull();
    expect(txLink(deployment(1, "a", { explorerUrl: "https://scan/" }), "0xab")).toBe("https://scan/tx/0xab");
  });
  it("loads the runtime config and survives a missing one", async () => {
    const ok = await loadRuntimeConfig(async () => new Response(JSON.stringify({ deployments: [deployment(1, "a")] })));
    expect(ok.deployments).toHaveLength(1);
    expect(ok.relayer).toBe("");
    const missing = await loadRuntimeConfig(async () => new Response("nope", { status: 404 }));
    expect(missing).toEqual({ relayer: "", deployments: [] });
  });
});

describe("world map", () => {
  it("maps ISO alpha-2 codes to world-atlas ids", () => {
    expect(COUNTRIES.get("DE")?.numeric).toBe("276");
    expect(countryName("US")).toBe("United States");
    expect(countryName("ZZ")).toBe("ZZ");
    expect(countsByNumeric({ DE: 2, US: 1, ZZ: 5 })).toEqual(
      new Map([
        ["276", 2],
        ["840", 1],
      ]),
    );
  });
  it("projects rings and keeps antimeridian-crossing ones from spanning the map", () => {
    expect(
      ringPath([
        [-180, 84],
        [0, -60],
      ]),
    ).toBe("M0,0L480,440Z");
    const path = ringPath([
      [179, 60],
      [-179, 60],
      [-179, 61],
    ]);
    expect(path).not.toContain("M2.6"); // the western point moved east by 360°
    expect(geometryPath(null)).toBe("");
    expect(
      geometryPath({
        type: "Polygon",
        coordinates: [
          [
            [0, 0],
            [10, 0],
            [10, 10],
          ],
        ],
      }),
    ).toMatch(/^M.*Z$/);
  });
});

describe("mining helpers", () => {
  it("detects WebGPU and explains why it is missing", async () => {
    expect(await detectWebGpu({}, true)).toMatchObject({ ok: false, reason: "no-api" });
    expect(await detectWebGpu({}, false)).toMatchObject({ ok: false, reason: "insecure" });
    expect(await detectWebGpu({ gpu: { requestAdapter: async () => null } }, true)).toMatchObject({
      ok: false,
      reason: "no-adapter",
    });
    expect(
      await detectWebGpu(
        { gpu: { requestAdapter: async () => ({ info: { vendor: "nvidia", architecture: "ada" } }) } },
        true,
      ),
    ).toEqual({ ok: true, adapter: "nvidia ada" });
    expect(
      await detectWebGpu(
        {
          gpu: {
            requestAdapter: async () => {
              throw new Error("lost");
            },
          },
        },
        true,
      ),
    ).toMatchObject({ ok: false, reason: "error" });
  });
  it("keeps consent in storage and defaults the daily limit to an hour", () => {
    const store = new Map<string, string>();
    const storage = {
      getItem: (k: string) => store.get(k) ?? null,
      setItem: (k: string, v: string) => void store.set(k, v),
      removeItem: (k: string) => void store.delete(k),
    };
    expect(readConsent(storage)).toBeNull();
    expect(dailyLimit(null)).toBe(3_600);
    writeConsent({ gpu: true, cpu: false, storage: true, dailyGpuSeconds: 600, cpuThreads: 1, acceptedAt: 1 }, storage);
    expect(dailyLimit(readConsent(storage))).toBe(600);
    writeConsent(null, storage);
    expect(readConsent(storage)).toBeNull();
    store.set("gitblock.miningConsent.v1", "{bad");
    expect(readConsent(storage)).toBeNull();
  });
  it("declares the country from the browser locale", () => {
    expect(localeCountry("de-DE")).toBe("DE");
    expect(localeCountry("en")).toBeUndefined();
  });
});

describe("routes", () => {
  it("maps hashes to pages, unknown ones to the dashboard", () => {
    expect(routeFromHash("#/wallet")).toBe("/wallet");
    expect(routeFromHash("")).toBe("/");
    expect(routeFromHash("#/nope")).toBe("/");
    expect(ROUTES).toHaveLength(9);
  });
});
