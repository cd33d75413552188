// `npm run bench:integrity`: verification integrity with R = 3 and known-answer challenges on, for 10%, 20% and 33%
// dishonest nodes (random liars; colluders that always lie; colluders that lie only where they hold a quorum), then
// the settings that push accepted-wrong below 0.1% at 20% colluders. Every node is a real client on a real socket
// to an in-process relayer; inference is the simulation engine. Writes sim/bench/results/integrity.json.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { Fleet, type FleetMix, type FleetReport } from "../src/fleet.ts";
import { startLocalRelayer } from "../src/local-relayer.ts";

const { values: args } = parseArgs({
  options: {
    nodes: { type: "string", default: "30" },
    tasks: { type: "string", default: "300" },
    "settings-tasks": { type: "string", default: "1000" },
    "challenge-rate": { type: "string", default: "0.1" },
    seeds: { type: "string", default: "3" },
    quick: { type: "boolean", default: false },
    out: { type: "string", default: path.join(import.meta.dirname, "results", "integrity.json") },
  },
});
const NODES = Number(args.nodes);
const TASKS = args.quick ? 100 : Number(args.tasks);
const SETTINGS_TASKS = args.quick ? 100 : Number(args["settings-tasks"]);
const CHALLENGE_RATE = Number(args["challenge-rate"]);
const SEEDS = args.quick ? 1 : Number(args.seeds);
const SETTINGS_SEEDS = args.quick ? 1 : Math.min(2, SEEDS);

type Kind = "liar" | "colluder" | "colluder-majority";

interface Scenario {
  kind: Kind;
  tasks: number;
  share: number;
  redundancy: number;
  quorumBps: number;
}

/** A scenario's runs (one per seed) added up. */
interface Aggregate {
  runs: number;
  validated: number;
  acceptedWrong: number;
  acceptedWrongShare: number;
  /** Lowest and highest accepted-wrong share of a single run. */
  acceptedWrongRange: { min: number; max: number };
  inconclusive: number;
  honestWronglyStruck: number;
  honestNodes: number;
  honestWronglyStruckShare: number;
  dishonestBanned: number;
  dishonestNodes: number;
  medianTasksToBan: number | null;
  medianMsToBan: number | null;
  elapsedMs: number;
}

interface Row extends Scenario {
  dishonest: number;
  report: Aggregate;
  /** Binomial chance that colluders hold a quorum on a task (all of them still unbanned). */
  analyticQuorumShare: number | null;
}

function binomialTail(n: number, p: number, atLeast: number): number {
  let sum = 0;
  let c = 1;
  for (let j = 0; j <= n; j++) {
    if (j > 0) c = (c * (n - j + 1)) / j;
    if (j >= atLeast) sum += c * p ** j * (1 - p) ** (n - j);
  }
  return sum;
}

async function runOnce(s: Scenario, seed: number): Promise<FleetReport> {
  const dishonest = Math.round(NODES * s.share);
  const mix: Partial<FleetMix> = { honest: NODES - dishonest, [s.kind === "liar" ? "liar" : "colluder"]: dishonest };
  const local = await startLocalRelayer({
    redundancy: s.redundancy,
    quorumBps: s.quorumBps,
    challengeRate: CHALLENGE_RATE,
    challenges: 40,
    taskTimeoutMs: 3_000,
  });
  const fleet = new Fleet({
    relayerUrl: local.url,
    submit: local.submit,
    pending: local.pending,
    mix,
    tasks: s.tasks,
    taskTimeoutMs: local.taskTimeoutMs,
    latencyMs: 20,
    capacity: 2,
    lieRate: 0.5,
    colluderStrategy: s.kind === "colluder-majority" ? "majority" : "always",
    redundancy: s.redundancy,
    quorumBps: s.quorumBps,
    seed,
  });
  try {
    await fleet.start();
    return await fleet.run();
  } finally {
    await fleet.stop();
    await local.stop();
  }
}

const median = (values: number[]) => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? null;
};

async function run(s: Scenario, seeds: number): Promise<Row> {
  const reports: FleetReport[] = [];
  for (let seed = 1; seed <= seeds; seed++) reports.push(await runOnce(s, seed));
  const sum = (f: (r: FleetReport) => number) => reports.reduce((total, r) => total + f(r), 0);
  const banned = reports.flatMap((r) =>
    r.perNode.filter((n) => (n.behaviour === "liar" || n.behaviour === "colluder") && n.bannedAt !== null),
  );
  const validated = sum((r) => r.validated);
  const acceptedWrong = sum((r) => r.acceptedWrong);
  const honestNodes = sum((r) => r.honestNodes);
  const honestWronglyStruck = sum((r) => r.honestWronglyStruck);
  const shares = reports.map((r) => r.acceptedWrongShare);
  const dishonest = Math.round(NODES * s.share);
  const needed = Math.ceil((s.redundancy * s.quorumBps) / 10_000);
  return {
    ...s,
    dishonest,
    analyticQuorumShare: s.kind === "liar" ? null : binomialTail(s.redundancy, dishonest / NODES, needed),
    report: {
      runs: reports.length,
      validated,
      acceptedWrong,
      acceptedWrongShare: validated > 0 ? acceptedWrong / validated : 0,
      acceptedWrongRange: { min: Math.min(...shares), max: Math.max(...shares) },
      inconclusive: sum((r) => r.inconclusive),
      honestWronglyStruck,
      honestNodes,
      honestWronglyStruckShare: honestNodes > 0 ? honestWronglyStruck / honestNodes : 0,
      dishonestBanned: sum((r) => r.dishonestBanned),
      dishonestNodes: sum((r) => r.dishonestNodes),
      medianTasksToBan: median(banned.map((n) => n.tasksBeforeBan ?? 0)),
      medianMsToBan: median(banned.map((n) => n.msToBan ?? 0)),
      elapsedMs: sum((r) => r.elapsedMs),
    },
  };
}

const pct = (x: number | null) => (x === null ? "–" : `${(x * 100).toFixed(x > 0 && x < 0.001 ? 3 : 2)}%`);

function table(rows: Row[]): string {
  const header = [
    "dishonest",
    "kind",
    "R",
    "quorum",
    "validated",
    "accepted-wrong",
    "(binomial)",
    "inconclusive",
    "honest struck",
    "liars banned",
    "ban after (tasks, s)",
  ];
  const lines = rows.map((r) => [
    `${r.dishonest}/${NODES} (${Math.round(r.share * 100)}%)`,
    r.kind,
    String(r.redundancy),
    `${r.quorumBps / 100}%`,
    String(r.report.validated),
    `${r.report.acceptedWrong} (${pct(r.report.acceptedWrongShare)}${r.report.runs > 1 ? `; runs ${pct(r.report.acceptedWrongRange.min)}–${pct(r.report.acceptedWrongRange.max)}` : ""})`,
    pct(r.analyticQuorumShare),
    String(r.report.inconclusive),
    `${r.report.honestWronglyStruck}/${r.report.honestNodes} (${pct(r.report.honestWronglyStruckShare)})`,
    `${r.report.dishonestBanned}/${r.report.dishonestNodes}`,
    r.report.medianTasksToBan === null
      ? "–"
      : `${r.report.medianTasksToBan}, ${((r.report.medianMsToBan ?? 0) / 1000).toFixed(1)} s`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? "").length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ");
  return [fmt(header), fmt(widths.map((w) => "-".repeat(w))), ...lines.map(fmt)].join("\n");
}

const main = async () => {
  console.log(
    `verification integrity (simulation engine, ${NODES} nodes, ${TASKS} jobs per run × ${SEEDS} seeds, challenges ${CHALLENGE_RATE * 100}% of jobs, random liars lie on 50% of tasks)`,
  );
  const rows: Row[] = [];
  for (const share of [0.1, 0.2, 0.33]) {
    for (const kind of ["liar", "colluder", "colluder-majority"] as const) {
      const row = await run({ kind, share, tasks: TASKS, redundancy: 3, quorumBps: 6_600 }, SEEDS);
      rows.push(row);
      console.log(
        `  ${Math.round(share * 100)}% ${kind}: accepted-wrong ${pct(row.report.acceptedWrongShare)}, honest struck ${pct(row.report.honestWronglyStruckShare)}, ${(row.report.elapsedMs / 1000).toFixed(1)} s`,
      );
    }
  }
  console.log(
    `\nsettings at 20% coordinated colluders (lie only where they hold the quorum), ${SETTINGS_TASKS} jobs per run`,
  );
  const settings: Row[] = [];
  for (const [redundancy, quorumBps] of [
    [5, 6_600],
    [5, 10_000],
    [7, 6_600],
    [7, 8_000],
  ] as const) {
    const row = await run(
      { kind: "colluder-majority", share: 0.2, tasks: SETTINGS_TASKS, redundancy, quorumBps },
      SETTINGS_SEEDS,
    );
    settings.push(row);
    console.log(
      `  R=${redundancy} quorum ${quorumBps / 100}%: accepted-wrong ${pct(row.report.acceptedWrongShare)} (binomial ${pct(row.analyticQuorumShare)}), ${(row.report.elapsedMs / 1000).toFixed(1)} s`,
    );
  }
  console.log(`\nR = 3, quorum 66%, challenges on\n${table(rows)}`);
  console.log(`\n20% coordinated colluders, other settings\n${table(settings)}`);
  mkdirSync(path.dirname(args.out), { recursive: true });
  writeFileSync(
    args.out,
    `${JSON.stringify(
      {
        nodes: NODES,
        tasks: TASKS,
        settingsTasks: SETTINGS_TASKS,
        challengeRate: CHALLENGE_RATE,
        seeds: SEEDS,
        rows,
        settings,
      },
      (_k, v) => (typeof v === "bigint" ? v.toString() : v),
      2,
    )}\n`,
  );
  console.log(`\nwritten ${path.relative(process.cwd(), args.out)}`);
};

await main();
