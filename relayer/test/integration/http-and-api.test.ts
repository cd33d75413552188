import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import {
  commitmentHash,
  NODE_HTTP_ROUTES,
  outputHash,
  PROTOCOL_VERSION,
  type RelayerMessage,
  signInTypedData,
} from "@gitblock/sdk";
import type { TestNode } from "@gitblock/testkit";
import {
  closeAll,
  engine,
  fleet,
  getJson,
  type Json,
  json,
  play,
  startTestRelayer,
  type TestRelayer,
} from "@gitblock/testkit";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import WebSocket from "ws";

const ADMIN = "test-admin-token-0123456789";

async function httpSignIn(url: string) {
  const account = privateKeyToAccount(generatePrivateKey());
  const sessionKey = privateKeyToAccount(generatePrivateKey());
  const hello = await json(fetch(`${url}${NODE_HTTP_ROUTES.challenge}`, { method: "POST" }));
  const challenge = { ...hello, account: account.address, sessionKey: sessionKey.address };
  delete challenge.type;
  delete challenge.v;
  const signature = await account.signTypedData(signInTypedData(challenge));
  const res = await fetch(`${url}${NODE_HTTP_ROUTES.session}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ type: "auth", v: PROTOCOL_VERSION, signIn: { ...challenge, signature } }),
  });
  assert.equal(res.status, 200);
  const ok: Json = await res.json();
  return { account, sessionKey, session: ok.session as string };
}

describe("HTTP polling fallback, dApp API and dashboard channel", () => {
  let t: TestRelayer;
  let nodes: TestNode[] = [];
  afterEach(async () => {
    closeAll(nodes);
    nodes = [];
    await t.stop();
  });

  it("a polling node works a task with the same semantics as a socket node", async () => {
    t = await startTestRelayer({ api: { adminToken: ADMIN } });
    const unauthenticated = await fetch(`${t.url}${NODE_HTTP_ROUTES.job}?models=tiny-llm&capacity=1`);
    assert.equal(unauthenticated.status, 401);
    assert.equal(((await unauthenticated.json()) as Json).code, "unauthenticated");

    const poller = await httpSignIn(t.url);
    const auth = { authorization: `Bearer ${poller.session}` };
    const poll = async (wait = 0): Promise<RelayerMessage[]> => {
      const res = await fetch(`${t.url}${NODE_HTTP_ROUTES.job}?models=tiny-llm&capacity=1&country=DE&wait=${wait}`, {
        headers: auth,
      });
      return res.status === 204 ? [] : ((await res.json()) as Json).messages;
    };
    assert.deepEqual(await poll(), []);

    // The poller is the only node ready: it generates.
    const submitted = await fetch(`${t.url}/api/tasks`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN}` },
      body: JSON.stringify({ model: "tiny-llm", input: "over http", maxTokens: 16 }),
    });
    assert.equal(submitted.status, 201);
    const { id }: Json = await submitted.json();
    const denied = await fetch(`${t.url}/api/tasks`, { method: "POST", body: "{}" });
    assert.equal(denied.status, 401);
    const task = (await poll(2_000)).find((m) => m.type === "task");
    assert.equal(task?.type === "task" && task.taskId, id);
    // Verifiers join before the reveal: they are drawn only once it is stored.
    nodes = await fleet(t, 2);

    const post = (body: unknown) =>
      fetch(`${t.url}${NODE_HTTP_ROUTES.result}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...auth },
        body: JSON.stringify(body),
      });
    const tokens = engine("over http");
    const salt = generatePrivateKey();
    const commitment = commitmentHash({
      taskId: id,
      node: poller.account.address,
      outputHash: outputHash(tokens),
      tokenCount: tokens.length,
      salt,
    });
    const commit = {
      type: "commit",
      v: PROTOCOL_VERSION,
      taskId: id,
      commitment,
      signature: await poller.sessionKey.signMessage({ message: { raw: commitment } }),
    };
    const ack = await post(commit);
    assert.equal(ack.status, 200);
    assert.deepEqual((await ack.json()) as Json, { type: "ack", v: PROTOCOL_VERSION, taskId: id, of: "commit" });
    assert.equal((await post({ ...commit, commitment: "0x12" })).status, 400);
    assert.equal((await post({ ...commit, taskId: "nope" })).status, 404);
    const big = await post({ ...commit, pad: "x".repeat(200_000) });
    assert.equal(big.status, 413);
    const reveal = await post({
      type: "reveal",
      v: PROTOCOL_VERSION,
      taskId: id,
      tokenIds: tokens,
      salt,
      timings: { queueMs: 1, inferenceMs: 1_500 },
    });
    assert.deepEqual((await reveal.json()) as Json, { type: "ack", v: PROTOCOL_VERSION, taskId: id, of: "reveal" });

    const verifiers = await Promise.all(nodes.map((node) => node.next("verify", { where: (m) => m.taskId === id })));
    await Promise.all(verifiers.map((claim, i) => nodes[i]?.report(id, claim.tokenIds, { pass: true })));
    const verdict = (await poll(2_000)).find((m) => m.type === "verdict");
    assert.equal(verdict?.type === "verdict" && verdict.outcome, "correct");

    const profile = await getJson(`${t.url}/api/nodes/${poller.account.address}`);
    assert.equal(profile.tasksValidated, 1);
    assert.equal(profile.gpuSecondsToday, 1.5);
    assert.equal(profile.tasksLastHour, 1);
    assert.equal(profile.country, "DE");
    assert.equal("pendingWei" in profile, false, "no amount is shown before a verdict");
    assert.ok(BigInt(profile.confirmedWei) > 0n);
    const stats = await getJson(`${t.url}/api/stats`);
    assert.equal(stats.activeNodes, 3);
    assert.equal(stats.nodesPerCountry.DE, 1);
    const feed = await getJson(`${t.url}/api/tasks?limit=5`);
    assert.equal(feed.tasks[0].id, id);
    assert.equal(feed.tasks[0].kind, undefined, "the feed never says which tasks were challenges");
    const detail = await getJson(`${t.url}/api/tasks/${id}`);
    assert.deepEqual(
      detail.assignments.map((a: Json) => a.role).sort(),
      ["generate", "verify", "verify"],
      "one generator, two verifiers",
    );
    assert.equal((await fetch(`${t.url}/api/tasks?status=verifying`)).status, 400);
  });

  it("pushes a node's verdicts and balance to its dashboard within a second", async () => {
    t = await startTestRelayer();
    nodes = await fleet(t, 3);
    const watched = nodes[0] as TestNode;
    let verdictAt = 0;
    t.relayer.events.on("verdict", (event) => {
      if (event.node === watched.address) verdictAt = Date.now();
    });
    const ws = new WebSocket(`${t.wsUrl.replace("/ws/node", "/ws/dashboard")}?address=${watched.address}`);
    const pushes: Array<{ at: number; body: { type: string; profile?: { confirmedWei: string } } }> = [];
    ws.on("message", (data) => pushes.push({ at: Date.now(), body: JSON.parse(data.toString()) }));
    await new Promise((resolve) => ws.once("open", resolve));
    const task = await t.relayer.scheduler.submit({ model: "tiny-llm", input: "dash", maxTokens: 4, seed: 0 });
    await play(t, nodes, task.id);
    const deadline = Date.now() + 1_000;
    while (!pushes.some((p) => p.body.type === "profile" && p.body.profile?.confirmedWei !== "0")) {
      assert.ok(Date.now() < deadline, "no profile update within 1 s");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const verdictPush = pushes.find((p) => p.body.type === "verdict");
    assert.ok(verdictAt > 0 && verdictPush && verdictPush.at - verdictAt < 1_000);
    ws.close();

    const health = await getJson(`${t.url}/healthz`);
    assert.equal(health.ok, true);
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    // A commit, a reveal and two reports.
    assert.match(metrics, /gitblock_results_stored_total\{service="gitblock-relayer"\} 4/);
    assert.match(metrics, /gitblock_verdicts_total\{outcome="correct",service="gitblock-relayer"\} 3/);
  });
});
