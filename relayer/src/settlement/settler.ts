import diagnostics_channel from "node:diagnostics_channel";
import { rewardsVaultAbi } from "@gitblock/sdk";
import { type Address, encodeFunctionData, type Hex, keccak256 } from "viem";
import type { Clock } from "../clock.ts";
import { EpochMovedError, RelayerError, SettlementError } from "../errors.ts";
import type { RelayerEvents } from "../events.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import type { EpochRecord, EpochStatus, LeafRecord, Store } from "../store/types.ts";
import { type ChainClients, VAULT_EPOCH_STATUS } from "./chain.ts";
import { type ClaimAnswer, ClaimProofs } from "./claim-proofs.ts";
import { capEmission, totalOf } from "./emission-cap.ts";
import { epochFileHash } from "./epoch-file.ts";
import { leafState } from "./leaf-state.ts";
import type { EpochTree } from "./merkle.ts";
import { buildEpochTreeParallel } from "./merkle-parallel.ts";
import { revertName, revertReason } from "./revert-reason.ts";
import { emissionBudget, readVaultBudget } from "./vault-budget.ts";

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

/** An epoch whose proposal the vault would refuse now, and its answer (`Name(args)`). */
export interface StuckProposal {
  epoch: number;
  reason: string;
}

/** A stuck (or any unsettled) epoch as the vault sees its proposal now: what `epoch resolve` shows. */
export interface ProposalDiagnosis {
  epoch: number;
  status: EpochStatus;
  /** What the stored proposal emits: its cumulative total over the vault's final total, plus its network share. */
  emission: bigint | null;
  /** `maxEmissionPerEpoch`. */
  cap: bigint;
  /** The pool not yet owed to claims. */
  available: bigint;
  carryWei: bigint | null;
  /** A fresh dry run of the stored proposal: the vault's refusal, or null when it would accept it. */
  refusal: string | null;
}

type ProposeArgs = readonly [bigint, Hex, bigint, bigint, Hex];

/**
 * Epoch settlement, as a state machine persisted in the store, each step idempotent:
 *
 *   open → closed (leaves snapshotted, one transaction) → built (emission capped, tree stored) → proposing (signed
 *   transaction stored *before* it is broadcast) → proposed → final | vetoed
 *
 * After a crash anywhere, `advance()` resumes from the stored state: a closed epoch is rebuilt (deterministic), a
 * "proposing" epoch re-broadcasts the very same signed transaction (same nonce, so it cannot land twice) or finds
 * its receipt, and the vault itself only accepts epoch ids in sequence. So no epoch is proposed twice or skipped.
 *
 * Nothing is proposed that the vault would refuse. Before an epoch is proposed its emission is capped to what the
 * vault allows at that moment (`emission-cap.ts`; the rest carries into the next epoch), so a cap lowered after
 * the close only means a rebuild. A proposal the vault refuses for any other reason (paused, role revoked, …) is
 * recorded on the epoch, counted and logged once; it blocks the epochs after it, which is why every `advance()`
 * dry-runs it again and goes on as soon as the vault would accept it.
 */
export class EpochSettler {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly metrics: Metrics;
  private readonly events: RelayerEvents;
  private readonly chain: ChainClients | null;
  private readonly confirmations: number;
  private readonly proofs: ClaimProofs;
  private busy: Promise<unknown> = Promise.resolve();
  private stuckProposal: StuckProposal | null = null;

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
    this.proofs = new ClaimProofs({ store: this.store, chain: this.chain });
  }

  /** The proposal this relayer last found the vault would refuse (null: none, or it has landed since). */
  get stuck(): StuckProposal | null {
    return this.stuckProposal;
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
      // Only a node with earnings carries a leaf: an epoch closed before any would have no tree and could never be
      // proposed (the vault refuses an empty root), and every later epoch would wait behind it.
      if (!(await this.store.hasConfirmedEarnings())) {
        throw new SettlementError("no node has earned yet: nothing to settle, the epoch stays open");
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

  /**
   * Caps a closed or built epoch's emission to what the vault allows now and builds its tree if it has none or the
   * cap changed its leaves (same inputs, same leaves: a crash or a second look rebuilds nothing).
   */
  private async prepare(initial: EpochRecord, progress: Progress): Promise<EpochRecord> {
    let record = initial;
    if (record.leafCount === 0) {
      throw new SettlementError(`epoch ${record.epoch} has no nodes; nothing to settle (wait for nodes to sign in)`);
    }
    let leaves = await this.store.epochLeaves(record.epoch);
    const previous = record.epoch > 1 ? await this.store.getEpoch(record.epoch - 1) : undefined;
    const before = new Map<string, bigint>();
    for (const leaf of previous ? await this.store.epochLeaves(previous.epoch) : []) {
      before.set(leaf.account, leaf.cumulativeAmount);
    }
    const budget = await this.emissionBudget(totalOf([...before.values()]));
    const capped = capEmission({
      earned: leaves.map((leaf) => leaf.earnedWei),
      previous: leaves.map((leaf) => before.get(leaf.account) ?? 0n),
      networkOwed: (record.networkCredits ?? 0n) + (previous?.networkCarryWei ?? 0n),
      budget,
    });
    const changed = leaves.flatMap((leaf, i) => {
      const amount = capped.amounts[i] ?? leaf.cumulativeAmount;
      return amount === leaf.cumulativeAmount ? [] : [{ index: leaf.index, cumulativeAmount: amount }];
    });
    const cumulativeTotal = totalOf(capped.amounts);
    if (
      changed.length > 0 ||
      record.cumulativeTotal !== cumulativeTotal ||
      record.networkShare !== capped.networkShare ||
      record.carryWei !== capped.carryWei ||
      record.networkCarryWei !== capped.networkCarryWei
    ) {
      record = await this.store.saveEpochEmission(record.epoch, { leaves: changed, cumulativeTotal, ...capped });
      leaves = leaves.map((leaf, i) => ({ ...leaf, cumulativeAmount: capped.amounts[i] ?? leaf.cumulativeAmount }));
      if (capped.carryWei > 0n) {
        this.log.warn(
          { epoch: record.epoch, budget: String(budget), carryWei: capped.carryWei.toString() },
          "epoch emission capped to what the vault allows; the rest carries into the next epoch",
        );
      }
    }
    if (record.status === "closed") record = await this.build(record, leaves, progress);
    return record;
  }

  /** What the vault lets this epoch emit now (null without a chain: nothing to cap against). */
  private async emissionBudget(previousTotal: bigint): Promise<bigint | null> {
    if (!this.chain) return null;
    return emissionBudget(await readVaultBudget(this.chain.publicClient, this.chain.vault), previousTotal);
  }

  /** Builds and stores the tree of a closed epoch (rebuilding is harmless: same leaves, same tree). */
  private async build(record: EpochRecord, leaves: LeafRecord[], progress: Progress): Promise<EpochRecord> {
    const tree: EpochTree = await buildEpochTreeParallel(leaves.map(leafState), leaves.length, (fraction) =>
      progress("building tree", fraction),
    );
    if (record.cumulativeTotal === null || record.networkShare === null) {
      throw new SettlementError(`epoch ${record.epoch} has no emission yet`);
    }
    progress("hashing the epoch file");
    // The proposal's contentHash is the hash of the file the API publishes (epoch-file.ts), so anyone can check it.
    const contentHash = await epochFileHash(
      {
        epoch: record.epoch,
        root: tree.root,
        cumulativeTotal: record.cumulativeTotal,
        networkShare: record.networkShare,
        leafCount: leaves.length,
      },
      leaves.map(leafState),
    );
    progress("storing tree and proofs");
    await this.store.saveEpochTree(record.epoch, tree.root, contentHash, tree.layers);
    this.log.info({ epoch: record.epoch, root: tree.root }, "epoch tree built");
    publishStep("built", record.epoch);
    return this.requireEpoch(record.epoch);
  }

  private async requireEpoch(epoch: number): Promise<EpochRecord> {
    const record = await this.store.getEpoch(epoch);
    if (!record) throw new SettlementError(`no epoch ${epoch}`);
    return record;
  }

  /** Drives every closed epoch as far as it can go: cap and build, propose, track finality. */
  advance(progress: Progress = () => {}): Promise<EpochRecord[]> {
    return this.exclusive(async () => {
      const touched: EpochRecord[] = [];
      const unsettled = await this.unsettled();
      // Another process (the CLI's `epoch resolve`) may have settled the stuck epoch since.
      if (this.stuckProposal && !unsettled.some((e) => e.epoch === this.stuckProposal?.epoch && e.proposalError)) {
        this.unstick();
      }
      for (const record of unsettled) {
        let reached: EpochRecord;
        try {
          reached = await this.settle(record, progress);
        } catch (error) {
          // Another settler (the leader after this one, the CLI) moved the epoch on meanwhile: its step stands, this
          // one wrote nothing, and the next round goes on from what is stored.
          if (!(error instanceof EpochMovedError)) throw error;
          this.log.warn({ epoch: record.epoch, reason: error.message }, "epoch moved on by another settler");
          break;
        }
        touched.push(reached);
        // Without a key, trees are still built so the operator can inspect them.
        if (!this.chain?.walletClient) continue;
        // Strictly in order: a later epoch waits until this one is final (a vetoed one waits for the operator).
        if (reached.status !== "final") break;
      }
      return touched;
    });
  }

  /** Closed epochs not final yet, oldest first. */
  private async unsettled(): Promise<EpochRecord[]> {
    const epochs = await this.store.listEpochs(1_000_000);
    return epochs.filter((e) => e.status !== "open" && e.status !== "final").reverse();
  }

  /** Takes one epoch as far as it can go now. Failures come out short: a chain error's text, never its ABI. */
  private async settle(initial: EpochRecord, progress: Progress): Promise<EpochRecord> {
    let record = initial;
    const withKey = Boolean(this.chain?.walletClient);
    try {
      // A built epoch is capped again before it is proposed: the vault's limits may have changed since its build.
      if (record.status === "closed" || (record.status === "built" && withKey)) {
        record = await this.prepare(record, progress);
      }
      if (!withKey) return record;
      if (record.status === "built" || record.status === "proposing") record = await this.propose(record, progress);
      if (record.status === "proposed") record = await this.track(record);
      return record;
    } catch (error) {
      if (error instanceof RelayerError) throw error;
      throw new SettlementError(`settlement of epoch ${record.epoch} stopped: ${revertReason(error)}`);
    }
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

  private proposeArgs(record: EpochRecord): ProposeArgs {
    if (!record.root || record.cumulativeTotal === null || record.networkShare === null || !record.contentHash) {
      throw new SettlementError(`epoch ${record.epoch} has no tree yet`);
    }
    return [BigInt(record.epoch), record.root, record.cumulativeTotal, record.networkShare, record.contentHash];
  }

  /** A dry run of `proposeEpoch`: the vault's refusal (name for metrics, `Name(args)` for people), or null. */
  private async refusalOf(args: ProposeArgs): Promise<{ name: string; reason: string } | null> {
    const { publicClient, walletClient, vault } = this.requireChain();
    try {
      await publicClient.simulateContract({
        address: vault,
        abi: rewardsVaultAbi,
        functionName: "proposeEpoch",
        args,
        account: walletClient.account,
      });
      return null;
    } catch (error) {
      const name = revertName(error);
      // No revert: the chain did not answer. Not the vault's refusal, so not a stuck proposal; settlement retries.
      if (name === null) {
        throw new SettlementError(`dry run of proposeEpoch(${args[0]}) failed: ${revertReason(error)}`);
      }
      return { name, reason: revertReason(error) };
    }
  }

  private async propose(initial: EpochRecord, progress: Progress): Promise<EpochRecord> {
    const { publicClient, walletClient, vault } = this.requireChain();
    let record = initial;
    const args = this.proposeArgs(record);
    const root = args[1];

    // Already on-chain with our root (a crash after broadcast, before we recorded it)? Then it is proposed.
    const onChain = await this.onChainEpoch(record.epoch);
    if (
      onChain.root.toLowerCase() === root.toLowerCase() &&
      (onChain.status === VAULT_EPOCH_STATUS.Pending ||
        onChain.status === VAULT_EPOCH_STATUS.Disputed ||
        onChain.status === VAULT_EPOCH_STATUS.Final)
    ) {
      return this.landed(record);
    }

    if (record.status === "proposing" && record.txHash && record.rawTx) {
      progress(`re-checking proposal ${record.txHash}`);
      const receipt = await publicClient.getTransactionReceipt({ hash: record.txHash }).catch(() => null);
      if (receipt) return this.afterReceipt(record, receipt.status);
      progress(`re-broadcasting proposal ${record.txHash}`);
      try {
        await publicClient.sendRawTransaction({ serializedTransaction: record.rawTx });
      } catch (error) {
        this.log.warn({ epoch: record.epoch, reason: revertReason(error) }, "re-broadcast refused; checking the chain");
      }
      const mined = await publicClient
        .waitForTransactionReceipt({ hash: record.txHash, confirmations: this.confirmations, timeout: 30_000 })
        .catch(() => null);
      if (mined) return this.afterReceipt(record, mined.status);
      // The nonce went to another transaction and ours can never land: sign afresh.
      this.log.warn({ epoch: record.epoch }, "stored proposal never landed; signing a new one");
      record = await this.store.updateEpoch(record.epoch, { status: "built", txHash: null, rawTx: null }, record);
    }

    // Dry run first: a refusal (paused, role revoked, previous epoch still in its window) costs nothing and says why.
    const refusal = await this.refusalOf(args);
    if (refusal) return this.refused(record, refusal);
    progress(`signing proposal of epoch ${record.epoch}`);
    const request = await walletClient.prepareTransactionRequest({
      to: vault,
      data: encodeFunctionData({ abi: rewardsVaultAbi, functionName: "proposeEpoch", args }),
      account: walletClient.account,
      chain: walletClient.chain,
    });
    const rawTx = await walletClient.signTransaction(request);
    const txHash = keccak256(rawTx);
    // Stored before broadcast: from here a restart re-sends this exact transaction, never a second one. Stored only
    // if the epoch is still as read: of two settlers overlapping, one stores its proposal and broadcasts it, and the
    // other stops here (EpochMovedError) without sending its own.
    record = await this.store.updateEpoch(
      record.epoch,
      { status: "proposing", rawTx, txHash, proposalError: null },
      record,
    );
    publishStep("signed", record.epoch);
    progress(`broadcasting proposal ${txHash}`);
    await publicClient.sendRawTransaction({ serializedTransaction: rawTx });
    this.metrics.epochsProposed.inc();
    publishStep("broadcast", record.epoch);
    progress("waiting for the receipt");
    const receipt = await publicClient.waitForTransactionReceipt({ hash: txHash, confirmations: this.confirmations });
    return this.afterReceipt(record, receipt.status);
  }

  /**
   * The vault would refuse the proposal: kept on the epoch (API, `status`, `epoch resolve`), counted by reason,
   * logged once per new reason (settlement retries it on every round; the gauge says it is still stuck).
   */
  private async refused(record: EpochRecord, refusal: { name: string; reason: string }): Promise<EpochRecord> {
    this.metrics.proposalRefusals.inc({ reason: refusal.name });
    this.metrics.stuckEpoch.set(record.epoch);
    const known = this.stuckProposal;
    if (known?.epoch !== record.epoch || known.reason !== refusal.reason) {
      this.log.error(
        { epoch: record.epoch, reason: refusal.reason },
        "the vault would refuse this epoch's proposal; later epochs wait (`epoch resolve` shows why)",
      );
    }
    this.stuckProposal = { epoch: record.epoch, reason: refusal.reason };
    return this.store.updateEpoch(record.epoch, { proposalError: refusal.reason }, record);
  }

  private async afterReceipt(record: EpochRecord, status: "success" | "reverted"): Promise<EpochRecord> {
    if (status === "reverted") {
      this.log.error({ epoch: record.epoch, tx: record.txHash }, "proposal reverted");
      await this.store.updateEpoch(record.epoch, { status: "built", txHash: null, rawTx: null }, record);
      throw new SettlementError(`proposal of epoch ${record.epoch} reverted (tx ${record.txHash})`);
    }
    this.log.info({ epoch: record.epoch, tx: record.txHash }, "epoch proposed");
    return this.track(await this.landed(record));
  }

  private unstick(): void {
    this.stuckProposal = null;
    this.metrics.stuckEpoch.set(0);
  }

  /** The proposal is on-chain: the epoch is proposed and nothing is stuck any more. */
  private async landed(record: EpochRecord): Promise<EpochRecord> {
    const proposed = await this.store.updateEpoch(
      record.epoch,
      { status: "proposed", proposedAt: this.clock.now(), proposalError: null },
      record,
    );
    this.unstick();
    this.events.emit("epoch", { epoch: record.epoch, status: "proposed" });
    return proposed;
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
          this.log.debug({ epoch: record.epoch, reason: revertReason(error) }, "finalizeEpoch not possible yet");
        }
        onChain = await this.onChainEpoch(record.epoch);
      }
    }
    if (onChain.status === VAULT_EPOCH_STATUS.Final) {
      const final = await this.store.updateEpoch(
        record.epoch,
        { status: "final", finalAt: Number(onChain.finalAt) * 1000 },
        record,
      );
      this.events.emit("epoch", { epoch: record.epoch, status: "final" });
      return final;
    }
    if (onChain.status === VAULT_EPOCH_STATUS.Vetoed) {
      this.log.error(
        { epoch: record.epoch },
        "epoch vetoed by a guardian; re-propose with `epoch resolve` after review",
      );
      const vetoed = await this.store.updateEpoch(record.epoch, { status: "vetoed" }, record);
      this.events.emit("epoch", { epoch: record.epoch, status: "vetoed" });
      return vetoed;
    }
    return record;
  }

  /** Re-proposes a vetoed epoch (operator decision, from the CLI). */
  repropose(epoch: number, progress: Progress = () => {}): Promise<EpochRecord> {
    return this.resolve(epoch, progress, "vetoed");
  }

  /**
   * The operator's way out for the oldest unsettled epoch (`epoch resolve`): a vetoed one is proposed again; a
   * closed or built one has its emission capped again with the vault's limits now, its tree rebuilt if that changes
   * it, and is dry-run and proposed; a proposing one resumes its stored transaction (or signs a new one if that can
   * never land). The answer is the epoch as far as it got: still `built` with `proposalError` if the vault refuses.
   */
  resolve(epoch: number, progress: Progress = () => {}, expected?: EpochStatus): Promise<EpochRecord> {
    return this.exclusive(async () => {
      const record = await this.requireEpoch(epoch);
      if (expected && record.status !== expected) {
        throw new SettlementError(`epoch ${epoch} is ${record.status}, not ${expected}`);
      }
      if (record.status === "open" || record.status === "final") {
        throw new SettlementError(`epoch ${epoch} is ${record.status}: nothing to resolve`);
      }
      const first = (await this.unsettled())[0];
      if (first && first.epoch < epoch) {
        throw new SettlementError(`epoch ${first.epoch} (${first.status}) settles first; resolve it before ${epoch}`);
      }
      this.requireChain();
      const reset =
        record.status === "vetoed"
          ? await this.store.updateEpoch(epoch, { status: "built", txHash: null, rawTx: null }, record)
          : record;
      return this.settle(reset, progress);
    });
  }

  /** How the vault sees the epoch's stored proposal now: emission against its cap and pool, and a fresh dry run. */
  async diagnose(epoch: number): Promise<ProposalDiagnosis> {
    const record = await this.requireEpoch(epoch);
    const { publicClient, vault } = this.requireChain();
    const budget = await readVaultBudget(publicClient, vault);
    const built = record.root !== null && record.cumulativeTotal !== null && record.networkShare !== null;
    const waiting = built && (record.status === "built" || record.status === "proposing" || record.status === "vetoed");
    let refusal: string | null = null;
    if (waiting) {
      try {
        refusal = (await this.refusalOf(this.proposeArgs(record)))?.reason ?? null;
      } catch (error) {
        refusal = error instanceof Error ? error.message : String(error);
      }
    }
    return {
      epoch,
      status: record.status,
      emission: built ? (record.cumulativeTotal ?? 0n) - budget.finalTotal + (record.networkShare ?? 0n) : null,
      cap: budget.cap,
      available: budget.available,
      carryWei: record.carryWei,
      refusal,
    };
  }

  /** The proof for `RewardsVault.claim` against the vault's current final root (`claim-proofs.ts`). */
  claimProof(account: Address): Promise<ClaimAnswer> {
    return this.proofs.forAccount(account);
  }
}
