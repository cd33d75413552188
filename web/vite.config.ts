import { readdirSync, readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import type { Plugin, ProxyOptions } from "vite";
import { defineConfig } from "vitest/config";

/**
 * Build and serve configuration of the dApp.
 *
 * The dApp reads its chains from `deployments/*.json` at run time: the dev and preview servers answer
 * `/gitblock-config.json` from the address books on disk (so a fresh `npm start` chain needs no rebuild), and a
 * production build writes the same file into `dist/`. The relayer is reached on the same origin (`/api`, `/ws`, `/v1`),
 * proxied by the dev/preview server; local chains' RPC likewise (`/rpc/<network>`), so no CORS set-up is needed.
 *
 * Environment: GITBLOCK_RELAYER_URL (default http://127.0.0.1:8080), GITBLOCK_DEPLOYMENTS_DIR (default
 * ../deployments), GITBLOCK_LOCAL_RPC_URL (default http://127.0.0.1:8545, the chain of localhost/default),
 * GITBLOCK_RPC_URL_<NETWORK> (a remote network's public RPC URL), GITBLOCK_FAUCET_URL (the local network's faucet,
 * testkit's startFaucet: advertised as `faucetUrl` on local deployments and proxied as /faucet).
 */
const root = import.meta.dirname;
const relayerUrl = process.env.GITBLOCK_RELAYER_URL ?? "http://127.0.0.1:8080";
const localRpcUrl = process.env.GITBLOCK_LOCAL_RPC_URL ?? "http://127.0.0.1:8545";
const faucetUrl = process.env.GITBLOCK_FAUCET_URL;
const LOCAL_NETWORKS = new Set(["localhost", "default", "hardhat"]);

function deploymentsDir(): string {
  return process.env.GITBLOCK_DEPLOYMENTS_DIR ?? path.join(root, "..", "deployments");
}

/** Every `deployments/<network>.json` (not the airdrop books), with the RPC URL the browser should use. */
export function runtimeConfig(): { relayer: string; deployments: unknown[]; wasmModels?: unknown[] } {
  const dir = deploymentsDir();
  let files: string[] = [];
  try {
    files = readdirSync(dir, { withFileTypes: true })
      .filter((f) => f.isFile() && /^[\w-]+\.json$/.test(f.name))
      .map((f) => f.name);
  } catch {
    files = [];
  }
  const deployments = files.flatMap((file) => {
    try {
      const deployment = JSON.parse(readFileSync(path.join(dir, file), "utf8")) as { network: string };
      const network = deployment.network;
      const local = LOCAL_NETWORKS.has(network);
      const envUrl = process.env[`GITBLOCK_RPC_URL_${network.toUpperCase().replace(/\W/g, "_")}`];
      const rpcUrl = local ? `/rpc/${network}` : envUrl;
      const faucet = local && faucetUrl ? { faucetUrl: "/faucet" } : {};
      return rpcUrl ? [{ ...deployment, rpcUrl, local, ...faucet }] : [];
    } catch {
      return [];
    }
  });
  // GITBLOCK_WASM_MODELS: a JSON list of {id, label, url, bytes}, the WASM engine's models (web/src/mining/models.ts).
  const wasmModels = process.env.GITBLOCK_WASM_MODELS ? JSON.parse(process.env.GITBLOCK_WASM_MODELS) : undefined;
  return { relayer: process.env.GITBLOCK_PUBLIC_RELAYER_URL ?? "", deployments, ...(wasmModels ? { wasmModels } : {}) };
}

function configPlugin(): Plugin {
  const serve = (req: IncomingMessage, res: ServerResponse, next: () => void) => {
    if (req.url?.split("?")[0] !== "/gitblock-config.json") return next();
    res.setHeader("content-type", "application/json");
    res.setHeader("cache-control", "no-store");
    res.end(JSON.stringify(runtimeConfig()));
  };
  return {
    name: "gitblock-config",
    configureServer(server) {
      server.middlewares.use(serve);
    },
    configurePreviewServer(server) {
      server.middlewares.use(serve);
    },
    generateBundle() {
      this.emitFile({ type: "asset", fileName: "gitblock-config.json", source: JSON.stringify(runtimeConfig()) });
    },
  };
}

/**
 * `Content-Security-Policy: frame-ancestors` for the widget's page (/embed.html?placement=<id>): the browser itself
 * refuses to show it framed anywhere but the placement's verified domain (and its subdomains, any port), as asked of
 * the relayer's public `GET /api/placements/:id` on every load. Unknown, inactive or unreachable: 'self' only (fails
 * closed). The iframe checks its embedding origin in script too (src/embed/origin-check.ts), for hosts that serve
 * dist/ as plain static files: a production host should set this same header on /embed.html (see the README's
 * "Publishers").
 */
export function frameAncestors(domain: string | null): string {
  if (!domain || !/^[a-z0-9.-]+$/i.test(domain)) return "frame-ancestors 'self'";
  const hosts = [domain, `*.${domain}`].flatMap((h) => [
    `http://${h}:*`,
    `https://${h}:*`,
    `http://${h}`,
    `https://${h}`,
  ]);
  return `frame-ancestors 'self' ${hosts.join(" ")}`;
}

function frameAncestorsPlugin(): Plugin {
  const serve = (req: IncomingMessage, res: ServerResponse, next: () => void) => {
    const url = new URL(req.url ?? "/", "http://dapp.invalid");
    if (url.pathname !== "/embed.html" && url.pathname !== "/embed") return next();
    const placement = url.searchParams.get("placement") ?? "";
    const lookup = /^[\w.-]{1,128}$/.test(placement)
      ? fetch(`${relayerUrl}/api/placements/${encodeURIComponent(placement)}`, { signal: AbortSignal.timeout(5_000) })
          .then((r) => (r.ok ? (r.json() as Promise<{ domain?: string; active?: boolean }>) : null))
          .catch(() => null)
      : Promise.resolve(null);
    lookup.then((found) => {
      res.setHeader("content-security-policy", frameAncestors(found?.active ? (found.domain ?? null) : null));
      res.setHeader("cache-control", "no-store");
      next();
    });
  };
  return {
    name: "gitblock-frame-ancestors",
    configureServer(server) {
      server.middlewares.use(serve);
    },
    configurePreviewServer(server) {
      server.middlewares.use(serve);
    },
  };
}

const proxy: Record<string, ProxyOptions> = {
  "/api": { target: relayerUrl, changeOrigin: true },
  "/healthz": { target: relayerUrl, changeOrigin: true },
  // The OpenAI-compatible gateway; streamed answers pass through as they come (the proxy does not buffer).
  "/v1": { target: relayerUrl, changeOrigin: true },
  "/ws": { target: relayerUrl.replace(/^http/, "ws"), ws: true, changeOrigin: true },
  "/rpc": {
    target: localRpcUrl,
    changeOrigin: true,
    rewrite: (p) => p.replace(/^\/rpc\/[\w-]+/, "/"),
  },
  ...(faucetUrl ? { "/faucet": { target: faucetUrl, changeOrigin: true } } : {}),
};

export default defineConfig({
  root,
  esbuild: { jsx: "automatic" },
  plugins: [configPlugin(), frameAncestorsPlugin()],
  server: { host: "127.0.0.1", port: 5173, proxy },
  preview: { host: "127.0.0.1", port: 4173, proxy },
  build: {
    target: "es2022",
    chunkSizeWarningLimit: 8_000,
    reportCompressedSize: false,
    // Two pages: the dApp, and the widget's iframe (src/embed, framed by public/widget.js).
    rollupOptions: { input: { main: path.join(root, "index.html"), embed: path.join(root, "embed.html") } },
  },
  worker: { format: "es" },
  test: {
    include: ["test/**/*.test.ts", "test/**/*.test.tsx"],
    environment: "node",
  },
});
