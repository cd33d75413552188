/**
 * Verdicts: tallies each task's verdict once (pushed by the relayer, or recovered from the task API after the node
 * was away), and keeps the client's earnings and standing.
 */
import type { Address } from "viem";
import { ApiError, type RelayerApi } from "../api/client.ts";
import type { VerdictMessage } from "../protocol/messages.ts";
import { PROTOCOL_VERSION } from "../protocol/version.ts";
import type { EmitEvent, NodeStats } from "./types.ts";

/** A task whose verdict has not come this long after its deadline is taken as never settled. */
const GIVE_UP_AFTER_MS = 600_000;
/** Tasks remembered as judged (a recovered verdict that is also pushed counts once); trimmed to half when full. */
const JUDGED_MAX = 10_000;
const JUDGED_OUTCOMES: readonly string[] = ["correct", "wrong", "timeout", "inconclusive"];

export interface VerdictsOptions {
  /** The client's counters: outcomes, `earnedWei`, `reputationBps`, `strikes`. */
  stats: NodeStats;
  emit: EmitEvent;
  /** A verdict carried a ban. */
  banned: (until: number) => void;
}

export class Verdicts {
  private readonly options: VerdictsOptions;
  /** Tasks received and not yet judged: task id → deadline. A verdict missed while disconnected is recovered. */
  private readonly awaiting = new Map<string, number>();
  /** Tasks already judged (bounded). */
  private readonly judged = new Set<string>();

  constructor(options: VerdictsOptions) {
    this.options = options;
  }

  /** Tasks received whose verdict has not arrived yet. */
  get awaitingCount(): number {
    return this.awaiting.size;
  }

  /** A task was received: its verdict is due after `deadline`. */
  expect(taskId: string, deadline: number): void {
    this.awaiting.set(taskId, deadline);
  }

  /** Counts a verdict (once per task) and raises `verdict` and `balance`. */
  record(message: VerdictMessage, recovered = false): void {
    if (this.judged.has(message.taskId)) return;
    this.judged.add(message.taskId);
    if (this.judged.size > JUDGED_MAX) {
      for (const old of this.judged) {
        this.judged.delete(old);
        if (this.judged.size <= JUDGED_MAX / 2) break;
      }
    }
    this.awaiting.delete(message.taskId);
    const { stats, emit } = this.options;
    const reward = BigInt(message.rewardWei);
    if (message.outcome === "correct") stats.accepted++;
    else if (message.outcome === "wrong") stats.rejected++;
    else if (message.outcome === "timeout") stats.timeouts++;
    else stats.inconclusive++;
    stats.earnedWei += reward;
    stats.reputationBps = message.reputationBps;
    stats.strikes = message.strikes;
    emit("verdict", message, { recovered });
    emit("balance", {
      earnedWei: stats.earnedWei,
      rewardWei: reward,
      reputationBps: message.reputationBps,
      strikes: message.strikes,
    });
    if (message.bannedUntil !== undefined) this.options.banned(message.bannedUntil);
  }

  /**
   * Looks up, in the task API, the tasks that are not running any more and still lack a verdict: a settled task
   * lists each node's outcome. Reputation and strikes come from the node's profile.
   */
  async recover(
    api: RelayerApi,
    account: Address,
    options: { running: (taskId: string) => boolean; signal: AbortSignal },
  ) {
    const now = Date.now();
    for (const [taskId, deadline] of this.awaiting) {
      if (deadline < now - GIVE_UP_AFTER_MS) this.awaiting.delete(taskId); // never settled: stop asking
    }
    const due = [...this.awaiting.keys()].filter((taskId) => !options.running(taskId));
    if (due.length === 0) return;
    const profile = await api.profile(account);
    const { stats } = this.options;
    for (const taskId of due) {
      if (options.signal.aborted) return;
      // A task the API cannot answer for now is asked about again after the next reconnect.
      const task = await api.task(taskId).catch((error: unknown) => {
        if (error instanceof ApiError) return null;
        throw error;
      });
      if (!task?.judgedAt) continue;
      const mine = task.assignments.find((a) => a.node.toLowerCase() === account.toLowerCase());
      if (!mine || !JUDGED_OUTCOMES.includes(mine.status)) continue;
      this.record(
        {
          type: "verdict",
          v: PROTOCOL_VERSION,
          taskId,
          outcome: mine.status as VerdictMessage["outcome"],
          reputationBps: Number(profile?.reputationBps ?? stats.reputationBps ?? 0),
          strikes: Number(profile?.strikes ?? stats.strikes ?? 0),
          rewardWei: String(mine.rewardWei),
        },
        true,
      );
    }
  }
}
