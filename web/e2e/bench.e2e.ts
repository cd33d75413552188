import assert from "node:assert/strict";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { runToEnd, spawnNpm } from "@gitblock/testkit";

describe("npm run bench:web", () => {
  it("prints the bundle budget and the verdict → dashboard latency", { timeout: 240_000 }, async () => {
    const out = path.join(await mkdtemp(path.join(tmpdir(), "gitblock-web-bench-")), "web.json");
    const { code, output } = await runToEnd(
      spawnNpm(["run", "bench:web", "--", "--out", out], { ...process.env, GITBLOCK_BENCH_TASKS: "3" }),
    );
    assert.equal(code, 0, output);
    assert.match(output, /initial JavaScript \(gzip, without web-llm\): [\d.]+ KB/);
    assert.match(output, /dashboard shows a validated task after the verdict: p50 \d+ ms/);
    const results = JSON.parse(await readFile(out, "utf8")) as {
      bundle: { initialJsGzipKB: number; budgetKB: number; webllmGzipKB: number };
      dashboardLatencyMs: { tasks: number };
    };
    // Bytes are deterministic: the budget is checked here; the latency is only reported.
    assert.ok(results.bundle.initialJsGzipKB <= results.bundle.budgetKB, `${results.bundle.initialJsGzipKB} KB`);
    assert.ok(results.bundle.webllmGzipKB > 1_000, "web-llm is a separate, lazy chunk");
    assert.equal(results.dashboardLatencyMs.tasks, 3);
  });
});
