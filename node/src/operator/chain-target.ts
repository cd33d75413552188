import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { rewardsVaultAbi } from "@gitblock/sdk";
import { type Deployment, readDeployment } from "@gitblock/sdk/deployments";
import {
  type Address,
  createPublicClient,
  createWalletClient,
  defineChain,
  getAddress,
  http,
  isAddress,
  type LocalAccount,
  type PublicClient,
} from "viem";

export const RPC_ENV = "GITBLOCK_RPC_URL";
export const DEPLOYMENT_ENV = "GITBLOCK_DEPLOYMENT";
export const DEFAULT_RPC = "http://127.0.0.1:8545";
/** The address book `npm start` writes for its local chain (scripts/local/network.ts). */
export const LOCAL_NETWORK_BOOK = path.join(".gitblock", "local", "localhost.json");

/** The chain a claim goes to: the RPC endpoint, the vault, and the chain id the address book is for. */
export interface ChainTarget {
  rpcUrl: string;
  vault: Address;
  /** The chain id the vault's address belongs to (the book's); null when only `--vault` was given. */
  chainId: number | null;
  /** Where the vault's address came from, for messages: "deployments/sepolia.json", "--vault". */
  source: string;
}

/**
 * `--deployment <network|file>` reads an address book (`deployments/<network>.json`, or a file path); `--vault`
 * names the vault directly (then `--chain-id`, if given, is checked). Without either, `$GITBLOCK_DEPLOYMENT`, else
 * the book of `npm start`'s local chain when there is one.
 */
export async function resolveChainTarget(
  options: { rpc?: string; deployment?: string; vault?: string; chainId?: string },
  env = process.env,
): Promise<ChainTarget> {
  const rpcUrl = options.rpc ?? env[RPC_ENV] ?? DEFAULT_RPC;
  if (options.vault) {
    if (!isAddress(options.vault, { strict: false })) throw new Error(`--vault "${options.vault}" is not an address`);
    const chainId = options.chainId === undefined ? null : Number(options.chainId);
    if (chainId !== null && (!Number.isInteger(chainId) || chainId < 1)) {
      throw new Error(`--chain-id must be a positive integer, got "${options.chainId}"`);
    }
    return { rpcUrl, vault: getAddress(options.vault), chainId, source: "--vault" };
  }
  const spec =
    options.deployment ?? env[DEPLOYMENT_ENV] ?? (existsSync(LOCAL_NETWORK_BOOK) ? LOCAL_NETWORK_BOOK : null);
  if (!spec) {
    throw new Error(
      `no vault: pass --deployment <network|file> (an address book, e.g. deployments/sepolia.json) or --vault <address>, or set ${DEPLOYMENT_ENV}`,
    );
  }
  const { deployment, source } = await loadDeployment(spec);
  return { rpcUrl, vault: getAddress(deployment.contracts.rewardsVault), chainId: deployment.chainId, source };
}

/** A network name (`sepolia`: deployments/sepolia.json under the working directory) or a path to a book. */
async function loadDeployment(spec: string): Promise<{ deployment: Deployment; source: string }> {
  if (!spec.endsWith(".json")) return { deployment: await readDeployment(spec), source: `deployments/${spec}.json` };
  let deployment: Deployment;
  try {
    deployment = JSON.parse(readFileSync(spec, "utf8")) as Deployment;
  } catch (error) {
    throw new Error(`cannot read the address book ${spec}: ${(error as Error).message}`);
  }
  if (!deployment.contracts?.rewardsVault || !Number.isInteger(deployment.chainId)) {
    throw new Error(`${spec} is not an address book (no chainId or contracts.rewardsVault)`);
  }
  return { deployment, source: spec };
}

export interface ConnectedChain {
  target: ChainTarget;
  chainId: number;
  publicClient: PublicClient;
  wallet(account: LocalAccount): ReturnType<typeof createWalletClient>;
}

/**
 * Connects to the target's RPC and checks it is the chain the book is for and that the vault is deployed there, so
 * that a wrong `--rpc` fails here with both chain ids, not later with a puzzling revert.
 */
export async function connectChain(target: ChainTarget): Promise<ConnectedChain> {
  const probe = createPublicClient({ transport: http(target.rpcUrl, { retryCount: 0 }) });
  const chainId = await probe.getChainId();
  if (target.chainId !== null && chainId !== target.chainId) {
    throw new Error(
      `the RPC at ${target.rpcUrl} is chain ${chainId}, but ${target.source} is for chain ${target.chainId}: point --rpc (or ${RPC_ENV}) at a node of chain ${target.chainId}, or pass that chain's address book`,
    );
  }
  const chain = defineChain({
    id: chainId,
    name: `chain ${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [target.rpcUrl] } },
  });
  const transport = http(target.rpcUrl, { retryCount: 0 });
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 250 }) as PublicClient;
  const code = await publicClient.getCode({ address: target.vault });
  if (!code || code === "0x") {
    throw new Error(
      `no contract at the vault address ${target.vault} (from ${target.source}) on chain ${chainId} at ${target.rpcUrl}: wrong address book or RPC`,
    );
  }
  // A read that fails here means the address is some other contract.
  await publicClient.readContract({ address: target.vault, abi: rewardsVaultAbi, functionName: "token" });
  return {
    target,
    chainId,
    publicClient,
    wallet: (account) => createWalletClient({ account, chain, transport }),
  };
}
