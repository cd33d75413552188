// The cluster figure (`--instances 1,2,3`): the saturated ingest load on N relayer processes sharing PostgreSQL and
// NATS, beside one relayer process on SQLite measured in the same run, each setup in turn on the same fleet. CPU is
// read per process from /proc, so what one durable result costs survives a machine whose cores the instances share.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import path from "node:path";
import {
  describePostgres,
  freePort,
  type RelayerProcess,
  relayerProcessConfig,
  startRelayerCluster,
  startRelayerProcess,
  TEST_NATS_URL,
} from "@gitblock/testkit";
import pg from "pg";
import { queuedTask } from "../src/scheduler/scheduler.ts";
import { PostgresStore, SqliteStore } from "../src/store/index.ts";
import type { Store, TaskSpec } from "../src/store/types.ts";
import { line, median } from "./figures.ts";
import {
  BENCH_RELAYER_CONFIG,
  FRAMES_PER_TASK,
  type IngestRun,
  ingestOnce,
  type LoadTarget,
  type MeasuredWindow,
} from "./ingest-load.ts";

/** The bench's own database connections, told apart from the instances' when their server CPU is read. */
const BENCH_APPLICATION = "gitblock-bench";
const CAPACITY = 32;

/** A column of the figure: one SQLite process (the baseline), or `instances` processes on PostgreSQL + NATS. */
type Setup = { store: "sqlite" } | { store: "postgres"; instances: number };

const setupName = (setup: Setup) =>
  setup.store === "sqlite"
    ? "SQLite, 1 process"
    : `PG + NATS, ${setup.instances} instance${setup.instances > 1 ? "s" : ""}`;

interface ClusterRun extends IngestRun {
  /** CPU seconds each instance spent in the measured window, and the durable results it stored and acked. */
  cpuSeconds: number[];
  stored: number[];
  /** Node sockets each instance held once the fleet was signed in. */
  sockets: number[];
  /** CPU seconds of the PostgreSQL backends serving the instances (null: SQLite, or not readable here). */
  serverCpuSeconds: number | null;
}

/** Relayer processes running one setup, and what the bench needs to drive and measure them. */
interface Deployment {
  processes: RelayerProcess[];
  adminToken: string;
  /** The store the processes share, opened by the bench to queue tasks and count final ones. */
  openStore(): Promise<Store>;
  /** PostgreSQL setups: the database the instances use (for their backends' CPU). */
  pgUrl?: string;
  stop(): Promise<void>;
}

async function deploy(setup: Setup): Promise<Deployment> {
  const config = { ...BENCH_RELAYER_CONFIG, log: { level: "warn" } };
  if (setup.store === "postgres") {
    const cluster = await startRelayerCluster({ instances: setup.instances, config });
    const url = new URL(cluster.pgUrl);
    url.searchParams.set("application_name", BENCH_APPLICATION);
    return {
      processes: cluster.instances,
      adminToken: cluster.adminToken,
      openStore: () => PostgresStore.connect(url.toString()),
      pgUrl: cluster.pgUrl,
      stop: cluster.stop,
    };
  }
  const dir = mkdtempSync(path.join(tmpdir(), "gitblock-bench-sqlite-"));
  const file = path.join(dir, "relayer.db");
  const adminToken = "bench-admin-token-0123456789";
  const relayer = await startRelayerProcess({
    id: "sqlite",
    dir,
    config: relayerProcessConfig({
      ...config,
      port: await freePort(),
      store: { driver: "sqlite", path: file },
      api: { adminToken },
    }),
  });
  return {
    processes: [relayer],
    adminToken,
    openStore: async () => new SqliteStore(file),
    async stop() {
      await relayer.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const CLOCK_TICKS = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;

/** User + system CPU seconds a process (all its threads) has used so far, from /proc/<pid>/stat. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** One value from a relayer's /metrics (a counter or gauge with no labels but the default `service`). */
async function metric(instance: RelayerProcess, name: string): Promise<number> {
  const text = await (await fetch(`${instance.url}/metrics`)).text();
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(text);
  return match ? Number(match[1]) : 0;
}

/**
 * The load target of a deployment: tasks go into the shared store in one write, plus one through each instance's
 * API (`POST /api/tasks`), so every scheduler looks at the queue now rather than at its once-a-second refresh.
 */
function processTarget(deployment: Deployment, store: Store): LoadTarget {
  const { processes, adminToken } = deployment;
  const postTask = async (instance: RelayerProcess, spec: TaskSpec) => {
    const response = await fetch(`${instance.url}/api/tasks`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${adminToken}` },
      body: JSON.stringify(spec),
    });
    if (response.status !== 201) throw new Error(`POST /api/tasks on ${instance.id}: ${await response.text()}`);
  };
  return {
    wsUrls: processes.map((instance) => instance.wsUrl),
    httpUrl: processes[0]?.url ?? "",
    async submit(specs) {
      const kicks = Math.min(processes.length, specs.length);
      const now = Date.now();
      await store.insertTasks(specs.slice(kicks).map((spec) => queuedTask(spec, { kind: "job", createdAt: now })));
      await Promise.all(processes.slice(0, kicks).map((instance, i) => postTask(instance, specs[i] as TaskSpec)));
    },
    resultsStored: async () =>
      (await Promise.all(processes.map((i) => metric(i, "gitblock_results_stored_total")))).reduce((a, b) => a + b, 0),
    tasksCompleted: async () => (await store.stats(Date.now())).tasksCompleted,
  };
}

/** CPU seconds of each PostgreSQL backend serving `pgUrl`'s database but not the bench (null where unreadable). */
async function serverBackendsCpu(admin: pg.Client, pgUrl: string): Promise<Map<number, number> | null> {
  const database = new URL(pgUrl).pathname.slice(1);
  const { rows } = await admin.query<{ pid: number }>(
    "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name <> $2",
    [database, BENCH_APPLICATION],
  );
  try {
    return new Map(rows.map(({ pid }) => [pid, cpuSeconds(pid)]));
  } catch {
    // Another machine, or another user's processes: the server's share is then not shown.
    return null;
  }
}

async function runOnce(setup: Setup, nodes: number, tasks: number, simProcesses: number): Promise<ClusterRun> {
  const deployment = await deploy(setup);
  const store = await deployment.openStore();
  const admin = deployment.pgUrl
    ? new pg.Client({ connectionString: deployment.pgUrl, application_name: BENCH_APPLICATION })
    : null;
  await admin?.connect();
  try {
    const { processes } = deployment;
    let cpuBefore: number[] = [];
    let storedBefore: number[] = [];
    let serverBefore: Map<number, number> | null = null;
    const measured: Pick<ClusterRun, "cpuSeconds" | "stored" | "sockets" | "serverCpuSeconds"> = {
      cpuSeconds: [],
      stored: [],
      sockets: [],
      serverCpuSeconds: null,
    };
    const stored = () => Promise.all(processes.map((i) => metric(i, "gitblock_results_stored_total")));
    const window: MeasuredWindow = {
      async open() {
        measured.sockets = await Promise.all(processes.map((i) => metric(i, "gitblock_node_sockets")));
        storedBefore = await stored();
        if (admin && deployment.pgUrl) serverBefore = await serverBackendsCpu(admin, deployment.pgUrl);
        cpuBefore = processes.map((i) => cpuSeconds(i.pid));
      },
      async close() {
        measured.cpuSeconds = processes.map((i, k) => cpuSeconds(i.pid) - (cpuBefore[k] ?? 0));
        const before = serverBefore;
        const after = admin && deployment.pgUrl && before ? await serverBackendsCpu(admin, deployment.pgUrl) : null;
        // A backend opened during the window counts from zero; one closed during it is lost (pools keep theirs).
        measured.serverCpuSeconds =
          before && after ? [...after].reduce((sum, [pid, cpu]) => sum + cpu - (before.get(pid) ?? 0), 0) : null;
        measured.stored = (await stored()).map((n, k) => n - (storedBefore[k] ?? 0));
      },
    };
    const run = await ingestOnce(
      processTarget(deployment, store),
      { capacity: CAPACITY, tasks, nodes, simProcesses },
      { window },
    );
    return { ...run, ...measured };
  } finally {
    await admin?.end();
    await store.close();
    await deployment.stop();
  }
}

export async function clusterBench({
  instances,
  tasks,
  nodes,
  runs,
  simProcesses,
}: {
  instances: readonly number[];
  tasks: number;
  nodes: number;
  runs: number;
  simProcesses: number;
}): Promise<void> {
  const postgres = await describePostgres();
  process.stdout.write(
    `\nRelayer instances on PostgreSQL + NATS beside one SQLite process: the saturated ingest (per task a signed commit, its reveal and 2 signed reports), each setup in turn on the same fleet, fresh processes and database every run\n` +
      `  ${postgres}; NATS JetStream at ${TEST_NATS_URL}\n`,
  );
  const setups: Setup[] = [
    { store: "sqlite" },
    ...instances.map((n) => ({ store: "postgres" as const, instances: n })),
  ];
  const results = setups.map(() => [] as ClusterRun[]);
  for (let round = 0; round < runs; round++) {
    for (const [i, setup] of setups.entries()) results[i]?.push(await runOnce(setup, nodes, tasks, simProcesses));
  }
  const frames = tasks * FRAMES_PER_TASK;
  const us = (seconds: number) => `${Math.round(seconds * 1e6).toLocaleString("en")} µs`;
  const rates = (r: ClusterRun[]) => r.map((run) => frames / run.seconds);
  const cpuPerResult = (r: ClusterRun[]) => r.map((run) => run.cpuSeconds.reduce((a, b) => a + b, 0) / frames);
  const [baseline] = results as [ClusterRun[]];
  const baseRate = median(rates(baseline));
  const baseCpu = median(cpuPerResult(baseline));
  /** Per instance, the median over runs. */
  const perInstance = (r: ClusterRun[], figure: (run: ClusterRun, k: number) => number) =>
    Array.from({ length: r[0]?.cpuSeconds.length ?? 0 }, (_, k) => median(r.map((run) => figure(run, k))));
  const row = (label: string, figure: (r: ClusterRun[], setup: Setup) => string) =>
    line(
      label,
      setups
        .map((setup, i) => figure(results[i] ?? [], setup).padEnd(30))
        .join(" ")
        .trimEnd(),
    );
  const spread = (values: number[]) =>
    runs > 1 ? ` (${values.map((v) => Math.round(v).toLocaleString("en")).join(", ")})` : "";
  line(
    "simulated nodes (own processes)",
    `${nodes}, capacity ${CAPACITY} each, ${Math.min(simProcesses, nodes)} processes, connected straight to the instances, round robin`,
  );
  row("setup", (_, setup) => setupName(setup));
  row(
    `durable results stored + acked${runs > 1 ? ", median" : ""}`,
    (r) => `${frames.toLocaleString("en")} in ${median(r.map((run) => run.seconds)).toFixed(1)} s`,
  );
  row("durable results per second", (r) => `${Math.round(median(rates(r))).toLocaleString("en")}/s${spread(rates(r))}`);
  row("  / one SQLite process", (r) => `${(median(rates(r)) / baseRate).toFixed(2)}×`);
  row("sockets held (per instance)", (r) => {
    const held = perInstance(r, (run, k) => run.sockets[k] ?? 0);
    return `${held.reduce((a, b) => a + b, 0)} (${held.join(" + ")})`;
  });
  row("durable results, per instance", (r) =>
    perInstance(r, (run, k) => run.stored[k] ?? 0)
      .map((n) => n.toLocaleString("en"))
      .join(" + "),
  );
  row("relayer CPU / durable result, each instance", (r) =>
    perInstance(r, (run, k) => (run.cpuSeconds[k] ?? 0) / (run.stored[k] || Number.NaN))
      .map(us)
      .join(" / "),
  );
  row("relayer CPU / durable result, all instances", (r) => us(median(cpuPerResult(r))));
  row("  / one SQLite process", (r) => `${(median(cpuPerResult(r)) / baseCpu).toFixed(2)}×`);
  row("PostgreSQL backends' CPU / durable result", (r) => {
    const server = r.map((run) => run.serverCpuSeconds);
    if (server.some((s) => s === null)) return "-";
    return us(median(server.map((s) => (s ?? 0) / frames)));
  });
  row(
    "result → ack latency (node side)",
    (r) => `p50 ${median(r.map((run) => run.p50)).toFixed(1)} ms, p99 ${median(r.map((run) => run.p99)).toFixed(1)} ms`,
  );
  process.stdout.write(
    "  (nodes connect to each instance directly: nginx, which the cluster harness also starts, is not in the path and not measured)\n" +
      `  (this machine has ${cpus().length} cores: the instances, PostgreSQL, NATS and the simulated nodes compete for them, so results per second here do not grow with instances; project from CPU per durable result)\n`,
  );
}
