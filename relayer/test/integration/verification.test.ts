import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { outputHash, PROTOCOL_VERSION } from "@gitblock/sdk";
import {
  closeAll,
  engine,
  fleet,
  honestVerifier,
  liar,
  play,
  startTestRelayer,
  TestNode,
  type TestRelayer,
  until,
  verdicts,
  waitForReadyNodes,
} from "@gitblock/testkit";
import { reconcileEpoch } from "../../src/ledger/reconcile.ts";
import { NETWORK_ACCOUNT } from "../../src/store/types.ts";

const RATE = 10n ** 15n;
const spec = (input: string) => ({ model: "tiny-llm", input, maxTokens: 16, seed: 7 });
const DELTA = 0.05;

describe("verification: one generator, drawn verifiers, the dispute tier", () => {
  let t: TestRelayer;
  let nodes: TestNode[] = [];
  afterEach(async () => {
    closeAll(nodes);
    nodes = [];
    await t.stop();
  });

  it("an honest claim: the generator is paid 75% + bonus per token, its verifiers a share for scoring, the network 25%", async () => {
    t = await startTestRelayer({ verification: { verifiers: { trusted: 2, untrusted: 2 }, defaultDelta: DELTA } });
    nodes = await fleet(t, 3);
    const task = await t.relayer.scheduler.submit(spec("hello world"));
    const { generator, verifiers } = await play(t, nodes, task.id);
    assert.equal(verifiers.length, 2);
    assert.ok(!verifiers.includes(generator), "the generator never verifies its own claim");
    const v = await verdicts(nodes, task.id);
    const tokens = BigInt(engine("hello world").length);
    const share = (tokens * RATE * 75n) / 100n;
    assert.equal(v.get(generator.address)?.outcome, "correct");
    assert.equal(v.get(generator.address)?.rewardWei, (share + share / 10n).toString());
    const verifyShare = (tokens * ((RATE * 2_000n) / 10_000n) * 75n) / 100n;
    for (const verifier of verifiers) {
      assert.equal(v.get(verifier.address)?.outcome, "correct");
      assert.equal(v.get(verifier.address)?.rewardWei, (verifyShare + verifyShare / 10n).toString());
    }
    const stored = await t.relayer.store.getTask(task.id);
    assert.equal(stored?.status, "validated");
    assert.equal(stored?.tokensGenerated, Number(tokens));
    assert.equal(stored?.outputHash, outputHash(engine("hello world")));
    assert.equal(stored?.input, "", "the prompt is not kept after verification");
  });

  it("verifiers are drawn only after the commitment, and a reveal needs one", async () => {
    t = await startTestRelayer({ verification: { verifiers: { trusted: 2, untrusted: 2 } } });
    nodes = await fleet(t, 3);
    const task = await t.relayer.scheduler.submit(spec("order matters"));
    const generator = await Promise.any(
      nodes.map((n) => n.next("task", { where: (m) => m.taskId === task.id }).then(() => n)),
    );
    const tokens = engine("order matters");
    // Reveal before committing: refused, nothing drawn.
    generator.salts.set(task.id, `0x${"11".repeat(32)}`);
    generator.reveal(task.id, tokens);
    const refused = await generator.next("error", { where: (m) => m.taskId === task.id });
    assert.equal(refused.code, "no_commitment");
    assert.deepEqual(
      (await t.relayer.store.getAssignments(task.id)).map((a) => a.role),
      ["generate"],
      "no verifier before the commitment",
    );
    await generator.generate(task.id, tokens);
    const others = nodes.filter((n) => n !== generator);
    const claims = await Promise.all(others.map((n) => n.next("verify", { where: (m) => m.taskId === task.id })));
    for (const claim of claims) assert.deepEqual(claim.tokenIds, tokens);
    for (const [i, n] of others.entries())
      await n.report(task.id, (claims[i] as { tokenIds: number[] }).tokenIds, { pass: true });
    const v = await verdicts(nodes, task.id);
    assert.equal(v.get(generator.address)?.outcome, "correct");
  });

  it("a reveal that does not open the commitment is a wrong result", async () => {
    t = await startTestRelayer();
    nodes = await fleet(t, 2);
    const task = await t.relayer.scheduler.submit(spec("bait and switch"));
    const generator = await Promise.any(
      nodes.map((n) => n.next("task", { where: (m) => m.taskId === task.id }).then(() => n)),
    );
    await generator.commit(task.id, engine("bait and switch"));
    await generator.next("ack", { where: (m) => m.taskId === task.id && m.of === "commit" });
    generator.reveal(task.id, [1, 2, 3]); // not what it committed to
    await generator.next("ack", { where: (m) => m.taskId === task.id && m.of === "reveal" });
    const verdict = await generator.next("verdict", { where: (m) => m.taskId === task.id });
    assert.equal(verdict.outcome, "wrong");
    assert.equal(verdict.strikes, 1);
    assert.equal((await t.relayer.store.getTask(task.id))?.status, "rejected");
  });

  it("a commitment not signed by the session key is refused", async () => {
    t = await startTestRelayer();
    nodes = await fleet(t, 1);
    const node = nodes[0] as TestNode;
    const task = await t.relayer.scheduler.submit(spec("forged"));
    await node.next("task", { where: (m) => m.taskId === task.id });
    node.sessionKey = new TestNode().account; // another key than the one the sign-in named
    await node.commit(task.id, engine("forged"));
    const error = await node.next("error", { where: (m) => m.taskId === task.id });
    assert.equal(error.code, "bad_frame");
    assert.match(error.message, /not signed by this session's key/);
  });

  it("a false failing report goes to the dispute tier, which clears the generator and strikes the reporter", async () => {
    t = await startTestRelayer();
    const reference = new TestNode();
    t = await restartWithReference(t, reference);
    nodes = await fleet(t, 3);
    await connectReference(t, reference);
    const task = await t.relayer.scheduler.submit(spec("dispute me"));
    // The first ordinary verifier to get the claim fails it falsely (a griefer).
    let griefer: TestNode | null = null;
    const { generator, verifiers } = await play(t, [...nodes, reference], task.id, {
      verify: (n) => {
        if (n !== reference && griefer === null) griefer = n;
        return n === griefer ? () => ({ pass: false, firstFailingPosition: 0, nonTop1: 9, maxGap: 3 }) : honestVerifier;
      },
    });
    assert.ok(verifiers.includes(reference), "the dispute tier was asked");
    const v = await verdicts([generator, ...verifiers], task.id);
    assert.equal(v.get(generator.address)?.outcome, "correct");
    const struck = griefer as unknown as TestNode;
    assert.equal(v.get(struck.address)?.outcome, "wrong", "a report the dispute tier contradicts is wrong");
    assert.equal(v.get(struck.address)?.strikes, 1);
    assert.equal((await t.relayer.store.getTask(task.id))?.status, "validated");
  });

  it("a wrong claim: honest verifiers fail it, the dispute tier confirms, the generator is struck and unpaid", async () => {
    t = await startTestRelayer();
    const reference = new TestNode();
    t = await restartWithReference(t, reference);
    nodes = await fleet(t, 3);
    await connectReference(t, reference);
    const task = await t.relayer.scheduler.submit(spec("lie to me"));
    const { generator, verifiers } = await play(t, [...nodes, reference], task.id, { generate: () => liar });
    const v = await verdicts([generator, ...verifiers], task.id);
    assert.equal(v.get(generator.address)?.outcome, "wrong");
    assert.equal(v.get(generator.address)?.rewardWei, "0");
    assert.equal(v.get(generator.address)?.strikes, 1);
    for (const verifier of verifiers) assert.equal(v.get(verifier.address)?.outcome, "correct");
    assert.equal((await t.relayer.store.getTask(task.id))?.status, "rejected");
  });

  it("between δ and 2δ strikes nobody and accepts nothing: the generator is not paid, the verifiers are", async () => {
    t = await startTestRelayer();
    const reference = new TestNode();
    t = await restartWithReference(t, reference);
    nodes = await fleet(t, 3);
    await connectReference(t, reference);
    const task = await t.relayer.scheduler.submit(spec("near tie"));
    const rounding = { pass: false, firstFailingPosition: 3, nonTop1: 1, maxGap: DELTA * 1.5 };
    const { generator, verifiers } = await play(t, [...nodes, reference], task.id, {
      verify: (n) => (n === reference ? () => ({ ...rounding, pass: true }) : () => rounding),
    });
    const v = await verdicts([generator, ...verifiers], task.id);
    assert.equal(v.get(generator.address)?.outcome, "inconclusive");
    assert.equal(v.get(generator.address)?.strikes, 0);
    assert.equal(v.get(generator.address)?.rewardWei, "0");
    for (const verifier of verifiers) {
      assert.equal(v.get(verifier.address)?.outcome, "correct", "it failed a claim the dispute tier found beyond δ");
      assert.equal(v.get(verifier.address)?.strikes, 0);
      assert.notEqual(v.get(verifier.address)?.rewardWei, "0", "paid for scoring it");
    }
    assert.equal((await t.relayer.store.getTask(task.id))?.status, "inconclusive");
  });

  it("a node proven wrong loses its validated claims of the open epoch: revoked, its pay forfeit, the books still balance", async () => {
    t = await startTestRelayer({ verification: { verifiers: { trusted: 1, untrusted: 1 }, defaultDelta: DELTA } });
    nodes = await fleet(t, 2);
    const first = await t.relayer.scheduler.submit(spec("honest at first"));
    const { generator, verifiers } = await play(t, nodes, first.id);
    const [verifier] = verifiers as [TestNode];
    const paid = await verdicts([generator, verifier], first.id);
    assert.equal((await t.relayer.store.getTask(first.id))?.status, "validated");
    assert.notEqual(paid.get(generator.address)?.rewardWei, "0");
    // Only the generator stays, so it generates the next task, and reveals something it did not commit to.
    verifier.close();
    await until("the verifier gone from the registry", () =>
      [...t.relayer.registry.all()].some((p) => p.address.toLowerCase() === verifier.address.toLowerCase())
        ? undefined
        : true,
    );
    const second = await t.relayer.scheduler.submit(spec("then a switch"));
    await generator.next("task", { where: (m) => m.taskId === second.id });
    await generator.commit(second.id, engine("then a switch"));
    await generator.next("ack", { where: (m) => m.taskId === second.id && m.of === "commit" });
    generator.reveal(second.id, [1, 2, 3]);
    const verdict = await generator.next("verdict", { where: (m) => m.taskId === second.id });
    assert.equal(verdict.outcome, "wrong");

    assert.equal((await t.relayer.store.getTask(first.id))?.status, "revoked");
    const credits = (await t.relayer.store.ledgerEntries(1)).filter((e) => e.ref === first.id);
    assert.deepEqual(
      credits.map((e) => [e.account, e.kind]).sort(),
      [
        [NETWORK_ACCOUNT, "network"],
        [verifier.address, "verify"],
      ].sort(),
      "the generator's credit is gone; the verifier keeps its pay, the network its share",
    );
    assert.equal((await t.relayer.store.getNode(generator.address))?.confirmedWei, 0n);
    const books = await reconcileEpoch(t.relayer.store, 1, RATE, t.relayer.config.verification.verifyRateBps);
    assert.deepEqual(books.problems, []);
    const listed = await fetch(`${t.url}/api/tasks?status=revoked`).then(
      (r) => r.json() as Promise<{ tasks: { id: string }[] }>,
    );
    assert.deepEqual(
      listed.tasks.map((task) => task.id),
      [first.id],
      "the API lists it as revoked",
    );
  });

  it("challenges are sent exactly like jobs: same frame fields, types and id layout", async () => {
    t = await startTestRelayer({ verification: { challengeRate: 1 } });
    nodes = await fleet(t, 1, { capacity: 8 });
    const node = nodes[0] as TestNode;
    const job = await t.relayer.scheduler.submit(spec("a job"));
    const frames = [await node.next("task"), await node.next("task")];
    const shape = (m: Record<string, unknown>) =>
      Object.entries(m)
        .map(([k, v]) => `${k}:${typeof v}`)
        .sort();
    assert.deepEqual(shape(frames[0] as Record<string, unknown>), shape(frames[1] as Record<string, unknown>));
    const ids = frames.map((f) => f.taskId);
    assert.ok(ids.includes(job.id));
    for (const id of ids) assert.match(id, /^[0-9a-f]{24}$/);
    const challengeId = ids.find((id) => id !== job.id) as string;
    assert.equal(challengeId.slice(0, 12), job.id.slice(0, 12), "a challenge takes the creation time of its job");
    assert.equal((await t.relayer.store.getTask(challengeId))?.kind, "challenge");
  });

  it("a node banned while it holds assignments has them withdrawn: neither counted nor paid", async () => {
    t = await startTestRelayer({ verification: { verifiers: { trusted: 1, untrusted: 1 }, giveUpAfterMs: 500 } });
    nodes = await fleet(t, 2);
    const [a, b] = nodes as [TestNode, TestNode];
    const task = await t.relayer.scheduler.submit(spec("withdraw"));
    const generator = await Promise.any(
      nodes.map((n) => n.next("task", { where: (m) => m.taskId === task.id }).then(() => n)),
    );
    const verifier = generator === a ? b : a;
    await generator.generate(task.id, engine("withdraw"));
    await verifier.next("verify", { where: (m) => m.taskId === task.id });
    // Banned before it reports (an operator's ban, or strikes elsewhere): its open verification is withdrawn.
    await t.relayer.store.updateNode(verifier.address, (n) => ({ ...n, bannedUntil: Date.now() + 3_600_000 }));
    await t.relayer.taskJudge.judgeMany([]);
    const withdrawn = await t.relayer.store.withdrawAssignments(verifier.address, Date.now());
    assert.deepEqual(withdrawn, [task.id]);
    t.relayer.taskJudge.enqueue(withdrawn);
    // Nobody else can verify: the claim is given up as inconclusive, and the generator is not struck for it.
    const v = await generator.next("verdict", { where: (m) => m.taskId === task.id, timeoutMs: 8_000 });
    assert.equal(v.outcome, "inconclusive");
    assert.equal(v.strikes, 0);
    const assignments = await t.relayer.store.getAssignments(task.id);
    const mine = assignments.find((x) => x.node === verifier.address);
    assert.equal(mine?.status, "withdrawn");
    assert.equal(mine?.rewardWei, 0n);
  });

  it("the ready frame's verify flag decides who may verify", async () => {
    t = await startTestRelayer({ verification: { verifiers: { trusted: 1, untrusted: 1 } } });
    const generateOnly = new TestNode();
    await generateOnly.connect(t.wsUrl);
    generateOnly.ready(["tiny-llm"], 4, undefined, false);
    nodes = [generateOnly, ...(await fleet(t, 2))];
    await waitForReadyNodes(t, [generateOnly.address], "tiny-llm");
    for (let i = 0; i < 4; i++) {
      const task = await t.relayer.scheduler.submit(spec(`flag ${i}`));
      const { verifiers } = await play(t, nodes, task.id);
      assert.ok(!verifiers.includes(generateOnly));
    }
  });

  it("the protocol version is checked on every frame", async () => {
    t = await startTestRelayer();
    nodes = await fleet(t, 1);
    const node = nodes[0] as TestNode;
    node.send({ type: "heartbeat", v: PROTOCOL_VERSION + 1, t: 1 });
    assert.equal((await node.next("error")).code, "unsupported_version");
  });
});

async function restartWithReference(t: TestRelayer, reference: TestNode): Promise<TestRelayer> {
  await t.stop();
  return startTestRelayer({
    verification: {
      verifiers: { trusted: 2, untrusted: 2 },
      defaultDelta: DELTA,
      referenceVerifiers: [reference.address],
    },
  });
}

async function connectReference(t: TestRelayer, reference: TestNode): Promise<void> {
  await reference.connect(t.wsUrl);
  reference.ready(["tiny-llm"], 4);
  await waitForReadyNodes(t, [reference.address], "tiny-llm");
}
