/**
 * The node profile's challenge counts (`GET /api/nodes/:address` → `challenges`): known-answer challenges a node
 * generated, passed or failed, shown only once the epoch that judged them has closed, so the count never moves on the
 * verdict of the one task that was a challenge (api/PRIVACY.md).
 */
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import type { NodeProfile } from "@gitblock/sdk";
import {
  closeAll,
  FLEET_MODEL,
  honest,
  liar,
  play,
  startTestRelayer,
  TestNode,
  type TestRelayer,
  waitForReadyNodes,
} from "@gitblock/testkit";

type Counts = NodeProfile["challenges"];

describe("the profile counts a node's challenges a closed epoch at a time", () => {
  let t: TestRelayer;
  let nodes: TestNode[] = [];
  afterEach(async () => {
    closeAll(nodes);
    nodes = [];
    await t.stop();
  });

  it("a passed and a failed challenge show after the epoch closes, and not before", async () => {
    // Two reference verifiers: one of them may be drawn to generate a challenge, the other then decides it.
    const references = [new TestNode(), new TestNode()];
    t = await startTestRelayer({
      verification: {
        challengeRate: 1,
        referenceVerifiers: references.map((r) => r.address),
        verifiers: { trusted: 1, untrusted: 1 },
      },
    });
    const workers = [new TestNode(), new TestNode(), new TestNode()];
    nodes = [...workers, ...references];
    for (const node of nodes) {
      await node.connect(t.wsUrl);
      node.ready([FLEET_MODEL], 8);
    }
    await waitForReadyNodes(
      t,
      nodes.map((n) => n.address),
      FLEET_MODEL,
    );
    const challengesOf = async (node: TestNode): Promise<Counts> =>
      ((await (await fetch(`${t.url}/api/nodes/${node.address}`)).json()) as NodeProfile).challenges;

    const expected = new Map<TestNode, Counts>();
    for (const [round, behaviour] of [
      ["passes", honest],
      ["fails", liar],
    ] as const) {
      const job = await t.relayer.scheduler.submit({
        model: FLEET_MODEL,
        input: `job ${round}`,
        maxTokens: 8,
        seed: 0,
      });
      const frame = await Promise.any(nodes.map((n) => n.peek("task", { where: (m) => m.taskId !== job.id })));
      assert.equal((await t.relayer.store.getTask(frame.taskId))?.kind, "challenge");
      await play(t, nodes, job.id);
      const { generator } = await play(t, nodes, frame.taskId, { generate: () => behaviour });
      assert.equal(
        (await t.relayer.store.getTask(frame.taskId))?.status,
        round === "passes" ? "validated" : "rejected",
      );
      const counts = expected.get(generator) ?? { passed: 0, failed: 0 };
      counts[round === "passes" ? "passed" : "failed"]++;
      expected.set(generator, counts);
    }

    // Judged, but the epoch is still open: nothing shows yet.
    for (const node of nodes) assert.deepEqual(await challengesOf(node), { passed: 0, failed: 0 });

    await t.relayer.settler.close();
    for (const node of nodes) {
      assert.deepEqual(await challengesOf(node), expected.get(node) ?? { passed: 0, failed: 0 }, node.address);
    }
    const total = [...expected.values()].reduce((sum, c) => ({
      passed: sum.passed + c.passed,
      failed: sum.failed + c.failed,
    }));
    assert.deepEqual(total, { passed: 1, failed: 1 });
  });
});
