import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { outputHash, PROTOCOL_VERSION } from "@gitblock/sdk";
import {
  answer,
  closeAll,
  engine,
  fleet,
  getJson,
  honest,
  liar,
  startTestRelayer,
  TestNode,
  type TestRelayer,
  verdicts,
} from "@gitblock/testkit";
import { BAN_DURATION_MS } from "../../src/economics/reputation.ts";
import { reconcileEpoch } from "../../src/ledger/reconcile.ts";

const RATE = 10n ** 15n;
const spec = (input: string) => ({ model: "tiny-llm", input, maxTokens: 16, seed: 7 });

describe("verification, reputation and rewards", () => {
  let t: TestRelayer;
  let nodes: TestNode[] = [];
  afterEach(async () => {
    closeAll(nodes);
    nodes = [];
    await t.stop();
  });

  it("honest quorum: three agreeing nodes are paid 75% + bonus, the network 25%", async () => {
    t = await startTestRelayer();
    nodes = await fleet(t, 3);
    const task = await t.relayer.scheduler.submit(spec("hello world"));
    await answer(nodes, task.id, () => honest);
    const v = await verdicts(nodes, task.id);
    const tokens = BigInt(engine("hello world").length);
    const nodeShare = (tokens * RATE * 75n) / 100n;
    for (const node of nodes) {
      const verdict = v.get(node.address);
      assert.equal(verdict?.outcome, "correct");
      assert.equal(verdict?.reputationBps, 10_000);
      assert.equal(verdict?.rewardWei, (nodeShare + nodeShare / 10n).toString());
      const record = await t.relayer.store.getNode(node.address);
      assert.equal(record?.confirmedWei, nodeShare + nodeShare / 10n);
      assert.equal(record?.tasksValidated, 1);
    }
    const stored = await t.relayer.store.getTask(task.id);
    assert.equal(stored?.status, "validated");
    assert.equal(stored?.outputHash, outputHash(engine("hello world")));
    const entries = await t.relayer.store.ledgerEntries(1);
    const network = entries.filter((e) => e.account === "network").reduce((s, e) => s + e.amountWei, 0n);
    assert.equal(network, 3n * (tokens * RATE - nodeShare));
  });

  it("a liar is outvoted and struck; its result earns nothing", async () => {
    t = await startTestRelayer();
    nodes = await fleet(t, 3);
    const cheat = nodes[2] as TestNode;
    const task = await t.relayer.scheduler.submit(spec("the quick brown fox"));
    await answer(nodes, task.id, (node) => (node === cheat ? liar : honest));
    const v = await verdicts(nodes, task.id);
    assert.equal(v.get(cheat.address)?.outcome, "wrong");
    assert.equal(v.get(cheat.address)?.reputationBps, 9_500);
    assert.equal(v.get(cheat.address)?.strikes, 1);
    assert.equal(v.get(cheat.address)?.rewardWei, "0");
    for (const node of nodes.slice(0, 2)) assert.equal(v.get(node.address)?.outcome, "correct");
    const stats = await getJson(`${t.url}/api/stats`);
    assert.equal(stats.fraudBlocked, 1);
    assert.equal(stats.tasksCompleted, 1);
  });

  it("a colluding pair loses to an honest majority that holds the voting weight", async () => {
    t = await startTestRelayer({ verification: { redundancy: 5 } });
    nodes = await fleet(t, 5);
    const colluders = nodes.slice(3);
    // Their record already cost them: reputation weighs their votes at 60% each.
    for (const c of colluders) await t.relayer.store.updateNode(c.address, (n) => ({ ...n, reputationBps: 6_000 }));
    // Votes are weighed with the store's records when the task is judged, so the lowered reputation counts from here on.
    const task = await t.relayer.scheduler.submit(spec("collusion"));
    const sameLie = () => [9, 9, 9];
    await answer(nodes, task.id, (node) => (colluders.includes(node) ? sameLie : honest));
    const v = await verdicts(nodes, task.id);
    for (const c of colluders) {
      assert.equal(v.get(c.address)?.outcome, "wrong");
      assert.equal(v.get(c.address)?.reputationBps, 5_500);
    }
    for (const h of nodes.slice(0, 3)) assert.equal(v.get(h.address)?.outcome, "correct");
    assert.equal((await t.relayer.store.getTask(task.id))?.outputHash, outputHash(engine("collusion")));
  });

  it("silence past the deadline is a timeout: −5 and a strike; the others still validate", async () => {
    t = await startTestRelayer({ verification: { taskTimeoutMs: 400 } });
    nodes = await fleet(t, 3);
    const sleeper = nodes[0] as TestNode;
    const task = await t.relayer.scheduler.submit(spec("timeout"));
    await answer(nodes, task.id, (node) => (node === sleeper ? () => null : honest));
    const v = await verdicts(nodes, task.id);
    assert.equal(v.get(sleeper.address)?.outcome, "timeout");
    assert.equal(v.get(sleeper.address)?.reputationBps, 9_500);
    assert.equal(v.get(sleeper.address)?.strikes, 1);
    assert.equal((await t.relayer.store.getTask(task.id))?.status, "validated");
    // A result after the deadline is refused.
    sleeper.result(task.id, engine("timeout"));
    const late = await sleeper.next("error");
    assert.match(late.code, /late_result|unknown_task/);
  });

  it("three strikes ban a node for 24 h; after 24 h it works again", async () => {
    t = await startTestRelayer();
    nodes = await fleet(t, 3);
    const cheat = nodes[0] as TestNode;
    let last: Awaited<ReturnType<typeof verdicts>> | undefined;
    for (let i = 0; i < 3; i++) {
      const task = await t.relayer.scheduler.submit(spec(`strike ${i}`));
      await answer(nodes, task.id, (node) => (node === cheat ? liar : honest));
      last = await verdicts(nodes, task.id);
    }
    const banVerdict = last?.get(cheat.address);
    assert.equal(banVerdict?.strikes, 3);
    assert.ok(banVerdict?.bannedUntil && banVerdict.bannedUntil > t.clock.now() + BAN_DURATION_MS - 60_000);
    // Banned: ready is refused and no task reaches it (with R = 3 and two others, the task waits).
    cheat.ready();
    assert.equal((await cheat.next("error")).code, "banned");
    const waiting = await t.relayer.scheduler.submit(spec("after ban"));
    await t.relayer.scheduler.whenIdle(); // the dispatch pass that saw the task is over
    assert.equal((await t.relayer.store.getTask(waiting.id))?.status, "queued");
    const profile = await getJson(`${t.url}/api/nodes/${cheat.address}`);
    assert.equal(profile.banned, true);

    t.clock.advance(BAN_DURATION_MS + 1_000);
    cheat.ready();
    const task = await cheat.next("task", { where: (m) => m.taskId === waiting.id });
    assert.equal(task.taskId, waiting.id);
    const after = await getJson(`${t.url}/api/nodes/${cheat.address}`);
    assert.equal(after.banned, false);
  });

  it("the +10% bonus is paid above 70% reputation only", async () => {
    t = await startTestRelayer();
    nodes = await fleet(t, 3);
    const [atThreshold, above] = nodes as [TestNode, TestNode, TestNode];
    await t.relayer.store.updateNode(atThreshold.address, (n) => ({ ...n, reputationBps: 7_000 }));
    await t.relayer.store.updateNode(above.address, (n) => ({ ...n, reputationBps: 7_100 }));
    const task = await t.relayer.scheduler.submit(spec("bonus"));
    await answer(nodes, task.id, () => honest);
    const v = await verdicts(nodes, task.id);
    const share = (BigInt(engine("bonus").length) * RATE * 75n) / 100n;
    assert.equal(v.get(atThreshold.address)?.rewardWei, share.toString());
    assert.equal(v.get(above.address)?.rewardWei, (share + share / 10n).toString());
    assert.equal(v.get(atThreshold.address)?.reputationBps, 7_200);
  });

  it("a node that reconnects before the deadline gets its task again and can still submit", async () => {
    t = await startTestRelayer({ verification: { taskTimeoutMs: 5_000 } });
    nodes = await fleet(t, 3);
    const flaky = nodes[1] as TestNode;
    const task = await t.relayer.scheduler.submit(spec("reconnect"));
    await flaky.next("task", { where: (m) => m.taskId === task.id });
    flaky.close();
    await flaky.closed();
    await flaky.connect(t.wsUrl, { resume: true }); // session token: no new signature
    flaky.ready();
    await answer(nodes, task.id, () => honest);
    const v = await verdicts(nodes, task.id);
    assert.equal(v.get(flaky.address)?.outcome, "correct");
  });

  it("known-answer challenges are mixed in and a wrong answer costs −15 and a strike", async () => {
    t = await startTestRelayer({ verification: { challengeRate: 1 } });
    const challengeInput = "what is 2+2";
    await t.relayer.store.insertChallenge({
      id: "c1",
      ...spec(challengeInput),
      expectedHash: outputHash(engine(challengeInput)),
      createdAt: 0,
      uses: 0,
    });
    nodes = await fleet(t, 3);
    const cheat = nodes[2] as TestNode;
    const job = await t.relayer.scheduler.submit(spec("real work"));
    // Each node gets two tasks that look alike; the cheat lies on the one it cannot tell is a challenge.
    const tasks = await Promise.all(nodes.map(async (n) => [await n.next("task"), await n.next("task")]));
    const challengeId = tasks[0]?.find((m) => m.taskId !== job.id)?.taskId ?? "";
    assert.ok(challengeId);
    const first = tasks[0]?.[0];
    const second = tasks[0]?.[1];
    assert.deepEqual(Object.keys(first ?? {}).sort(), Object.keys(second ?? {}).sort(), "same shape");
    for (const [i, node] of nodes.entries()) {
      for (const task of tasks[i] ?? []) {
        node.result(task.taskId, node === cheat && task.input === challengeInput ? [1, 2] : engine(task.input));
      }
    }
    const v = await verdicts(nodes, challengeId);
    assert.equal(v.get(cheat.address)?.outcome, "wrong");
    assert.equal(v.get(cheat.address)?.reputationBps, 8_500);
    assert.equal(v.get(nodes[0]?.address ?? "0x")?.outcome, "correct");
    const stored = await t.relayer.store.getTask(challengeId);
    assert.equal(stored?.kind, "challenge");
    // Ids begin with the creation time; a challenge carries its job's, so neither id nor createdAt gives it away.
    assert.equal(stored?.createdAt, job.createdAt);
    assert.equal(challengeId.slice(0, 12), job.id.slice(0, 12));
    assert.match(challengeId, /^[0-9a-f]{24}$/);
  });

  it("passive rewards go to connected, active nodes, once per window, capped per wallet per day; the ledger reconciles", async () => {
    const interval = 60_000;
    t = await startTestRelayer({
      rewards: { passiveIntervalMs: interval, passiveRewardWei: "400", passiveCapPerDayWei: "1000" },
      gateway: { heartbeatTimeoutMs: 10 * 60_000 },
    });
    // Windows are aligned to multiples of the interval: start just past a boundary, so the nodes connect inside
    // the first window whatever the wall clock says and however slowly the set-up below runs.
    t.clock.advance(interval - (t.clock.now() % interval) + 1);
    nodes = await fleet(t, 3);
    const idle = new TestNode(); // connected but never ready: not active
    await idle.connect(t.wsUrl);
    nodes.push(idle);
    const task = await t.relayer.scheduler.submit(spec("ledger"));
    await answer(nodes.slice(0, 3), task.id, () => honest);
    await verdicts(nodes.slice(0, 3), task.id);

    const credited: number[] = [];
    for (let window = 0; window < 5; window++) {
      t.clock.advance(interval);
      for (const node of nodes) {
        node.send({ type: "heartbeat", v: PROTOCOL_VERSION, t: window });
        await node.next("heartbeat");
      }
      credited.push((await t.relayer.passive.tick()).length);
      assert.equal((await t.relayer.passive.tick()).length, 0, "a window pays once");
    }
    // The first window began before the nodes connected; then 400 + 400 + 200 (cap 1000), then nothing.
    assert.deepEqual(credited, [0, 3, 3, 3, 0]);
    assert.equal((await t.relayer.store.getNode(idle.address))?.confirmedWei, 0n);

    const epoch = await t.relayer.settler.close();
    assert.equal(epoch.epoch, 1);
    const report = await reconcileEpoch(t.relayer.store, 1, RATE);
    assert.deepEqual(report.problems, []);
    assert.equal(report.passiveRewards, 3n * 1_000n);
    assert.ok(report.validatedTaskRewards > 0n);
    assert.equal(report.nodeCredits + report.networkCredits, report.validatedTaskRewards + report.passiveRewards);
    assert.equal(report.cumulativeIncrease, report.nodeCredits);
  });
});
