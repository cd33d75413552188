import assert from "node:assert/strict";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { runToEnd, spawnNpm } from "@gitblock/testkit";

describe("npm run bench:gas", () => {
  it("prints the gas table beside the anchors and meets every target (gas is deterministic)", async () => {
    const out = path.join(await mkdtemp(path.join(tmpdir(), "gitblock-gas-")), "gas.json");
    // Under `npm run coverage` Hardhat hands HARDHAT_COVERAGE to child processes; instrumented bytecode costs more.
    const env = { ...process.env };
    delete env.HARDHAT_COVERAGE;
    const { code, output } = await runToEnd(spawnNpm(["run", "bench:gas", "--", "--check", "--out", out], env));
    if (process.env.HARDHAT_COVERAGE !== undefined) {
      // The benchmark rebuilt artifacts/ without instrumentation; the tests after this one deploy from artifacts/
      // (deployProtocol) and would run uninstrumented, their coverage lost. Build them instrumented again.
      const rebuild = await runToEnd(spawnNpm(["exec", "--", "hardhat", "build", "--no-tests", "--quiet"]));
      assert.equal(rebuild.code, 0, rebuild.output);
    }
    assert.equal(code, 0, output);
    for (const label of [
      "first claim",
      "repeat claim",
      "batch / account @50 fresh",
      "record reputation",
      "credits deposit with permit",
      "credits settle / account @50",
    ]) {
      assert.ok(output.includes(label), `the table has "${label}"`);
    }
    assert.match(output, /Targets: (\d+)\/\1 met/);
    const results = JSON.parse(await readFile(out, "utf8")) as {
      rows: Array<{ key: string; gas: number; totalGas?: number }>;
      anchors: Record<string, Record<string, { measured: number }>>;
    };
    assert.ok(results.rows.length >= 8);
    // Every figure is a whole transaction's (batch rows: the batch's; per account, a settlement is below the base).
    assert.ok(results.rows.every((row) => (row.totalGas ?? row.gas) > 21_000));
    assert.equal(Object.keys(results.anchors).length, 2, "Uniswap and Morpho measured side by side");
  });
});
