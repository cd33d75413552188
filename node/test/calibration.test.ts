// Calibration on the tiny GGUF fixture: honest configurations of one model (threads, batch size, context size, a Q8_0
// copy of the same weights) against a substituted model. The δ it recommends must accept every honest task and reject
// every substituted one; `gitblock-node calibrate` prints the same measurement and the relayer config entry.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { allowedNonTop1 } from "@gitblock/sdk";
import { writeTinyGguf } from "@gitblock/testkit";
import {
  type AgreementMeasurement,
  calibrationConfig,
  formatAgreementTable,
  type GgufCalibrationSetup,
  ggufCalibration,
  measureAgreement,
  parsePrompts,
  spread,
} from "../src/calibration/index.ts";

const run = promisify(execFile);
const CLI = path.resolve(import.meta.dirname, "../src/cli/node.ts");
const prompts = ["The quick brown fox", "GitBlock verifies tokens.", "Hello, world! 1+1=", "What is 2+2?", "x"];
const maxTokens = 48;

let dir = "";
const files = { tiny: "", q8: "", other: "" };
let setup: GgufCalibrationSetup;
let m: AgreementMeasurement;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "gitblock-calibration-"));
  files.tiny = await writeTinyGguf(path.join(dir, "tiny.gguf"), { seed: 1 });
  files.q8 = await writeTinyGguf(path.join(dir, "tiny-q8_0.gguf"), { seed: 1, quantize: "q8_0" });
  files.other = await writeTinyGguf(path.join(dir, "other.gguf"), { seed: 2 });
  setup = await ggufCalibration({
    modelPath: files.tiny,
    referencePath: files.q8,
    substitutePath: files.other,
    gpu: false,
    prompts,
    maxTokens,
  });
  m = await measureAgreement({
    model: setup.model,
    prompts,
    maxTokens,
    generator: setup.generator,
    pairings: setup.pairings,
  });
});

after(async () => {
  await setup?.dispose();
  await rm(dir, { recursive: true, force: true });
});

const pairing = (name: string) => {
  const p = m.pairings.find((x) => x.name.startsWith(name));
  assert.ok(p, `pairing ${name}`);
  return p;
};

describe("measureAgreement on the tiny GGUF (embedded llama.cpp, CPU)", () => {
  it("measures the generator against itself, threads, batch size, context size, a Q8_0 artifact and a substitute", (t) => {
    assert.deepEqual(
      m.pairings.map((p) => p.name),
      [
        "self (the generator)",
        "threads 2",
        "batch 8",
        "context 128",
        "artifact tiny-q8_0.gguf",
        "substitute other.gguf",
      ],
    );
    assert.equal(m.model, "tiny");
    assert.equal(m.prompts, prompts.length);
    assert.equal(m.allowedNonTop1, allowedNonTop1(maxTokens, {}));
    for (const p of m.pairings) assert.equal(p.tasks.length, prompts.length, p.name);
    const self = pairing("self");
    assert.equal(self.disagreement, 0);
    assert.equal(self.nonTop1.total, 0);
    assert.equal(self.drift.max, 0, "the generator's own scores are the drift's zero");
    assert.equal(
      self.nonTop1.scored,
      m.referenceTokens.reduce((n, k) => n + k + (k < maxTokens ? 1 : 0), 0),
    );
    t.diagnostic(formatAgreementTable(m));
  });

  it("recommends a δ above every honest gap and drift, which passes every honest task", () => {
    const honest = m.pairings.filter((p) => p.honest);
    assert.equal(honest.length, 5);
    const b = m.deltaBasis;
    assert.equal(b.largestHonestGap, Math.max(...honest.map((p) => p.gaps.max)));
    assert.equal(b.largestHonestDrift, Math.max(...honest.map((p) => p.drift.max)));
    assert.ok(m.delta >= Math.max(b.floor, b.safetyFactor * Math.max(b.largestHonestGap, b.largestHonestDrift)));
    assert.ok(m.delta < b.floor + b.safetyFactor * Math.max(b.largestHonestGap, b.largestHonestDrift) + 1e-4);
    for (const p of honest) {
      assert.ok(p.gaps.max < m.delta, `${p.name}: gap ${p.gaps.max} < δ ${m.delta}`);
      assert.ok(p.nonTop1.max <= m.allowedNonTop1, `${p.name}: ${p.nonTop1.max} non-top-1 in one task`);
      assert.equal(p.passRate, 1, p.name);
    }
    // The Q8_0 copy is where honest rounding shows: its near-tie flips are non-top-1 with small gaps.
    const q8 = pairing("artifact");
    assert.ok(q8.nonTop1.total > 0, "the Q8_0 copy flips some near-tie");
    assert.ok(q8.drift.max > 0);
  });

  it("a substituted model's gaps exceed δ on every task: the rule separates them on the fixture", () => {
    const substitute = pairing("substitute");
    assert.equal(substitute.honest, false);
    assert.ok(substitute.minTaskMaxGap > m.delta, `smallest per-task gap ${substitute.minTaskMaxGap} > δ ${m.delta}`);
    assert.ok(
      substitute.nonTop1.histogram.slice(0, m.allowedNonTop1 + 1).every((n) => n === 0),
      "every task > M",
    );
    assert.equal(substitute.passRate, 0);
    assert.equal(substitute.disagreement, 1);
    // A substitute never moves δ: measured without it, δ is the same.
    assert.ok(substitute.gaps.max > m.deltaBasis.largestHonestGap);
  });

  it("measures the verification cost as median score time over median generate time", () => {
    assert.ok(m.medianGenerateMs > 0 && m.medianScoreMs > 0);
    assert.equal(m.costRatio, m.medianScoreMs / m.medianGenerateMs);
    assert.equal(m.medianScoreMs, pairing("self").medianScoreMs);
  });

  it("falls back to the floor when every measured configuration is bit-identical", async () => {
    const identical = await measureAgreement({
      model: setup.model,
      prompts: prompts.slice(0, 2),
      maxTokens: 16,
      generator: setup.generator,
      pairings: setup.pairings.filter((p) => p.name.startsWith("context")),
      floor: 0.03,
    });
    assert.equal(identical.deltaBasis.largestHonestDrift, 0);
    assert.equal(identical.deltaBasis.setBy, "floor");
    assert.equal(identical.delta, 0.03);
  });

  it("writes the relayer config entry: δ with the measurement that produced it", () => {
    const config = calibrationConfig(m);
    assert.deepEqual(Object.keys(config), ["tiny"]);
    const entry = config.tiny;
    assert.ok(entry);
    assert.equal(entry.delta, m.delta);
    assert.ok(entry.delta > 0 && entry.delta <= 100, "within the relayer's bounds for δ");
    assert.equal(entry.calibration.tool, "gitblock-node calibrate");
    assert.equal(entry.calibration.pairings.length, m.pairings.length);
    assert.equal(
      entry.calibration.pairings.find((p) => p.name.startsWith("artifact"))?.disagreement,
      pairing("artifact").disagreement,
    );
    assert.deepEqual(JSON.parse(JSON.stringify(config)), config, "plain JSON");
  });
});

describe("calibration helpers", () => {
  it("spread: max, 99th percentile and median", () => {
    assert.deepEqual(spread([]), { max: 0, p99: 0, median: 0 });
    assert.deepEqual(spread([3, 1, 2]), { max: 3, p99: 3, median: 2 });
    assert.deepEqual(spread([4, 1, 3, 2]), { max: 4, p99: 4, median: 2.5 });
    const hundredAndOne = Array.from({ length: 101 }, (_, i) => i);
    assert.deepEqual(spread(hundredAndOne), { max: 100, p99: 99, median: 50 });
  });

  it("prompts files: one per line, or a JSON array", () => {
    assert.deepEqual(parsePrompts("a b\n\n c\r\n"), ["a b", " c"]);
    assert.deepEqual(parsePrompts('["x\\ny", "z"]'), ["x\ny", "z"]);
    assert.throws(() => parsePrompts("[1]"), /array of non-empty strings/);
    assert.throws(() => parsePrompts("\n \n"), /no prompt/);
  });
});

describe("gitblock-node calibrate", () => {
  it("prints the table and the config entry; --json prints the entry alone", async () => {
    const promptsFile = path.join(dir, "prompts.txt");
    await writeFile(promptsFile, "The quick brown fox\nWhat is 2+2?\n");
    const args = [CLI, "calibrate", "--model", files.tiny, "--reference", files.q8, "--substitute", files.other];
    const common = ["--gpu", "cpu", "--prompts", promptsFile, "--max-tokens", "24"];
    const text = await run(process.execPath, [...args, ...common]);
    assert.match(text.stdout, /artifact tiny-q8_0\.gguf/);
    assert.match(text.stdout, /substitute other\.gguf\s+no/);
    assert.match(text.stdout, /recommended δ = [\d.]+ nats/);
    assert.match(text.stdout, /verification cost: [\d.]+ generations/);
    assert.match(text.stdout, /relayer config, under verification\.models:/);
    const json = await run(process.execPath, [...args, ...common, "--json", "--model-id", "tiny-f32"]);
    const config = JSON.parse(json.stdout) as Record<
      string,
      { delta: number; calibration: { prompts: number; maxTokens: number } }
    >;
    assert.deepEqual(Object.keys(config), ["tiny-f32"]);
    assert.ok((config["tiny-f32"]?.delta ?? 0) > 0);
    assert.deepEqual([config["tiny-f32"]?.calibration.prompts, config["tiny-f32"]?.calibration.maxTokens], [2, 24]);
  });

  it("refuses a missing model file and a bad --max-tokens", async () => {
    await assert.rejects(
      run(process.execPath, [CLI, "calibrate", "--model", files.tiny, "--max-tokens", "0"]),
      /--max-tokens must be a positive integer/,
    );
    await assert.rejects(
      run(process.execPath, [CLI, "calibrate", "--gpu", "cpu", "--model", path.join(dir, "missing.gguf")]),
      (e: Error & { code?: number }) => e.code === 1,
    );
  });
});
