/**
 * The node's capacity, shared by its kinds of work: tasks (generations and verifications, ./task-pump.ts) and served
 * requests (./serve-pump.ts). `ready.capacity` is one number for everything the engine runs at once, so each running
 * item holds one slot. Each kind queues its own work in a lane (in its own order: verifications first among tasks);
 * when a slot frees while several lanes wait, the lanes take turns (it goes to the first waiting lane after the one
 * that took the last slot), so a burst of one kind cannot starve the other: a user's request gets one of the next two
 * slots to free however many tasks wait, and tasks keep running under steady serving.
 */
export type Job = () => Promise<void>;

/** A lane's next job to run, or null when it has none waiting. */
export type Lane = () => Job | null;

export class CapacitySlots {
  private readonly lanes: Lane[] = [];
  private free: number;
  /** The lane asked first for the next free slot: the one after the lane that took the last. */
  private turn = 0;

  constructor(capacity: number) {
    this.free = Math.max(1, capacity);
  }

  /** Adds a lane; call the returned function whenever the lane has new work waiting. */
  lane(next: Lane): () => void {
    this.lanes.push(next);
    return () => this.fill();
  }

  private fill(): void {
    while (this.free > 0) {
      const started = this.startNext();
      if (!started) return;
    }
  }

  private startNext(): boolean {
    for (let i = 0; i < this.lanes.length; i++) {
      const index = (this.turn + i) % this.lanes.length;
      const job = (this.lanes[index] as Lane)();
      if (!job) continue;
      this.turn = (index + 1) % this.lanes.length;
      this.free--;
      job()
        .catch(() => {})
        .finally(() => {
          this.free++;
          this.fill();
        });
      return true;
    }
    return false;
  }
}
