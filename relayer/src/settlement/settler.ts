import diagnostics_channel from "node:diagnostics_channel";
import type { ClaimProof, NodeState } from "@gitblock/sdk";
import { rewardsVaultAbi } from "@gitblock/sdk";
import { type Address, BaseError, ContractFunctionRevertedError, encodeFunctionData, keccak256 } from "viem";
import type { Clock } from "../clock.ts";
import { SettlementError } from "../errors.ts";
import type { RelayerEvents } from "../events.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import type { EpochRecord, LeafRecord, Store } from "../store/types.ts";
import { type ChainClients, VAULT_EPOCH_STATUS } from "./chain.ts";
import { EpochTree } from "./merkle.ts";
import { buildEpochTreeParallel } from "./merkle-parallel.ts";

export type Progress = (step: string, fraction?: number) => void;

/**
 * Observability: each durable settlement step is published on this `node:diagnostics_channel` channel as a
 * `SettlementStep`, synchronously, right after the step's state is stored and before the next one starts.
 * Subscribers (tracing, metrics, the crash test's preload) run inside the step; nothing is published when
 * nobody subscribes.
 */
export const SETTLEMENT_CHANNEL = "gitblock:relayer:settlement";

/** closed: leaves snapshotted · built: tree stored · signed: proposal stored, not sent · broadcast: sent. */
export interface SettlementStep {
  step: "closed" | "built" | "signed" | "broadcast";
  epoch: number;
}

const settlementChannel = diagnostics_channel.channel(SETTLEMENT_CHANNEL);

function publishStep(step: SettlementStep["step"], epoch: number): void {
  if (settlementChannel.hasSubscribers) settlementChannel.publish({ step, epoch } satisfies SettlementStep);
}

const leafState = (leaf: LeafRecord): NodeState => ({
  account: leaf.account,
  cumulativeAmount: leaf.cumulativeAmount,
  reputationBps: leaf.reputationBps,
  tasksValidated: leaf.tasksValidated,
  tasksFailed: leaf.tasksFailed,
  strikes: leaf.strikes,
});

/**
 * Epoch settlement, as a state machine persisted in the store, each step idempotent:
 *
 *   open → closed (leaves snapshotted, one transaction) → built (tree stored) → proposing (signed transaction
 *   stored *before* it is broadcast) → proposed → final | vetoed
 *
 * After a crash anywhere, `advance()` resumes from the stored state: a closed epoch is rebuilt (deterministic), a
 * "proposing" epoch re-broadcasts the very same signed transaction (same nonce, so it cannot land twice) or finds
 * its receipt, and the vault itself only accepts epoch ids in sequence. So no epoch is proposed twice or skipped.
 */
export class EpochSettler {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly metrics: Metrics;
  private readonly events: RelayerEvents;
  private readonly chain: ChainClients | null;
  private readonly confirmations: number;
  private busy: Promise<unknown> = Promise.resolve();

  constructor(options: {
    store: Store;
    clock: Clock;
    log: Logger;
    metrics: Metrics;
    events: RelayerEvents;
    chain: ChainClients | null;
    confirmations?: number;
  }) {
    this.store = options.store;
    this.clock = options.clock;
    this.log = options.log;
    this.metrics = options.metrics;
    this.events = options.events;
    this.chain = options.chain;
    this.confirmations = options.confirmations ?? 1;
  }

  /** Runs settlement steps one at a time, whoever calls (timer, CLI, API). */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.busy.then(work, work);
    this.busy = run.catch(() => undefined);
    return run;
  }

  /** Closes the open epoch: its leaves are every node's cumulative state now. */
  close(progress: Progress = () => {}): Promise<EpochRecord> {
    return this.exclusive(async () => {
      // An epoch without a single node has no tree and could never be proposed (the vault refuses an empty root).
      if ((await this.store.stats(this.clock.now())).nodes === 0) {
        throw new SettlementError("no node has signed in yet: nothing to settle, the epoch stays open");
      }
      progress("closing epoch");
      const epoch = await this.store.closeEpoch(this.clock.now());
      this.metrics.latestEpoch.set(epoch.epoch);
      this.events.emit("epoch", { epoch: epoch.epoch, status: epoch.status });
      this.log.info({ epoch: epoch.epoch, leaves: epoch.leafCount }, "epoch closed");
      publishStep("closed", epoch.epoch);
      return epoch;
    });
  }

  private async buildTree(record: EpochRecord, progress: Progress): Promise<EpochTree> {
    const leaves = await this.store.epochLeaves(record.epoch);
    return buildEpochTreeParallel(leaves.map(leafState), leaves.length, (fraction) =>
      progress("building tree", fraction),
    );
  }

  /** Builds and stores the tree of a closed epoch (rebuilding is harmless: same leaves, same tree). */
  private async build(record: EpochRecord, progress: Progress): Promise<EpochRecord> {
    if (record.leafCount === 0) {
      throw new SettlementError(`epoch ${record.epoch} has no nodes; nothing to settle (wait for nodes to sign in)`);
    }
    const tree = await this.buildTree(record, progress);
    progress("storing tree and proofs");
    await this.store.saveEpochTree(record.epoch, tree.root, await tree.contentHash(), tree.layers);
    this.log.info({ epoch: record.epoch, root: tree.root }, "epoch tree built");
    publishStep("built", record.epoch);
    return this.requireEpoch(record.epoch);
  }

  private async requireEpoch(epoch: number): Promise<EpochRecord> {
    const record = await this.store.getEpoch(epoch);
    if (!record) throw new SettlementError(`no epoch ${epoch}`);
    return record;
  }

  /** Drives every closed epoch as far as it can go: build, propose, track finality. */
  advance(progress: Progress = () => {}): Promise<EpochRecord[]> {
    return this.exclusive(async () => {
      const touched: EpochRecord[] = [];
      const epochs = (await this.store.listEpochs(1_000_000)).filter((e) => e.status !== "open").reverse();
      for (let record of epochs) {
        if (record.status === "final") continue;
        if (record.status === "closed") record = await this.build(record, progress);
        if (!this.chain?.walletClient) {
          // Without a chain, trees are still built so the operator can inspect them.
          touched.push(record);
          continue;
        }
        if (record.status === "built" || record.status === "proposing") record = await this.propose(record, progress);
        if (record.status === "proposed") record = await this.track(record);
        touched.push(record);
        // Strictly in order: a later epoch waits until this one is final (a vetoed one waits for the operator).
        if (record.status !== "final") break;
      }
      return touched;
    });
  }

  private requireChain(): ChainClients & { walletClient: NonNullable<ChainClients["walletClient"]> } {
    if (!this.chain?.walletClient) {
      throw new SettlementError("no chain or relayer key configured: cannot propose epochs");
    }
    return this.chain as ChainClients & { walletClient: NonNullable<ChainClients["walletClient"]> };
  }

  private async onChainEpoch(epoch: number) {
    const { publicClient, vault } = this.requireChain();
    return publicClient.readContract({
      address: vault,
      abi: rewardsVaultAbi,
      functionName: "getEpoch",
      args: [BigInt(epoch)],
    });
  }

  private async propose(initial: EpochRecord, progress: Progress): Promise<EpochRecord> {
    const { publicClient, walletClient, vault } = this.requireChain();
    let record = initial;
    if (!record.root || record.cumulativeTotal === null || record.networkShare === null || !record.contentHash) {
      throw new SettlementError(`epoch ${record.epoch} has no tree yet`);
    }
    const root = record.root;

    // Already on-chain with our root (a crash after broadcast, before we recorded it)? Then it is proposed.
    const onChain = await this.onChainEpoch(record.epoch);
    if (
      onChain.root.toLowerCase() === root.toLowerCase() &&
      (onChain.status === VAULT_EPOCH_STATUS.Pending || onChain.status === VAULT_EPOCH_STATUS.Final)
    ) {
      return this.store.updateEpoch(record.epoch, { status: "proposed", proposedAt: this.clock.now() });
    }

    if (record.status === "proposing" && record.txHash && record.rawTx) {
      progress(`re-checking proposal ${record.txHash}`);
      const receipt = await publicClient.getTransactionReceipt({ hash: record.txHash }).catch(() => null);
      if (receipt) return this.afterReceipt(record, receipt.status);
      progress(`re-broadcasting proposal ${record.txHash}`);
      try {
        await publicClient.sendRawTransaction({ serializedTransaction: record.rawTx });
      } catch (error) {
        this.log.warn({ err: error, epoch: record.epoch }, "re-broadcast refused; checking the chain");
      }
      const mined = await publicClient
        .waitForTransactionReceipt({ hash: record.txHash, confirmations: this.confirmations, timeout: 30_000 })
        .catch(() => null);
      if (mined) return this.afterReceipt(record, mined.status);
      // The nonce went to another transaction and ours can never land: sign afresh.
      this.log.warn({ epoch: record.epoch }, "stored proposal never landed; signing a new one");
      record = await this.store.updateEpoch(record.epoch, { status: "built", txHash: null, rawTx: null });
    }

    // Dry run first: a revert (emission cap, previous epoch still in its window) costs nothing and says why.
    const args = [
      BigInt(record.epoch),
      root,
      record.cumulativeTotal ?? 0n,
      record.networkShare ?? 0n,
      record.contentHash ?? root,
    ] as const;
    try {
      await publicClient.simulateContract({
        address: vault,
        abi: rewardsVaultAbi,
        functionName: "proposeEpoch",
        args,
        account: walletClient.account,
      });
    } catch (error) {
      throw new SettlementError(`proposeEpoch(${record.epoch}) would revert: ${revertReason(error)}`);
    }
    progress(`signing proposal of epoch ${record.epoch}`);
    const request = await walletClient.prepareTransactionRequest({
      to: vault,
      data: encodeFunctionData({ abi: rewardsVaultAbi, functionName: "proposeEpoch", args }),
      account: walletClient.account,
      chain: walletClient.chain,
    });
    const rawTx = await walletClient.signTransaction(request);
    const txHash = keccak256(rawTx);
    // Stored before broadcast: from here a restart re-sends this exact transaction, never a second one.
    record = await this.store.updateEpoch(record.epoch, { status: "proposing", rawTx, txHash });
    publishStep("signed", record.epoch);
    progress(`broadcasting proposal ${txHash}`);
    await publicClient.sendRawTransaction({ serializedTransaction: rawTx });
    this.metrics.epochsProposed.inc();
    publishStep("broadcast", record.epoch);
    progress("waiting for the receipt");
    const receipt = await publicClient.waitForTransactionReceipt({ hash: txHash, confirmations: this.confirmations });
    return this.afterReceipt(record, receipt.status);
  }

  private async afterReceipt(record: EpochRecord, status: "success" | "reverted"): Promise<EpochRecord> {
    if (status === "reverted") {
      this.log.error({ epoch: record.epoch, tx: record.txHash }, "proposal reverted");
      await this.store.updateEpoch(record.epoch, { status: "built", txHash: null, rawTx: null });
      throw new SettlementError(`proposal of epoch ${record.epoch} reverted (tx ${record.txHash})`);
    }
    const updated = await this.store.updateEpoch(record.epoch, { status: "proposed", proposedAt: this.clock.now() });
    this.events.emit("epoch", { epoch: record.epoch, status: "proposed" });
    this.log.info({ epoch: record.epoch, tx: record.txHash }, "epoch proposed");
    return this.track(updated);
  }

  /** Follows a proposed epoch to final or vetoed; finalizes it (permissionless) once its window is over. */
  private async track(record: EpochRecord): Promise<EpochRecord> {
    const { publicClient, walletClient, vault } = this.requireChain();
    let onChain = await this.onChainEpoch(record.epoch);
    if (onChain.status === VAULT_EPOCH_STATUS.Pending) {
      const block = await publicClient.getBlock();
      if (block.timestamp >= onChain.finalAt) {
        try {
          const hash = await walletClient.writeContract({
            address: vault,
            abi: rewardsVaultAbi,
            functionName: "finalizeEpoch",
            account: walletClient.account,
            chain: walletClient.chain,
          });
          await publicClient.waitForTransactionReceipt({ hash });
        } catch (error) {
          this.log.debug({ err: error }, "finalizeEpoch not possible yet");
        }
        onChain = await this.onChainEpoch(record.epoch);
      }
    }
    if (onChain.status === VAULT_EPOCH_STATUS.Final) {
      this.events.emit("epoch", { epoch: record.epoch, status: "final" });
      return this.store.updateEpoch(record.epoch, { status: "final", finalAt: Number(onChain.finalAt) * 1000 });
    }
    if (onChain.status === VAULT_EPOCH_STATUS.Vetoed) {
      this.log.error(
        { epoch: record.epoch },
        "epoch vetoed by a guardian; re-propose with `epoch propose` after review",
      );
      this.events.emit("epoch", { epoch: record.epoch, status: "vetoed" });
      return this.store.updateEpoch(record.epoch, { status: "vetoed" });
    }
    return record;
  }

  /** Re-proposes a vetoed epoch (operator decision, from the CLI). */
  repropose(epoch: number, progress: Progress = () => {}): Promise<EpochRecord> {
    return this.exclusive(async () => {
      const record = await this.requireEpoch(epoch);
      if (record.status !== "vetoed") throw new SettlementError(`epoch ${epoch} is ${record.status}, not vetoed`);
      const reset = await this.store.updateEpoch(epoch, { status: "built", txHash: null, rawTx: null });
      return this.propose(reset, progress);
    });
  }

  /** The newest final cumulative state of `account` and its proof, ready for `RewardsVault.claim`. */
  async claimProof(account: Address): Promise<ClaimProof | undefined> {
    const final = await this.store.latestEpochWith(["final"]);
    if (!final?.root) return undefined;
    const leaf = await this.store.epochLeaf(final.epoch, account);
    if (!leaf) return undefined;
    const tree = await this.loadTree(final);
    return {
      epoch: final.epoch,
      root: final.root,
      state: leafState(leaf),
      proof: tree.proof(leaf.index),
    };
  }

  private readonly trees = new Map<number, EpochTree>();
  private async loadTree(record: EpochRecord): Promise<EpochTree> {
    let tree = this.trees.get(record.epoch);
    if (!tree) {
      const layers = await this.store.epochTree(record.epoch);
      if (!layers || record.leafCount === null) throw new SettlementError(`epoch ${record.epoch} has no stored tree`);
      tree = new EpochTree(layers, record.leafCount);
      this.trees.clear();
      this.trees.set(record.epoch, tree);
    }
    return tree;
  }
}

export function revertReason(error: unknown): string {
  if (error instanceof BaseError) {
    const revert = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (revert instanceof ContractFunctionRevertedError) {
      const name = revert.data?.errorName ?? "revert";
      const args = revert.data?.args?.map(String).join(", ") ?? "";
      return `${name}(${args})`;
    }
    return error.shortMessage;
  }
  return error instanceof Error ? error.message : String(error);
}
