// Deploys the whole protocol through Hardhat Ignition over plain viem clients, so the same module and code serve tests
// (Hardhat's in-process network), `hardhat node`, `npm start` and real chains. With a journal folder the deployment
// resumes where a failed or interrupted run stopped; without one (local chains, tests) it keeps its state in memory.
import {
  type DeploymentResult,
  DeploymentResultType,
  deploy,
  type ExecutionEventListener,
  listTransactions,
  TransactionStatus,
} from "@nomicfoundation/ignition-core";
import type { Address, Hex, PublicClient } from "viem";
import { getAddress, parseEther } from "viem";
import { RepositoryArtifactResolver } from "./artifact-resolver.ts";
import { gitBlockExistingTreasuryModule, gitBlockModule } from "./ignition-modules.ts";
import { type DeployWallet, walletProvider } from "./wallet-provider.ts";

/** Hardhat's local chain id (`hardhat node`, the in-process network): the contracts' real-chain floors are off here. */
export const LOCAL_CHAIN_ID = 31337;

export interface ProtocolParameters {
  /** Existing treasury / vault admin (a multisig or timelock). When absent a GitBlockTreasury timelock is deployed. */
  treasury?: Address;
  /** Timelock delay in seconds and proposers (also its cancellers), when the timelock is deployed here. */
  timelockDelay: bigint;
  timelockProposers: Address[];
  relayers: Address[];
  guardians: Address[];
  /** Seconds between a proposal and its finality; 0 makes epochs final at once (local networks). NodeBond's slashes
   * wait the same window. */
  challengeWindow: bigint;
  /** Seconds a node's unbond waits before it can be withdrawn; must exceed `challengeWindow`. Default:
   * `defaultUnbondingDelay(challengeWindow)`. */
  unbondingDelay?: bigint;
  /** Seconds an InferenceCredits withdrawal request waits; longer than the relayer's epoch, so its last debits settle
   * first. Default: `MIN_WITHDRAWAL_DELAY`. */
  withdrawalDelay?: bigint;
  maxEmissionPerEpoch: bigint;
  /** Wei a non-guardian posts with `RewardsVault.dispute`. Default: `DEFAULT_DISPUTE_BOND`. */
  disputeBond?: bigint;
  team: { beneficiary: Address; start: bigint; duration: bigint; cliff: bigint };
  airdrop: { root: Hex; deadline: bigint };
}

export interface ProtocolAddresses {
  token: Address;
  rewardsVault: Address;
  airdrop: Address;
  teamVesting: Address;
  treasury: Address;
  nodeBond: Address;
  inferenceCredits: Address;
}

export interface DeployedProtocol {
  addresses: ProtocolAddresses;
  /** GitBlockGenesis, which created the vault, the airdrop and the token (not in the address book; verified too). */
  genesis: Address;
  deployBlock: bigint;
}

export interface DeployOptions {
  /** Ignition's deployment folder (journal, artifacts): a rerun with the same folder resumes the deployment. */
  journalDir?: string;
}

export type DeployProgress = (step: string) => void;

/** Twice the challenge window (one second on a zero window): strictly longer, as NodeBond requires, with room for the
 * relayer to notice a fault and propose its slash before a node that unbonded right after it could leave. */
export function defaultUnbondingDelay(challengeWindow: bigint): bigint {
  return challengeWindow === 0n ? 1n : 2n * challengeWindow;
}

/** InferenceCredits' `MIN_WITHDRAWAL_DELAY` and `MAX_WITHDRAWAL_DELAY`, so that a bad delay fails before anything is
 * deployed. */
export const MIN_WITHDRAWAL_DELAY = 3_600n;
export const MAX_WITHDRAWAL_DELAY = 30n * 86_400n;
/** Enough to make a frivolous dispute cost something, small enough for any honest watcher to post. */
export const DEFAULT_DISPUTE_BOND = parseEther("0.1");

export class DeploymentFailedError extends Error {
  override name = "DeploymentFailedError";
}

/** Ignition's failure, in words an operator can act on (the journal keeps the rest). */
function describeFailure(result: Exclude<DeploymentResult, { type: DeploymentResultType.SUCCESSFUL_DEPLOYMENT }>) {
  if (result.type === DeploymentResultType.EXECUTION_ERROR) {
    const failed = result.failed.map((f) => `${f.futureId}: ${f.error}`);
    const timedOut = result.timedOut.map((f) => `${f.futureId}: timed out`);
    const held = result.held.map((f) => `${f.futureId}: held (${f.reason})`);
    return [...failed, ...timedOut, ...held].join("\n");
  }
  return Object.entries(result.errors)
    .map(([futureId, errors]) => `${futureId}: ${errors.join("; ")}`)
    .join("\n");
}

/** Ignition's events as `onStep` lines; every other event is ignored. */
function progressListener(onStep: DeployProgress, sent: string[]): ExecutionEventListener {
  const handlers: Partial<ExecutionEventListener> = {
    deploymentExecutionStateInitialize: async ({ futureId }) => onStep(`deploying ${futureId.replace(/^.*#/, "")}`),
    transactionSend: async ({ hash }) => {
      sent.push(hash);
    },
  };
  return new Proxy(handlers, {
    get: (target, name: string) => target[name as keyof ExecutionEventListener] ?? (async () => {}),
  }) as ExecutionEventListener;
}

export async function deployProtocol(
  publicClient: PublicClient,
  wallet: DeployWallet,
  params: ProtocolParameters,
  onStep: DeployProgress = () => {},
  options: DeployOptions = {},
): Promise<DeployedProtocol> {
  const ignitionModule = params.treasury ? gitBlockExistingTreasuryModule : gitBlockModule;
  const { team, airdrop } = params;
  const parameters = {
    ...(params.treasury
      ? { treasury: params.treasury }
      : { timelockDelay: params.timelockDelay, timelockProposers: params.timelockProposers }),
    relayers: params.relayers,
    guardians: params.guardians,
    challengeWindow: params.challengeWindow,
    unbondingDelay: params.unbondingDelay ?? defaultUnbondingDelay(params.challengeWindow),
    withdrawalDelay: params.withdrawalDelay ?? MIN_WITHDRAWAL_DELAY,
    maxEmissionPerEpoch: params.maxEmissionPerEpoch,
    disputeBond: params.disputeBond ?? DEFAULT_DISPUTE_BOND,
    teamBeneficiary: team.beneficiary,
    teamStart: team.start,
    teamDuration: team.duration,
    teamCliff: team.cliff,
    airdropRoot: airdrop.root,
    airdropDeadline: airdrop.deadline,
  };
  const local = (await publicClient.getChainId()) === LOCAL_CHAIN_ID;
  const artifactResolver = new RepositoryArtifactResolver();
  const sent: string[] = [];
  const result = await deploy({
    // A local chain mines each transaction at once: poll for it often instead of once a second.
    config: local ? { blockPollingInterval: 10 } : {},
    artifactResolver,
    provider: walletProvider(publicClient, wallet),
    executionEventListener: progressListener(onStep, sent),
    deploymentDir: options.journalDir,
    ignitionModule,
    deploymentParameters: { [ignitionModule.id]: parameters },
    accounts: [wallet.account.address],
    defaultSender: wallet.account.address,
  });
  if (result.type !== DeploymentResultType.SUCCESSFUL_DEPLOYMENT) {
    throw new DeploymentFailedError(
      `Ignition could not deploy ${ignitionModule.id} (${result.type}):\n${describeFailure(result)}` +
        (options.journalDir ? `\nThe journal is in ${options.journalDir}; fix the cause and rerun to resume.` : ""),
    );
  }

  const address = (name: string): Address => {
    const contract = result.contracts[`${ignitionModule.id}#${name}`];
    if (!contract) throw new DeploymentFailedError(`Ignition's result has no ${name}`);
    return getAddress(contract.address);
  };
  // Every transaction of the deployment, those of earlier (resumed) runs included: the first one's block is where
  // indexing starts.
  const hashes = options.journalDir
    ? (await listTransactions(options.journalDir, artifactResolver))
        .filter((tx) => tx.status === TransactionStatus.SUCCESS)
        .map((tx) => tx.txHash)
    : sent;
  const blocks = await Promise.all(
    hashes.map(async (hash) => (await publicClient.getTransactionReceipt({ hash: hash as Hex })).blockNumber),
  );
  return {
    addresses: {
      token: address("GitBlockToken"),
      rewardsVault: address("RewardsVault"),
      airdrop: address("GitBlockAirdrop"),
      teamVesting: address("TeamVesting"),
      treasury: params.treasury ?? address("GitBlockTreasury"),
      nodeBond: address("NodeBond"),
      inferenceCredits: address("InferenceCredits"),
    },
    genesis: address("GitBlockGenesis"),
    deployBlock: blocks.sort((a, b) => Number(a - b))[0] ?? 0n,
  };
}
