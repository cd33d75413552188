import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runToEnd, spawnNpm } from "@gitblock/testkit";

describe("npm run bench:relayer -- --instances", () => {
  it("prints the cluster figure beside one SQLite process (quick sizes: it runs, the figures are not quoted)", {
    timeout: 300_000,
  }, async () => {
    const { code, output } = await runToEnd(spawnNpm(["run", "bench:relayer", "--", "--instances", "1,2", "--quick"]));
    assert.equal(code, 0, output);
    const figure = (label: string) => {
      const line = output.split("\n").find((l) => l.trimStart().startsWith(label));
      assert.ok(line, `prints "${label}"`);
      return line;
    };
    // `--instances` alone runs the cluster figure only.
    assert.doesNotMatch(output, /Epoch tree/);
    assert.match(figure("setup"), /SQLite, 1 process\s+PG \+ NATS, 1 instance\s+PG \+ NATS, 2 instances/);
    // 200 tasks at the quick size, 4 durable frames each, on every setup.
    assert.match(
      figure("durable results stored + acked"),
      /^\s*durable results stored \+ acked(\s+800 in [\d.]+ s){3}$/,
    );
    assert.match(figure("durable results per second"), /^(.*?[\d,]+\/s){3}$/);
    assert.match(figure("/ one SQLite process"), /1\.00×\s+[\d.]+×\s+[\d.]+×/);
    assert.match(figure("sockets held"), /60 \(60\)\s+60 \(60\)\s+60 \(\d+ \+ \d+\)/);
    assert.match(figure("durable results, per instance"), /800\s+800\s+\d+ \+ \d+/);
    assert.match(figure("relayer CPU / durable result, all instances"), /^(.*?[\d,]+ µs){3}$/);
    assert.match(figure("PostgreSQL backends' CPU / durable result"), /-\s+[\d,]+ µs\s+[\d,]+ µs/);
    assert.match(figure("result → ack latency"), /^(.*?p50 [\d.]+ ms, p99 [\d.]+ ms){3}$/);
    assert.match(output, /this machine has \d+ cores: .* project from CPU per durable result/);
  });
});
