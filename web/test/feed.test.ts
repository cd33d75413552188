import { describe, expect, it } from "vitest";
import { dashboardSocketUrl, decodeFeedFrame, LiveFeed, type SocketLike } from "../src/lib/feed.ts";

class FakeSocket implements SocketLike {
  onopen: ((event: unknown) => void) | null = null;
  onclose: ((event: unknown) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  closed = false;
  close() {
    this.closed = true;
  }
}

function harness() {
  const sockets: FakeSocket[] = [];
  const timers: Array<{ fn: () => void; ms: number }> = [];
  let clock = 0;
  const feed = new LiveFeed({
    url: "ws://relayer/ws/dashboard",
    createSocket: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
    now: () => clock,
    schedule: (fn, ms) => {
      timers.push({ fn, ms });
      return timers.length;
    },
    cancel: () => {},
  });
  return { feed, sockets, timers, advance: (ms: number) => (clock += ms) };
}

describe("LiveFeed", () => {
  it("goes live on open and measures the handshake latency", () => {
    const { feed, sockets, advance } = harness();
    const statuses: string[] = [];
    feed.onStatus(() => statuses.push(feed.status));
    feed.start();
    expect(feed.status).toBe("connecting");
    advance(37);
    sockets[0]?.onopen?.({});
    expect(feed.status).toBe("live");
    expect(feed.latencyMs).toBe(37);
    expect(statuses).toEqual(["live"]);
  });

  it("on a drop goes offline and retries every 5 s until the socket opens again", () => {
    const { feed, sockets, timers } = harness();
    feed.start();
    sockets[0]?.onopen?.({});
    sockets[0]?.onclose?.({});
    expect(feed.status).toBe("offline");
    expect(timers.at(-1)?.ms).toBe(5_000);
    timers.at(-1)?.fn();
    expect(sockets).toHaveLength(2);
    sockets[1]?.onclose?.({});
    expect(feed.retries).toBe(2);
    timers.at(-1)?.fn();
    sockets[2]?.onopen?.({});
    expect(feed.status).toBe("live");
    expect(feed.retries).toBe(0);
  });

  it("delivers decoded frames to listeners and ignores junk", () => {
    const { feed, sockets } = harness();
    const events: string[] = [];
    const off = feed.onEvent((e) => events.push(e.type));
    feed.start();
    const socket = sockets[0];
    socket?.onmessage?.({
      data: JSON.stringify({
        type: "verdict",
        taskId: "t1",
        node: "0x1",
        outcome: "correct",
        rewardWei: "5",
        reputationBps: 10_000,
        strikes: 0,
      }),
    });
    socket?.onmessage?.({ data: "not json" });
    socket?.onmessage?.({ data: JSON.stringify({ type: "profile", profile: { address: "0x1" } }) });
    socket?.onmessage?.({ data: JSON.stringify({ type: "epoch", epoch: 2, status: "final" }) });
    socket?.onmessage?.({ data: JSON.stringify({ type: "other" }) });
    off();
    socket?.onmessage?.({ data: JSON.stringify({ type: "epoch", epoch: 3, status: "final" }) });
    expect(events).toEqual(["verdict", "profile", "epoch"]);
  });

  it("stop closes the socket and cancels reconnects", () => {
    const { feed, sockets, timers } = harness();
    feed.start();
    feed.stop();
    expect(sockets[0]?.closed).toBe(true);
    expect(timers).toHaveLength(0);
  });

  it("retries when the socket cannot even be created", () => {
    const timers: Array<() => void> = [];
    const feed = new LiveFeed({
      url: "ws://x",
      createSocket: () => {
        throw new Error("blocked");
      },
      schedule: (fn) => timers.push(fn),
      cancel: () => {},
    });
    feed.start();
    expect(feed.status).toBe("offline");
    expect(timers).toHaveLength(1);
  });
});

describe("decodeFeedFrame / dashboardSocketUrl", () => {
  it("keeps bannedUntil null when absent", () => {
    const e = decodeFeedFrame(
      JSON.stringify({
        type: "verdict",
        taskId: "t",
        node: "0x1",
        outcome: "wrong",
        rewardWei: "0",
        reputationBps: 9_500,
        strikes: 1,
      }),
      5,
    );
    expect(e).toMatchObject({ type: "verdict", bannedUntil: null, receivedAt: 5 });
    expect(decodeFeedFrame(42, 0)).toBeNull();
    expect(decodeFeedFrame("null", 0)).toBeNull();
  });
  it("builds ws URLs from the page origin or a relayer base", () => {
    expect(dashboardSocketUrl("", "0xabc" as `0x${string}`, { origin: "http://localhost:5173" })).toBe(
      "ws://localhost:5173/ws/dashboard?address=0xabc",
    );
    expect(dashboardSocketUrl("https://relayer.gitblock.network", undefined)).toBe(
      "wss://relayer.gitblock.network/ws/dashboard",
    );
  });
});
