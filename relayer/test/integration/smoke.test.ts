import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { HONEST_TOKENS, startTestRelayer, TestNode, type TestRelayer } from "@gitblock/testkit";

describe("smoke", () => {
  let t: TestRelayer;
  before(async () => {
    t = await startTestRelayer();
  });
  after(async () => t.stop());
  it("runs one task through three nodes", async () => {
    const nodes = [new TestNode(), new TestNode(), new TestNode()];
    for (const n of nodes) {
      await n.connect(t.wsUrl);
      n.ready();
    }
    const task = await t.relayer.scheduler.submit({ model: "tiny-llm", input: "hi", maxTokens: 8, seed: 1 });
    for (const n of nodes) {
      const msg = await n.next("task");
      assert.equal(msg.taskId, task.id);
      n.result(msg.taskId, HONEST_TOKENS);
      await n.next("ack");
    }
    for (const n of nodes) {
      const v = await n.next("verdict");
      assert.equal(v.outcome, "correct");
    }
    for (const n of nodes) n.close();
  });
});
