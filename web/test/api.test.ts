import { closeAll, fleet, play, startTestRelayer, type TestRelayer } from "@gitblock/testkit";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { dashboardSocketUrl, type FeedEvent, LiveFeed } from "../src/lib/feed.ts";
import { ApiError, parseClaimProof, RelayerApi } from "../src/lib/sdk.ts";

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

describe("RelayerApi (fake fetch)", () => {
  it("parses wei strings to bigint and maps 404s to null", async () => {
    const calls: string[] = [];
    const api = new RelayerApi("http://relayer/", async (input) => {
      const url = String(input);
      calls.push(url);
      if (url.includes("/api/nodes/0xdead")) return json({ error: "no node" }, 404);
      if (url.includes("/api/claims/")) return json({ error: "no final epoch" }, 404);
      if (url.includes("/api/epochs"))
        return json({ epochs: [{ epoch: 1, status: "final", cumulativeTotal: "123", networkShare: null }] });
      return json({ address: "0x1", confirmedWei: "10", claimedWei: null, tasksValidated: 2 });
    });
    expect(await api.profile("0xdead" as `0x${string}`)).toBeNull();
    expect(await api.claim("0x1" as `0x${string}`)).toBeNull();
    const profile = await api.profile("0x1" as `0x${string}`);
    expect(profile).toMatchObject({ confirmedWei: 10n, claimedWei: null, tasksValidated: 2 });
    expect(profile).not.toHaveProperty("pendingWei");
    const [epoch] = await api.epochs();
    expect(epoch).toMatchObject({ cumulativeTotal: 123n, networkShare: null });
    expect(calls[0]).toBe("http://relayer/api/nodes/0xdead");
  });
  it("raises ApiError with the relayer's message on other failures", async () => {
    const api = new RelayerApi("", async () => json({ error: "boom" }, 500));
    await expect(api.stats()).rejects.toMatchObject({ name: "ApiError", status: 500, message: "boom" });
    expect(new ApiError(400, "x")).toBeInstanceOf(Error);
  });
  it("parses a claim proof into the vault's claim arguments", () => {
    const claim = parseClaimProof({
      epoch: 3,
      root: "0xroot",
      proof: ["0xa"],
      state: {
        account: "0x1",
        cumulativeAmount: "1000",
        reputationBps: 9_900,
        tasksValidated: "7",
        tasksFailed: "1",
        strikes: 1,
      },
    });
    expect(claim.state).toEqual({
      account: "0x1",
      cumulativeAmount: 1000n,
      reputationBps: 9_900,
      tasksValidated: 7n,
      tasksFailed: 1n,
      strikes: 1,
    });
  });
});

describe("against a real relayer", () => {
  let t: TestRelayer;
  beforeAll(async () => {
    t = await startTestRelayer();
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("reads stats, tasks, nodes and a node's profile; the live feed pushes the verdict and the fresh profile", async () => {
    const api = new RelayerApi(t.url);
    const nodes = await fleet(t, 3);
    const node = nodes[0];
    if (!node) throw new Error("no node");
    const feed = new LiveFeed({ url: dashboardSocketUrl(t.url, node.address) });
    const events: FeedEvent[] = [];
    feed.onEvent((e) => events.push(e));
    feed.start();
    await vi.waitFor(() => expect(feed.status).toBe("live"), { timeout: 10_000, interval: 20 });

    const task = await t.relayer.scheduler.submit({ model: "tiny-llm", input: "hello", maxTokens: 8, seed: 1 });
    await play(t, nodes, task.id);
    await vi.waitFor(
      () => expect(events.some((e) => e.type === "profile" && Number(e.profile.tasksValidated) === 1)).toBe(true),
      { timeout: 10_000, interval: 20 },
    );
    const verdict = events.find((e) => e.type === "verdict");
    expect(verdict).toMatchObject({ type: "verdict", taskId: task.id, node: node.address, outcome: "correct" });
    expect(events.some((e) => e.type === "profile" && Number(e.profile.tasksValidated) === 1)).toBe(true);

    const profile = await api.profile(node.address);
    expect(profile?.tasksValidated).toBe(1);
    expect(profile && profile.confirmedWei > 0n).toBe(true);
    const stats = await api.stats();
    expect(stats).toMatchObject({ tasksCompleted: 1, activeNodes: 3 });
    const tasks = await api.tasks({ node: node.address });
    expect(tasks[0]).toMatchObject({ id: task.id, status: "validated" });
    expect((await api.nodes()).length).toBe(3);
    expect(await api.epochs()).toHaveLength(1);
    expect(await api.claim(node.address)).toBeNull();
    feed.stop();
    closeAll(nodes);
  });
});
