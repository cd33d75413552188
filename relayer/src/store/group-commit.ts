interface Pending<Item, Outcome> {
  item: Item;
  resolve: (outcome: Outcome) => void;
  reject: (error: unknown) => void;
}

export interface GroupCommitOptions<Item, Outcome> {
  /** Writes a batch in ONE transaction and returns each item's outcome, in order. */
  write: (items: Item[]) => Promise<Outcome[]>;
  /**
   * How long the first item of a batch waits for others. 0 gathers what arrives in the same event-loop turn
   * (setImmediate): no added latency, for writes a caller is waiting on.
   */
  gatherMs: number;
  maxBatch: number;
  /**
   * When a batch's transaction fails: retry its items one by one, so that one bad item costs only itself (the
   * others are written and resolve). Without it every item of the batch rejects with the batch's error.
   */
  isolateFailures?: boolean;
}

/**
 * Group commit: items submitted within a short window are written in one transaction, and each caller's promise
 * settles only once that transaction is durable. On SQLite every commit is an fsync that blocks the event loop, so
 * one commit per batch instead of per item is what keeps a busy relayer's loop free for its streams; on PostgreSQL it
 * saves a round trip per item. Batches are written one at a time, in submission order.
 */
export class GroupCommit<Item, Outcome> {
  private readonly options: GroupCommitOptions<Item, Outcome>;
  private queue: Pending<Item, Outcome>[] = [];
  private flushing: Promise<void> | null = null;
  private scheduled = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(options: GroupCommitOptions<Item, Outcome>) {
    this.options = options;
  }

  submit(item: Item): Promise<Outcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves once everything submitted so far is written (or failed). */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.flushing) {
      if (this.flushing) await this.flushing;
      else await this.flush();
    }
  }

  private schedule(): void {
    if (this.scheduled || this.flushing) return;
    this.scheduled = true;
    const run = () => {
      this.scheduled = false;
      this.timer = null;
      void this.flush();
    };
    if (this.options.gatherMs > 0) this.timer = setTimeout(run, this.options.gatherMs);
    else setImmediate(run);
  }

  private flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    // Written now (a drain): the gathering window's timer has nothing left to do.
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.scheduled = false;
    this.flushing = this.writeAll().finally(() => {
      this.flushing = null;
      // Items that arrived while the last batch was written start their own window.
      if (this.queue.length > 0) this.schedule();
    });
    return this.flushing;
  }

  private async writeAll(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      try {
        const outcomes = await this.options.write(batch.map((p) => p.item));
        for (const [i, pending] of batch.entries()) pending.resolve(outcomes[i] as Outcome);
      } catch (error) {
        if (!this.options.isolateFailures || batch.length === 1) {
          for (const pending of batch) pending.reject(error);
          continue;
        }
        for (const pending of batch) {
          try {
            const [outcome] = await this.options.write([pending.item]);
            pending.resolve(outcome as Outcome);
          } catch (itemError) {
            pending.reject(itemError);
          }
        }
      }
    }
  }
}
