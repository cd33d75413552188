// The test suites of `npm test`, in two lanes that run side by side (this machine and CI have 2 cores, and most
// suites spend their time waiting on chains, sockets and browsers, not computing).
//
//   node scripts/test-lanes.ts            both lanes (what `npm test` runs after lint and typecheck)
//   node scripts/test-lanes.ts --serial   one suite after another, as before the lanes (to tell a lane problem)
//
// Each suite's output goes to test-results/lanes/<suite>.log and is printed whole when the suite ends, so a log
// reads suite by suite, never interleaved; a table of durations closes the run. Exits 1 when any suite failed (the
// other lane runs to its end, so one run shows every failure).
//
// Any suite may run beside any other: each starts its own chains, relayers and browsers on free ports and its own
// databases, and coverage builds its instrumented contracts apart from artifacts/ (hardhat.config.ts). The lanes are
// balanced by measured duration. The suites are deterministic under load (`npm run test:under-load`), which is what
// running two at once amounts to.
import { spawn } from "node:child_process";
import { createWriteStream, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const logDir = path.join(root, "test-results", "lanes");

/**
 * The lanes, side by side, each a list of npm scripts run in order. Durations as measured in the lanes (both running,
 * 2 cores; fresh-clone `.ci/run` of 9a829ac, whose suites took 691 s of wall clock): about 611 s and 678 s.
 */
const LANES: string[][] = [
  // coverage 174 s · relayer on PostgreSQL 314 s · several relayers on PostgreSQL + NATS 40 s · node 67 s · sdk 3 s ·
  // sim 13 s
  ["coverage", "test:relayer:pg", "test:relayer:cluster", "test:node", "test:sdk", "test:sim"],
  // dApp unit 12 s · relayer on SQLite 379 s · dApp in Chromium 287 s
  ["test:web:unit", "test:relayer:sqlite", "test:web:e2e"],
];

interface Outcome {
  suite: string;
  code: number;
  seconds: number;
}

const serial = process.argv.includes("--serial");
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

function runSuite(suite: string): Promise<Outcome> {
  const file = path.join(logDir, `${suite.replaceAll(":", "-")}.log`);
  const log = createWriteStream(file);
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(npm, ["run", suite], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    child.once("close", (code, signal) => {
      log.end(() => {
        const seconds = (performance.now() - started) / 1000;
        const outcome = { suite, code: code ?? (signal ? 1 : 0), seconds };
        process.stdout.write(
          `\n==> ${suite}: ${outcome.code === 0 ? "passed" : "FAILED"} in ${seconds.toFixed(0)} s\n`,
        );
        process.stdout.write(readFileSync(file, "utf8"));
        process.stdout.write(`<== ${suite} (${path.relative(root, file)})\n`);
        resolve(outcome);
      });
    });
  });
}

async function runLane(suites: string[]): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const suite of suites) outcomes.push(await runSuite(suite));
  return outcomes;
}

mkdirSync(logDir, { recursive: true });
const started = performance.now();
const outcomes: Outcome[] = [];
if (serial) {
  for (const lane of LANES) outcomes.push(...(await runLane(lane)));
} else {
  for (const lane of await Promise.all(LANES.map(runLane))) outcomes.push(...lane);
}

const failed = outcomes.filter((o) => o.code !== 0);
process.stdout.write("\nsuite                 result   seconds\n");
for (const o of outcomes) {
  process.stdout.write(
    `${o.suite.padEnd(22)}${(o.code === 0 ? "passed" : "FAILED").padEnd(9)}${o.seconds.toFixed(0).padStart(7)}\n`,
  );
}
process.stdout.write(
  `all suites: ${((performance.now() - started) / 1000).toFixed(0)} s wall clock${serial ? " (serial)" : ", two lanes"}; ${failed.length === 0 ? "all passed" : `failed: ${failed.map((o) => o.suite).join(", ")}`}\n`,
);
process.exitCode = failed.length === 0 ? 0 : 1;
