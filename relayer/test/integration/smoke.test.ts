import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { closeAll, fleet, play, startTestRelayer, type TestRelayer, verdicts } from "@gitblock/testkit";

describe("smoke", () => {
  let t: TestRelayer;
  before(async () => {
    t = await startTestRelayer({ verification: { verifiers: { trusted: 2, untrusted: 2 } } });
  });
  after(async () => t.stop());
  it("runs one task through three nodes: one generates, the other two verify", async () => {
    const nodes = await fleet(t, 3);
    try {
      const task = await t.relayer.scheduler.submit({ model: "tiny-llm", input: "hi", maxTokens: 8, seed: 1 });
      const { generator, verifiers } = await play(t, nodes, task.id);
      assert.equal(verifiers.length, 2);
      assert.deepEqual(new Set([generator, ...verifiers]), new Set(nodes), "every node had a role");
      const v = await verdicts(nodes, task.id);
      for (const n of nodes) assert.equal(v.get(n.address)?.outcome, "correct");
      assert.equal((await t.relayer.store.getTask(task.id))?.status, "validated");
    } finally {
      closeAll(nodes);
    }
  });
});
