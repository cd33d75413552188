import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import type { NodeProfile } from "@gitblock/sdk";
import {
  closeAll,
  honest,
  play,
  startTestRelayer,
  TestNode,
  type TestRelayer,
  until,
  verdicts,
  waitForReadyNodes,
} from "@gitblock/testkit";

const INTERVAL = 3_600_000;
const PASSIVE = 7n * 10n ** 15n;

describe("passive rewards: a correct verdict in the window, and a probe for idle nodes", () => {
  let t: TestRelayer;
  let nodes: TestNode[] = [];
  afterEach(async () => {
    closeAll(nodes);
    nodes = [];
    await t.stop();
  });

  it("an idle node that never answers its probe earns nothing; one that answers it earns the passive reward", async () => {
    t = await startTestRelayer({
      verification: { verifiers: { trusted: 1, untrusted: 1 } },
      rewards: { passiveIntervalMs: INTERVAL, passiveRewardWei: PASSIVE.toString() },
      // The clock moves a whole window below: nobody is dropped for silence meanwhile.
      gateway: { heartbeatTimeoutMs: 10 * INTERVAL },
    });
    const idle = new TestNode(); // sends ready, never generates, may not verify
    const worker = new TestNode(); // answers its probe
    const helper = new TestNode(); // answers its probe and verifies the worker's
    nodes = [idle, worker, helper];
    for (const n of nodes) await n.connect(t.wsUrl);
    idle.ready(["tiny-llm"], 4, undefined, false);
    worker.ready(["tiny-llm"], 4);
    helper.ready(["tiny-llm"], 4);
    await waitForReadyNodes(
      t,
      nodes.map((n) => n.address),
      "tiny-llm",
    );

    // Into the next window: everyone was connected before it started.
    t.clock.advance(INTERVAL - (t.clock.now() % INTERVAL) + 1_000);
    // One reading: the test clock runs on real time, and two readings can straddle a millisecond.
    const entered = t.clock.now();
    const windowStart = entered - (entered % INTERVAL);
    assert.deepEqual(await t.relayer.passive.tick(), [], "nobody was active in the window before");

    // The tick probed every idle node: a short task pinned to it.
    const probes = new Map<TestNode, string>();
    for (const n of nodes) probes.set(n, (await n.peek("task")).taskId);
    for (const [n, id] of probes) {
      const task = await t.relayer.store.getTask(id);
      assert.equal(task?.kind, "probe");
      assert.equal(task?.pinnedNode, n.address, "a probe goes to its node only");
    }
    const silentIdle = { generate: (n: TestNode) => (n === idle ? () => null : honest) };
    for (const n of [worker, helper]) {
      const id = probes.get(n) as string;
      const { generator, verifiers } = await play(t, nodes, id, silentIdle);
      assert.equal(generator, n);
      assert.deepEqual(verifiers, [n === worker ? helper : worker]);
      const v = await verdicts([worker, helper], id);
      assert.equal(v.get(n.address)?.outcome, "correct");
    }
    assert.deepEqual(
      (await t.relayer.store.nodesCorrectBetween(windowStart, windowStart + INTERVAL)).sort(),
      [worker.address, helper.address].sort(),
    );

    const before = new Map(
      await Promise.all(nodes.map(async (n) => [n, (await t.relayer.store.getNode(n.address))?.confirmedWei] as const)),
    );
    // The window ends: the answered probes earn the passive reward, the silent node nothing.
    t.clock.advance(INTERVAL);
    const credited = await t.relayer.passive.tick();
    assert.deepEqual([...credited].sort(), [worker.address, helper.address].sort());
    assert.ok(!credited.includes(idle.address));
    for (const n of [worker, helper]) {
      assert.equal((await t.relayer.store.getNode(n.address))?.confirmedWei, (before.get(n) ?? 0n) + PASSIVE);
    }
    assert.equal((await t.relayer.store.getNode(idle.address))?.confirmedWei, 0n, "a socket merely open earns nothing");
    const passive = (await t.relayer.store.ledgerEntries(1)).filter((e) => e.kind === "passive");
    assert.deepEqual(
      passive.map((e) => [e.account, e.ref, e.amountWei]).sort(),
      [
        [helper.address, `passive:${windowStart}`, PASSIVE],
        [worker.address, `passive:${windowStart}`, PASSIVE],
      ].sort(),
    );
    // The read API shows when each node was last paid and when its next window ends.
    const now = t.clock.now();
    const profileOf = async (n: TestNode) =>
      ((await (await fetch(`${t.url}/api/nodes/${n.address}`)).json()) as NodeProfile).passive;
    const nextEnd = now - (now % INTERVAL) + INTERVAL;
    for (const n of [worker, helper]) {
      const lastAt = passive.find((e) => e.account === n.address)?.createdAt;
      assert.deepEqual(await profileOf(n), { intervalSeconds: INTERVAL / 1_000, nextAt: nextEnd, lastAt });
    }
    assert.deepEqual(await profileOf(idle), { intervalSeconds: INTERVAL / 1_000, nextAt: nextEnd, lastAt: null });
    // The same window is never credited twice.
    t.clock.advance(1_000);
    assert.deepEqual(
      (await t.relayer.passive.tick()).filter((a) => a === worker.address || a === helper.address),
      [],
    );
    // A disconnected node has no next window.
    idle.close();
    await until("the idle node to be gone", async () => ((await profileOf(idle)).nextAt === null ? true : undefined));
  });
});
