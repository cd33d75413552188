// `npm run bench:integrity`: verification integrity of the staged rule (one generator, then k verifiers drawn after
// its commitment, the dispute tier, traps, challenges) against the old rule (R = 3, exact-hash voting, quorum 66%), on
// one fleet of simulated nodes of several hardware classes, with 10%, 20% and 33% dishonest nodes of eight kinds, at
// honest-disagreement levels p ∈ {0, 1%, 5%, 20%}. The relayer's own decision code judges (./relayer-rules.ts); the
// network around it is a discrete-event model in this process (./network.ts). Writes sim/bench/results/integrity.json,
// prints a table and one line per target. `-- --quick` for a short run (tests).
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { SimulationMemo } from "@gitblock/sdk/engines/simulation";
import { calibrateDelta, type DeltaCalibration, noiseFor } from "./calibration.ts";
import {
  ADVERSARIES,
  type Adversary,
  type Cell,
  NetworkRun,
  type RuleSettings,
  type RunResult,
  type WorldSettings,
} from "./network.ts";

/**
 * The verification cost ratio used when `--verify-cost` is not given: a teacher-forced scoring pass (one prefill over
 * prompt + claim) in generations of the same task, as `npm run bench:verify-cost` measured it on the embedded
 * llama.cpp engine (CPU, 1 thread, node/bench/results/verify-cost.json): 0.38 for the largest generated model stored
 * as Q8_0 (85 M parameters; 0.27 in F32; 0.52–0.54 on the 2-block test fixture, where per-call overhead dominates).
 * CPU figures: on GPUs a prefill is cheaper still relative to decoding, but none was measured here.
 */
export const DEFAULT_VERIFY_COST = 0.38;
export const DISAGREEMENT_LEVELS = [0, 0.01, 0.05, 0.2];
export const DISHONEST_SHARES = [0.1, 0.2, 0.33];

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    jobs: { type: "string" },
    nodes: { type: "string" },
    "max-tokens": { type: "string", default: "128" },
    "verify-cost": { type: "string", default: String(DEFAULT_VERIFY_COST) },
    trusted: { type: "string", default: "2" },
    untrusted: { type: "string", default: "4" },
    "trap-rate": { type: "string", default: "0.1" },
    "close-call": { type: "string", default: "0.5" },
    adversaries: { type: "string" },
    levels: { type: "string" },
    "challenge-rate": { type: "string", default: "0.02" },
    "quorum-bps": { type: "string", default: "6600" },
    "tenure-tasks": { type: "string", default: "20" },
    "trusted-reputation-bps": { type: "string", default: "10000" },
    "compute-price": { type: "string", default: "0.5" },
    "slash-share": { type: "string", default: "0.1" },
    "lie-rate": { type: "string", default: "0.25" },
    "challenge-leak": { type: "string", default: "0" },
    "cheap-cost": { type: "string", default: "0.25" },
    workers: { type: "string", default: String(Math.max(1, Math.min(4, os.availableParallelism()))) },
    seed: { type: "string", default: "1" },
    out: { type: "string", default: path.join(import.meta.dirname, "results", "integrity.json") },
  },
});

const quick = args.quick ?? false;
const world: WorldSettings = {
  nodes: Number(args.nodes ?? (quick ? 30 : 100)),
  references: 2,
  classes: 4,
  jobs: Number(args.jobs ?? (quick ? 400 : 6_000)),
  maxTokens: Number(args["max-tokens"]),
  model: "sim-llm",
  arrivalMs: 100,
  generateMs: 2_000,
  verifyCost: Number(args["verify-cost"]),
  cheapCost: Number(args["cheap-cost"]),
  capacity: 4,
  computePrice: Number(args["compute-price"]),
  bondWei: 100n * 10n ** 18n,
  slashShare: Number(args["slash-share"]),
  lieRate: Number(args["lie-rate"]),
  challengeLeak: Number(args["challenge-leak"]),
  seed: Number(args.seed),
};
const settings: RuleSettings = {
  verifiers: { trusted: Number(args.trusted), untrusted: Number(args.untrusted) },
  trapRate: Number(args["trap-rate"]),
  challengeRate: Number(args["challenge-rate"]),
  quorumBps: Number(args["quorum-bps"]),
  tenureTasks: Number(args["tenure-tasks"]),
  tenureFloor: 0.1,
  trustedReputationBps: Number(args["trusted-reputation-bps"]),
  verifyRateBps: 2_000,
  nonTop1Share: 0.02,
  minNonTop1: 2,
  closeCallShare: Number(args["close-call"]),
  oldRedundancy: 3,
  oldQuorumBps: 6_600,
};
const CALIBRATION_TASKS = quick ? 120 : 400;
/** `--adversaries a,b` and `--levels 0.05,0.2` run a part of the table (to look into one cell; targets need it all). */
const adversaries = listArg(args.adversaries, ADVERSARIES as readonly string[], "--adversaries") as Adversary[];
const levelsRun = listArg(args.levels, DISAGREEMENT_LEVELS.map(String), "--levels").map(Number);

function listArg(value: string | undefined, all: readonly string[], flag: string): string[] {
  if (!value) return [...all];
  const picked = value.split(",").map((v) => v.trim());
  const unknown = picked.filter((v) => !all.includes(v));
  if (unknown.length > 0) throw new Error(`${flag}: unknown ${unknown.join(", ")} (one of ${all.join(", ")})`);
  return picked;
}

export interface RuleRow {
  validatedJobs: number;
  acceptedWrong: number;
  acceptedWrongShare: number;
  /** Wilson 95% upper bound of the accepted-wrong share. */
  acceptedWrongUpper: number;
  /** Accepted-wrong claims the true model fails even at 2δ. */
  acceptedWrongAt2Delta: number;
  /** Accepted-wrong per adversary identity: what each got through before it was banned or stopped (horizon-free). */
  acceptedWrongPerAdversary: number;
  honestStruck: number;
  honestNodes: number;
  honestStruckShare: number;
  disputeRate: number;
  unpaidHonestShare: number;
  costPerJob: number;
  /**
   * What cheating earned the adversaries, in GBT: their net (GBT earned − compute) minus the same identities' net in
   * the honest twin run, counting what the bans this run gave them cost for the rest of those bans (at the twin's
   * rate). A 24 h ban outlasts a run of minutes, so without that an adversary banned near the end would look as if
   * it had kept what it saved.
   */
  profitGbt: number;
  /** The same, relative to the twin's net for the run (−1: as much as they would have earned honestly). */
  profitShare: number;
  /** The run's part alone: net minus the twin's net over the run, bans after it not counted. */
  profitInRunGbt: number;
  /** The headline figure also counting bond slashes for proven-wrong verdicts (`--slash-share` of the bond each). */
  profitWithSlashingGbt: number;
  adversaryBanned: number;
  adversaryIdentities: number;
  /** The adversaries' share of generator seats on jobs (their share of the fleet: `share`). */
  adversaryGenerateSeats: number;
  inconclusiveJobs: number;
  rejectedJobs: number;
  unassignedJobs: number;
  /** Validated jobs revoked when their generator was proven wrong later in the epoch (not counted as validated). */
  revokedJobs: number;
  revokedWrong: number;
  revokedHonest: number;
}

export interface CellRow {
  p: number;
  measuredP: number;
  noise: number;
  delta: number;
  share: number;
  adversary: Adversary;
  jobs: number;
  new: RuleRow;
  old: RuleRow;
}

export interface LevelResult {
  p: number;
  noise: number;
  calibrationP: number;
  delta: DeltaCalibration;
  rows: CellRow[];
  /** The honest twin runs (every node honest): what a fleet without adversaries costs and strikes. */
  twins: Array<{ share: number; new: RunResult; old: RunResult }>;
}

/** Wilson score interval's upper bound (95%). */
export function wilsonUpper(successes: number, n: number, z = 1.96): number {
  if (n === 0) return 1;
  const phat = successes / n;
  const z2 = z * z;
  const centre = phat + z2 / (2 * n);
  const spread = z * Math.sqrt((phat * (1 - phat)) / n + z2 / (4 * n * n));
  return Math.min(1, (centre + spread) / (1 + z2 / n));
}

const GBT = 1e18;

function ruleRow(r: RunResult, twin: RunResult): RuleRow {
  const unit = twin.meanGenerationWei * world.computePrice;
  const slash = Number(world.bondWei) * world.slashShare;
  const adversaries = new Set(r.identities.filter((i) => i.adversary).map((i) => i.identity));
  const net = (run: RunResult, slashing: boolean) =>
    run.identities
      .filter((i) => adversaries.has(i.identity))
      .reduce((s, i) => s + Number(i.earnedWei) - i.compute * unit - (slashing ? i.provenWrong * slash : 0), 0);
  const honestNet = net(twin, false);
  const profit = net(r, false) - honestNet;
  const twinNet = new Map(twin.identities.map((i) => [i.identity, Number(i.earnedWei) - i.compute * unit]));
  const forgone = r.identities
    .filter((i) => i.adversary && i.bannedUntil !== null && i.bannedUntil > r.endedAt)
    .reduce(
      (s, i) => s + ((twinNet.get(i.identity) ?? 0) / Math.max(1, twin.endedAt)) * ((i.bannedUntil ?? 0) - r.endedAt),
      0,
    );
  return {
    validatedJobs: r.validatedJobs,
    acceptedWrong: r.acceptedWrong,
    acceptedWrongShare: r.validatedJobs > 0 ? r.acceptedWrong / r.validatedJobs : 0,
    acceptedWrongUpper: wilsonUpper(r.acceptedWrong, r.validatedJobs),
    acceptedWrongAt2Delta: r.acceptedWrongAt2Delta,
    acceptedWrongPerAdversary: r.adversaryIdentities > 0 ? r.acceptedWrong / r.adversaryIdentities : 0,
    honestStruck: r.honestStruck,
    honestNodes: r.honestNodes,
    honestStruckShare: r.honestNodes > 0 ? r.honestStruck / r.honestNodes : 0,
    disputeRate: r.jobs > 0 ? r.disputedJobs / r.jobs : 0,
    unpaidHonestShare: r.honestGenerations > 0 ? r.honestUnpaid / r.honestGenerations : 0,
    costPerJob: r.costPerJob,
    profitGbt: (profit - forgone) / GBT,
    profitShare: honestNet !== 0 ? (profit - forgone) / Math.abs(honestNet) : 0,
    profitInRunGbt: profit / GBT,
    profitWithSlashingGbt: (net(r, true) - net(twin, true) - forgone) / GBT,
    adversaryBanned: r.adversaryBanned,
    adversaryIdentities: r.adversaryIdentities,
    adversaryGenerateSeats: r.seats.generate > 0 ? r.adversarySeats.generate / r.seats.generate : 0,
    inconclusiveJobs: r.inconclusiveJobs,
    rejectedJobs: r.rejectedJobs,
    unassignedJobs: r.unassignedJobs,
    revokedJobs: r.revokedJobs,
    revokedWrong: r.revokedWrong,
    revokedHonest: r.revokedHonest,
  };
}

async function runLevel(p: number, onCell: (line: string) => void): Promise<LevelResult> {
  const { noise, measured } = noiseFor(p, {
    classes: world.classes,
    model: world.model,
    maxTokens: world.maxTokens,
    tasks: CALIBRATION_TASKS,
  });
  const memo = new SimulationMemo(400_000);
  const delta = calibrateDelta(noise, {
    classes: world.classes,
    model: world.model,
    maxTokens: world.maxTokens,
    tasks: Math.round(CALIBRATION_TASKS / 2),
    memo,
  });
  const run = (rule: "new" | "old", adversary: Adversary | null, share: number) => {
    const cell: Cell = { rule, adversary, share, noise, delta: delta.delta };
    return new NetworkRun(world, settings, cell, memo).run();
  };
  const rows: CellRow[] = [];
  const twins: LevelResult["twins"] = [];
  for (const share of DISHONEST_SHARES) {
    const twin = { share, new: await run("new", null, share), old: await run("old", null, share) };
    twins.push(twin);
    for (const adversary of adversaries) {
      const started = performance.now();
      const n = await run("new", adversary, share);
      const o = await run("old", adversary, share);
      const row: CellRow = {
        p,
        measuredP: n.disagreement.jobs > 0 ? n.disagreement.differing / n.disagreement.jobs : 0,
        noise,
        delta: delta.delta,
        share,
        adversary,
        jobs: n.jobs,
        new: ruleRow(n, twin.new),
        old: ruleRow(o, twin.old),
      };
      rows.push(row);
      onCell(
        `  p ${pct(p, 0)} · ${pct(share, 0)} ${adversary}: accepted-wrong ${row.new.acceptedWrong} (old ${row.old.acceptedWrong}), honest struck ${row.new.honestStruck} (old ${row.old.honestStruck}), ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
    }
  }
  return { p, noise, calibrationP: measured, delta, rows, twins };
}

const pct = (x: number, digits = 2) => `${(x * 100).toFixed(digits)}%`;
const signed = (x: number, digits = 2) => `${x > 0 ? "+" : ""}${x.toFixed(digits)}`;

function table(rows: CellRow[]): string {
  const header = [
    "p target/measured",
    "δ",
    "dishonest",
    "adversary",
    "NEW accepted-wrong (95% ub)",
    "struck",
    "disputes",
    "unpaid",
    "cost",
    "profit GBT (share)",
    "OLD accepted-wrong (95% ub)",
    "struck",
    "unpaid",
    "cost",
    "profit GBT (share)",
  ];
  const rule = (r: RuleRow, withDisputes: boolean) => [
    `${r.acceptedWrong}/${r.validatedJobs} ${pct(r.acceptedWrongShare)} (${pct(r.acceptedWrongUpper)})`,
    `${r.honestStruck}/${r.honestNodes} ${pct(r.honestStruckShare, 1)}`,
    ...(withDisputes ? [pct(r.disputeRate, 1)] : []),
    pct(r.unpaidHonestShare, 1),
    r.costPerJob.toFixed(2),
    `${signed(r.profitGbt)} (${signed(r.profitShare * 100, 1)}%)`,
  ];
  const lines = rows.map((r) => [
    `${pct(r.p, 0)} / ${pct(r.measuredP, 1)}`,
    r.delta.toFixed(4),
    pct(r.share, 0),
    r.adversary,
    ...rule(r.new, true),
    ...rule(r.old, false),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? "").length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ");
  return [fmt(header), fmt(widths.map((w) => "-".repeat(w))), ...lines.map(fmt)].join("\n");
}

interface Target {
  name: string;
  met: boolean;
  value: string;
}

function targets(rows: CellRow[]): Target[] {
  const worst = <T>(list: T[], f: (x: T) => number) =>
    list.reduce<T | null>((w, x) => (w === null || f(x) > f(w) ? x : w), null);
  const where = (r: CellRow | null) => (r ? `(${pct(r.share, 0)} ${r.adversary}, p ${pct(r.p, 0)})` : "");
  const out: Target[] = [];
  const aw = worst(
    rows.filter((r) => r.share >= 0.2),
    (r) => r.new.acceptedWrongUpper,
  );
  const at20 = worst(
    rows.filter((r) => r.share === 0.2),
    (r) => r.new.acceptedWrongUpper,
  );
  if (aw && at20) {
    out.push({
      name: "accepted-wrong upper bound < 0.1% at 20% and 33%",
      met: aw.new.acceptedWrongUpper < 0.001,
      value: `worst ${pct(aw.new.acceptedWrongUpper, 3)} ${where(aw)}; at 20%: worst ${pct(at20.new.acceptedWrongUpper, 3)} ${where(at20)}`,
    });
  }
  const struck = worst(rows, (r) => r.new.honestStruckShare);
  if (struck) {
    out.push({
      name: "honest nodes struck < 0.5% for every p up to 20%",
      met: struck.new.honestStruckShare < 0.005,
      value: `worst ${pct(struck.new.honestStruckShare)} ${where(struck)}`,
    });
  }
  for (const [share, limit] of [
    [0.2, 1.5],
    [0.33, 2.0],
  ] as const) {
    const cost = worst(
      rows.filter((r) => r.share === share),
      (r) => r.new.costPerJob,
    );
    if (cost) {
      out.push({
        name: `cost ≤ ${limit.toFixed(1)} at ${pct(share, 0)}`,
        met: cost.new.costPerJob <= limit,
        value: `worst ${cost.new.costPerJob.toFixed(3)} ${where(cost)} at verification cost ${world.verifyCost}`,
      });
    }
  }
  const profit = worst(rows, (r) => r.new.profitGbt);
  if (profit) {
    out.push({
      name: "adversary profit ≤ 0",
      met: profit.new.profitGbt <= 0,
      value: `worst ${signed(profit.new.profitGbt, 3)} GBT (${signed(profit.new.profitShare * 100, 2)}%) ${where(profit)}`,
    });
  }
  return out;
}

const bigintJson = (_k: string, v: unknown) => (typeof v === "bigint" ? v.toString() : v);

async function main(): Promise<void> {
  const started = performance.now();
  const workers = Math.max(1, Math.min(Number(args.workers), levelsRun.length));
  console.log(
    `verification integrity (simulation engine: no real model): ${world.nodes} nodes over ${world.classes} hardware classes + ${world.references} reference verifiers, ${world.jobs} jobs per cell (${(world.jobs / world.nodes).toFixed(0)} per node, ${((world.jobs * world.arrivalMs) / 60_000).toFixed(0)} simulated minutes: bans and strike windows outlast the run), max ${world.maxTokens} tokens, verification cost ${world.verifyCost} generations, ${workers} worker(s)`,
  );
  console.log(
    `new rule: k ${settings.verifiers.trusted} trusted / ${settings.verifiers.untrusted} untrusted, quorum ${settings.quorumBps / 100}%, traps ${pct(settings.trapRate, 0)}, challenges ${pct(settings.challengeRate, 0)}, tenure ${settings.tenureTasks} tasks, trusted from ${settings.trustedReputationBps / 100}% reputation; old rule: R ${settings.oldRedundancy}, quorum ${settings.oldQuorumBps / 100}%, known-answer challenges at the same rate`,
  );
  const levels: LevelResult[] = [];
  if (workers === 1) {
    for (const p of levelsRun) levels.push(await runLevel(p, (line) => console.log(line)));
  } else {
    const queue = [...levelsRun];
    await Promise.all(
      Array.from({ length: workers }, async () => {
        for (let p = queue.shift(); p !== undefined; p = queue.shift()) {
          const level = p;
          levels.push(
            await new Promise<LevelResult>((resolve, reject) => {
              const worker = new Worker(import.meta.filename, { workerData: { level }, argv: process.argv.slice(2) });
              worker.on("message", (m: { line?: string; result?: string }) => {
                if (m.line) console.log(m.line);
                if (m.result) resolve(JSON.parse(m.result, (_k, v) => v) as LevelResult);
              });
              worker.on("error", reject);
              worker.on("exit", (code) => code !== 0 && reject(new Error(`worker for p ${level} exited with ${code}`)));
            }),
          );
        }
      }),
    );
  }
  levels.sort((a, b) => a.p - b.p);
  console.log("\ncalibration (per disagreement level):");
  for (const l of levels) {
    console.log(
      `  p ${pct(l.p, 0)}: class noise ${l.noise.toPrecision(3)} nats (p ${pct(l.calibrationP, 1)} on ${CALIBRATION_TASKS} calibration tasks); δ ${l.delta.delta} = ${l.delta.setBy === "floor" ? "the floor 0.05" : "2 × max(largest gap, largest drift)"} (largest honest gap ${l.delta.largestGap.toFixed(4)}, largest drift ${l.delta.largestDrift.toFixed(4)}, ${l.delta.gapPositions} non-top-1 of ${l.delta.positions} positions)`,
    );
  }
  const rows = levels.flatMap((l) => l.rows);
  console.log(`\n${table(rows)}`);
  console.log(
    "\naccepted-wrong: validated jobs whose claim the true model (exact hardware, no noise) fails at δ; 95% ub: Wilson upper bound. struck: honest nodes given ≥ 1 strike (a wrong or failed-challenge verdict) in the run, of all honest nodes. disputes: jobs sent to the dispute tier. unpaid: honest generations not paid. cost: compute per job in generations (every generation 1, every verification, trap and dispute-tier check the verification cost; challenges included). profit: the adversaries' GBT earned minus compute (priced at --compute-price of a generation's pay), minus the same identities' in a twin run where they are honest, counting the earnings their bans cost them until the bans end (≤ 0: cheating does not pay); slashing not counted (the relayer's default slashWei is 0; the JSON has both, and the run's part alone).",
  );
  const revoked = rows.reduce(
    (sum, r) => ({
      jobs: sum.jobs + r.new.revokedJobs,
      wrong: sum.wrong + r.new.revokedWrong,
      honest: sum.honest + r.new.revokedHonest,
    }),
    { jobs: 0, wrong: 0, honest: 0 },
  );
  console.log(
    `revoked: ${revoked.jobs} validated jobs in all cells, when their generator was proven wrong later in the run (the epoch); ${revoked.wrong} of them wrong by the true model, ${revoked.honest} generated by honest nodes.`,
  );
  const results = targets(rows);
  mkdirSync(path.dirname(args.out as string), { recursive: true });
  writeFileSync(
    args.out as string,
    `${JSON.stringify({ world, settings, quick, calibrationTasks: CALIBRATION_TASKS, levels: levels.map(({ twins, ...l }) => ({ ...l, twins: twins.map((t) => ({ share: t.share, new: { ...t.new, identities: undefined }, old: { ...t.old, identities: undefined } })) })), targets: results }, bigintJson, 2)}\n`,
  );
  console.log(
    `\nwritten ${path.relative(process.cwd(), args.out as string)} in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
  if (adversaries.length < ADVERSARIES.length || levelsRun.length < DISAGREEMENT_LEVELS.length) {
    console.log("partial run (--adversaries, --levels): the targets below cover only the cells run");
  }
  for (const t of results) console.log(`target ${t.name}: ${t.met ? "met" : "missed"} ${t.value}`);
}

if (isMainThread) {
  await main();
} else {
  const { level } = workerData as { level: number };
  const result = await runLevel(level, (line) => parentPort?.postMessage({ line }));
  parentPort?.postMessage({ result: JSON.stringify(result, bigintJson) });
}
