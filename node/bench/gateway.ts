// `npm run bench:gateway [-- throughput|ttft|llama|memory ...] [--quick]`: the relayer's OpenAI-compatible gateway (`/v1`)
// served by nodes, measured end to end; prints figures, asserts nothing. Three processes on one machine: the relayer
// (this one, so its memory is the relayer's), the nodes (gateway-nodes.ts: the sdk's NodeClient over real WebSockets)
// and the users (gateway-load.ts: raw fetch, server-sent events parsed by hand). Here, not in relayer/bench, because it
// runs the embedded llama.cpp engine too, which only this package may import.
//
// Time to first token added by the gateway: the users' time from request to first event through the gateway, less the
// same users' time through the engine's own HTTP endpoint (the same engine in the nodes' process behind a minimal
// streaming `/v1/completions`, called with the same client at the same concurrency, in the same run): what a user
// pays for the network over calling an engine's server directly. The client's own cost (fetch, parsing events, its
// share of the cores) is in both, so it cancels out. The engine called in-process (engine.stream, first chunk) is
// printed too, as the floor. The simulation gives every token the same time, so the engine's part is identical.
import { type ChildProcess, fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { SimulationEngine } from "@gitblock/sdk/engines/simulation";
import { startTestRelayer, type TestRelayer, waitForReadyNodes, writeTinyGguf } from "@gitblock/testkit";
import type { Address } from "viem";
import type { CompletionCall, LoadJob, LoadReply } from "./gateway-load.ts";
import type { EngineSpec, NodesJob, NodesReply } from "./gateway-nodes.ts";

const sections = process.argv.slice(2).filter((a) => !a.startsWith("-"));
/** `--quick`: every figure at a small size, to check that the bench runs (its test uses it); never quote these. */
const quick = process.argv.includes("--quick");
const want = (name: string) => sections.length === 0 || sections.includes(name);

const sizes = quick
  ? {
      runs: 1,
      requests: 100,
      streamRequests: 30,
      probeRequests: 5,
      concurrency: 10,
      llamaRequests: 8,
      slowStreams: 50,
      capStreams: 4,
    }
  : {
      runs: 3,
      requests: 1_000,
      streamRequests: 500,
      probeRequests: 30,
      concurrency: 50,
      llamaRequests: 60,
      slowStreams: 1_000,
      capStreams: 16,
    };

/** The target for the gateway's own share of time to first token at 50 streams at once. */
const TARGET_ADDED_P50_MS = 10;
const SIM_MODEL = "sim-llm";
/**
 * Throughput: short answers from a fast engine, so the gateway is what limits. 16 nodes of 4 slots rather than 4 of
 * 16: at ~90 answers/s a node sends ~270 frames/s (a first chunk, a last chunk and a serve_end each), over the
 * relayer's 200 frames/s a wallet; the relayer drops the frames over it and the node never resends them, so an answer
 * whose serve_end is dropped hangs until `inference.requestTimeoutMs` ("relayer saw" counts the drops).
 */
const FAST = { nodes: 16, capacity: 4, perTokenMs: 2, maxTokens: 16 };
/** Time to first token: 50 streams live at once, each a ~0.6 s answer, the gateway below its saturation. */
const STREAMS = { nodes: 4, capacity: 16, perTokenMs: 10, maxTokens: 64 };
const PROBE_TOKENS = 16;
const TINY_MODEL = "tiny";
const LLAMA = {
  maxTokens: 32,
  prompts: ["The quick brown fox", "Hello, world!", "GitBlock verifies tokens.", "Once upon"],
};
const FIREHOSE_MODEL = "firehose";
/** Answers of 8 MiB (inference.maxTokens raised to its most, 8,192 tokens) to users that never read. */
const CAP = { nodes: 8, capacity: 2, maxTokens: 8_192, bytesPerToken: 1_024, maxBufferedBytes: 262_144 };
/** Answers streamed over ~10 s (~2 s at the quick size), long enough to hold every stream open at once. */
const MEMORY = {
  nodes: 16,
  capacity: 64,
  perTokenMs: quick ? 8 : 40,
  maxTokens: 256,
  slowShare: 0.5,
  readEveryMs: 1_000,
};

/**
 * The relayer as the bench needs it: every user and node on 127.0.0.1, so the per-address connection cap (256 by
 * default) is raised for 1,000 streams; the anonymous free tier (20 requests a day per address) is raised so that the
 * bench's thousands of requests are admitted; sampled verification is off, so nodes only serve (bench:relayer
 * measures verification). Node frames stay under the default budget (gateway.messagesPerSecond, 200 per wallet).
 */
const relayerConfig = {
  admission: { maxConnectionsPerIp: 4_096 },
  inference: {
    // A request that hangs fails after 30 s instead of 300 s, so that it costs a run seconds, not minutes.
    requestTimeoutMs: 30_000,
    anonymousRequestsPerDay: 100_000_000,
    anonymousTokensPerDay: 1_000_000_000_000,
    minVerifyShare: 0,
    maxVerifyShare: 0,
  },
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
};
const ms = (value: number) => `${value.toFixed(1)} ms`;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const count = (n: number) => Math.round(n).toLocaleString("en");

function line(label: string, value: string) {
  process.stdout.write(`  ${label.padEnd(48)} ${value}\n`);
}

/** What the relayer saw go wrong, from its own metrics: node frames it dropped, failovers, failed requests. */
async function relayerHealth(t: TestRelayer): Promise<string> {
  const metrics = t.relayer.metrics;
  /** A counter's total over the series whose labels match. */
  const value = async (
    counter: { get(): Promise<{ values: Array<{ value: number; labels: Record<string, unknown> }> }> },
    label: Record<string, string> = {},
  ) => {
    const { values } = await counter.get();
    return values
      .filter((v) => Object.entries(label).every(([k, x]) => v.labels[k] === x))
      .reduce((n, v) => n + v.value, 0);
  };
  const dropped = await value(metrics.framesRejected, { code: "rate_limited" });
  const failovers = await value(metrics.servedFailovers);
  const failed = await value(metrics.servedRequests, { outcome: "failed" });
  return `${count(dropped)} node frames dropped over the per-wallet budget, ${count(failovers)} failovers, ${count(failed)} requests failed`;
}

/** A worker process speaking by IPC: jobs out, typed replies in (a `fatal` reply rejects). */
function worker<Job, Reply extends { type: string }>(script: string) {
  const child: ChildProcess = fork(path.join(import.meta.dirname, script), {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const inbox: Reply[] = [];
  child.on("message", (m: Reply) => inbox.push(m));
  return {
    child,
    send: (job: Job) => child.send(job as object),
    async next<T extends Reply["type"]>(type: T): Promise<Extract<Reply, { type: T }>> {
      for (;;) {
        const i = inbox.findIndex((m) => m.type === type || m.type === "fatal");
        if (i >= 0) {
          const m = inbox.splice(i, 1)[0] as Reply;
          if (m.type === "fatal") throw new Error(`${script} failed: ${JSON.stringify(m)}`);
          return m as Extract<Reply, { type: T }>;
        }
        if (child.exitCode !== null) throw new Error(`${script} exited (${child.exitCode})`);
        await sleep(5);
      }
    },
  };
}

type Nodes = ReturnType<typeof worker<NodesJob, NodesReply>>;
type Users = ReturnType<typeof worker<LoadJob, LoadReply>>;

/** A relayer, `count` nodes on `engine` signed in and ready, and the users' process. */
async function network(
  engine: EngineSpec,
  count: number,
  capacity: number,
  overrides: Record<string, unknown> = {},
): Promise<{ t: TestRelayer; nodes: Nodes; users: Users; stop(): Promise<void> }> {
  const t = await startTestRelayer({
    ...relayerConfig,
    ...overrides,
    inference: { ...relayerConfig.inference, ...(overrides.inference as object) },
  });
  const nodes = worker<NodesJob, NodesReply>("gateway-nodes.ts");
  const users = worker<LoadJob, LoadReply>("gateway-load.ts");
  const stop = async () => {
    nodes.child.kill();
    users.child.kill();
    await t.stop();
  };
  try {
    nodes.send({ type: "start", relayer: t.url, engine, count, capacity });
    const { addresses } = await nodes.next("ready");
    await waitForReadyNodes(t, addresses as Address[], engine.model, { timeoutMs: 30_000 });
    return { t, nodes, users, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

interface ClosedRun {
  ttftMs: number[];
  requestsPerSecond: number;
  tokensPerSecond: number;
}

/** The users' closed loop through the gateway. */
async function closedRound(
  users: Users,
  call: CompletionCall,
  concurrency: number,
  requests: number,
): Promise<ClosedRun> {
  users.send({ type: "closed", ...call, concurrency, requests });
  const through = await users.next("closed");
  if (through.failed > 0) process.stderr.write(`  ${through.failed} request(s) failed: ${through.error}\n`);
  return {
    ttftMs: through.ttftMs,
    requestsPerSecond: through.completed / through.seconds,
    tokensPerSecond: through.tokens / through.seconds,
  };
}

interface TtftRun extends ClosedRun {
  /** The users' time to first event from the engine's own HTTP endpoint (no relayer, no node protocol). */
  http: number[];
  /** The engine's own time to its first chunk, called in-process. */
  direct: number[];
}

/**
 * One round: the users' closed loop through the gateway, the same loop on the engine's own HTTP endpoint, then the
 * same load on the engine in-process.
 */
async function ttftRound(
  nodes: Nodes,
  users: Users,
  call: CompletionCall,
  concurrency: number,
  requests: number,
): Promise<TtftRun> {
  const through = await closedRound(users, call, concurrency, requests);
  nodes.send({ type: "http" });
  const { url } = await nodes.next("http");
  const http = await closedRound(users, { ...call, url, route: "text" }, concurrency, requests);
  nodes.send({
    type: "direct",
    request: { model: call.model, maxTokens: call.maxTokens, temperature: 0, seed: 0 },
    prompts: call.prompts,
    concurrency,
    requests,
  });
  const direct = await nodes.next("direct");
  return { ...through, http: http.ttftMs, direct: direct.ttftMs };
}

/** p50 and p99 through the gateway and directly, medians over the rounds, and what the gateway adds. */
function printTtft(runs: TtftRun[]) {
  const p = (pick: (r: TtftRun) => number[], q: number) => median(runs.map((r) => percentile(pick(r), q)));
  const gateway = { p50: p((r) => r.ttftMs, 0.5), p99: p((r) => r.ttftMs, 0.99) };
  const http = { p50: p((r) => r.http, 0.5), p99: p((r) => r.http, 0.99) };
  const direct = { p50: p((r) => r.direct, 0.5), p99: p((r) => r.direct, 0.99) };
  const each = (pick: (r: TtftRun) => number[]) =>
    runs.length > 1 ? ` (p50 runs ${runs.map((r) => percentile(pick(r), 0.5).toFixed(1)).join(", ")})` : "";
  const median_ = runs.length > 1 ? ", median of runs" : "";
  line(`TTFT through the gateway${median_}`, `p50 ${ms(gateway.p50)}, p99 ${ms(gateway.p99)}${each((r) => r.ttftMs)}`);
  line(
    `TTFT from the engine's own HTTP endpoint${median_}`,
    `p50 ${ms(http.p50)}, p99 ${ms(http.p99)}${each((r) => r.http)}`,
  );
  line(
    `TTFT of the engine called in-process${median_}`,
    `p50 ${ms(direct.p50)}, p99 ${ms(direct.p99)}${each((r) => r.direct)}`,
  );
  const added = { p50: gateway.p50 - http.p50, p99: gateway.p99 - http.p99 };
  line("added by the gateway (vs the engine's endpoint)", `p50 ${ms(added.p50)}, p99 ${ms(added.p99)}`);
  line(
    "gateway and client together (vs in-process)",
    `p50 ${ms(gateway.p50 - direct.p50)}, p99 ${ms(gateway.p99 - direct.p99)}`,
  );
  return { added };
}

/**
 * Prompts whose simulated answer is at least `tokens` long (the simulation's natural length, 24–279 tokens, is fixed
 * by the input), so that with `max_tokens` = `tokens` every answer has exactly that many tokens at the same time each.
 */
async function promptsOfLength(tokens: number, wanted = 200): Promise<string[]> {
  const engine = new SimulationEngine({ models: [SIM_MODEL] });
  const prompts: string[] = [];
  for (let i = 0; prompts.length < wanted; i++) {
    const input = `Tell me about GPUs, part ${i}.`;
    const { tokenIds } = await engine.generate({ model: SIM_MODEL, input, maxTokens: tokens, seed: 0 });
    if (tokenIds.length === tokens) prompts.push(input);
  }
  return prompts;
}

async function throughputBench() {
  const { concurrency, requests, runs } = sizes;
  process.stdout.write(
    `\nThroughput: simulated nodes over real WebSockets (${FAST.nodes} nodes × capacity ${FAST.capacity}; the simulation at ${FAST.perTokenMs} ms a token, answers of ${FAST.maxTokens} tokens);\n` +
      `  ${concurrency} users stream /v1/chat/completions at once over raw fetch, each sending its next request when its answer ends\n` +
      `  (closed loop: the gateway is saturated); ${count(requests)} requests a run, ${runs} run(s)\n`,
  );
  const { t, users, stop } = await network(
    { kind: "simulation", model: SIM_MODEL, perTokenMs: FAST.perTokenMs },
    FAST.nodes,
    FAST.capacity,
  );
  try {
    const call: CompletionCall = {
      url: t.url,
      route: "chat",
      model: SIM_MODEL,
      prompts: Array.from({ length: 100 }, (_, i) => `Say something about GPUs, ${i}.`),
      maxTokens: FAST.maxTokens,
    };
    // Warm-up (JIT, connection pools, the store's first pages), not counted.
    await closedRound(users, call, concurrency, Math.min(requests, 300));
    const results: ClosedRun[] = [];
    for (let i = 0; i < runs; i++) results.push(await closedRound(users, call, concurrency, requests));
    const spread = (values: number[]) => (runs > 1 ? ` (runs ${values.map(count).join(", ")})` : "");
    const rps = results.map((r) => r.requestsPerSecond);
    const tps = results.map((r) => r.tokensPerSecond);
    const median_ = runs > 1 ? ", median" : "";
    line(`requests/s through the gateway${median_}`, `${count(median(rps))}/s${spread(rps)}`);
    line(`tokens/s through the gateway${median_}`, `${count(median(tps))}/s${spread(tps)}`);
    const p = (q: number) => median(results.map((r) => percentile(r.ttftMs, q)));
    line(`TTFT at saturation (queueing included)${median_}`, `p50 ${ms(p(0.5))}, p99 ${ms(p(0.99))}`);
    line("relayer saw", await relayerHealth(t));
  } finally {
    await stop();
  }
}

async function ttftBench() {
  const { concurrency, runs } = sizes;
  const requests = sizes.streamRequests;
  process.stdout.write(
    `\nTime to first token added by the gateway: ${STREAMS.nodes} simulated nodes × capacity ${STREAMS.capacity}, the simulation at ${STREAMS.perTokenMs} ms a token, answers of exactly ${STREAMS.maxTokens} tokens;\n` +
      `  ${concurrency} streams live at once (raw fetch, closed loop, /v1/completions: the prompt reaches the engine as written);\n` +
      `  ${count(requests)} requests a run, then as many from the engine's own HTTP endpoint and as many engine.stream calls in-process, at the same concurrency; ${runs} run(s)\n`,
  );
  const { t, nodes, users, stop } = await network(
    { kind: "simulation", model: SIM_MODEL, perTokenMs: STREAMS.perTokenMs },
    STREAMS.nodes,
    STREAMS.capacity,
  );
  try {
    const call: CompletionCall = {
      url: t.url,
      route: "text",
      model: SIM_MODEL,
      prompts: await promptsOfLength(STREAMS.maxTokens),
      maxTokens: STREAMS.maxTokens,
    };
    await ttftRound(nodes, users, call, concurrency, Math.min(requests, 100));
    const results: TtftRun[] = [];
    // The relayer's event loop (this process) while the streams run: a stall there delays every stream's next token.
    const loopDelay = monitorEventLoopDelay({ resolution: 1 });
    for (let i = 0; i < runs; i++) {
      loopDelay.enable();
      results.push(await ttftRound(nodes, users, call, concurrency, requests));
      loopDelay.disable();
    }
    const median_ = runs > 1 ? ", median" : "";
    const rps = median(results.map((r) => r.requestsPerSecond));
    const tps = median(results.map((r) => r.tokensPerSecond));
    line(`load through the gateway${median_}`, `${count(rps)} requests/s, ${count(tps)} tokens/s`);
    line(
      "relayer event-loop delay during the runs",
      `p50 ${ms(loopDelay.percentile(50) / 1e6)}, p99 ${ms(loopDelay.percentile(99) / 1e6)}, max ${ms(loopDelay.max / 1e6)}`,
    );
    const { added } = printTtft(results);
    const met = added.p50 <= TARGET_ADDED_P50_MS;
    line(
      `target: ≤ ${TARGET_ADDED_P50_MS} ms p50 added at 50 streams`,
      `${met ? "met" : "missed"} (${ms(added.p50)} at ${concurrency} streams${quick ? ": quick sizes, not the target's load" : ""})`,
    );
    // The same engine at one stream: the gateway's own cost without 49 other streams beside it.
    const probe = { ...call, maxTokens: PROBE_TOKENS };
    const alone = await ttftRound(nodes, users, probe, 1, sizes.probeRequests);
    const added1 = {
      p50: percentile(alone.ttftMs, 0.5) - percentile(alone.http, 0.5),
      p99: percentile(alone.ttftMs, 0.99) - percentile(alone.http, 0.99),
    };
    line(
      `added at 1 stream (${sizes.probeRequests} answers of ${PROBE_TOKENS} tokens)`,
      `p50 ${ms(added1.p50)}, p99 ${ms(added1.p99)} (p50 through ${ms(percentile(alone.ttftMs, 0.5))}, endpoint ${ms(percentile(alone.http, 0.5))}, in-process ${ms(percentile(alone.direct, 0.5))})`,
    );
    line("relayer saw", await relayerHealth(t));
  } finally {
    await stop();
  }
}

async function llamaBench() {
  const { llamaRequests, runs } = sizes;
  process.stdout.write(
    `\nEmbedded llama.cpp engine (node-llama-cpp, CPU, 1 thread) on the testkit's tiny GGUF, one node of capacity 1:\n` +
      `  the engine serves one sequence at a time, so one user streams at a time (a second at once is answered 503: the relayer does not queue);\n` +
      `  /v1/completions (the prompt reaches the engine as written, so the direct calls get the same tokens), answers of up to ${LLAMA.maxTokens} tokens;\n` +
      `  ${llamaRequests} requests a run, then as many from the engine's own HTTP endpoint and as many engine.stream calls in-process; ${runs} run(s)\n`,
  );
  const dir = mkdtempSync(path.join(tmpdir(), "gitblock-bench-gateway-"));
  try {
    const modelPath = await writeTinyGguf(path.join(dir, "tiny.gguf"), { seed: 1 });
    const { t, nodes, users, stop } = await network({ kind: "llama-cpp", model: TINY_MODEL, modelPath }, 1, 1);
    try {
      const call: CompletionCall = {
        url: t.url,
        route: "text",
        model: TINY_MODEL,
        prompts: LLAMA.prompts,
        maxTokens: LLAMA.maxTokens,
      };
      await ttftRound(nodes, users, call, 1, Math.min(llamaRequests, 10));
      const results: TtftRun[] = [];
      for (let i = 0; i < runs; i++) results.push(await ttftRound(nodes, users, call, 1, llamaRequests));
      line(
        "requests/s through the gateway, one stream",
        `${median(results.map((r) => r.requestsPerSecond)).toFixed(1)}/s`,
      );
      printTtft(results);
      line("relayer saw", await relayerHealth(t));
    } finally {
      await stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The relayer's memory after a full collection. */
async function memory(): Promise<NodeJS.MemoryUsage> {
  global.gc?.();
  await sleep(50);
  global.gc?.();
  return process.memoryUsage();
}
const managed = (m: NodeJS.MemoryUsage) => m.heapUsed + m.external;

interface SlowPhase {
  streams: number;
  opened: number;
  before: NodeJS.MemoryUsage;
  peak: { managed: number; rss: number };
  /** Every answer over (done or cut), the users not having read the rest yet. */
  ended: NodeJS.MemoryUsage;
  after: NodeJS.MemoryUsage;
  drained: Extract<LoadReply, { type: "drained" }>;
}

/**
 * Opens `streams` streams at once, reads the relayer's memory (after a full gc) every 250 ms until every answer
 * is over, once more before the users read what is left, and again after they read it and leave.
 */
async function slowPhase(
  net: Awaited<ReturnType<typeof network>>,
  call: CompletionCall,
  streams: number,
  slowShare: number,
): Promise<SlowPhase> {
  const { t, users } = net;
  const before = await memory();
  users.send({ type: "slow", ...call, count: streams, slowShare, readEveryMs: MEMORY.readEveryMs });
  const opened = await users.next("opened");
  if (opened.refused > 0) process.stderr.write(`  ${opened.refused} stream(s) refused: ${opened.error}\n`);
  const peak = { managed: 0, rss: 0 };
  for (;;) {
    const serving = t.relayer.inference.serving;
    const now = await memory();
    peak.managed = Math.max(peak.managed, managed(now));
    peak.rss = Math.max(peak.rss, now.rss);
    if (serving === 0) break;
    await sleep(250);
  }
  const ended = await memory();
  users.send({ type: "drain" });
  const drained = await users.next("drained");
  users.child.kill();
  await sleep(500);
  return { streams, opened: opened.streaming, before, peak, ended, after: await memory(), drained };
}

function printSlowPhase(phase: SlowPhase) {
  const { before, peak, ended, after, drained } = phase;
  line("streams opened (first token received)", `${count(phase.opened)} of ${count(phase.streams)}`);
  line(
    "relayer heap + buffers: before / peak / after",
    `${mib(managed(before))} / ${mib(peak.managed)} / ${mib(managed(after))}`,
  );
  line("relayer RSS: before / peak / after", `${mib(before.rss)} / ${mib(peak.rss)} / ${mib(after.rss)}`);
  line(
    "relayer memory per stream at the peak",
    `${kib((peak.managed - managed(before)) / Math.max(1, phase.opened))} heap + buffers, ${kib((peak.rss - before.rss) / Math.max(1, phase.opened))} RSS`,
  );
  line("held once the answers ended, users not read yet", `${mib(managed(ended) - managed(before))} heap + buffers`);
  line(
    "answers: complete / cut for a slow client / other",
    `${count(drained.done)} / ${count(drained.cut)} / ${count(drained.other)}`,
  );
}

async function memoryBench() {
  const streams = sizes.slowStreams;
  const slowUsers = Math.round(streams * MEMORY.slowShare);
  process.stdout.write(
    `\nRelayer memory with ${count(streams)} slow streams at once: ${MEMORY.nodes} simulated nodes × capacity ${MEMORY.capacity}, answers of up to ${MEMORY.maxTokens} tokens over ~${((MEMORY.perTokenMs * MEMORY.maxTokens) / 1000).toFixed(0)} s;\n` +
      `  ${count(slowUsers)} users read one chunk every ${MEMORY.readEveryMs / 1000} s, ${count(streams - slowUsers)} read nothing until every answer is over; memory after a full gc;\n` +
      `  admission.maxConnectionsPerIp raised from 256 to 4,096 (every user is on 127.0.0.1)\n`,
  );
  if (!global.gc) process.stderr.write("  (run with --expose-gc: memory is read without a collection)\n");
  const sim = await network(
    { kind: "simulation", model: SIM_MODEL, perTokenMs: MEMORY.perTokenMs },
    MEMORY.nodes,
    MEMORY.capacity,
  );
  try {
    const call: CompletionCall = {
      url: sim.t.url,
      route: "chat",
      model: SIM_MODEL,
      prompts: Array.from({ length: 100 }, (_, i) => `Write a long story about GPUs, ${i}.`),
      maxTokens: MEMORY.maxTokens,
    };
    printSlowPhase(await slowPhase(sim, call, streams, MEMORY.slowShare));
    line("relayer saw", await relayerHealth(sim.t));
  } finally {
    await sim.stop();
  }

  const cap = CAP.maxBufferedBytes;
  const answerBytes = CAP.maxTokens * CAP.bytesPerToken;
  process.stdout.write(
    `\nThe backlog cap (inference.maxBufferedBytes ${kib(cap)}): ${sizes.capStreams} users that read nothing, answers of ${mib(answerBytes)} each\n` +
      `  (${count(CAP.maxTokens)} tokens of ${count(CAP.bytesPerToken)} characters: a bench engine, no model writes this; the kernel's socket buffers take\n` +
      `  a few MiB a connection before the relayer holds any backlog, so only answers this large reach the cap); ${CAP.nodes} nodes × capacity ${CAP.capacity}\n`,
  );
  const firehose = await network(
    { kind: "firehose", model: FIREHOSE_MODEL, bytesPerToken: CAP.bytesPerToken },
    CAP.nodes,
    CAP.capacity,
    { inference: { maxTokens: CAP.maxTokens, maxBufferedBytes: cap } },
  );
  try {
    const call: CompletionCall = {
      url: firehose.t.url,
      route: "text",
      model: FIREHOSE_MODEL,
      prompts: ["Write forever."],
      maxTokens: CAP.maxTokens,
    };
    const phase = await slowPhase(firehose, call, sizes.capStreams, 0);
    printSlowPhase(phase);
    const perStream = (phase.peak.managed - managed(phase.before)) / Math.max(1, phase.opened);
    const held = (managed(phase.ended) - managed(phase.before)) / phase.streams;
    // Past the cap by at most the event that crossed it (a chunk frame holds at most 64 KiB of text).
    const within = perStream <= cap + 128 * 1024 && held <= cap + 128 * 1024;
    line(
      "every stream cut for its backlog",
      `${phase.drained.cut === phase.streams ? "yes" : "no"} (${count(phase.drained.cut)} of ${count(phase.streams)})`,
    );
    line(
      "relayer memory per stream vs the cap",
      `${kib(perStream)} at the peak, ${kib(held)} held after the cut until the user reads: ${within ? "within" : "over"} the cap`,
    );
    line("relayer saw", await relayerHealth(firehose.t));
  } finally {
    await firehose.stop();
  }
}

process.stdout.write(`GitBlock gateway benchmark — Node ${process.version}, ${cpus().length} cores\n`);
if (want("throughput")) await throughputBench();
if (want("ttft")) await ttftBench();
if (want("llama")) await llamaBench();
if (want("memory")) await memoryBench();
process.exit(0);
