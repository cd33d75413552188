import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runToEnd, spawnNpm } from "@gitblock/testkit";

describe("npm run bench:relayer", () => {
  it("prints every figure (quick sizes: it runs, the figures are not quoted)", { timeout: 300_000 }, async () => {
    const { code, output } = await runToEnd(spawnNpm(["run", "bench:relayer", "--", "--quick"]));
    assert.equal(code, 0, output);
    const figure = (label: string) => {
      const line = output.split("\n").find((l) => l.includes(label));
      assert.ok(line, `prints "${label}"`);
      return line;
    };
    assert.match(figure("10,000 nodes"), /tree \d+ ms \+ all proofs \d+ ms/);
    const rates = output.match(/durable work frames ingested per second\s+([\d,]+)\/s/g) ?? [];
    assert.equal(rates.length, 3, "saturated, light and moderate load");
    // The saturated ingest runs on both stores, same fleet, side by side: a figure for each and their ratio.
    assert.match(figure("durable work frames ingested per second"), /[\d,]+\/s\s+[\d,]+\/s/);
    // Commits, reveals and reports: 4 frames a task (200 tasks at the quick size), on each store.
    assert.match(figure("commits + reveals + reports stored + acked"), /^\s*\S.*\s800 in [\d.]+ s\s+800 in [\d.]+ s$/);
    assert.match(figure("PostgreSQL / SQLite (median ingest)"), /[\d.]+×/);
    assert.match(figure("work frame → ack latency"), /p50 [\d.]+ ms, p99 [\d.]+ ms/);
    assert.match(figure("under flood, median"), /p50 [\d.]+ ms, p99 [\d.]+ ms/);
    assert.match(figure("p99 under flood / without"), /[\d.]+× \(target ≤ 2×: (met|missed)\)/);
    assert.match(figure("flood, last run"), /[1-9][\d,]* sign-ins tried/);
    assert.match(figure("sign-in verified"), /ms each/);
    assert.match(figure("sockets open / closed"), /200 held by the relayer \(200 opened, 0 closed\)/);
    assert.match(figure("relayer memory per socket"), /KiB heap/);
  });
});
