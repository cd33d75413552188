/**
 * The task pump: takes tasks, runs up to `capacity` of them at once on the engine (each aborted at its deadline or
 * when the client stops), and sends `outputHash(tokenIds)` as the result. Results stay unacknowledged until the
 * relayer acks them, and are sent again on every new session.
 */
import type { Engine } from "../engines/engine.ts";
import type { ResultMessage, TaskMessage } from "../protocol/messages.ts";
import { outputHash } from "../protocol/output-hash.ts";
import { PROTOCOL_VERSION } from "../protocol/version.ts";
import type { EmitEvent, NodeStats } from "./types.ts";

export interface TaskPumpOptions {
  engine: Engine;
  /** Tasks run at once. */
  capacity: number;
  /** Aborted when the client stops: running tasks are abandoned. */
  signal: AbortSignal;
  /** The client's counters: `tasksReceived`, `tasksDone`, `tasksFailed`. */
  stats: NodeStats;
  /** Sends a result on the current session. */
  send: (result: ResultMessage) => void;
  /** A new task arrived (before it is queued). */
  received: (task: TaskMessage) => void;
  emit: EmitEvent;
}

const clampMs = (ms: number) => Math.min(86_400_000, Math.max(0, ms));

export class TaskPump {
  private readonly options: TaskPumpOptions;
  /** Tasks being run or waiting for a slot, by id. */
  private readonly running = new Map<string, TaskMessage>();
  private readonly queue: TaskMessage[] = [];
  private active = 0;
  /** Results sent but not acknowledged: sent again after a reconnect (the relayer acks duplicates). */
  private readonly pending = new Map<string, ResultMessage>();

  constructor(options: TaskPumpOptions) {
    this.options = options;
  }

  /** Results not acknowledged yet. */
  unacked(): Iterable<ResultMessage> {
    return this.pending.values();
  }

  /** Whether the task is being run or waits for a slot. */
  has(taskId: string): boolean {
    return this.running.has(taskId);
  }

  /** Takes a task; one sent again after a reconnect gets its result again, one already running is ignored. */
  accept(task: TaskMessage): void {
    const pending = this.pending.get(task.taskId);
    if (pending) {
      this.options.send(pending);
      return;
    }
    if (this.running.has(task.taskId)) return;
    this.options.stats.tasksReceived++;
    this.running.set(task.taskId, task);
    this.options.received(task);
    this.queue.push(task);
    this.pump();
  }

  /** The relayer acknowledged the result, or will never take it (late, unknown task): stop sending it. */
  release(taskId: string): void {
    this.pending.delete(taskId);
  }

  private pump(): void {
    while (this.active < this.options.capacity && this.queue.length > 0) {
      const task = this.queue.shift() as TaskMessage;
      this.active++;
      this.execute(task).finally(() => {
        this.active--;
        this.running.delete(task.taskId);
        this.pump();
      });
    }
  }

  private async execute(task: TaskMessage): Promise<void> {
    const { engine, signal, stats, emit } = this.options;
    if (signal.aborted) return;
    const controller = new AbortController();
    const onStop = () => controller.abort(new Error("client stopped"));
    signal.addEventListener("abort", onStop, { once: true });
    const timer = setTimeout(
      () => controller.abort(new Error("task deadline passed")),
      Math.max(0, task.deadline - Date.now()),
    );
    try {
      const output = await engine.generate(
        { model: task.model, input: task.input, maxTokens: task.maxTokens, seed: task.seed },
        controller.signal,
      );
      if (controller.signal.aborted) return;
      const result: ResultMessage = {
        type: "result",
        v: PROTOCOL_VERSION,
        taskId: task.taskId,
        outputHash: outputHash(output.tokenIds),
        tokensGenerated: output.tokenIds.length,
        timings: { queueMs: clampMs(output.timings.queueMs), inferenceMs: clampMs(output.timings.inferenceMs) },
      };
      this.pending.set(task.taskId, result);
      stats.tasksDone++;
      this.options.send(result);
      emit("result", { task, result, output });
    } catch (error) {
      if (signal.aborted) return;
      stats.tasksFailed++;
      emit("error", new Error(`task ${task.taskId} failed: ${(error as Error).message}`));
    } finally {
      clearTimeout(timer);
      signal.removeEventListener("abort", onStop);
    }
  }
}
