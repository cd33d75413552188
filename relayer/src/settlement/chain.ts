import { readDeployment } from "@gitblock/sdk/deployments";
import {
  type Account,
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import type { RelayerConfig } from "../config/schema.ts";
import { ConfigError } from "../errors.ts";

export interface ChainClients {
  publicClient: PublicClient;
  walletClient: WalletClient<Transport, Chain, Account> | null;
  vault: Address;
  /** NodeBond, when the config or the deployment names one: bonds then weigh verifiers and can be slashed. */
  nodeBond: Address | null;
  /** InferenceCredits, when the config or the deployment names one: premium `/v1` models are then paid from it. */
  inferenceCredits: Address | null;
  chain: Chain;
}

/**
 * On-chain epoch status, as the vault's `EpochStatus` enum numbers it. Disputed: a bonded `dispute()` holds its
 * finality until a guardian resolves it; RolledBack: a final root a guardian retired while the vault was paused.
 */
export const VAULT_EPOCH_STATUS = { None: 0, Pending: 1, Final: 2, Vetoed: 3, Disputed: 4, RolledBack: 5 } as const;

/**
 * Resolves the vault's, NodeBond's and InferenceCredits' addresses (config, or deployments/<network>.json) and builds
 * viem clients for the chain.
 */
export async function connectChain(
  config: NonNullable<RelayerConfig["chain"]>,
  account: Account | null,
  root?: string,
): Promise<ChainClients> {
  let vault = config.rewardsVault as Address | undefined;
  let nodeBond = (config.nodeBond as Address | undefined) ?? null;
  let inferenceCredits = (config.inferenceCredits as Address | undefined) ?? null;
  if ((!vault || !nodeBond || !inferenceCredits) && config.deployment) {
    const deployment = await readDeployment(config.deployment, root);
    if (deployment.chainId !== config.chainId) {
      throw new ConfigError(
        `deployments/${config.deployment}.json is for chain ${deployment.chainId}, the config says ${config.chainId}`,
      );
    }
    vault ??= deployment.contracts.rewardsVault;
    nodeBond ??= deployment.contracts.nodeBond ?? null;
    inferenceCredits ??= deployment.contracts.inferenceCredits ?? null;
  }
  if (!vault) throw new ConfigError("chain.rewardsVault or chain.deployment is required to settle epochs");
  const chain = defineChain({
    id: config.chainId,
    name: `chain-${config.chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [config.rpcUrl] } },
  });
  const transport = http(config.rpcUrl, { retryCount: 2 });
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 100 }) as PublicClient;
  const walletClient = account ? createWalletClient({ chain, transport, account }) : null;
  return { publicClient, walletClient, vault, nodeBond, inferenceCredits, chain };
}
