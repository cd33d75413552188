import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runToEnd, spawnNpm } from "@gitblock/testkit";

describe("npm run bench:gateway", () => {
  it("prints every figure (quick sizes: it runs, the figures are not quoted)", { timeout: 300_000 }, async () => {
    const { code, output } = await runToEnd(spawnNpm(["run", "bench:gateway", "--", "--quick"]));
    assert.equal(code, 0, output);
    const figures = (label: string) => {
      const lines = output.split("\n").filter((l) => l.trimStart().startsWith(label));
      assert.ok(lines.length > 0, `prints "${label}"`);
      return lines;
    };
    const figure = (label: string) => figures(label)[0] as string;
    assert.match(figure("requests/s through the gateway"), /[\d,]+\/s/);
    assert.match(figure("tokens/s through the gateway"), /[\d,]+\/s/);
    assert.match(figure("TTFT at saturation"), /p50 [\d.]+ ms, p99 [\d.]+ ms/);
    // The simulation's section and the embedded llama.cpp engine's: through the gateway, from the engine's own HTTP
    // endpoint, in-process, and the differences.
    for (const label of [
      "TTFT through the gateway",
      "TTFT from the engine's own HTTP endpoint",
      "TTFT of the engine called in-process",
      "added by the gateway (vs the engine's endpoint)",
      "gateway and client together (vs in-process)",
    ]) {
      const lines = figures(label);
      assert.equal(lines.length, 2, `"${label}" for the simulation and for llama.cpp`);
      for (const line of lines) assert.match(line, /p50 -?[\d.]+ ms, p99 -?[\d.]+ ms/);
    }
    assert.match(figure("target: ≤ 10 ms p50 added"), /(met|missed) \(-?[\d.]+ ms at \d+ streams/);
    assert.match(figure("added at 1 stream"), /p50 -?[\d.]+ ms/);
    assert.match(figure("requests/s through the gateway, one stream"), /[\d.]+\/s/);
    // Both memory phases: every slow stream opened and completed; every firehose stream cut for its backlog.
    const opened = figures("streams opened (first token received)");
    assert.deepEqual(
      opened.map((l) => /(\d+) of (\d+)/.exec(l)?.slice(1)),
      [
        ["50", "50"],
        ["4", "4"],
      ],
    );
    assert.match(figure("relayer heap + buffers: before / peak / after"), /[\d.]+ MiB \/ [\d.]+ MiB \/ [\d.]+ MiB/);
    assert.match(figure("relayer RSS: before / peak / after"), /[\d.]+ MiB \/ [\d.]+ MiB \/ [\d.]+ MiB/);
    assert.match(figure("relayer memory per stream at the peak"), /-?[\d.]+ KiB heap \+ buffers, -?[\d.]+ KiB RSS/);
    assert.deepEqual(
      figures("answers: complete / cut for a slow client / other").map((l) => /(\d+) \/ (\d+) \/ (\d+)$/.exec(l)?.[0]),
      ["50 / 0 / 0", "0 / 4 / 0"],
    );
    assert.match(figure("every stream cut for its backlog"), /yes \(4 of 4\)/);
    assert.match(figure("relayer memory per stream vs the cap"), /KiB at the peak, .* (within|over) the cap/);
    // Nodes stay under the relayer's frame budget in every section: nothing dropped, nothing failed over.
    for (const line of figures("relayer saw")) assert.match(line, /\b0 node frames dropped .*, 0 failovers/);
  });
});
