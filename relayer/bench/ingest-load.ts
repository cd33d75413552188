// The durable-work load every ingest figure drives: simulated nodes sign in, generate and verify over real sockets
// while tasks are queued, and the run ends when every commit, reveal and report is stored and acked. What it runs
// against (an in-process relayer, relayer processes) is a `LoadTarget`.

import { SINGLE_HOST_FLEET_ADMISSION } from "../src/gateway/admission.ts";
import type { TaskSpec } from "../src/store/types.ts";
import { median, sleep } from "./figures.ts";
import { simulate, startFlood, type Worker } from "./workers.ts";

/** Verifiers per task; with the generator's commit and reveal, each task is this many + 2 durable frames. */
export const VERIFIERS = 2;
export const FRAMES_PER_TASK = 2 + VERIFIERS;

/**
 * Every bench relayer: one generator and two verifiers per task (every bench node is trusted: full reputation, no
 * tenure ramp), frame budgets the simulated fleet cannot hit, and up to 10,000 simulated nodes on one address (the
 * flood figures run with the defaults: `admission: {}`).
 */
export const BENCH_RELAYER_CONFIG = {
  verification: {
    verifiers: { trusted: VERIFIERS, untrusted: VERIFIERS },
    taskTimeoutMs: 120_000,
    verifyTimeoutMs: 120_000,
    challengeRate: 0,
    trapRate: 0,
    tenureTasks: 0,
    sweepIntervalMs: 500,
  },
  gateway: { messagesPerSecond: 100_000, burst: 100_000, heartbeatTimeoutMs: 120_000, authTimeoutMs: 120_000 },
  admission: SINGLE_HOST_FLEET_ADMISSION,
};

/** What the load runs against. */
export interface LoadTarget {
  /** Node sockets open round robin over these (one per relayer instance). */
  wsUrls: readonly string[];
  /** Where the hostile host floods (flood runs). */
  httpUrl: string;
  /** Queues tasks, and has the relayers look at the queue now. */
  submit(specs: TaskSpec[]): Promise<void>;
  /** Results durably stored and acked so far (gitblock_results_stored_total, summed over instances). */
  resultsStored(): Promise<number>;
  /** Tasks final so far. */
  tasksCompleted(): Promise<number>;
}

export interface Load {
  /** Task slots per simulated node. */
  capacity: number;
  tasks: number;
  nodes: number;
  /** Simulator processes the fleet is spread over: signing commitments and reports costs the nodes CPU too. */
  simProcesses: number;
}

export interface IngestRun {
  /** From the first task queued until every durable frame was stored and acked. */
  seconds: number;
  /** Until every task was final. */
  settleSeconds: number;
  p50: number;
  p99: number;
  /** What the hostile host tried and was refused (flood runs only). */
  flood?: Record<string, number>;
}

/**
 * The window the figures are measured over, for figures taken outside (CPU time of relayer processes): opened with
 * every node signed in and ready, just before the first task is queued; closed once every durable frame is acked.
 */
export interface MeasuredWindow {
  open(): Promise<void>;
  close(): Promise<void>;
}

export async function ingestOnce(
  target: LoadTarget,
  { capacity, tasks, nodes, simProcesses }: Load,
  options: { flood?: Record<string, unknown>; window?: MeasuredWindow } = {},
): Promise<IngestRun> {
  let flood: Worker | null = null;
  const processes = Math.min(simProcesses, nodes);
  const counts = Array.from(
    { length: processes },
    (_, i) => Math.floor(nodes / processes) + (i < nodes % processes ? 1 : 0),
  );
  const sims = counts.map((count, i) =>
    simulate({
      mode: "work",
      wsUrls: target.wsUrls,
      first: counts.slice(0, i).reduce((a, b) => a + b, 0),
      count,
      capacity,
    }),
  );
  try {
    await Promise.all(sims.map((sim) => sim.next("ready")));
    if (options.flood) {
      flood = startFlood({ httpUrl: target.httpUrl, wsUrl: target.wsUrls[0], ...options.flood });
      await flood.next("started");
    }
    const specs = Array.from({ length: tasks }, (_, i) => ({
      model: "bench",
      input: `prompt ${i % 1000}`,
      maxTokens: 32,
      seed: i,
    }));
    await options.window?.open();
    const t0 = performance.now();
    const giveUp = Date.now() + 15 * 60_000;
    // Saturated: everything queued at once. One slot a node (the latency runs): in waves the fleet can hold with
    // its verifiers, since the scheduler fills every free slot with generation and a claim needs free verifiers.
    const wave = capacity === 1 ? Math.max(1, Math.floor(nodes / (1 + VERIFIERS))) : 5_000;
    for (let i = 0; i < specs.length; i += wave) {
      await target.submit(specs.slice(i, i + wave));
      if (capacity !== 1) continue;
      const done = Math.min(specs.length, i + wave);
      while ((await target.tasksCompleted()) < done) {
        if (Date.now() > giveUp) throw new Error(`a wave of ${wave} tasks did not finish`);
        await sleep(5);
      }
    }
    // Every task: a commit, a reveal and a report per verifier, each stored durably before its ack.
    const frames = tasks * FRAMES_PER_TASK;
    while ((await target.resultsStored()) < frames) {
      if (Date.now() > giveUp) throw new Error(`only ${await target.resultsStored()} of ${frames} frames stored`);
      await sleep(50);
    }
    const seconds = (performance.now() - t0) / 1000;
    await options.window?.close();
    let settled = 0;
    while (settled < tasks) {
      if (Date.now() > giveUp) throw new Error(`only ${settled} of ${tasks} tasks final`);
      settled = await target.tasksCompleted();
      await sleep(50);
    }
    const settleSeconds = (performance.now() - t0) / 1000;
    const reports = await Promise.all(
      sims.map((sim) => {
        sim.child.send({ type: "report" });
        return sim.next("report");
      }),
    );
    let floodCounts: Record<string, number> | undefined;
    if (flood) {
      flood.child.send({ type: "stop" });
      floodCounts = await flood.next("report");
    }
    // Medians of the processes' percentiles (each saw a share of the fleet under the same load).
    return {
      seconds,
      settleSeconds,
      p50: median(reports.map((r) => r.p50 ?? Number.NaN)),
      p99: Math.max(...reports.map((r) => r.p99 ?? Number.NaN)),
      ...(floodCounts ? { flood: floodCounts } : {}),
    };
  } finally {
    flood?.child.kill();
    for (const sim of sims) sim.child.kill();
  }
}
