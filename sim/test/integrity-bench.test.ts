import assert from "node:assert/strict";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { runToEnd, spawnNpm } from "@gitblock/testkit";

describe("npm run bench:integrity", () => {
  it("prints the integrity report for 10%, 20% and 33% dishonest nodes and the safer settings", {
    timeout: 180_000,
  }, async () => {
    const out = path.join(await mkdtemp(path.join(tmpdir(), "gitblock-integrity-")), "integrity.json");
    const { code, output } = await runToEnd(spawnNpm(["run", "bench:integrity", "--", "--quick", "--out", out]));
    assert.equal(code, 0, output);
    for (const share of ["(10%)", "(20%)", "(33%)"]) assert.ok(output.includes(share), `a row for ${share}`);
    assert.match(output, /accepted-wrong/);
    type Row = { kind: string; share: number; redundancy: number; report: { validated: number } };
    const { rows, settings } = JSON.parse(await readFile(out, "utf8")) as { rows: Row[]; settings: Row[] };
    assert.equal(rows.length, 9, "three kinds of dishonesty at three shares");
    assert.deepEqual([...new Set(rows.map((row) => row.share))], [0.1, 0.2, 0.33]);
    assert.ok(rows.every((row) => row.redundancy === 3 && row.report.validated > 0));
    assert.ok(
      settings.some((row) => row.redundancy > 3),
      "and the settings that hold at 20% colluders",
    );
  });
});
