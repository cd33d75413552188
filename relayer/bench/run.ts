// `npm run bench:relayer [-- tree|ingest|latency|flood|signin|sockets|cluster ...] [--instances 1,2,3] [--quick]`:
// prints figures, asserts nothing. `--instances` runs the cluster figure (alone, unless sections are named).
import type { NodeState } from "@gitblock/sdk";
import { describePostgres, startTestRelayer } from "@gitblock/testkit";
import type { Address } from "viem";
import { buildEpochTreeParallel } from "../src/settlement/merkle-parallel.ts";
import { clusterBench } from "./cluster-bench.ts";
import { line, median, sleep } from "./figures.ts";
import {
  BENCH_RELAYER_CONFIG,
  FRAMES_PER_TASK,
  type IngestRun,
  ingestOnce,
  type LoadTarget,
  VERIFIERS,
} from "./ingest-load.ts";
import { simulate } from "./workers.ts";

const args = process.argv.slice(2);
const instancesAt = args.findIndex((a) => a === "--instances" || a.startsWith("--instances="));
/** Where the value of `--instances 1,2,3` is (not a section name); -1 for `--instances=1,2,3` or none. */
const instancesValueAt = args[instancesAt] === "--instances" ? instancesAt + 1 : -1;
const instancesArg = instancesAt < 0 ? undefined : (args[instancesAt]?.split("=")[1] ?? args[instancesValueAt]);
/** `--instances 1,2,3`: relayer instances per cluster in the cluster figure. */
const clusterSizes = instancesArg?.split(",").map((n) => {
  const count = Number(n);
  if (!Number.isInteger(count) || count < 1) {
    throw new Error(`--instances takes counts ≥ 1, like 1,2,3 (got ${instancesArg})`);
  }
  return count;
});
const sections = args.filter((a, i) => !a.startsWith("-") && i !== instancesValueAt);
/** `--quick`: every figure at a small size, to check that the bench runs (the tests use it); never quote these. */
const quick = process.argv.includes("--quick");
const sizes = quick
  ? {
      trees: [1_000, 10_000],
      // Small: every commit and report is a secp256k1 recovery on the relayer (milliseconds each on a small VM).
      ingestTasks: 200,
      ingestRuns: 1,
      lightTasks: 60,
      moderateTasks: 200,
      sockets: 200,
      heartbeatMs: 500,
      signIns: 20,
      floodTasks: 60,
      floodRuns: 1,
      flood: { unauthenticatedSockets: 200, halfOpenConnections: 100, signInConcurrency: 4 },
      clusterTasks: 200,
      clusterNodes: 60,
      clusterRuns: 1,
    }
  : {
      trees: [1_000, 100_000, 1_000_000],
      ingestTasks: Number(process.env.BENCH_TASKS ?? 40_000),
      ingestRuns: Number(process.env.BENCH_RUNS ?? 3),
      lightTasks: 3_000,
      moderateTasks: 10_000,
      sockets: Number(process.env.BENCH_SOCKETS ?? 10_000),
      heartbeatMs: 5_000,
      signIns: 200,
      floodTasks: 1_500,
      floodRuns: Number(process.env.BENCH_RUNS ?? 3),
      // The outside test's flood: thousands of idle sockets, half-open connections and sign-ins that never verify.
      flood: { unauthenticatedSockets: 4_000, halfOpenConnections: 128, signInConcurrency: 32 },
      clusterTasks: Number(process.env.BENCH_CLUSTER_TASKS ?? 10_000),
      clusterNodes: 300,
      clusterRuns: Number(process.env.BENCH_RUNS ?? 3),
    };
/** The hostile host's address: another loopback address than the honest nodes' 127.0.0.1. */
const FLOOD = { sourceIp: "127.0.0.2", ...sizes.flood };
/** No section named: every figure but the cluster's, or the cluster's alone when `--instances` is given. */
const want = (name: string) =>
  sections.length === 0 ? (name === "cluster") === (clusterSizes !== undefined) : sections.includes(name);
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

async function treeBench() {
  process.stdout.write("\nEpoch tree + every proof (merkletreejs-compatible, sortPairs)\n");
  for (const n of sizes.trees) {
    const states: NodeState[] = new Array(n);
    for (let i = 0; i < n; i++) {
      states[i] = {
        account: `0x${(i + 1).toString(16).padStart(40, "0")}` as Address,
        cumulativeAmount: 10n ** 18n * BigInt(i + 1) + 12_345n,
        reputationBps: 9_000 + (i % 1_000),
        tasksValidated: BigInt(i * 3),
        tasksFailed: BigInt(i % 7),
        strikes: i % 3,
      };
    }
    const t0 = performance.now();
    const tree = await buildEpochTreeParallel(states, n);
    const built = performance.now() - t0;
    // Every proof, materialised as bytes (what the API serves), not kept.
    const t1 = performance.now();
    let bytes = 0;
    for (let i = 0; i < n; i++) {
      for (const offset of tree.proofOffsets(i)) {
        bytes += tree.layers.subarray(offset, offset + 32).byteLength;
      }
    }
    const proofs = performance.now() - t1;
    line(
      `${n.toLocaleString("en")} nodes`,
      `tree ${built.toFixed(0)} ms + all proofs ${proofs.toFixed(0)} ms = ${(built + proofs).toFixed(0)} ms (tree ${mb(tree.layers.byteLength)}, proofs ${mb(bytes)})`,
    );
  }
}

/** Simulator processes the fleet is spread over: signing commitments and reports costs the nodes CPU too. */
const SIM_PROCESSES = quick ? 2 : 4;

/** The stores the ingest runs on: the default, and PostgreSQL for several relayers sharing one database. */
type StoreKind = "sqlite" | "postgres";
const STORE_NAMES: Record<StoreKind, string> = { sqlite: "SQLite", postgres: "PostgreSQL" };

async function startRelayer(overrides: Record<string, unknown> = {}, store: StoreKind = "sqlite") {
  const t = await startTestRelayer({ store, ...BENCH_RELAYER_CONFIG, ...overrides });
  return { relayer: t.relayer, url: t.url, wsUrl: t.wsUrl, stop: t.stop };
}

/** The load on a fresh in-process relayer, stopped afterwards. */
async function ingestInProcess(
  capacity: number,
  tasks: number,
  nodes: number,
  store: StoreKind,
  options: { flood?: boolean; relayerConfig?: Record<string, unknown> } = {},
): Promise<IngestRun> {
  const { relayer, url, wsUrl, stop } = await startRelayer(options.relayerConfig, store);
  const target: LoadTarget = {
    wsUrls: [wsUrl],
    httpUrl: url,
    submit: async (specs) => {
      await relayer.scheduler.submitMany(specs);
    },
    resultsStored: () => relayer.metrics.resultsStored.get().then((m) => m.values[0]?.value ?? 0),
    tasksCompleted: async () => (await relayer.store.stats(Date.now())).tasksCompleted,
  };
  try {
    return await ingestOnce(
      target,
      { capacity, tasks, nodes, simProcesses: SIM_PROCESSES },
      options.flood ? { flood: FLOOD } : {},
    );
  } finally {
    await stop();
  }
}

/**
 * Runs the same load `runs` times on each store, each time on a fresh relayer and database, and quotes medians
 * (this VM is noisy). The stores take turns within each round, so both see the same machine and the same
 * simulated fleet (same nodes, capacity and tasks); their figures are printed side by side.
 */
async function ingestBench(
  capacity: number,
  tasks: number,
  title: string,
  options: { nodes?: number; runs?: number; stores?: readonly StoreKind[] } = {},
) {
  const { nodes = 300, runs = 1, stores = ["sqlite"] } = options;
  process.stdout.write(`\n${title}\n`);
  const results = new Map<StoreKind, IngestRun[]>(stores.map((store) => [store, []]));
  for (let i = 0; i < runs; i++) {
    for (const store of stores) results.get(store)?.push(await ingestInProcess(capacity, tasks, nodes, store));
  }
  const spread = (values: number[]) =>
    runs > 1 ? ` (runs ${values.map((v) => Math.round(v).toLocaleString("en")).join(", ")})` : "";
  const rate = (value: number) => `${Math.round(value).toLocaleString("en")}/s`;
  /** One figure per store, in columns when there are several. */
  const row = (label: string, figure: (runs: IngestRun[], store: StoreKind) => string) =>
    line(
      label,
      stores
        .map((store) => figure(results.get(store) ?? [], store).padEnd(40))
        .join(" ")
        .trimEnd(),
    );
  const ingestRates = (r: IngestRun[]) => r.map((run) => (tasks * FRAMES_PER_TASK) / run.seconds);
  const settleRates = (r: IngestRun[]) => r.map((run) => tasks / run.settleSeconds);
  line(
    "simulated nodes (own process)",
    `${nodes}, capacity ${capacity} each (up to ${Math.floor((nodes * capacity) / (1 + VERIFIERS))} tasks in flight), ${Math.min(SIM_PROCESSES, nodes)} processes${stores.length > 1 ? ", the same for each store" : ""}`,
  );
  if (stores.length > 1) row("store", (_, store) => STORE_NAMES[store]);
  row(
    `commits + reveals + reports stored + acked${runs > 1 ? ", median" : ""}`,
    (r) => `${(tasks * FRAMES_PER_TASK).toLocaleString("en")} in ${median(r.map((run) => run.seconds)).toFixed(1)} s`,
  );
  row("durable work frames ingested per second", (r) => `${rate(median(ingestRates(r)))}${spread(ingestRates(r))}`);
  row("tasks validated per second", (r) => `${rate(median(settleRates(r)))}${spread(settleRates(r))}`);
  row(
    "work frame → ack latency (node side)",
    (r) => `p50 ${median(r.map((run) => run.p50)).toFixed(1)} ms, p99 ${median(r.map((run) => run.p99)).toFixed(1)} ms`,
  );
  if (stores.includes("sqlite") && stores.includes("postgres")) {
    const sqlite = median(ingestRates(results.get("sqlite") ?? []));
    const postgres = median(ingestRates(results.get("postgres") ?? []));
    line("PostgreSQL / SQLite (median ingest)", `${(postgres / sqlite).toFixed(2)}×`);
  }
  process.stdout.write(
    "  (dispatch, signature checks, verifier draws and judging included in every figure; the nodes sign in their own processes)\n",
  );
}

async function socketBench() {
  const count = sizes.sockets;
  process.stdout.write(`\nConcurrent node sockets with heartbeats (${count.toLocaleString("en")}, session resume)\n`);
  const { relayer, wsUrl, stop } = await startRelayer();
  // Sessions are opened directly (each stands for a wallet that signed in once); sign-in cost is measured apart.
  const { randomBytes } = await import("node:crypto");
  const { getAddress } = await import("viem");
  const sessions: string[] = [];
  const random = () => getAddress(`0x${randomBytes(20).toString("hex")}`);
  for (let i = 0; i < count; i++) sessions.push((await relayer.auth.openSession(random(), random())).token);
  global.gc?.();
  await sleep(200);
  const before = process.memoryUsage();
  const t0 = performance.now();
  const sim = simulate({ mode: "hold", wsUrls: [wsUrl], sessions, heartbeatMs: sizes.heartbeatMs });
  try {
    const ready = await sim.next("ready");
    const connectSeconds = (performance.now() - t0) / 1000;
    const heldMs = sizes.heartbeatMs * 2.4; // at least two heartbeat rounds on every socket
    await sleep(heldMs);
    sim.child.send({ type: "report" });
    const report = await sim.next("report");
    global.gc?.();
    await sleep(200);
    const after = process.memoryUsage();
    line(
      "sockets open / closed",
      `${relayer.gateway.socketCount} held by the relayer (${ready.open} opened, ${report.closed} closed)`,
    );
    line("connect + auth + ready", `${connectSeconds.toFixed(1)} s (${Math.round(count / connectSeconds)}/s)`);
    line(`heartbeats answered in ${heldMs / 1000} s`, `${report.heartbeats?.toLocaleString("en")}`);
    const managed = (m: NodeJS.MemoryUsage) => m.heapUsed + m.external;
    line(
      "relayer memory per socket",
      `${((managed(after) - managed(before)) / count / 1024).toFixed(1)} KiB heap + buffers, ${((after.rss - before.rss) / count / 1024).toFixed(1)} KiB RSS`,
    );
    line("relayer RSS", mb(after.rss));
  } finally {
    sim.child.kill();
    await stop();
  }
}

/**
 * Honest latency beside one hostile host: the light load (30 nodes, one task at a time each), alone and while the
 * host floods sign-ins, unauthenticated sockets and half-open connections, in turns within each round on fresh
 * relayers with the default admission limits (only the frame budget is raised, as in every figure here, since the
 * simulated nodes share one process). Target: p99 under flood ≤ 2× without.
 */
async function floodBench() {
  process.stdout.write(
    `\nResult → ack latency beside a flood from one host (30 honest nodes from 127.0.0.1, one task at a time each; flood from ${FLOOD.sourceIp}: ${FLOOD.unauthenticatedSockets.toLocaleString("en")} unauthenticated sockets, ${FLOOD.halfOpenConnections.toLocaleString("en")} half-open connections, ${FLOOD.signInConcurrency} sign-in loops with signatures that never verify; SQLite)\n`,
  );
  const relayerConfig = {
    gateway: { messagesPerSecond: 100_000, burst: 100_000, heartbeatTimeoutMs: 120_000 },
    admission: {},
  };
  const calm: IngestRun[] = [];
  const flooded: IngestRun[] = [];
  for (let i = 0; i < sizes.floodRuns; i++) {
    calm.push(await ingestInProcess(1, sizes.floodTasks, 30, "sqlite", { relayerConfig }));
    flooded.push(await ingestInProcess(1, sizes.floodTasks, 30, "sqlite", { relayerConfig, flood: true }));
  }
  const figure = (runs: IngestRun[]) =>
    `p50 ${median(runs.map((r) => r.p50)).toFixed(1)} ms, p99 ${median(runs.map((r) => r.p99)).toFixed(1)} ms`;
  const spread = (runs: IngestRun[]) =>
    runs.length > 1 ? ` (p99 runs ${runs.map((r) => r.p99.toFixed(1)).join(", ")})` : "";
  line("without flood, median", `${figure(calm)}${spread(calm)}`);
  line("under flood, median", `${figure(flooded)}${spread(flooded)}`);
  const ratio = median(flooded.map((r) => r.p99)) / median(calm.map((r) => r.p99));
  line("p99 under flood / without", `${ratio.toFixed(2)}× (target ≤ 2×: ${ratio <= 2 ? "met" : "missed"})`);
  const counts = flooded.at(-1)?.flood ?? {};
  const n = (key: string) => (counts[key] ?? 0).toLocaleString("en");
  line(
    "flood, last run",
    `${n("signInAttempts")} sign-ins tried, ${n("signInRefused")} refused; ${n("socketsOpened")} sockets opened, ${n("socketsRefused")} refused; ${n("halfOpenRefused")} half-open connections closed`,
  );
}

async function signInBench() {
  process.stdout.write("\nEIP-712 sign-in verification (relayer side)\n");
  const { AuthService } = await import("../src/auth/sign-in.ts");
  const { SqliteStore } = await import("../src/store/index.ts");
  const { signInTypedData } = await import("@gitblock/sdk");
  const { generatePrivateKey, privateKeyToAccount } = await import("viem/accounts");
  const store = new SqliteStore(":memory:");
  const auth = new AuthService({
    store,
    clock: { now: () => Date.now() },
    relayer: "bench",
    chainId: 31_337,
    challengeTtlSec: 300,
    sessionTtlSec: 3_600,
  });
  const signed = [];
  for (let i = 0; i < sizes.signIns; i++) {
    const account = privateKeyToAccount(generatePrivateKey());
    const sessionKey = privateKeyToAccount(generatePrivateKey()).address;
    const challenge = { ...(await auth.issueChallenge()), account: account.address, sessionKey };
    signed.push({ ...challenge, signature: await account.signTypedData(signInTypedData(challenge)) });
  }
  const t0 = performance.now();
  for (const s of signed) await auth.signIn(s);
  const ms = (performance.now() - t0) / signed.length;
  line("sign-in verified + session opened", `${ms.toFixed(2)} ms each (${Math.round(1000 / ms)}/s on one core)`);
  await store.close();
}

process.stdout.write(
  `GitBlock relayer benchmark — Node ${process.version}, ${(await import("node:os")).cpus().length} cores\n`,
);
if (want("tree")) await treeBench();
/** `BENCH_STORES=sqlite` (or `postgres`) runs the saturated ingest on one store only, to profile it. */
const ingestStores = (process.env.BENCH_STORES?.split(",") ?? ["sqlite", "postgres"]) as StoreKind[];
if (want("ingest")) {
  const postgres = ingestStores.includes("postgres")
    ? await describePostgres().catch((error: Error) => {
        process.stderr.write(`\nbench:relayer needs PostgreSQL for the ingest comparison: ${error.message}\n`);
        process.exit(1);
      })
    : "PostgreSQL (not run)";
  await ingestBench(
    32,
    sizes.ingestTasks,
    `Durable work over real sockets, saturated (group commit; per task a signed commit, its reveal and ${VERIFIERS} signed reports), each store in turn on the same fleet:\n` +
      `  SQLite (WAL, synchronous=FULL) and ${postgres}`,
    { runs: sizes.ingestRuns, stores: ingestStores },
  );
}
if (want("latency")) {
  await ingestBench(
    1,
    sizes.lightTasks,
    "Work frame → ack latency at light load (30 nodes, one task at a time each; SQLite)",
    {
      nodes: 30,
    },
  );
  await ingestBench(
    1,
    sizes.moderateTasks,
    "Work frame → ack latency at moderate load (300 nodes, one task at a time each; SQLite)",
  );
}
if (want("flood")) await floodBench();
if (want("signin")) await signInBench();
if (want("sockets")) await socketBench();
if (want("cluster")) {
  await clusterBench({
    instances: clusterSizes ?? [1, 2, 3],
    tasks: sizes.clusterTasks,
    nodes: sizes.clusterNodes,
    runs: sizes.clusterRuns,
    simProcesses: SIM_PROCESSES,
  });
}
process.exit(0);
