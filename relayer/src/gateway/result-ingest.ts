import type { ResultMessage } from "@gitblock/sdk";
import type { Address } from "viem";
import type { Clock } from "../clock.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import type { ResultWrite, ResultWriteOutcome, Store } from "../store/types.ts";

interface Pending {
  write: ResultWrite;
  receivedAt: number;
  resolve: (outcome: ResultWriteOutcome) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for results: results arriving in the same turn of the event loop are written in one transaction,
 * and each is acknowledged only after that transaction is durable. One fsync per batch instead of per result is
 * what lets a single SQLite file take thousands of durable results per second.
 */
export class ResultIngest {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly metrics: Metrics;
  private readonly log: Logger;
  private readonly onCompleted: (taskIds: string[]) => void;
  private readonly maxBatch: number;
  private readonly gatherMs: number;
  private queue: Pending[] = [];
  private flushing = false;
  private scheduled = false;

  constructor(options: {
    store: Store;
    clock: Clock;
    metrics: Metrics;
    log: Logger;
    onCompleted: (taskIds: string[]) => void;
    maxBatch?: number;
    gatherMs?: number;
  }) {
    this.store = options.store;
    this.clock = options.clock;
    this.metrics = options.metrics;
    this.log = options.log;
    this.onCompleted = options.onCompleted;
    this.maxBatch = options.maxBatch ?? 2_000;
    this.gatherMs = options.gatherMs ?? 2;
  }

  submit(node: Address, result: ResultMessage): Promise<ResultWriteOutcome> {
    const now = this.clock.now();
    return new Promise((resolve, reject) => {
      this.queue.push({
        write: {
          taskId: result.taskId,
          node,
          outputHash: result.outputHash as `0x${string}`,
          tokensGenerated: result.tokensGenerated,
          queueMs: result.timings.queueMs,
          inferenceMs: result.timings.inferenceMs,
          submittedAt: now,
        },
        receivedAt: performance.now(),
        resolve,
        reject,
      });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.flushing) return;
    this.scheduled = true;
    // A short gathering window: each commit is an fsync that blocks the event loop, so fewer, larger batches
    // buy throughput for a millisecond or two of latency.
    setTimeout(() => {
      this.scheduled = false;
      void this.flush();
    }, this.gatherMs);
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          const { outcomes, completed } = await this.store.recordResults(batch.map((p) => p.write));
          const done = performance.now();
          batch.forEach((pending, i) => {
            const outcome = outcomes[i] ?? "unknown";
            if (outcome === "stored") {
              this.metrics.resultsStored.inc();
              this.metrics.ackLatency.observe((done - pending.receivedAt) / 1000);
            }
            pending.resolve(outcome);
          });
          if (completed.length > 0) this.onCompleted(completed);
        } catch (error) {
          this.log.error({ err: error, batch: batch.length }, "writing results failed; none acknowledged");
          for (const pending of batch) pending.reject(error);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  /** Resolves once everything queued so far is written. */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.flushing || this.scheduled) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}
