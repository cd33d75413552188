/**
 * Runtime configuration: the chains come from `deployments/*.json` (served as `/gitblock-config.json` by the
 * dev/preview server or written next to a production build), so one build serves any network the address books list.
 */
import { type Address, type Chain, defineChain } from "viem";

export interface WebDeployment {
  network: string;
  chainId: number;
  deployBlock: number;
  contracts: {
    token: Address;
    rewardsVault: Address;
    airdrop?: Address;
    teamVesting?: Address;
    treasury?: Address;
    /** Prepaid GBT for the gateway's premium models (absent in address books from before it). */
    inferenceCredits?: Address;
  };
  parameters?: { challengeWindow?: number; maxEmissionPerEpoch?: string };
  /** Browser RPC URL; a path ("/rpc/localhost") is on this page's origin. */
  rpcUrl: string;
  local?: boolean;
  explorerUrl?: string;
  /** Local networks only: the faucet that gives a wallet created in the browser gas (POST {address}). */
  faucetUrl?: string;
}

export interface RuntimeConfig {
  /** Relayer base URL; empty = same origin. */
  relayer: string;
  deployments: WebDeployment[];
  /** Models for the WASM (CPU) engine, replacing the built-in list (web/src/mining/models.ts). */
  wasmModels?: Array<{ id: string; label: string; url: string; bytes: number }>;
}

export async function loadRuntimeConfig(fetcher: typeof fetch = fetch): Promise<RuntimeConfig> {
  try {
    const response = await fetcher("/gitblock-config.json", { cache: "no-store" });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const config = (await response.json()) as Partial<RuntimeConfig>;
    const wasmModels = (config.wasmModels ?? []).filter(
      (m) => typeof m?.id === "string" && typeof m.url === "string" && Number.isFinite(m.bytes),
    );
    return {
      relayer: config.relayer ?? "",
      deployments: config.deployments ?? [],
      ...(wasmModels.length > 0 ? { wasmModels } : {}),
    };
  } catch {
    return { relayer: "", deployments: [] };
  }
}

/** Absolute RPC URL for the browser. */
export function absoluteRpcUrl(rpcUrl: string, origin: string): string {
  return rpcUrl.startsWith("/") ? `${origin}${rpcUrl}` : rpcUrl;
}

/** One viem chain per deployment (deduplicated by chain id; the first address book wins). */
export function chainsFromDeployments(deployments: readonly WebDeployment[], origin: string): Chain[] {
  const seen = new Set<number>();
  const chains: Chain[] = [];
  for (const d of deployments) {
    if (seen.has(d.chainId)) continue;
    seen.add(d.chainId);
    chains.push(
      defineChain({
        id: d.chainId,
        name: d.local ? `GitBlock local (${d.network})` : d.network,
        nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
        rpcUrls: { default: { http: [absoluteRpcUrl(d.rpcUrl, origin)] } },
        ...(d.explorerUrl ? { blockExplorers: { default: { name: "Explorer", url: d.explorerUrl } } } : {}),
        testnet: d.local ?? false,
      }),
    );
  }
  return chains;
}

/** Transaction link: the chain's explorer, or (local chains) the hash itself. */
export function txLink(deployment: WebDeployment | undefined, hash: string): string | null {
  if (!deployment?.explorerUrl) return null;
  return `${deployment.explorerUrl.replace(/\/$/, "")}/tx/${hash}`;
}
