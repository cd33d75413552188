import type { Clock } from "../clock.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import { GroupCommit } from "../store/group-commit.ts";
import type { Store, WorkWrite, WorkWriteOutcome } from "../store/types.ts";

/** A write as the gateway hands it over: the time of arrival is stamped here. */
export type WorkSubmission = WorkWrite extends infer W ? (W extends WorkWrite ? Omit<W, "at"> : never) : never;

/**
 * Group commit for nodes' work (commitments, reveals, reports): frames arriving within a few ms are written in one
 * transaction, and each is acknowledged only after that transaction is durable. One fsync per batch instead of per
 * frame is what lets a single SQLite file take thousands of durable frames per second.
 */
export class WorkIngest {
  private readonly clock: Clock;
  private readonly commits: GroupCommit<WorkWrite & { receivedAt: number }, WorkWriteOutcome>;

  constructor(options: {
    store: Store;
    clock: Clock;
    metrics: Metrics;
    log: Logger;
    onCompleted: (taskIds: string[]) => void;
    maxBatch?: number;
    gatherMs?: number;
  }) {
    const { store, metrics, log, onCompleted } = options;
    this.clock = options.clock;
    this.commits = new GroupCommit({
      // A short gathering window: each commit is an fsync that blocks the event loop, so fewer, larger batches
      // buy throughput for a millisecond or two of latency.
      gatherMs: options.gatherMs ?? 2,
      maxBatch: options.maxBatch ?? 2_000,
      write: async (batch) => {
        try {
          const { outcomes, completed } = await store.recordWork(batch);
          const done = performance.now();
          const settled = batch.map((write, i) => {
            const outcome = outcomes[i] ?? "unknown";
            if (outcome === "stored") {
              metrics.resultsStored.inc();
              metrics.ackLatency.observe((done - write.receivedAt) / 1000);
            }
            return outcome;
          });
          if (completed.length > 0) onCompleted(completed);
          return settled;
        } catch (error) {
          log.error({ err: error, batch: batch.length }, "writing work failed; none acknowledged");
          throw error;
        }
      },
    });
  }

  submit(work: WorkSubmission): Promise<WorkWriteOutcome> {
    return this.commits.submit({ ...work, at: this.clock.now(), receivedAt: performance.now() } as WorkWrite & {
      receivedAt: number;
    });
  }

  /** Resolves once everything queued so far is written. */
  drain(): Promise<void> {
    return this.commits.drain();
  }
}
