/**
 * The task pump: takes work, runs it on the engine in the node's shared capacity slots (./capacity-slots.ts; each item
 * aborted at its deadline or when the client stops), and answers:
 * - a task to generate: commit (the signed `commitmentHash` of the output and a fresh salt), and once the relayer
 *   acks the commitment, reveal the token ids and the salt;
 * - a claim to verify: score it teacher-forced (`engine.score`), judge it with the agreement rule at the frame's δ,
 *   and send the signed report.
 * Frames stay unacknowledged until the relayer acks them, and are sent again on every new session.
 */
import type { Engine, GenerateResult } from "../engines/engine.ts";
import { commitmentHash, gapMicros, reportHash } from "../protocol/commitment.ts";
import type {
  CommitMessage,
  ReportMessage,
  RevealMessage,
  TaskMessage,
  VerifyMessage,
  WorkMessage,
} from "../protocol/messages.ts";
import { outputHash } from "../protocol/output-hash.ts";
import { PROTOCOL_VERSION } from "../protocol/version.ts";
import { judgeScores } from "../verification/agreement.ts";
import type { CapacitySlots } from "./capacity-slots.ts";
import type { SessionKey } from "./session-key.ts";
import type { EmitEvent, NodeStats } from "./types.ts";

export interface TaskPumpOptions {
  engine: Engine;
  /** The node's capacity, shared with served requests: one slot per work item running. */
  slots: CapacitySlots;
  /** Aborted when the client stops: running work is abandoned. */
  signal: AbortSignal;
  /** The client's counters: `tasksReceived`, `tasksDone`, `tasksFailed`. */
  stats: NodeStats;
  /** The node's address (bound into commitments and reports). */
  node: `0x${string}`;
  /** The current session's key, which signs commitments and reports. */
  sessionKey: () => SessionKey;
  /** Sends a frame on the current session. */
  send: (frame: WorkMessage) => void;
  /** New work arrived (before it is queued). */
  received: (work: TaskMessage | VerifyMessage) => void;
  emit: EmitEvent;
  /** The agreement rule's non-top-1 allowance (the relayer's; defaults to the protocol's 2% / at least 2). */
  rule?: { nonTop1Share?: number; minNonTop1?: number };
}

type Work = TaskMessage | VerifyMessage;

const clampMs = (ms: number) => Math.min(86_400_000, Math.max(0, ms));

function randomSalt(): `0x${string}` {
  const bytes = new Uint8Array(32);
  globalThis.crypto.getRandomValues(bytes);
  return `0x${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

export class TaskPump {
  private readonly options: TaskPumpOptions;
  /** Work being run or waiting for a slot, by task id. */
  private readonly running = new Map<string, Work>();
  private readonly queue: Work[] = [];
  /** Tells the slots that work waits. */
  private readonly wake: () => void;
  /** The frame each task waits to have acked: sent again after a reconnect (the relayer acks duplicates). */
  private readonly pending = new Map<string, WorkMessage>();
  /** A generator's reveal, held until its commitment is acked. */
  private readonly reveals = new Map<string, RevealMessage>();

  constructor(options: TaskPumpOptions) {
    this.options = options;
    this.wake = options.slots.lane(() => {
      const work = this.queue.shift();
      if (!work) return null;
      return () => this.execute(work).finally(() => this.running.delete(work.taskId));
    });
  }

  /** Frames not acknowledged yet. */
  unacked(): Iterable<WorkMessage> {
    return this.pending.values();
  }

  /** Whether the work is being run or waits for a slot. */
  has(taskId: string): boolean {
    return this.running.has(taskId);
  }

  /** Takes work; work sent again after a reconnect gets its pending frame again, work already running is ignored. */
  accept(work: Work): void {
    const pending = this.pending.get(work.taskId);
    if (pending) {
      this.options.send(pending);
      return;
    }
    if (this.running.has(work.taskId)) return;
    this.options.stats.tasksReceived++;
    this.running.set(work.taskId, work);
    this.options.received(work);
    // Verifications go first: one prefill each, and claims wait on them (the relayer may send a node more
    // verifications than its capacity for that reason).
    if (work.type === "verify") this.queue.unshift(work);
    else this.queue.push(work);
    this.wake();
  }

  /** The relayer acked a frame: a commitment's ack releases the reveal; any other ends the task's work here. */
  acked(taskId: string, of: "commit" | "reveal" | "report"): void {
    const pending = this.pending.get(taskId);
    if (!pending || pending.type !== of) return;
    const reveal = of === "commit" ? this.reveals.get(taskId) : undefined;
    if (reveal) {
      this.reveals.delete(taskId);
      this.pending.set(taskId, reveal);
      this.options.send(reveal);
      return;
    }
    this.pending.delete(taskId);
  }

  /** The relayer will never take this task's frames (late, unknown task): stop sending them. */
  release(taskId: string): void {
    this.pending.delete(taskId);
    this.reveals.delete(taskId);
  }

  private async execute(work: Work): Promise<void> {
    const { signal, stats, emit } = this.options;
    if (signal.aborted) return;
    const controller = new AbortController();
    const onStop = () => controller.abort(new Error("client stopped"));
    signal.addEventListener("abort", onStop, { once: true });
    const timer = setTimeout(
      () => controller.abort(new Error("task deadline passed")),
      Math.max(0, work.deadline - Date.now()),
    );
    try {
      if (work.type === "task") await this.generate(work, controller.signal);
      else await this.verify(work, controller.signal);
      if (!controller.signal.aborted) stats.tasksDone++;
    } catch (error) {
      if (signal.aborted) return;
      stats.tasksFailed++;
      emit("error", new Error(`task ${work.taskId} failed: ${(error as Error).message}`));
    } finally {
      clearTimeout(timer);
      signal.removeEventListener("abort", onStop);
    }
  }

  private async generate(task: TaskMessage, signal: AbortSignal): Promise<void> {
    const { engine, node } = this.options;
    const output: GenerateResult = await engine.generate(
      { model: task.model, input: task.input, maxTokens: task.maxTokens, seed: task.seed },
      signal,
    );
    if (signal.aborted) return;
    const salt = randomSalt();
    const hash = outputHash(output.tokenIds);
    const commitment = commitmentHash({
      taskId: task.taskId,
      node,
      outputHash: hash,
      tokenCount: output.tokenIds.length,
      salt,
    });
    const commit: CommitMessage = {
      type: "commit",
      v: PROTOCOL_VERSION,
      taskId: task.taskId,
      commitment,
      signature: await this.options.sessionKey().sign(commitment),
    };
    const reveal: RevealMessage = {
      type: "reveal",
      v: PROTOCOL_VERSION,
      taskId: task.taskId,
      tokenIds: output.tokenIds,
      salt,
      timings: { queueMs: clampMs(output.timings.queueMs), inferenceMs: clampMs(output.timings.inferenceMs) },
    };
    this.reveals.set(task.taskId, reveal);
    this.pending.set(task.taskId, commit);
    this.options.send(commit);
    this.options.emit("result", { task, output, outputHash: hash });
  }

  private async verify(claim: VerifyMessage, signal: AbortSignal): Promise<void> {
    const { engine, node } = this.options;
    if (!engine.score) throw new Error(`engine ${engine.name} cannot verify (no teacher-forced scoring)`);
    const scores = await engine.score(
      {
        model: claim.model,
        input: claim.input,
        tokenIds: claim.tokenIds,
        maxTokens: claim.maxTokens,
        ...(claim.prefix ? { prefix: claim.prefix } : {}),
      },
      signal,
    );
    if (signal.aborted) return;
    // A claim may carry its own non-top-1 allowance (a sampled served request allows any share).
    const report = judgeScores(scores, {
      delta: claim.delta,
      ...this.options.rule,
      ...(claim.nonTop1Share !== undefined ? { nonTop1Share: claim.nonTop1Share } : {}),
    });
    const fields = {
      taskId: claim.taskId,
      node,
      claimHash: outputHash(claim.tokenIds),
      pass: report.pass,
      firstFailingPosition: report.firstFailingPosition ?? -1,
      nonTop1: report.nonTop1,
      maxGapMicros: gapMicros(report.maxGap),
      scored: report.scored,
    };
    const { node: _signer, ...reported } = fields;
    const message: ReportMessage = {
      type: "report",
      v: PROTOCOL_VERSION,
      ...reported,
      signature: await this.options.sessionKey().sign(reportHash(fields)),
      timings: { queueMs: clampMs(scores.timings.queueMs), inferenceMs: clampMs(scores.timings.inferenceMs) },
    };
    this.pending.set(claim.taskId, message);
    this.options.send(message);
    this.options.emit("report", { claim, report });
  }
}
