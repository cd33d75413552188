// Runs every test (node:test and Solidity) with coverage and checks that each file under contracts/ is fully covered.
//
//   node scripts/coverage.ts            run `hardhat test --coverage`, then check
//   node scripts/coverage.ts --no-run   only check the report of the last run (coverage/lcov.info and the
//                                       statement hits of every run under coverage/data/)
//
// Lines come from coverage/lcov.info, which Hardhat 3 writes after a `--coverage` run (both test runners merged).
// Branches come from the lcov BRDA records when Hardhat writes them. Hardhat 3 / EDR does not (yet): its lcov
// only has statement-derived lines. Then the branches are derived from the per-statement hits that Hardhat keeps
// in coverage/data/*/*.json: every statement of contracts/ is re-instrumented with EDR's instrumenter (same
// deterministic tags Hardhat used) and, for each `if`,
//   - the taken edge is covered when a statement of its body ran;
//   - the not-taken edge is covered when a statement of its `else` ran, or, for a body that always leaves
//     (revert/return/break/continue), when the statement right after the `if` ran.
// An `if` whose body falls through and that has no `else` cannot show its not-taken edge in statement data; such
// edges are listed as unobservable and left out of the percentage. Ternaries and short-circuit operators are not
// counted as branches.
// Exits 1 when a test failed, a file is below 100% lines or 100% (observable) branches, or no report exists.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const coverageDir = path.join(root, "coverage");
const lcovPath = path.join(coverageDir, "lcov.info");
const contractsPrefix = "contracts/";

interface Branch {
  line: number;
  label: string;
  hit: boolean;
}

interface FileCoverage {
  file: string;
  lines: Map<number, number>;
  branches: Branch[];
  unobservable: Branch[];
}

interface Statement {
  tag: string;
  start: number;
  end: number;
}

type Instrument = (
  source: string,
  sourceName: string,
  solcVersion: string,
) => { metadata: Array<{ tag: Uint8Array; kind: string; startUtf16: number; endUtf16: number }> };

const toPosix = (p: string) => p.split(path.sep).join("/");

/** What a failed run printed about its failures, repeated after the report (CI logs often show only their end). */
let failureSummary = "";

/** The reporter's failure list (from the first "  N) title:" on), at most `limit` lines. */
function failureLines(output: string, limit = 80): string {
  const lines = output.split("\n");
  const first = lines.findIndex((line) => /^ {2}\d+\) /.test(line));
  return first < 0 ? "" : lines.slice(first, first + limit).join("\n");
}

function runTests(): number {
  // Hardhat clears only the runs it starts; stale data of another runner would mix into the branch analysis.
  rmSync(path.join(coverageDir, "data"), { recursive: true, force: true });
  const npx = process.platform === "win32" ? "npx.cmd" : "npx";
  const result = spawnSync(npx, ["hardhat", "test", "--coverage"], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 256 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  const output = result.stdout.toString();
  const errors = result.stderr.toString();
  process.stdout.write(output);
  process.stderr.write(errors);
  failureSummary = [failureLines(output), errors.trim().split("\n").slice(-40).join("\n")].filter(Boolean).join("\n\n");
  // The instrumented build went to coverage/artifacts (hardhat.config.ts): artifacts/ stayed plain for the suites that
  // run beside this one and after it.
  // `hardhat test` (both runners) exits 0 when a node:test hook fails: its tests are only "cancelled". The
  // reporter still lists every failure as "  N) title:", so those lines decide too.
  if (result.status === 0 && /^ {2}\d+\) .+:$/m.test(output)) {
    console.log("\nHardhat listed failures above but exited 0; treating the run as failed.");
    return 1;
  }
  return result.status ?? 1;
}

/** lcov records of the files under contracts/ (test files excluded). */
function parseLcov(text: string): FileCoverage[] {
  const files: FileCoverage[] = [];
  let current: FileCoverage | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith("SF:")) {
      const file = toPosix(path.relative(root, path.resolve(root, line.slice(3))));
      const isContract = file.startsWith(contractsPrefix) && !file.endsWith(".t.sol");
      current = isContract ? { file, lines: new Map(), branches: [], unobservable: [] } : undefined;
      if (current) files.push(current);
    } else if (current === undefined) {
    } else if (line.startsWith("DA:")) {
      const [lineNo, count] = line.slice(3).split(",");
      const n = Number(lineNo);
      current.lines.set(n, Math.max(current.lines.get(n) ?? 0, Number(count)));
    } else if (line.startsWith("BRDA:")) {
      const [lineNo, block, branch, taken] = line.slice(5).split(",");
      current.branches.push({
        line: Number(lineNo),
        label: `${block}.${branch}`,
        hit: taken !== "-" && Number(taken) > 0,
      });
    } else if (line === "end_of_record") {
      current = undefined;
    }
  }
  return files;
}

function listContracts(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listContracts(full));
    else if (entry.name.endsWith(".sol") && !entry.name.endsWith(".t.sol"))
      out.push(toPosix(path.relative(root, full)));
  }
  return out.sort();
}

/** Every statement tag any test run hit. */
function loadHits(): Set<string> {
  const hits = new Set<string>();
  const dataDir = path.join(coverageDir, "data");
  if (!existsSync(dataDir)) return hits;
  for (const run of readdirSync(dataDir, { withFileTypes: true })) {
    if (!run.isDirectory()) continue;
    for (const file of readdirSync(path.join(dataDir, run.name))) {
      if (!file.endsWith(".json")) continue;
      const counts = JSON.parse(readFileSync(path.join(dataDir, run.name, file), "utf8")) as Record<string, number>;
      for (const [tag, count] of Object.entries(counts)) if (count > 0) hits.add(tag);
    }
  }
  return hits;
}

async function loadInstrumenter(): Promise<{ instrument: Instrument; solcVersion: string } | undefined> {
  try {
    const require = createRequire(path.join(root, "package.json"));
    const hardhatRequire = createRequire(require.resolve("hardhat/package.json"));
    const edr = (await import(hardhatRequire.resolve("@nomicfoundation/edr"))) as {
      addStatementCoverageInstrumentation: Instrument;
      latestSupportedSolidityVersion: () => string;
    };
    let solcVersion = edr.latestSupportedSolidityVersion();
    try {
      solcVersion = (require("solc/package.json") as { version: string }).version;
    } catch {}
    return { instrument: edr.addStatementCoverageInstrumentation, solcVersion };
  } catch {
    return undefined;
  }
}

/** Index just past the bracket matching the one at `open`, skipping comments and string literals. */
function matchBracket(src: string, open: number, limit: number): number {
  const opening = src[open];
  const closing = opening === "(" ? ")" : "}";
  let depth = 0;
  for (let i = open; i < limit; i++) {
    const c = src[i];
    if (c === "/" && src[i + 1] === "/") {
      const nl = src.indexOf("\n", i);
      i = nl === -1 ? limit : nl;
    } else if (c === "/" && src[i + 1] === "*") {
      const endComment = src.indexOf("*/", i + 2);
      i = endComment === -1 ? limit : endComment + 1;
    } else if (c === '"' || c === "'") {
      for (i++; i < limit && src[i] !== c; i++) if (src[i] === "\\") i++;
    } else if (c === opening) {
      depth++;
    } else if (c === closing) {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return limit;
}

function skipTrivia(src: string, i: number, limit: number): number {
  while (i < limit) {
    if (/\s/.test(src[i] ?? "")) i++;
    else if (src.startsWith("//", i)) {
      const nl = src.indexOf("\n", i);
      i = nl === -1 ? limit : nl + 1;
    } else if (src.startsWith("/*", i)) {
      const endComment = src.indexOf("*/", i + 2);
      i = endComment === -1 ? limit : endComment + 2;
    } else break;
  }
  return i;
}

/** The taken / not-taken edges of every `if` in `source`, from the statement hits. */
function deriveBranches(source: string, statements: Statement[], hits: Set<string>) {
  const lineOf = (offset: number) => source.slice(0, offset).split("\n").length;
  // Statement ranges include the trivia before them; compare where their code starts.
  const codeStart = new Map(statements.map((s) => [s, skipTrivia(source, s.start, s.end)]));
  const startOf = (s: Statement) => codeStart.get(s) ?? s.start;
  const ran = (from: number, to: number) =>
    statements.some((s) => startOf(s) >= from && s.end <= to && hits.has(s.tag));
  const branches: Branch[] = [];
  const unobservable: Branch[] = [];
  for (const st of statements) {
    const ifAt = startOf(st);
    if (!/^if\s*\(/.test(source.slice(ifAt, ifAt + 4))) continue;
    const line = lineOf(ifAt);
    const condEnd = matchBracket(source, source.indexOf("(", ifAt), st.end);
    const thenStart = skipTrivia(source, condEnd, st.end);
    const inner = statements.filter((s) => s !== st && startOf(s) >= thenStart && s.end <= st.end);
    let thenEnd: number;
    if (source[thenStart] === "{") thenEnd = matchBracket(source, thenStart, st.end);
    else thenEnd = inner.find((s) => startOf(s) === thenStart)?.end ?? st.end;
    const afterThen = skipTrivia(source, thenEnd, st.end);
    const hasElse = /^else\b/.test(source.slice(afterThen, afterThen + 5));

    branches.push({ line, label: "taken", hit: ran(thenStart, thenEnd) });
    if (hasElse) {
      branches.push({ line, label: "not taken", hit: ran(afterThen, st.end) });
      continue;
    }
    // The last top-level statement of the body decides whether the body always leaves.
    const body = inner.filter((s) => s.end <= thenEnd);
    const topLevel = body.filter((s) => !body.some((o) => o !== s && startOf(o) <= startOf(s) && o.end >= s.end));
    const last = topLevel.at(-1);
    const lastText = last ? source.slice(startOf(last), last.end) : "";
    const alwaysLeaves = /^(revert|return|break|continue)\b/.test(lastText);
    const next = statements.find((s) => s.start === st.end);
    if (alwaysLeaves && next) branches.push({ line, label: "not taken", hit: hits.has(next.tag) });
    else unobservable.push({ line, label: "not taken", hit: hits.has(st.tag) });
  }
  return { branches, unobservable };
}

const pct = (hit: number, found: number) => (found === 0 ? 100 : (100 * hit) / found);

function ranges(lines: number[]): string {
  const out: string[] = [];
  for (let i = 0; i < lines.length; ) {
    const first = lines[i] ?? 0;
    let last = first;
    while (lines[i + 1] === last + 1) last = lines[++i] ?? last;
    out.push(first === last ? `${first}` : `${first}-${last}`);
    i++;
  }
  return out.join(", ");
}

function printTable(rows: string[][]) {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length))) ?? [];
  const fmt = (r: string[]) => r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join("  ");
  rows.forEach((r, i) => {
    console.log(fmt(r));
    if (i === 0) console.log(widths.map((w) => "-".repeat(w)).join("  "));
  });
}

async function main(): Promise<number> {
  const run = !process.argv.includes("--no-run");
  const testStatus = run ? runTests() : 0;
  if (!existsSync(lcovPath)) {
    console.error(`No ${path.relative(root, lcovPath)}: run \`npx hardhat test --coverage\` first.`);
    return 1;
  }

  const reported = parseLcov(readFileSync(lcovPath, "utf8"));
  const byFile = new Map(reported.map((f) => [f.file, f]));
  const instrumenter = await loadInstrumenter();
  const hits = loadHits();
  const lcovHasBranches = reported.some((f) => f.branches.length > 0);

  const files: FileCoverage[] = [];
  for (const file of listContracts(path.join(root, "contracts"))) {
    const source = readFileSync(path.join(root, file), "utf8");
    const statements: Statement[] = (
      instrumenter?.instrument(source, `project/${file}`, instrumenter.solcVersion).metadata ?? []
    )
      .filter((m) => m.kind === "statement")
      .map((m) => ({ tag: Buffer.from(m.tag).toString("hex"), start: m.startUtf16, end: m.endUtf16 }));
    const entry = byFile.get(file) ?? { file, lines: new Map<number, number>(), branches: [], unobservable: [] };
    if (!byFile.has(file) && statements.length > 0) {
      // Executable code that no report mentions: nothing of it ran.
      for (const s of statements) entry.lines.set(source.slice(0, s.start).split("\n").length, 0);
    }
    if (!lcovHasBranches && instrumenter) {
      const derived = deriveBranches(source, statements, hits);
      entry.branches = derived.branches;
      entry.unobservable = derived.unobservable;
    }
    files.push(entry);
  }

  let ok = testStatus === 0;
  const rows = [["File", "Lines", "Line %", "Branches", "Branch %", "Uncovered lines", "Uncovered branches"]];
  let totalLines = 0;
  let totalLinesHit = 0;
  let totalBranches = 0;
  let totalBranchesHit = 0;
  for (const f of files) {
    const lineCounts = [...f.lines.entries()].sort(([a], [b]) => a - b);
    const linesHit = lineCounts.filter(([, c]) => c > 0).length;
    const branchesHit = f.branches.filter((b) => b.hit).length;
    const uncoveredLines = lineCounts.filter(([, c]) => c === 0).map(([l]) => l);
    const uncoveredBranches = f.branches.filter((b) => !b.hit).map((b) => `${b.line} (${b.label})`);
    totalLines += lineCounts.length;
    totalLinesHit += linesHit;
    totalBranches += f.branches.length;
    totalBranchesHit += branchesHit;
    if (linesHit < lineCounts.length || branchesHit < f.branches.length) ok = false;
    rows.push([
      f.file,
      `${linesHit}/${lineCounts.length}`,
      pct(linesHit, lineCounts.length).toFixed(2),
      `${branchesHit}/${f.branches.length}`,
      pct(branchesHit, f.branches.length).toFixed(2),
      ranges(uncoveredLines) || "-",
      uncoveredBranches.join(", ") || "-",
    ]);
  }
  rows.push([
    "Total",
    `${totalLinesHit}/${totalLines}`,
    pct(totalLinesHit, totalLines).toFixed(2),
    `${totalBranchesHit}/${totalBranches}`,
    pct(totalBranchesHit, totalBranches).toFixed(2),
    "",
    "",
  ]);

  console.log("\nCoverage of contracts/ (node:test + Solidity tests)\n");
  printTable(rows);
  if (lcovHasBranches) console.log("\nBranches: lcov BRDA records.");
  else if (instrumenter) {
    console.log("\nBranches: `if` edges derived from statement hits (the lcov has no branch records).");
    const unobservable = files.flatMap((f) =>
      f.unobservable.map((b) => `${f.file}:${b.line}${b.hit ? "" : " (the if itself never ran)"}`),
    );
    if (unobservable.length > 0) {
      console.log(
        `Not-taken edges that statement data cannot show (body falls through, no else), not counted: ${unobservable.join(", ")}`,
      );
    }
  } else {
    console.log("\nBranches: unavailable (no BRDA records and EDR's instrumenter could not be loaded).");
    ok = false;
  }
  if (testStatus !== 0) {
    console.log(`\nThe test run failed (exit code ${testStatus}).`);
    if (failureSummary) console.log(`What it printed about the failures (repeated from above):\n\n${failureSummary}`);
  }
  console.log(ok ? "\nOK: 100% lines and branches." : "\nFAIL: coverage below 100% or failing tests.");
  return ok ? 0 : 1;
}

process.exitCode = await main();
