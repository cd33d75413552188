// The determinism check: the whole `npm test`, three times in a row, on a fresh clone of the committed HEAD,
// while two CPU burners keep both cores busy. A test that waits on a sleep or on the order of two pipes fails here.
//
//   npm run test:under-load
//
// Knobs (environment):
//   GITBLOCK_LOAD_RUNS=3          how many runs
//   GITBLOCK_LOAD_BURNERS=2       how many `node -e 'for(;;){}'` burners
//   GITBLOCK_LOAD_COMMAND="npm test"  what each run executes (e.g. "npm run lint" for a quick smoke of the script)
//   GITBLOCK_LOAD_KEEP=1          keep the clone (its path is printed) instead of deleting it
//
// It tests what is committed (HEAD), not the working tree: commit first. `npm ci` runs once, before the burners.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const repo = path.resolve(import.meta.dirname, "..");
const runs = Number(process.env.GITBLOCK_LOAD_RUNS ?? 3);
const burnerCount = Number(process.env.GITBLOCK_LOAD_BURNERS ?? 2);
const command = process.env.GITBLOCK_LOAD_COMMAND ?? "npm test";
const keep = process.env.GITBLOCK_LOAD_KEEP === "1";

const say = (line: string) => process.stdout.write(`[test-under-load] ${line}\n`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

const burners: ChildProcess[] = [];
let current: ChildProcess | null = null;
let dir: string | null = null;

function stopBurners(): void {
  for (const burner of burners.splice(0)) {
    if (burner.exitCode === null && burner.signalCode === null) burner.kill("SIGKILL");
  }
}

function cleanUp(): void {
  stopBurners();
  if (dir && !keep) rmSync(dir, { recursive: true, force: true });
}

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.once(signal, () => {
    say(`${signal}: stopping the run and the burners`);
    // The run is its own process group (detached): end all of it (npm, node --test, hardhat nodes, relayers).
    if (current?.pid) {
      try {
        process.kill(-current.pid, "SIGTERM");
      } catch {}
    }
    cleanUp();
    process.exit(130);
  });
}
// Whatever else happens (an exception in this script), the burners never outlive it.
process.once("exit", stopBurners);

/** Runs `line` in the clone through the shell, output passed through; resolves with its exit code. */
function sh(line: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(line, { cwd: dir as string, shell: true, stdio: "inherit", detached: true });
    current = child;
    child.once("exit", (code, signal) => {
      current = null;
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

const head = spawnSync("git", ["rev-parse", "HEAD"], { cwd: repo, encoding: "utf8" });
if (head.status !== 0) {
  say(`not a git checkout with a commit: ${head.stderr.trim()}`);
  process.exit(2);
}
const dirty = spawnSync("git", ["status", "--porcelain"], { cwd: repo, encoding: "utf8" }).stdout.trim();
if (dirty) say("the working tree has uncommitted changes: they are NOT tested (a clone of HEAD is)");

dir = mkdtempSync(path.join(tmpdir(), "gitblock-load-"));
say(`cloning HEAD ${head.stdout.trim().slice(0, 12)} into ${dir}`);
const clone = spawnSync("git", ["clone", "--quiet", "--no-hardlinks", repo, dir], { stdio: "inherit" });
if (clone.status !== 0) {
  cleanUp();
  process.exit(2);
}

say("npm ci (once, without load)");
if ((await sh("npm ci --no-audit --no-fund")) !== 0) {
  say("npm ci failed");
  cleanUp();
  process.exit(2);
}

say(`starting ${burnerCount} CPU burner(s)`);
for (let i = 0; i < burnerCount; i++) {
  burners.push(spawn(process.execPath, ["-e", "for(;;){}"], { stdio: "ignore" }));
}

const results: Array<{ run: number; code: number; ms: number }> = [];
try {
  for (let run = 1; run <= runs; run++) {
    say(`run ${run}/${runs}: ${command}`);
    const started = Date.now();
    const code = await sh(command);
    const ms = Date.now() - started;
    results.push({ run, code, ms });
    say(`run ${run}/${runs}: exit ${code} after ${seconds(ms)}`);
  }
} finally {
  stopBurners();
  say("burners stopped");
}

for (const { run, code, ms } of results) say(`  run ${run}: exit ${code}, ${seconds(ms)}`);
const failed = results.filter((r) => r.code !== 0).length;
if (keep) say(`clone kept at ${dir}`);
cleanUp();
say(
  failed === 0
    ? `PASS: ${runs}/${runs} runs of "${command}" passed under ${burnerCount} burner(s)`
    : `FAIL: ${failed}/${runs} runs of "${command}" failed under ${burnerCount} burner(s)`,
);
process.exit(failed === 0 ? 0 : 1);
