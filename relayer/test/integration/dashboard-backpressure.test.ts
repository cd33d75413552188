/**
 * The dashboard channel under subscribers that never read and subscribers that come in crowds (issue 17): one that
 * stops reading is dropped instead of buffered for, subscriptions are capped in total, per IP and per wallet, a
 * profile is computed once per change, not once per subscriber, and its on-chain part is read at most once per TTL.
 * The flood is emitted on the relayer's event bus, as TaskJudge announces final verdicts: tens of thousands of real
 * tasks would take minutes, and the channel cannot tell the two apart.
 */
import assert from "node:assert/strict";
import type { Socket } from "node:net";
import { afterEach, describe, it } from "node:test";
import { DASHBOARD_SOCKET_PATH } from "@gitblock/sdk";
import {
  closeAll,
  fleet,
  type Json,
  play,
  startTestRelayer,
  type TestNode,
  type TestRelayer,
  until,
} from "@gitblock/testkit";
import type { Address } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import WebSocket from "ws";
import { ClaimedWeiCache } from "../../src/api/claimed-wei-cache.ts";

/** How long a test waits for a push before it fails (not a bound the test asserts). */
const WAIT_MS = 10_000;

/** A dashboard socket and every message it got, parsed. */
class Subscriber {
  readonly socket: WebSocket;
  readonly messages: Json[] = [];
  private readonly waiters: Array<{ where: (message: Json) => boolean; resolve: (message: Json) => void }> = [];

  constructor(url: string) {
    this.socket = new WebSocket(url);
    this.socket.on("message", (data) => {
      const message: Json = JSON.parse(data.toString());
      this.messages.push(message);
      for (const waiter of [...this.waiters]) {
        if (!waiter.where(message)) continue;
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve(message);
      }
    });
  }

  /** Resolves with the HTTP status the upgrade got: 101 once open, or the refusal's. */
  opened(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.socket.once("open", () => resolve(101));
      this.socket.once("unexpected-response", (_request, response) => resolve(response.statusCode ?? 0));
      this.socket.once("error", reject);
    });
  }

  /** The first message (received already or to come) that `where` accepts. */
  next(what: string, where: (message: Json) => boolean): Promise<Json> {
    const seen = this.messages.find(where);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${what} within ${WAIT_MS} ms`)), WAIT_MS);
      this.waiters.push({
        where,
        resolve: (message) => {
          clearTimeout(timer);
          resolve(message);
        },
      });
    });
  }

  /** Stops reading: the relayer's writes pile up in the kernel's buffers, then in its own. */
  stopReading(): void {
    (this.socket as unknown as { _socket: Socket })._socket.pause();
  }
}

const dashboardUrl = (t: TestRelayer, address?: Address) =>
  `${t.url.replace("http", "ws")}${DASHBOARD_SOCKET_PATH}${address ? `?address=${address}` : ""}`;

const randomAddress = () => privateKeyToAccount(generatePrivateKey()).address;

/** A final verdict as TaskJudge announces it (the event the channel pushes). */
const verdict = (taskId: string, node: Address) => ({
  taskId,
  node,
  outcome: "correct" as const,
  rewardWei: 10n ** 15n,
  reputationBps: 10_000,
  strikes: 0,
  bannedUntil: null,
});

async function metricValue(t: TestRelayer, name: string, labels = ""): Promise<number> {
  const text = await (await fetch(`${t.url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line ? Number(line.split(" ").at(-1)) : 0;
}

describe("dashboard channel backpressure and limits", () => {
  let t: TestRelayer;
  let nodes: TestNode[] = [];
  let subscribers: Subscriber[] = [];
  const subscribe = (url: string) => {
    const subscriber = new Subscriber(url);
    subscribers.push(subscriber);
    return subscriber;
  };

  afterEach(async () => {
    for (const s of subscribers) s.socket.terminate();
    subscribers = [];
    closeAll(nodes);
    nodes = [];
    await t.stop();
  });

  it("drops a subscriber that stops reading, while one that reads gets every verdict within a second", async () => {
    t = await startTestRelayer({ dashboard: { maxBufferedBytes: 16_384 } });
    const stalled = subscribe(dashboardUrl(t));
    const reader = subscribe(dashboardUrl(t));
    assert.deepEqual(await Promise.all([stalled.opened(), reader.opened()]), [101, 101]);
    stalled.stopReading();
    const node = randomAddress();

    // Rounds of verdicts until the stalled socket is dropped: first the kernel's buffers fill (a few MiB on
    // loopback), then 16 KiB wait in the relayer. The reader takes every round before the next is sent.
    let sent = 0;
    for (let round = 0; round < 1_000 && (await metricValue(t, "gitblock_dashboard_dropped_total")) === 0; round++) {
      for (let i = 0; i < 200; i++) t.relayer.events.emit("verdict", verdict(`flood-${sent++}`, node));
      const last = `flood-${sent - 1}`;
      await reader.next(last, (m) => m.taskId === last);
    }
    assert.equal(await metricValue(t, "gitblock_dashboard_dropped_total"), 1, "the stalled subscriber is dropped");
    assert.equal(await metricValue(t, "gitblock_dashboard_subscribers"), 1, "the reader is still subscribed");

    const emittedAt = Date.now();
    t.relayer.events.emit("verdict", verdict("after-the-drop", node));
    await reader.next("the verdict after the drop", (m) => m.taskId === "after-the-drop");
    assert.ok(Date.now() - emittedAt < 1_000, "the reader gets the push within a second of the event");
    const taskIds = reader.messages.filter((m) => m.type === "verdict").map((m) => m.taskId);
    assert.deepEqual(
      taskIds,
      [...Array.from({ length: sent }, (_, i) => `flood-${i}`), "after-the-drop"],
      "the reader got every verdict, in order",
    );
  });

  const caps = [
    { limit: "total", config: { maxSubscribers: 2 }, address: () => [randomAddress(), undefined, randomAddress()] },
    { limit: "ip", config: { maxPerIp: 2 }, address: () => [undefined, randomAddress(), undefined] },
    { limit: "address", config: { maxPerAddress: 2 }, address: () => Array(3).fill(randomAddress()) },
  ] as const;
  for (const cap of caps) {
    it(`refuses the subscriber over the ${cap.limit} cap with 429, and admits one again once a place is free`, async () => {
      t = await startTestRelayer({ dashboard: cap.config });
      const [first, second, third] = cap.address() as Array<Address | undefined>;
      const admitted = [subscribe(dashboardUrl(t, first)), subscribe(dashboardUrl(t, second))];
      assert.deepEqual(await Promise.all(admitted.map((s) => s.opened())), [101, 101]);
      assert.equal(await subscribe(dashboardUrl(t, third)).opened(), 429);
      assert.equal(await metricValue(t, "gitblock_dashboard_refused_total", `limit="${cap.limit}"`), 1);
      assert.equal(await metricValue(t, "gitblock_dashboard_subscribers"), 2);

      admitted[0]?.socket.close();
      await until("the relayer to free the closed subscriber's place", async () =>
        (await metricValue(t, "gitblock_dashboard_subscribers")) === 1 ? true : undefined,
      );
      assert.equal(await subscribe(dashboardUrl(t, third)).opened(), 101);
    });
  }

  it("computes a changed profile once for all twenty subscribers of an address", async () => {
    t = await startTestRelayer({ dashboard: { maxPerAddress: 20 } });
    nodes = await fleet(t, 3);
    const watched = nodes[0] as TestNode;
    // Every profile reads the node's activity from the store: counting the reads counts the computations.
    const store = t.relayer.store;
    const nodeActivity = store.nodeActivity.bind(store);
    let computations = 0;
    store.nodeActivity = (...args) => {
      computations += 1;
      return nodeActivity(...args);
    };
    const watchers = Array.from({ length: 20 }, () => subscribe(dashboardUrl(t, watched.address)));
    assert.ok((await Promise.all(watchers.map((s) => s.opened()))).every((status) => status === 101));
    await Promise.all(watchers.map((s) => s.next("the first profile", (m) => m.type === "profile")));

    computations = 0;
    const task = await t.relayer.scheduler.submit({ model: "tiny-llm", input: "crowd", maxTokens: 4, seed: 0 });
    await play(t, nodes, task.id);
    await Promise.all(
      watchers.map((s) =>
        s.next("the credited profile", (m) => m.type === "profile" && m.profile.confirmedWei !== "0"),
      ),
    );
    assert.equal(computations, 1, "one computation for the verdict, shared by all twenty subscribers");
  });

  it("reads a profile's on-chain claimed amount at most once per claimedTtlMs per address", async () => {
    let now = 0;
    const reads: Address[] = [];
    const cache = new ClaimedWeiCache({
      read: async (address) => {
        reads.push(address);
        return 5n;
      },
      clock: { now: () => now },
      ttlMs: 30_000,
      maxEntries: 2,
    });
    const [a, b, c] = [randomAddress(), randomAddress(), randomAddress()];
    assert.deepEqual(await Promise.all([cache.claimedWei(a), cache.claimedWei(a)]), [5n, 5n]);
    now = 29_999;
    await cache.claimedWei(a);
    assert.deepEqual(reads, [a], "concurrent and recent profiles share one read");
    now = 30_000;
    await cache.claimedWei(a);
    assert.deepEqual(reads, [a, a], "read again once the TTL is over");
    await cache.claimedWei(b);
    await cache.claimedWei(c);
    await cache.claimedWei(b);
    await cache.claimedWei(a);
    assert.deepEqual(reads, [a, a, b, c, a], "at most maxEntries kept: the oldest read (a) was dropped for c");
  });
});
