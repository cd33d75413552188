import { type AgreementRule, PROTOCOL_VERSION } from "@gitblock/sdk";
import type { Address } from "viem";
import type { Clock } from "../clock.ts";
import type { RelayerConfig } from "../config/schema.ts";
import { isBanned } from "../economics/reputation.ts";
import type { RelayerEvents } from "../events.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import { busySlots, type NodeRegistry } from "../presence/registry.ts";
import { verifyMessage } from "../scheduler/task-frames.ts";
import type { NodeRecord, Store, TaskRecord } from "../store/types.ts";
import { drawWeighted } from "./draw.ts";
import { type Judgement, judgeTask } from "./judge-task.ts";
import { alterClaim } from "./trap.ts";
import { type TrustPolicy, verifierCount, verifierWeight } from "./weight.ts";

/** A stage that could draw nobody is tried again this soon (slots free up as nodes answer). */
const DRAW_RETRY_MS = 1_000;

/** Bonds as the judge reads them: the last value known for a node (`relayer/src/bonds`), 0 when unknown. */
export type BondOf = (node: Address) => bigint;

/** The agreement rule for a model: its calibrated δ from the config, or the default. */
export function agreementRule(config: RelayerConfig["verification"], model: string): AgreementRule {
  return {
    delta: config.models[model]?.delta ?? config.defaultDelta,
    nonTop1Share: config.nonTop1Share,
    minNonTop1: config.minNonTop1,
  };
}

/**
 * The rule a claim is judged by: its model's, except for a served answer sampled at temperature T > 0, whose tokens
 * may be runners-up anywhere (no non-top-1 limit) but must lie within δ + T × `sampledGapNats` of the top-1.
 */
export function claimRule(
  config: RelayerConfig["verification"],
  task: Pick<TaskRecord, "model" | "temperature">,
): AgreementRule {
  const rule = agreementRule(config, task.model);
  const temperature = task.temperature ?? 0;
  if (temperature <= 0) return rule;
  return { ...rule, delta: rule.delta + temperature * config.sampledGapNats, nonTop1Share: 1 };
}

/**
 * Drives tasks through their stages (see judge-task.ts) once a stage's answers are in or its deadline passed: draws
 * verifiers after a reveal and sends them the claim, sends disputes to the dispute tier, and, when a task is final,
 * tells every node concerned its verdict, frees capacity, and withdraws the open assignments of nodes it banned. The
 * decision runs inside the store's transaction, so a task's stage is judged exactly once even when the sweep and a
 * last answer race.
 */
export class TaskJudge {
  private readonly store: Store;
  private readonly registry: NodeRegistry;
  private readonly clock: Clock;
  private readonly events: RelayerEvents;
  private readonly metrics: Metrics;
  private readonly log: Logger;
  private readonly config: RelayerConfig["verification"];
  private readonly trust: TrustPolicy;
  private readonly ratePerTokenWei: bigint;
  private readonly bondOf: BondOf;
  private readonly random: () => number;
  private readonly onCapacityFreed: () => void;
  /** A node was proven wrong (its claim rejected, or its report contradicted): slash its bond, where bonds exist. */
  private readonly onProvenWrong: (node: Address, taskId: string) => void;
  private readonly references: Set<string>;

  constructor(options: {
    store: Store;
    registry: NodeRegistry;
    clock: Clock;
    events: RelayerEvents;
    metrics: Metrics;
    log: Logger;
    config: RelayerConfig["verification"];
    trust: TrustPolicy;
    ratePerTokenWei: bigint;
    bondOf?: BondOf;
    random?: () => number;
    onCapacityFreed: () => void;
    onProvenWrong?: (node: Address, taskId: string) => void;
  }) {
    this.store = options.store;
    this.registry = options.registry;
    this.clock = options.clock;
    this.events = options.events;
    this.metrics = options.metrics;
    this.log = options.log;
    this.config = options.config;
    this.trust = options.trust;
    this.ratePerTokenWei = options.ratePerTokenWei;
    this.bondOf = options.bondOf ?? (() => 0n);
    this.random = options.random ?? Math.random;
    this.onCapacityFreed = options.onCapacityFreed;
    this.onProvenWrong = options.onProvenWrong ?? (() => {});
    this.references = new Set(options.config.referenceVerifiers.map((a) => a.toLowerCase()));
  }

  private queued = new Set<string>();
  private flushTimer: NodeJS.Timeout | null = null;
  private flushing = false;
  /** Judging transactions run one at a time (see judgeMany). */
  private lane: Promise<unknown> = Promise.resolve();

  /**
   * Judges soon, batched with other tasks completing in the same few ms (one commit for all of them). While a batch
   * is being judged, what completes meanwhile waits for the next one, so batches grow with the load instead of
   * piling up as concurrent transactions.
   */
  enqueue(taskIds: readonly string[]): void {
    for (const id of taskIds) this.queued.add(id);
    if (this.flushTimer || this.flushing) return;
    this.flushTimer = setTimeout(async () => {
      this.flushTimer = null;
      this.flushing = true;
      try {
        while (this.queued.size > 0) {
          const ids = [...this.queued];
          this.queued.clear();
          await this.judgeMany(ids).catch((error: unknown) =>
            this.log.error({ err: error, tasks: ids.length }, "judging tasks failed; the sweep will retry"),
          );
        }
      } finally {
        this.flushing = false;
      }
    }, 3);
  }

  async judge(taskId: string): Promise<Judgement | undefined> {
    return (await this.judgeMany([taskId]))[0];
  }

  /** A node's weight as a verifier now. */
  weightOf(node: Pick<NodeRecord, "address" | "reputationBps" | "tasksValidated">): number {
    if (this.references.has(node.address.toLowerCase())) return 1;
    return verifierWeight(node, this.bondOf(node.address), this.trust);
  }

  /**
   * Judges several tasks' stages in one transaction (one fsync), then sends what the judgements call for. One at a
   * time: judging locks the nodes of every task in the batch, and random verifier draws make any two batches share
   * nodes, so on PostgreSQL concurrent judging transactions mostly waited on each other's row locks (a saturated
   * bench:relayer ingest stalled past the task deadlines).
   */
  judgeMany(taskIds: readonly string[]): Promise<Judgement[]> {
    if (taskIds.length === 0) return Promise.resolve([]);
    const run = this.lane.then(() => this.judgeNow(taskIds));
    this.lane = run.catch(() => {});
    return run;
  }

  private async judgeNow(taskIds: readonly string[]): Promise<Judgement[]> {
    const now = this.clock.now();
    const tasks = new Map<string, TaskRecord>();
    const reserved: Array<{ node: Address; taskId: string }> = [];
    let judged: Array<{ taskId: string; judgement: Judgement }>;
    try {
      judged = await this.store.judgeTasks(taskIds, now, (snapshot) => {
        tasks.set(snapshot.task.id, snapshot.task);
        const model = snapshot.task.model;
        return judgeTask(snapshot, {
          now,
          quorumBps: this.config.quorumBps,
          ratePerTokenWei: this.ratePerTokenWei,
          verifyRateBps: this.config.verifyRateBps,
          rule: claimRule(this.config, snapshot.task),
          closeCallShare: this.config.closeCallShare,
          strikes: { windowMs: this.config.strikeWindowMs },
          verifyDeadline: now + this.config.verifyTimeoutMs,
          retryDrawAt: now + DRAW_RETRY_MS,
          verifyGiveUpAt: (task) => (task.assignedAt ?? task.createdAt) + this.config.giveUpAfterMs,
          weightOf: (node) => this.weightOf(node),
          verifierCount: (node) => verifierCount(node, this.bondOf(node.address), this.trust),
          draw: (role, count, exclude) => {
            const drawn = this.draw(role, model, count, exclude, now);
            // Reserved at once, so the next task in this batch does not draw a slot already taken.
            for (const node of drawn) {
              this.registry.get(node)?.inflight.add(snapshot.task.id);
              reserved.push({ node, taskId: snapshot.task.id });
            }
            return drawn;
          },
          trap: this.config.trapRate > 0 && this.random() < this.config.trapRate,
          audit: this.config.challengeRate > 0 && this.random() < this.config.challengeRate,
          alterClaim: (claim) =>
            alterClaim(claim, this.random, {
              nonTop1Share: this.config.nonTop1Share,
              minNonTop1: this.config.minNonTop1,
            }),
        });
      });
    } catch (error) {
      for (const { node, taskId } of reserved) this.registry.get(node)?.inflight.delete(taskId);
      throw error;
    }
    let freed = false;
    const withdraw: Address[] = [];
    for (const { taskId, judgement } of judged) {
      const task = tasks.get(taskId) as TaskRecord;
      if (judgement.task.status === "queued")
        freed = true; // a withdrawn generator's task, to draw again
      else if (judgement.final) {
        freed = true;
        withdraw.push(...this.announce(task, judgement, now));
      } else this.dispatchStage(task, judgement);
    }
    // A drawn node whose stage write did not happen (the task was no longer in flight) gets its slot back.
    const written = new Set(judged.flatMap((j) => j.judgement.newAssignments.map((a) => `${j.taskId} ${a.node}`)));
    for (const { node, taskId } of reserved) {
      if (!written.has(`${taskId} ${node}`)) this.registry.get(node)?.inflight.delete(taskId);
    }
    for (const node of withdraw) {
      const tasksOfNode = await this.store.withdrawAssignments(node, now);
      for (const id of tasksOfNode) this.registry.get(node)?.inflight.delete(id);
      if (tasksOfNode.length > 0) this.enqueue(tasksOfNode);
    }
    if (freed) this.onCapacityFreed();
    return judged.map((j) => j.judgement);
  }

  /** Candidates for a draw: connected, ready for the model, able to verify, free, unbanned, of a new operator. */
  private draw(
    role: "verify" | "dispute",
    model: string,
    count: number,
    exclude: ReadonlySet<string>,
    now: number,
  ): Address[] {
    const excludedOperators = new Set<string>();
    for (const address of exclude) {
      const presence = this.registry.get(address as Address);
      excludedOperators.add(presence?.record.operator ?? address);
    }
    const candidates = [];
    for (const presence of this.registry.all()) {
      const ready = presence.ready;
      // Verification may overflow a node's capacity by as much again: it is one prefill, and waiting for a free slot
      // would starve claims whenever generation keeps every slot busy (the node runs verifications first).
      if (!ready?.verify || !ready.models.has(model) || busySlots(presence) >= ready.capacity * 2) continue;
      if (exclude.has(presence.address) || excludedOperators.has(presence.record.operator)) continue;
      if (isBanned(presence.record, now)) continue;
      const reference = this.references.has(presence.address.toLowerCase());
      // The dispute tier decides disputes and does not take ordinary verification (its capacity stays for disputes).
      if ((role === "dispute") !== reference) continue;
      candidates.push({ item: presence, weight: this.weightOf(presence.record), operator: presence.record.operator });
    }
    return drawWeighted(candidates, count, this.random).map((presence) => presence.address);
  }

  /** Sends the claim to the verifiers (or the dispute tier) a stage drew. */
  private dispatchStage(task: TaskRecord, judgement: Judgement): void {
    const rule = claimRule(this.config, task);
    for (const drawn of judgement.newAssignments) {
      // The slot was reserved when the node was drawn (inside the judgement).
      const claim = drawn.trapTokenIds ?? judgement.claim ?? [];
      this.registry.send(drawn.node, verifyMessage(task, claim, rule, drawn.role === "dispute", drawn.deadline));
    }
    if (judgement.newAssignments.length > 0) this.metrics.tasksDispatched.inc(judgement.newAssignments.length);
  }

  /** A final task: verdicts to every node concerned. Returns the nodes this task banned. */
  private announce(task: TaskRecord, decision: Judgement, now: number): Address[] {
    const banned: Address[] = [];
    for (const node of decision.nodes) this.registry.updateRecord(node);
    for (const judged of decision.verdicts) {
      // What the node was paid, after a publisher's share the store took from a generator's credit (its assignment).
      const paid = decision.assignments.find((a) => a.node === judged.node)?.rewardWei ?? judged.rewardWei;
      const verdict = { ...judged, rewardWei: paid };
      const presence = this.registry.get(verdict.node);
      if (presence) {
        presence.inflight.delete(task.id);
        if (verdict.internalOutcome === "timeout") presence.lastTimeoutAt = now;
      }
      if (verdict.internalOutcome === "wrong" || verdict.internalOutcome === "failed_challenge") {
        // The store has revoked its validated claims of the open epoch in the same transaction (store.revokeClaims).
        this.log.info(
          { node: verdict.node, task: task.id },
          "node proven wrong; its validated claims this epoch revoked",
        );
        this.onProvenWrong(verdict.node, task.id);
      }
      this.registry.send(verdict.node, {
        type: "verdict",
        v: PROTOCOL_VERSION,
        taskId: task.id,
        outcome: verdict.outcome,
        reputationBps: verdict.reputationBps,
        strikes: verdict.strikes,
        rewardWei: verdict.rewardWei.toString(),
        ...(verdict.newlyBanned && verdict.bannedUntil !== null ? { bannedUntil: verdict.bannedUntil } : {}),
      });
      if (verdict.newlyBanned) {
        banned.push(verdict.node);
        this.log.warn({ node: verdict.node, bannedUntil: verdict.bannedUntil }, "node banned after 3 strikes");
      }
      // A failed challenge counts as "wrong" here too: /metrics must not name which tasks were challenges.
      this.metrics.verdicts.inc({ outcome: verdict.outcome });
      this.events.emit("verdict", {
        taskId: task.id,
        node: verdict.node,
        outcome: verdict.outcome,
        rewardWei: verdict.rewardWei,
        reputationBps: verdict.reputationBps,
        strikes: verdict.strikes,
        bannedUntil: verdict.bannedUntil,
      });
    }
    this.events.emit("task", { taskId: task.id, status: decision.task.status, model: task.model });
    return banned;
  }

  /** Judges every task whose stage deadline passed or whose stage answers are all in. */
  async sweep(): Promise<number> {
    let judged = 0;
    for (;;) {
      const due = await this.store.dueTasks(this.clock.now(), 500);
      judged += (await this.judgeMany(due)).length;
      if (due.length < 500) return judged;
    }
  }
}
