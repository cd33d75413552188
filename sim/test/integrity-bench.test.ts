import assert from "node:assert/strict";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { runToEnd, spawnNpm } from "@gitblock/testkit";

interface RuleRow {
  validatedJobs: number;
  acceptedWrong: number;
  acceptedWrongShare: number;
  acceptedWrongUpper: number;
  honestStruck: number;
  honestNodes: number;
  honestStruckShare: number;
  disputeRate: number;
  unpaidHonestShare: number;
  costPerJob: number;
  profitGbt: number;
}

interface Row {
  p: number;
  measuredP: number;
  delta: number;
  share: number;
  adversary: string;
  new: RuleRow;
  old: RuleRow;
}

const ADVERSARIES = [
  "colluders",
  "challenge-aware",
  "selection-gaming",
  "steerer",
  "cheap-model",
  "lazy-verifier",
  "griefer",
  "whitewasher",
];

describe("npm run bench:integrity", () => {
  it("prints one row per disagreement level, dishonest share and adversary, for the new rule beside the old, and a line per target", {
    timeout: 300_000,
  }, async () => {
    const out = path.join(await mkdtemp(path.join(tmpdir(), "gitblock-integrity-")), "integrity.json");
    const { code, output } = await runToEnd(spawnNpm(["run", "bench:integrity", "--", "--quick", "--out", out]));
    assert.equal(code, 0, output);
    for (const column of [
      "p target/measured",
      "NEW accepted-wrong (95% ub)",
      "OLD accepted-wrong (95% ub)",
      "profit GBT",
    ]) {
      assert.ok(output.includes(column), `the table has a "${column}" column`);
    }
    const targets = output.split("\n").filter((line) => line.startsWith("target "));
    assert.equal(targets.length, 5, targets.join("\n"));
    for (const line of targets) assert.match(line, /^target .+: (met|missed) worst /);

    const { levels } = JSON.parse(await readFile(out, "utf8")) as {
      levels: Array<{ p: number; noise: number; delta: { delta: number }; rows: Row[] }>;
    };
    assert.deepEqual(
      levels.map((l) => l.p),
      [0, 0.01, 0.05, 0.2],
    );
    const rows = levels.flatMap((l) => l.rows);
    assert.equal(rows.length, 4 * 3 * ADVERSARIES.length, "every p × dishonest share × adversary");
    for (const share of [0.1, 0.2, 0.33]) {
      assert.deepEqual(
        rows.filter((r) => r.share === share && r.p === 0.05).map((r) => r.adversary),
        ADVERSARIES,
      );
    }
    for (const r of rows) {
      for (const rule of [r.new, r.old]) {
        assert.ok(rule.validatedJobs > 0, `${r.adversary}: validated jobs`);
        assert.ok(rule.acceptedWrongUpper >= rule.acceptedWrongShare, "the upper bound is above the estimate");
        assert.ok(rule.costPerJob >= 1, "every job is generated at least once");
      }
      // Honest disagreement is measured in the run, and grows with the level it was calibrated for.
      assert.ok(r.measuredP >= 0 && r.measuredP < 0.5);
    }
    const measured = (p: number) => rows.find((r) => r.p === p)?.measuredP ?? Number.NaN;
    assert.equal(measured(0), 0, "no noise: honest nodes of different classes agree exactly");
    assert.ok(measured(0.01) < measured(0.2) && measured(0.05) < measured(0.2));
    assert.ok(Math.abs(measured(0.2) - 0.2) < 0.06, `p 20% measured ${measured(0.2)}`);
    // δ is calibrated per level from the fleet's own gaps: the floor where classes barely differ, more at p = 20%.
    assert.equal(levels[0]?.delta.delta, 0.05);
    assert.ok((levels[3]?.delta.delta ?? 0) > 0.05);
    // The old rule costs R = 3 generations per job; the new one well under 2 on the same fleet.
    assert.ok(rows.every((r) => r.old.costPerJob >= 3 && r.new.costPerJob < 2));

    // Colluders at p = 5%: the staged rule accepts fewer wrong claims and strikes fewer honest nodes than exact-hash
    // voting, on the same fleet and tasks.
    for (const share of [0.2, 0.33]) {
      const cell = rows.find((r) => r.adversary === "colluders" && r.p === 0.05 && r.share === share);
      assert.ok(cell, `a colluders cell at p 5%, ${share}`);
      assert.ok(
        cell.new.acceptedWrongShare < cell.old.acceptedWrongShare,
        `accepted-wrong at ${share}: new ${cell.new.acceptedWrongShare} < old ${cell.old.acceptedWrongShare}`,
      );
      assert.ok(
        cell.new.honestStruckShare < cell.old.honestStruckShare,
        `honest struck at ${share}: new ${cell.new.honestStruckShare} < old ${cell.old.honestStruckShare}`,
      );
      assert.ok(cell.new.profitGbt < 0, "colluding does not pay under the new rule");
    }
  });
});
