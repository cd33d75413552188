import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  API_BASE,
  ApiError,
  apiPath,
  NODE_HTTP_ROUTES,
  RelayerApi,
  readApiParsers,
  routerPath,
  toJson,
} from "@gitblock/sdk";
import { closeAll, fleet, play, startTestRelayer, type TestNode, type TestRelayer } from "@gitblock/testkit";
import type { Address } from "viem";

const ADMIN = "sdk-test-admin-token-0123456789";
const STRANGER = "0x000000000000000000000000000000000000dEaD" as Address;

const json = (body: unknown, status = 200) =>
  new Response(toJson(body), { status, headers: { "content-type": "application/json" } });

describe("API routes", () => {
  it("fill a route's parameters, URI-encoded, and name its path inside the /api router", () => {
    assert.equal(apiPath("/api/stats"), "/api/stats");
    assert.equal(apiPath("/api/nodes/:address", { address: STRANGER }), `/api/nodes/${STRANGER}`);
    assert.equal(apiPath("/api/tasks/:id", { id: "a/b c" }), "/api/tasks/a%2Fb%20c");
    assert.equal(apiPath("/api/epochs/:epoch", { epoch: 7 }), "/api/epochs/7");
    assert.equal(routerPath("/api/claims/:address"), "/claims/:address");
    assert.equal(routerPath(NODE_HTTP_ROUTES.job), "/inference/job");
    for (const route of [...Object.keys(readApiParsers), ...Object.values(NODE_HTTP_ROUTES)]) {
      assert.ok(route.startsWith(`${API_BASE}/`), route);
    }
  });
});

describe("RelayerApi (fake fetch)", () => {
  it("parses wei strings into bigints, answers null for 404s and sends queries", async () => {
    const calls: string[] = [];
    const api = new RelayerApi("http://relayer/", async (input) => {
      const url = String(input);
      calls.push(url);
      if (url.includes("/api/nodes/0xdead")) return json({ error: "no node" }, 404);
      if (url.includes("/api/epochs"))
        return json({ epochs: [{ epoch: 1, cumulativeTotal: "123", networkShare: null }] });
      return json({ address: "0x1", confirmedWei: "10", claimedWei: null, tasksValidated: 2 });
    });
    assert.equal(await api.profile("0xdead"), null);
    const profile = await api.profile("0x1");
    assert.equal("pendingWei" in (profile ?? {}), false);
    assert.equal(profile?.confirmedWei, 10n);
    assert.equal(profile?.claimedWei, null);
    assert.equal(profile?.tasksValidated, 2);
    const [epoch] = await api.epochs(5);
    assert.equal(epoch?.cumulativeTotal, 123n);
    assert.equal(epoch?.networkShare, null);
    assert.deepEqual(calls, [
      "http://relayer/api/nodes/0xdead",
      "http://relayer/api/nodes/0x1",
      "http://relayer/api/epochs?limit=5",
    ]);
  });

  it("raises ApiError with the status, the relayer's message and the request on other failures", async () => {
    const api = new RelayerApi("", async () => json({ error: "boom" }, 500));
    await assert.rejects(api.stats(), (error) => {
      assert.ok(error instanceof ApiError);
      assert.equal(error.status, 500);
      assert.equal(error.message, "boom");
      assert.equal(error.request, "GET /api/stats");
      return true;
    });
    const notJson = new RelayerApi("", async () => new Response("<html>bad gateway</html>", { status: 502 }));
    await assert.rejects(notJson.profile(STRANGER), { name: "ApiError", status: 502, message: "HTTP 502" });
  });
});

describe("RelayerApi against a real relayer", () => {
  let t: TestRelayer;
  let nodes: TestNode[] = [];
  let api: RelayerApi;
  before(async () => {
    t = await startTestRelayer({ api: { adminToken: ADMIN } });
    api = new RelayerApi(t.url);
  });
  after(async () => {
    closeAll(nodes);
    await t?.stop();
  });

  it("refuses a task submission without the admin token", async () => {
    await assert.rejects(api.submitTask({ model: "tiny-llm", input: "x", maxTokens: 4 }, "wrong-token-0123456789"), {
      name: "ApiError",
      status: 401,
      request: "POST /api/tasks",
    });
  });

  it("submits a task and reads it, its nodes' profiles, the feed, stats and epochs as parsed values", async () => {
    nodes = await fleet(t, 3);
    const node = nodes[0] as TestNode;
    const submitted = await api.submitTask({ model: "tiny-llm", input: "hello sdk", maxTokens: 8, seed: 3 }, ADMIN);
    assert.equal(typeof submitted.id, "string");
    // The generator and its two verifiers, played through to the verdict.
    await play(t, nodes, submitted.id);
    const task = await api.task(submitted.id);
    assert.equal(task?.status, "validated");
    assert.equal(task?.assignments.length, 3);
    for (const assignment of task?.assignments ?? []) {
      assert.equal(assignment.status, "correct");
      assert.equal(typeof assignment.rewardWei, "bigint");
      assert.ok(assignment.rewardWei > 0n);
    }

    const profile = await api.profile(node.address);
    assert.equal(profile?.address, node.address);
    assert.equal(profile?.tasksValidated, 1);
    assert.equal(typeof profile?.confirmedWei, "bigint");
    assert.ok((profile?.confirmedWei ?? 0n) > 0n);

    const rows = await api.nodes();
    assert.equal(rows.length, 3);
    assert.ok(rows.every((row) => typeof row.confirmedWei === "bigint" && row.connected));
    const [feed] = await api.tasks({ node: node.address, status: "validated" });
    assert.equal(feed?.id, submitted.id);
    assert.equal((await api.stats()).tasksCompleted, 1);
    const epochs = await api.epochs();
    assert.equal(epochs.length, 1);
    assert.equal((await api.epoch(epochs[0]?.epoch ?? -1))?.status, epochs[0]?.status);
  });

  it("answers null for what the relayer does not know, and ApiError 404 from a raw read", async () => {
    assert.equal(await api.profile(STRANGER), null);
    assert.equal(await api.task("no-such-task"), null);
    assert.equal(await api.epoch(999_999), null);
    assert.equal(await api.claim(STRANGER), null);
    await assert.rejects(api.read("/api/nodes/:address", apiPath("/api/nodes/:address", { address: STRANGER })), {
      name: "ApiError",
      status: 404,
      message: `no node ${STRANGER}`,
      request: `GET /api/nodes/${STRANGER}`,
    });
  });

  it("raises ApiError 400 for a malformed address", async () => {
    await assert.rejects(api.profile("0xnot-an-address" as Address), { name: "ApiError", status: 400 });
  });
});
