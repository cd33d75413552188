import { PROTOCOL_VERSION } from "@gitblock/sdk";
import type { Clock } from "../clock.ts";
import type { RelayerEvents } from "../events.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import type { NodeRegistry } from "../presence/registry.ts";
import type { Store } from "../store/types.ts";
import { type Judgement, judgeTask } from "./judge-task.ts";

/**
 * Judges tasks once every assigned node has answered or the deadline passed (silence becomes a timeout), then
 * tells each node its verdict and frees its capacity. The decision runs inside the store's transaction, so a
 * task is judged exactly once even when the sweep and a last result race.
 */
export class TaskJudge {
  private readonly store: Store;
  private readonly registry: NodeRegistry;
  private readonly clock: Clock;
  private readonly events: RelayerEvents;
  private readonly metrics: Metrics;
  private readonly log: Logger;
  private readonly quorumBps: number;
  private readonly ratePerTokenWei: bigint;
  private readonly onCapacityFreed: () => void;

  constructor(options: {
    store: Store;
    registry: NodeRegistry;
    clock: Clock;
    events: RelayerEvents;
    metrics: Metrics;
    log: Logger;
    quorumBps: number;
    ratePerTokenWei: bigint;
    onCapacityFreed: () => void;
  }) {
    this.store = options.store;
    this.registry = options.registry;
    this.clock = options.clock;
    this.events = options.events;
    this.metrics = options.metrics;
    this.log = options.log;
    this.quorumBps = options.quorumBps;
    this.ratePerTokenWei = options.ratePerTokenWei;
    this.onCapacityFreed = options.onCapacityFreed;
  }

  private queued = new Set<string>();
  private flushTimer: NodeJS.Timeout | null = null;

  /** Judges soon, batched with other tasks completing in the same few ms (one commit for all of them). */
  enqueue(taskIds: readonly string[]): void {
    for (const id of taskIds) this.queued.add(id);
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      const ids = [...this.queued];
      this.queued.clear();
      this.judgeMany(ids).catch((error: unknown) =>
        this.log.error({ err: error, tasks: ids.length }, "judging tasks failed; the sweep will retry"),
      );
    }, 3);
  }

  async judge(taskId: string): Promise<Judgement | undefined> {
    return (await this.judgeMany([taskId]))[0];
  }

  /** Judges several tasks in one transaction (one fsync), then notifies every node concerned. */
  async judgeMany(taskIds: readonly string[]): Promise<Judgement[]> {
    if (taskIds.length === 0) return [];
    const now = this.clock.now();
    const models = new Map<string, string>();
    const judged = await this.store.judgeTasks(taskIds, (snapshot) => {
      models.set(snapshot.task.id, snapshot.task.model);
      return judgeTask(snapshot, { quorumBps: this.quorumBps, ratePerTokenWei: this.ratePerTokenWei, now });
    });
    for (const { taskId, judgement } of judged) this.announce(taskId, judgement, models.get(taskId) ?? "", now);
    if (judged.length > 0) this.onCapacityFreed();
    return judged.map((j) => j.judgement);
  }

  private announce(taskId: string, decision: Judgement, model: string, now: number): void {
    for (const node of decision.nodes) this.registry.updateRecord(node);
    for (const verdict of decision.verdicts) {
      const presence = this.registry.get(verdict.node);
      if (presence) {
        presence.inflight.delete(taskId);
        if (verdict.internalOutcome === "timeout") presence.lastTimeoutAt = now;
      }
      this.registry.send(verdict.node, {
        type: "verdict",
        v: PROTOCOL_VERSION,
        taskId,
        outcome: verdict.outcome,
        reputationBps: verdict.reputationBps,
        strikes: verdict.strikes,
        rewardWei: verdict.rewardWei.toString(),
        ...(verdict.newlyBanned && verdict.bannedUntil !== null ? { bannedUntil: verdict.bannedUntil } : {}),
      });
      if (verdict.newlyBanned) {
        this.log.warn({ node: verdict.node, bannedUntil: verdict.bannedUntil }, "node banned after 3 strikes");
      }
      this.metrics.verdicts.inc({ outcome: verdict.internalOutcome });
      this.events.emit("verdict", {
        taskId,
        node: verdict.node,
        outcome: verdict.outcome,
        rewardWei: verdict.rewardWei,
        reputationBps: verdict.reputationBps,
        strikes: verdict.strikes,
        bannedUntil: verdict.bannedUntil,
      });
    }
    this.events.emit("task", { taskId, status: decision.task.status, model });
  }

  /** Judges every task whose deadline passed or whose answers are all in. */
  async sweep(): Promise<number> {
    let judged = 0;
    for (;;) {
      const due = await this.store.dueTasks(this.clock.now(), 500);
      judged += (await this.judgeMany(due)).length;
      if (due.length < 500) return judged;
    }
  }
}
