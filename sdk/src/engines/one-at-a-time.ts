/**
 * Calls to an engine that has one sequence (the embedded llama.cpp, wllama): each runs after every earlier call, and
 * learns how long it waited, model load included, as the `queueMs` its result reports.
 */
export class OneAtATime<Loaded> {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly load: () => Promise<Loaded>;

  constructor(load: () => Promise<Loaded>) {
    this.load = load;
  }

  run<T>(work: (loaded: Loaded, queueMs: number) => Promise<T>): Promise<T> {
    const queued = performance.now();
    const run = this.tail.then(async () => {
      const loaded = await this.load();
      return work(loaded, performance.now() - queued);
    });
    this.tail = run.catch(() => {});
    return run;
  }

  /** Resolves once every call made so far has settled. */
  async idle(): Promise<void> {
    await this.tail;
  }
}

/** The error an engine gives for a model it does not serve. */
export function checkServes(modelId: string, model: string): void {
  if (model !== modelId) throw new Error(`this engine serves "${modelId}", not "${model}"`);
}
