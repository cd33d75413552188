import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { PROTOCOL_VERSION, PUBLISHER_ROUTES } from "@gitblock/sdk";
import {
  claimWithApiProof,
  closeAll,
  engine,
  FLEET_MODEL,
  json,
  MODEL,
  passChainTime,
  play,
  simNodes,
  startTestChain,
  startTestRelayer,
  type TestChain,
  TestNode,
  type TestRelayer,
  TxtDnsServer,
  until,
  untilFinal,
  verdicts,
  waitForReadyNodes,
} from "@gitblock/testkit";
import { reconcileEpoch } from "../../src/ledger/reconcile.ts";

const WINDOW = 3_600;
const SHARE_BPS = 2_000;

describe("publishers: DNS-verified domains, placements, and the publisher's share paid through the vault", () => {
  let chain: TestChain;
  let dns: TxtDnsServer;
  let t: TestRelayer;
  let publisher: TestNode;
  let rival: TestNode;
  let placementId: string;
  const nodes: TestNode[] = [];

  const call = (who: TestNode | null, method: string, route: string, body?: unknown) =>
    fetch(`${t.url}${route}`, {
      method,
      headers: {
        "content-type": "application/json",
        ...(who?.session ? { authorization: `Bearer ${who.session}` } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const verify = async (who: TestNode, domain: string) => {
    const response = await call(who, "POST", PUBLISHER_ROUTES.verify.replace(":domain", domain));
    assert.equal(response.status, 200);
    return json(response);
  };
  /** Signs in with the wallet like a node does (the session outlives the socket). */
  const signIn = async () => {
    const account = new TestNode();
    await account.connect(t.wsUrl);
    account.close();
    return account;
  };

  before(async () => {
    chain = await startTestChain(BigInt(WINDOW));
    dns = await TxtDnsServer.start();
    t = await startTestRelayer({
      settleOn: chain,
      publishers: { dnsServers: [dns.address], dnsTimeoutMs: 2_000, recheckIntervalMs: 0 },
      // Served answers are paid at once, never sampled: the test sees the gateway's own payment path.
      inference: { minVerifyShare: 0, maxVerifyShare: 0 },
    });
    publisher = await signIn();
    rival = await signIn();
  });
  after(async () => {
    closeAll(nodes);
    await t?.stop();
    await dns?.close();
    await chain?.stop();
  });

  it("claims a domain once: its token and record, one publisher per domain, clear errors for bad input", async () => {
    assert.equal((await call(null, "POST", PUBLISHER_ROUTES.domains, { domain: "pub.test" })).status, 401);
    const claimed = await call(publisher, "POST", PUBLISHER_ROUTES.domains, { domain: "Pub.Test." });
    assert.equal(claimed.status, 201);
    const domain = await json(claimed);
    assert.equal(domain.domain, "pub.test");
    assert.equal(domain.status, "pending");
    assert.match(domain.token, /^[0-9a-f]{32}$/);
    assert.equal(domain.record, `gitblock-verify=${domain.token}`);
    assert.deepEqual(domain.names, ["pub.test", "_gitblock.pub.test"]);

    const again = await call(publisher, "POST", PUBLISHER_ROUTES.domains, { domain: "pub.test" });
    assert.equal(again.status, 200, "claiming one's own domain again answers it as it is");
    assert.equal((await json(again)).token, domain.token);
    const taken = await call(rival, "POST", PUBLISHER_ROUTES.domains, { domain: "pub.test" });
    assert.equal(taken.status, 409);
    assert.match((await json(taken)).error, /already belongs to another publisher/);
    for (const bad of ["https://pub.test/", "localhost", "10.0.0.1", "-bad-.test", 42]) {
      const refused = await call(publisher, "POST", PUBLISHER_ROUTES.domains, { domain: bad });
      assert.equal(refused.status, 400, `${bad} is refused`);
      assert.ok((await json(refused)).error);
    }
  });

  it("verifies through a real DNS server: fails with the reason, then succeeds at _gitblock.<domain>", async () => {
    const { token } = await json(call(publisher, "POST", PUBLISHER_ROUTES.domains, { domain: "pub.test" }));

    const nxdomain = await verify(publisher, "pub.test");
    assert.equal(nxdomain.status, "failed");
    assert.match(nxdomain.reason, /does not exist \(NXDOMAIN\)/);

    dns.addName("pub.test");
    const missing = await verify(publisher, "pub.test");
    assert.equal(missing.status, "failed");
    assert.match(missing.reason, /no TXT record gitblock-verify=/);

    dns.setTxt("pub.test", ["v=spf1 -all", "gitblock-verify=0000"]);
    const wrong = await verify(publisher, "pub.test");
    assert.equal(wrong.status, "failed");
    assert.match(wrong.reason, /wrong token/);

    await dns.stop();
    const down = await verify(publisher, "pub.test");
    assert.equal(down.status, "failed");
    assert.match(down.reason, /DNS resolver unreachable/);
    await dns.resume();

    dns.setTxt("_gitblock.pub.test", [`gitblock-verify=${token}`]);
    const verified = await verify(publisher, "pub.test");
    assert.equal(verified.status, "verified");
    assert.equal(verified.reason, undefined);
    assert.equal(typeof verified.checkedAt, "number");

    const other = await call(rival, "POST", PUBLISHER_ROUTES.verify.replace(":domain", "pub.test"));
    assert.equal(other.status, 404, "only the domain's publisher checks it");
  });

  it("creates placements within bounds and serves them publicly", async () => {
    const valid = {
      pageId: "home",
      placementId: "sidebar",
      domain: "pub.test",
      pathPrefix: "/articles/",
      limits: { gpuSecondsPerVisitorPerDay: 600, cpuThreads: 2, stopWhenHidden: true },
      publisherShareBps: SHARE_BPS,
    };
    const refusals: Array<[unknown, RegExp]> = [
      [{ ...valid, publisherShareBps: 3_001 }, /at most 3000/],
      [{ ...valid, pathPrefix: "articles" }, /pathPrefix must start with \//],
      [{ ...valid, limits: { ...valid.limits, cpuThreads: 0 } }, /limits\.cpuThreads/],
      [{ ...valid, domain: "elsewhere.test" }, /you have not claimed elsewhere\.test/],
      [{ ...valid, extra: true }, /extra/],
    ];
    for (const [body, reason] of refusals) {
      const refused = await call(publisher, "POST", PUBLISHER_ROUTES.placements, body);
      assert.equal(refused.status, 400);
      assert.match((await json(refused)).error, reason);
    }
    const rivalTry = await call(rival, "POST", PUBLISHER_ROUTES.placements, valid);
    assert.equal(rivalTry.status, 400, "a placement only on one's own domain");

    const created = await call(publisher, "POST", PUBLISHER_ROUTES.placements, valid);
    assert.equal(created.status, 201);
    const placement = await json(created);
    assert.match(placement.id, /^pl_[0-9a-f]{24}$/);
    assert.equal(placement.active, true);
    placementId = placement.id;
    const duplicate = await call(publisher, "POST", PUBLISHER_ROUTES.placements, valid);
    assert.equal(duplicate.status, 409);

    const open = await json(call(null, "GET", PUBLISHER_ROUTES.placement.replace(":id", placementId)));
    assert.equal(open.publisher, publisher.address);
    assert.equal(open.domain, "pub.test");
    assert.equal(open.pathPrefix, "/articles/");
    assert.deepEqual(open.limits, valid.limits);
    assert.equal(open.publisherShareBps, SHARE_BPS);
    assert.equal(open.active, true);
    assert.equal((await call(null, "GET", PUBLISHER_ROUTES.placement.replace(":id", "pl_nope"))).status, 404);

    const me = await json(call(publisher, "GET", PUBLISHER_ROUTES.me));
    assert.equal(me.address, publisher.address);
    assert.deepEqual(
      me.domains.map((d: { domain: string; status: string }) => [d.domain, d.status]),
      [["pub.test", "verified"]],
    );
    assert.deepEqual(
      me.placements.map((p: { id: string }) => p.id),
      [placementId],
    );
  });

  it("pays the publisher its share of work done in the placement; both claim it on-chain; the books balance", async () => {
    const badReady = new TestNode();
    await badReady.connect(t.wsUrl);
    badReady.send({ type: "ready", v: PROTOCOL_VERSION, models: [FLEET_MODEL], capacity: 1, placement: "sidebar" });
    const error = await badReady.next("error");
    assert.match(error.message, /placement/);
    badReady.close();

    for (let i = 0; i < 3; i++) {
      const node = new TestNode();
      await node.connect(t.wsUrl);
      node.send({
        type: "ready",
        v: PROTOCOL_VERSION,
        models: [FLEET_MODEL],
        capacity: 4,
        verify: true,
        placement: placementId,
      });
      nodes.push(node);
    }
    await waitForReadyNodes(
      t,
      nodes.map((n) => n.address),
      FLEET_MODEL,
    );
    const task = await t.relayer.scheduler.submit({
      model: FLEET_MODEL,
      input: "publisher pays",
      maxTokens: 8,
      seed: 0,
    });
    const { generator } = await play(t, nodes, task.id);
    const verdictOf = await verdicts(nodes, task.id);

    const entries = await t.relayer.store.ledgerEntries(1);
    const nodeCredit = entries.find((e) => e.kind === "task" && e.ref === task.id);
    const publisherCredit = entries.find((e) => e.kind === "publisher" && e.ref === task.id);
    assert.ok(nodeCredit && publisherCredit, "the generator and the publisher are both credited for the task");
    assert.equal(nodeCredit.account, generator.address);
    assert.equal(publisherCredit.account, publisher.address);
    const nodeReward = nodeCredit.amountWei + publisherCredit.amountWei;
    assert.equal(publisherCredit.amountWei, (nodeReward * BigInt(SHARE_BPS)) / 10_000n);
    assert.equal(
      verdictOf.get(generator.address)?.rewardWei,
      nodeCredit.amountWei.toString(),
      "the generator's verdict shows its pay after the publisher's share",
    );
    assert.equal((await t.relayer.store.getNode(generator.address))?.confirmedWei, nodeCredit.amountWei);
    const network = entries.find((e) => e.kind === "network" && e.ref === task.id);
    assert.ok(network);
    const rate = t.relayer.config.rewards.ratePerTokenWei;
    const verifyRateBps = t.relayer.config.verification.verifyRateBps;
    const networkOf = (gross: bigint) => gross - (gross * 7_500n) / 10_000n;
    const verifiersPaid = BigInt(entries.filter((e) => e.kind === "verify" && e.ref === task.id).length);
    assert.equal(
      network.amountWei,
      networkOf(8n * rate) + verifiersPaid * networkOf((8n * rate * BigInt(verifyRateBps)) / 10_000n),
      "the network's 25% of the generator's and the verifiers' pay is untouched",
    );
    assert.deepEqual((await reconcileEpoch(t.relayer.store, 1, rate, verifyRateBps)).problems, []);

    const earnings = await json(call(publisher, "GET", PUBLISHER_ROUTES.earnings));
    assert.deepEqual(
      earnings.perPlacementPerDay.map((e: { placementId: string; wei: string }) => [e.placementId, e.wei]),
      [[placementId, publisherCredit.amountWei.toString()]],
    );
    assert.equal(earnings.activeSessions[placementId], 3);

    await t.relayer.settler.close();
    assert.equal((await t.relayer.settler.advance())[0]?.status, "proposed");
    assert.deepEqual((await reconcileEpoch(t.relayer.store, 1, rate, verifyRateBps)).problems, []);
    await passChainTime(chain, WINDOW + 1);
    assert.equal((await t.relayer.settler.advance())[0]?.status, "final");
    const leaf = await t.relayer.store.epochLeaf(1, publisher.address);
    assert.equal(leaf?.cumulativeAmount, publisherCredit.amountWei, "the publisher has its own leaf in the tree");
    for (const account of [publisher.address, generator.address]) {
      const { claim, receipt } = await claimWithApiProof(t, chain, account);
      assert.equal(receipt.status, "success");
      assert.equal(claim.epoch, 1);
    }
  });

  it("revokes a domain whose record is gone at the re-check: its placements stop earning", async () => {
    dns.remove("_gitblock.pub.test");
    dns.setTxt("pub.test", ["v=spf1 -all"]);
    const checks = await t.relayer.publishers.recheck(0);
    assert.deepEqual(
      checks.map((c) => [c.domain, c.status]),
      [["pub.test", "revoked"]],
    );
    assert.match(checks[0]?.reason ?? "", /no TXT record/);
    const open = await json(call(null, "GET", PUBLISHER_ROUTES.placement.replace(":id", placementId)));
    assert.equal(open.active, false);

    const task = await t.relayer.scheduler.submit({
      model: FLEET_MODEL,
      input: "after revocation",
      maxTokens: 8,
      seed: 0,
    });
    await play(t, nodes, task.id);
    await verdicts(nodes, task.id);
    const entries = await t.relayer.store.ledgerEntries(2);
    assert.ok(entries.some((e) => e.kind === "task" && e.ref === task.id));
    assert.ok(!entries.some((e) => e.kind === "publisher"), "no publisher share once the domain is revoked");
    const rate = t.relayer.config.rewards.ratePerTokenWei;
    assert.deepEqual(
      (await reconcileEpoch(t.relayer.store, 2, rate, t.relayer.config.verification.verifyRateBps)).problems,
      [],
    );
    assert.equal((await t.relayer.publishers.recheck(0)).length, 0, "a revoked domain waits for its publisher");
  });

  it("takes the publisher's share back when the generator's claim is revoked; the books still balance", async () => {
    const { token } = await json(call(publisher, "POST", PUBLISHER_ROUTES.domains, { domain: "pub.test" }));
    dns.setTxt("pub.test", [`gitblock-verify=${token}`]);
    assert.equal((await verify(publisher, "pub.test")).status, "verified", "a revoked domain verifies again");
    const before = (await t.relayer.store.getNode(publisher.address))?.confirmedWei ?? 0n;

    const first = await t.relayer.scheduler.submit({
      model: FLEET_MODEL,
      input: "honest at first",
      maxTokens: 8,
      seed: 0,
    });
    const { generator } = await play(t, nodes, first.id);
    await verdicts(nodes, first.id);
    const shared = (await t.relayer.store.ledgerEntries(2)).find((e) => e.kind === "publisher" && e.ref === first.id);
    assert.ok(shared, "the publisher earned from the first claim");
    assert.equal((await t.relayer.store.getNode(publisher.address))?.confirmedWei, before + shared.amountWei);

    // Only the generator stays, so it generates the next task, and reveals something it did not commit to.
    for (const node of nodes) if (node !== generator) node.close();
    await until("the other nodes gone from the registry", () => (t.relayer.registry.size === 1 ? true : undefined));
    const second = await t.relayer.scheduler.submit({
      model: FLEET_MODEL,
      input: "then a switch",
      maxTokens: 8,
      seed: 0,
    });
    await generator.next("task", { where: (m) => m.taskId === second.id });
    await generator.commit(second.id, engine("then a switch"));
    await generator.next("ack", { where: (m) => m.taskId === second.id && m.of === "commit" });
    generator.reveal(second.id, [1, 2, 3]);
    assert.equal((await generator.next("verdict", { where: (m) => m.taskId === second.id })).outcome, "wrong");

    assert.equal((await t.relayer.store.getTask(first.id))?.status, "revoked");
    const credits = (await t.relayer.store.ledgerEntries(2)).filter((e) => e.ref === first.id);
    assert.ok(
      !credits.some((e) => e.kind === "publisher" || e.kind === "task"),
      "the claim's node and publisher pay is gone",
    );
    assert.equal((await t.relayer.store.getNode(publisher.address))?.confirmedWei, before);
    const rate = t.relayer.config.rewards.ratePerTokenWei;
    assert.deepEqual(
      (await reconcileEpoch(t.relayer.store, 2, rate, t.relayer.config.verification.verifyRateBps)).problems,
      [],
    );
    const earnings = await json(call(publisher, "GET", PUBLISHER_ROUTES.earnings));
    const total = earnings.perPlacementPerDay.reduce((sum: bigint, e: { wei: string }) => sum + BigInt(e.wei), 0n);
    assert.equal(total, before, "earnings no longer count the revoked claim's share");
  });

  it("the sdk NodeClient announces its placement over HTTP polling too; the publisher earns from its work", async () => {
    closeAll(nodes);
    await until("the earlier nodes gone from the registry", () => (t.relayer.registry.size === 0 ? true : undefined));
    const clients = await simNodes(t, [{ kind: "honest" }, { kind: "honest" }, { kind: "honest" }], {
      placement: placementId,
      transport: "http",
      pollWaitMs: 200,
    });
    try {
      const earnings = await json(call(publisher, "GET", PUBLISHER_ROUTES.earnings));
      assert.deepEqual(earnings.activeSessions, { [placementId]: 3 });
      const task = await t.relayer.scheduler.submit({ model: MODEL, input: "from the sdk", maxTokens: 8, seed: 0 });
      await untilFinal(t, task.id);
      assert.equal((await t.relayer.store.getTask(task.id))?.status, "validated");
      const shared = (await t.relayer.store.ledgerEntries(2)).find((e) => e.kind === "publisher" && e.ref === task.id);
      assert.equal(shared?.account, publisher.address);
    } finally {
      await Promise.all(clients.map((c) => c.stop()));
    }
  });

  it("a /v1 answer served by a node in the placement pays the publisher's share too; the books balance", async () => {
    // A model no earlier node serves: the answer can only come from this node, in the placement.
    const servedModel = "placement-llm";
    const [server] = await simNodes(t, [{ kind: "honest" }], { placement: placementId }, { models: [servedModel] });
    try {
      const before = (await t.relayer.store.ledgerEntries(2)).length;
      const response = await fetch(`${t.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: servedModel, messages: [{ role: "user", content: "hello" }], max_tokens: 8 }),
      });
      assert.equal(response.status, 200);
      const entries = await until("the served answer recorded", async () => {
        const all = await t.relayer.store.ledgerEntries(2);
        return all.slice(before).some((e) => e.kind === "publisher") ? all : undefined;
      });
      const served = entries.slice(before);
      const nodeCredit = served.find((e) => e.kind === "task");
      const publisherCredit = served.find((e) => e.kind === "publisher");
      assert.ok(nodeCredit && publisherCredit, "the serving node and the publisher are both credited");
      assert.equal(publisherCredit.ref, nodeCredit.ref);
      assert.equal(publisherCredit.account, publisher.address);
      assert.equal(
        publisherCredit.amountWei,
        ((nodeCredit.amountWei + publisherCredit.amountWei) * BigInt(SHARE_BPS)) / 10_000n,
      );
      assert.equal((await t.relayer.store.getTask(nodeCredit.ref))?.kind, "served");
      const rate = t.relayer.config.rewards.ratePerTokenWei;
      assert.deepEqual(
        (await reconcileEpoch(t.relayer.store, 2, rate, t.relayer.config.verification.verifyRateBps)).problems,
        [],
      );
    } finally {
      await server?.stop();
    }
  });
});
