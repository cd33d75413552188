import type { Clock } from "../clock.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import type { Store, WorkWrite, WorkWriteOutcome } from "../store/types.ts";

/** A write as the gateway hands it over: the time of arrival is stamped here. */
export type WorkSubmission = WorkWrite extends infer W ? (W extends WorkWrite ? Omit<W, "at"> : never) : never;

interface Pending {
  write: WorkWrite;
  receivedAt: number;
  resolve: (outcome: WorkWriteOutcome) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for nodes' work (commitments, reveals, reports): frames arriving within a few ms are written in one
 * transaction, and each is acknowledged only after that transaction is durable. One fsync per batch instead of per
 * frame is what lets a single SQLite file take thousands of durable frames per second.
 */
export class WorkIngest {
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

  submit(work: WorkSubmission): Promise<WorkWriteOutcome> {
    const now = this.clock.now();
    return new Promise((resolve, reject) => {
      this.queue.push({
        write: { ...work, at: now } as WorkWrite,
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
          const { outcomes, completed } = await this.store.recordWork(batch.map((p) => p.write));
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
          this.log.error({ err: error, batch: batch.length }, "writing work failed; none acknowledged");
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
