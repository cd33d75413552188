import assert from "node:assert/strict";
import { request } from "node:http";
import { connect, type Socket } from "node:net";
import { afterEach, describe, it } from "node:test";
import { type HelloMessage, NODE_HTTP_ROUTES, PROTOCOL_VERSION, signInTypedData } from "@gitblock/sdk";
import { NodeClient } from "@gitblock/sdk/client";
import { SimulationEngine } from "@gitblock/sdk/engines/simulation";
import {
  closeAll,
  HONEST_TOKENS,
  type Json,
  startTestRelayer,
  TestNode,
  type TestRelayer,
  until,
  waitFor,
} from "@gitblock/testkit";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import WebSocket from "ws";

// 127.0.0.0/8 is loopback on Linux: the flooding host is 127.0.0.2, honest nodes (TestNode) connect from 127.0.0.1.
const FLOOD_IP = "127.0.0.2";

/** A counter or gauge as /metrics shows it (0 when the series is absent). */
async function metric(t: TestRelayer, name: string, label?: string): Promise<number> {
  const text = await (await fetch(`${t.url}/metrics`)).text();
  const line = text
    .split("\n")
    .find((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && (!label || l.includes(label)));
  return line ? Number(line.split(" ").at(-1)) : 0;
}

/** An HTTP request from `localAddress`, for the endpoints `fetch` cannot send from a chosen address. */
function httpFrom(
  t: TestRelayer,
  localAddress: string,
  path: string,
  options: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: Json }> {
  const url = new URL(path, t.url);
  const payload = options.body === undefined ? "" : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: `${url.pathname}${url.search}`,
        method: options.method ?? "POST",
        localAddress,
        agent: false,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(payload),
          ...options.headers,
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => {
          text += chunk;
        });
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text && JSON.parse(text) }),
        );
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

/** A node socket from `localAddress`: its hello, or the status it was refused with at the upgrade. */
interface RawSocket {
  ws: WebSocket;
  frames: Json[];
  closed: Promise<{ code: number; reason: string }>;
}
function openFrom(
  t: TestRelayer,
  localAddress: string,
): Promise<{ hello: HelloMessage; socket: RawSocket } | { refused: number; body: Json }> {
  const ws = new WebSocket(t.wsUrl, { localAddress });
  const frames: Json[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  return new Promise((resolve, reject) => {
    ws.on("message", (data) => {
      const frame = JSON.parse(data.toString());
      if (frame.type === "hello") resolve({ hello: frame, socket: { ws, frames, closed } });
      else frames.push(frame);
    });
    ws.on("unexpected-response", (_req, res) => {
      let text = "";
      res.on("data", (chunk: Buffer) => {
        text += chunk.toString();
      });
      res.on("end", () => resolve({ refused: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    ws.on("error", (error) => reject(error));
  });
}

/** The auth frame signing `hello` for a fresh wallet (what TestNode.signInFrame sends). */
async function signInFrameFor(hello: HelloMessage) {
  const node = new TestNode();
  node.hello = hello;
  return node.signInFrame();
}

/** Raw TCP connections from `localAddress` that send nothing; counts those the server closes. */
function rawConnections(t: TestRelayer, localAddress: string, count: number) {
  const port = Number(new URL(t.url).port);
  const sockets: Socket[] = [];
  const state = { closed: 0 };
  for (let i = 0; i < count; i++) {
    const socket = connect({ host: "127.0.0.1", port, localAddress });
    socket.on("error", () => {});
    socket.on("close", () => state.closed++);
    sockets.push(socket);
  }
  return {
    state,
    destroy: () => {
      for (const socket of sockets) socket.destroy();
    },
  };
}

describe("admission control: per address and per wallet", () => {
  let t: TestRelayer;
  let nodes: TestNode[] = [];
  const cleanups: Array<() => void> = [];
  const node = (account?: TestNode["account"]) => {
    const n = new TestNode(account);
    nodes.push(n);
    return n;
  };
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) cleanup();
    closeAll(nodes);
    nodes = [];
    await t.stop();
  });

  it("caps TCP connections from one address while a node from another signs in, works a task and is answered", async () => {
    t = await startTestRelayer({
      admission: { maxConnectionsPerIp: 50, headersTimeoutMs: 120_000, requestTimeoutMs: 120_000 },
    });
    const flood = rawConnections(t, FLOOD_IP, 300);
    cleanups.push(flood.destroy);
    await until("the connections over the cap are closed", () => (flood.state.closed >= 250 ? true : undefined), {
      timeoutMs: 30_000,
    });

    const honest = node();
    await honest.connect(t.wsUrl);
    honest.ready(["tiny-llm"], 1);
    await until("the node is ready", () => (t.relayer.registry.get(honest.address)?.ready ? true : undefined));
    const task = await t.relayer.scheduler.submit({
      model: "tiny-llm",
      input: "beside a flood",
      maxTokens: 8,
      seed: 0,
    });
    await honest.next("task", { where: (m) => m.taskId === task.id });
    await honest.generate(task.id, HONEST_TOKENS);
    honest.send({ type: "heartbeat", v: PROTOCOL_VERSION, t: 7 });
    assert.equal((await honest.next("heartbeat")).t, 7);

    assert.equal(flood.state.closed, 250, "the 50 connections within the cap are still held");
    assert.ok(
      (await metric(t, "gitblock_admission_refusals_total", 'reason="connections_per_ip"')) >= 250,
      "every refused connection is counted",
    );
    assert.ok((await metric(t, "gitblock_http_connections")) >= 51, "the flood's 50 and the node's socket are open");

    // Per-address state goes with what the address holds: once the flood is gone (and its refusal log mark has
    // expired), only the honest address is tracked.
    flood.destroy();
    await until("the flood's connections are gone", async () =>
      (await metric(t, "gitblock_http_connections")) < 10 ? true : undefined,
    );
    t.clock.advance(120_000);
    try {
      t.relayer.admission.sweep();
      assert.equal(t.relayer.admission.trackedClients, 1, "only 127.0.0.1, which holds the node's socket");
    } finally {
      t.clock.advance(-120_000);
    }
  });

  it("drops connections over the total cap, from whichever addresses, and counts them", async () => {
    t = await startTestRelayer({
      admission: { maxConnections: 20, headersTimeoutMs: 120_000, requestTimeoutMs: 120_000 },
    });
    // Many hosts, each well within its own cap: only the total can stop them.
    const floods = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"].map((ip) => rawConnections(t, ip, 10));
    for (const flood of floods) cleanups.push(flood.destroy);
    const closed = () => floods.reduce((sum, flood) => sum + flood.state.closed, 0);
    await until("the connections over the total are dropped", () => (closed() >= 20 ? true : undefined), {
      timeoutMs: 30_000,
    });
    // Nothing else holds a connection here (the test has not called the relayer yet): exactly the total is held.
    assert.equal(closed(), 20, "20 held, 20 dropped");
    for (const flood of floods) flood.destroy();
    await until("every flood socket is closed", () => (closed() === 40 ? true : undefined));
    // The first metrics read may itself arrive before the relayer saw the flood's sockets go, and be dropped too.
    await until("the held connections are gone", async () =>
      (await metric(t, "gitblock_http_connections").catch(() => Number.POSITIVE_INFINITY)) <= 1 ? true : undefined,
    );
    assert.ok((await metric(t, "gitblock_admission_refusals_total", 'reason="connections_total"')) >= 20);
    assert.equal(await metric(t, "gitblock_admission_refusals_total", 'reason="connections_per_ip"'), 0);
  });

  it("caps unauthenticated node sockets per address and closes idle ones within the default auth timeout", async () => {
    t = await startTestRelayer({ admission: { maxUnauthenticatedPerIp: 20 } });
    const attempts = await Promise.all(Array.from({ length: 60 }, () => openFrom(t, FLOOD_IP)));
    const held = attempts.flatMap((a) => ("hello" in a ? [a.socket] : []));
    cleanups.push(() => {
      for (const socket of held) socket.ws.terminate();
    });
    const refused = attempts.flatMap((a) => ("refused" in a ? [a] : []));
    assert.equal(held.length, 20);
    assert.equal(refused.length, 40);
    for (const r of refused) {
      assert.equal(r.refused, 429);
      assert.equal(r.body.code, "rate_limited");
      assert.match(r.body.message, /not signed in/);
    }

    assert.equal(await metric(t, "gitblock_unauthenticated_node_sockets"), 20);

    const honest = node();
    await honest.connect(t.wsUrl);
    honest.send({ type: "heartbeat", v: PROTOCOL_VERSION, t: 1 });
    assert.equal((await honest.next("heartbeat")).t, 1);
    assert.ok((await metric(t, "gitblock_admission_refusals_total", 'reason="unauthenticated_per_ip"')) >= 40);

    // The default auth timeout is seconds (it was 30 s), enforced per socket rather than by a slower sweep.
    const closes = await Promise.race([
      Promise.all(held.map((s) => s.closed)),
      new Promise<null>((resolve) => setTimeout(() => resolve(null), 20_000).unref()),
    ]);
    assert.ok(closes, "every idle unauthenticated socket is closed well before 20 s");
    for (const close of closes) assert.equal(close.code, 4408);
    await until("the count is released", async () =>
      (await metric(t, "gitblock_unauthenticated_node_sockets")) === 0 ? true : undefined,
    );
    const again = await openFrom(t, FLOOD_IP);
    assert.ok("hello" in again, "the address may open sockets again");
    again.socket.ws.terminate();
  });

  it("spends one sign-in budget per address on challenges, session requests, socket opens and auth frames", async () => {
    t = await startTestRelayer({ admission: { signInBurst: 5, signInsPerSecond: 0.001 } });
    for (let i = 0; i < 3; i++) {
      assert.equal((await httpFrom(t, FLOOD_IP, NODE_HTTP_ROUTES.challenge, { body: {} })).status, 200);
    }
    const garbage = await httpFrom(t, FLOOD_IP, NODE_HTTP_ROUTES.session, { body: { type: "auth" } });
    assert.equal(garbage.status, 400, "a session request spends the budget even when malformed");
    const opened = await openFrom(t, FLOOD_IP);
    assert.ok("hello" in opened, "the fifth sign-in (a socket open) is within the budget");
    cleanups.push(() => opened.socket.ws.terminate());
    opened.socket.ws.send(JSON.stringify(await signInFrameFor(opened.hello)));
    const close = await opened.socket.closed;
    assert.equal(close.code, 4430);
    assert.deepEqual(
      opened.socket.frames.map((f) => [f.type, f.code]),
      [["error", "rate_limited"]],
    );

    const over = await httpFrom(t, FLOOD_IP, NODE_HTTP_ROUTES.challenge, { body: {} });
    assert.equal(over.status, 429);
    assert.equal(over.body.code, "rate_limited");
    assert.ok(Number(over.headers["retry-after"]) > 0);
    const socket = await openFrom(t, FLOOD_IP);
    assert.ok("refused" in socket && socket.refused === 429, "a socket open is refused at the upgrade");
    // X-Forwarded-For is not trusted by default: a client cannot name itself another address.
    const spoofed = await httpFrom(t, FLOOD_IP, NODE_HTTP_ROUTES.challenge, {
      body: {},
      headers: { "x-forwarded-for": "203.0.113.9" },
    });
    assert.equal(spoofed.status, 429);
    assert.ok((await metric(t, "gitblock_admission_refusals_total", 'reason="sign_in_budget"')) >= 4);

    // Another address has a budget of its own.
    assert.equal((await fetch(`${t.url}${NODE_HTTP_ROUTES.challenge}`, { method: "POST" })).status, 200);
    await node().connect(t.wsUrl);
  });

  it("with trustProxy, the sign-in budget is the forwarded client's, not the proxy's", async () => {
    t = await startTestRelayer({ admission: { trustProxy: true, signInBurst: 2, signInsPerSecond: 0.001 } });
    const challenge = (client: string) =>
      httpFrom(t, FLOOD_IP, NODE_HTTP_ROUTES.challenge, {
        body: {},
        headers: { "x-forwarded-for": `198.51.100.1, ${client}` },
      });
    assert.equal((await challenge("203.0.113.7")).status, 200);
    assert.equal((await challenge("203.0.113.7")).status, 200);
    assert.equal((await challenge("203.0.113.7")).status, 429);
    assert.equal((await challenge("203.0.113.8")).status, 200, "the proxy's other clients are not refused");
  });

  it("an HTTP polling node over its address's sign-in budget retries, and signs in once the budget refills", async () => {
    t = await startTestRelayer({ admission: { signInBurst: 2, signInsPerSecond: 0.01 } });
    let spent = false;
    const client = new NodeClient({
      relayer: t.url,
      signer: privateKeyToAccount(generatePrivateKey()),
      engine: new SimulationEngine({ models: ["tiny-llm"] }),
      transport: "http",
      reconnect: { initialMs: 50, maxMs: 200 },
      fetch: async (input, init) => {
        if (!spent && String(input).endsWith(NODE_HTTP_ROUTES.session)) {
          spent = true;
          // Another sign-in from the same address takes the budget's last token between challenge and session.
          await fetch(`${t.url}${NODE_HTTP_ROUTES.challenge}`, { method: "POST" });
        }
        return fetch(input, init);
      },
    });
    cleanups.push(() => void client.stop());
    const started = client.start();
    const disconnected = waitFor(client, "disconnected", (info) => /deferred/.test(info.reason));
    const [info] = await disconnected;
    assert.ok(info.retryInMs > 0, "a 429 is no refusal of the wallet: the client retries");
    t.clock.advance(300_000);
    const [ok] = await waitFor(client, "authenticated", () => true, 15_000);
    assert.equal(ok.transport, "http");
    await started;
  });

  it("one wallet's sockets share one frame budget, and its HTTP polls spend the same", async () => {
    const burst = 20;
    t = await startTestRelayer({
      gateway: { messagesPerSecond: 0.01, burst },
      admission: { maxChannelsPerWallet: 8 },
    });
    const first = node();
    await first.connect(t.wsUrl);
    const sockets = [first];
    for (let i = 0; i < 4; i++) {
      const n = node(first.account);
      n.session = first.session;
      await n.connect(t.wsUrl, { resume: true });
      sockets.push(n);
    }
    for (const n of sockets) for (let i = 0; i < burst; i++) n.send({ type: "heartbeat", v: PROTOCOL_VERSION, t: i });
    const replies = (n: TestNode) => n.received.filter((m) => m.type === "heartbeat" || m.type === "error");
    await until("every frame is answered", () => (sockets.every((n) => replies(n).length >= burst) ? true : undefined));
    const all = sockets.flatMap(replies);
    const answered = all.filter((m) => m.type === "heartbeat").length;
    const limited = all.filter((m) => m.type === "error" && m.code === "rate_limited").length;
    // One wallet's budget (a burst, plus what 0.01/s refills during the test) for five sockets' frames.
    assert.ok(answered <= burst + 1, `${answered} heartbeats answered, a single socket's budget is ${burst}`);
    assert.equal(answered + limited, 5 * burst);

    const poll = await fetch(`${t.url}${NODE_HTTP_ROUTES.job}?models=tiny-llm&capacity=1`, {
      headers: { authorization: `Bearer ${first.session}` },
    });
    assert.equal(poll.status, 429, "the wallet's HTTP polls spend the same budget");
    assert.match(((await poll.json()) as Json).message, /from this wallet/);

    // Reconnecting buys no fresh budget; a wallet is forgotten only once it holds nothing and its budget refilled.
    closeAll(sockets);
    await until("the wallet is disconnected", () => (t.relayer.registry.get(first.address) ? undefined : true));
    t.relayer.walletLimits.sweep();
    assert.equal(t.relayer.walletLimits.trackedWallets, 1);
    t.clock.advance(2_000_000);
    try {
      t.relayer.walletLimits.sweep();
      assert.equal(t.relayer.walletLimits.trackedWallets, 0);
    } finally {
      t.clock.advance(-2_000_000);
    }
  });

  it("refuses a wallet's channel over its cap with a clear close reason, counting sockets and HTTP polling", async () => {
    t = await startTestRelayer({ admission: { maxChannelsPerWallet: 2 } });
    const a = node();
    await a.connect(t.wsUrl);
    const b = node(a.account);
    b.session = a.session;
    await b.connect(t.wsUrl, { resume: true });

    const resumeOver = async () => {
      const c = node(a.account);
      await c.open(t.wsUrl);
      c.send({ type: "auth", v: PROTOCOL_VERSION, session: a.session });
      const error = await c.next("error");
      assert.equal(error.code, "rate_limited");
      assert.match(error.message, /already holds 2 channels/);
      assert.deepEqual(await c.closed(), { code: 4431, reason: "too many channels for this wallet" });
    };
    await resumeOver();

    const poll = () =>
      fetch(`${t.url}${NODE_HTTP_ROUTES.job}?models=tiny-llm&capacity=1`, {
        headers: { authorization: `Bearer ${a.session}` },
      });
    const refusedPoll = await poll();
    assert.equal(refusedPoll.status, 429);
    assert.match(((await refusedPoll.json()) as Json).message, /already holds 2 channels/);

    // A socket closed frees its place, which a polling session takes: then sockets are refused again.
    b.close();
    await until("the polling session is admitted", async () => {
      const res = await poll();
      await res.body?.cancel();
      return res.status === 204 || res.status === 200 ? true : undefined;
    });
    await resumeOver();
    assert.ok((await metric(t, "gitblock_admission_refusals_total", 'reason="channels_per_wallet"')) >= 3);
  });

  it("closes a node socket that stops reading once its unread bytes pass the bound, and keeps serving others", async () => {
    t = await startTestRelayer({
      gateway: { messagesPerSecond: 100_000, burst: 100_000 },
      admission: { maxSendBufferBytes: 262_144 },
    });
    const stalled = node();
    await stalled.connect(t.wsUrl);
    const raw = (stalled.socket as unknown as { _socket: Socket })._socket;
    raw.pause();
    // Each of these frames is answered with an error that quotes its 50 kB "version": replies the node never reads.
    const frame = JSON.stringify({ type: "heartbeat", v: "x".repeat(50_000), t: 1 });
    const overflowed = async () =>
      (await metric(t, "gitblock_send_buffer_overflows_total", 'channel="ws"')) === 1 ? true : undefined;
    let sent = 0;
    while (!(await overflowed())) {
      assert.ok(sent < 4_000, `no overflow after ${sent} frames (${(sent * frame.length) / 1e6} MB of replies)`);
      for (let i = 0; i < 20; i++) stalled.raw(frame);
      sent += 20;
      await until("the frames are read by the relayer", () => (raw.writableLength < 1_000_000 ? true : undefined));
    }
    await until("the node is detached", () => (t.relayer.registry.get(stalled.address) ? undefined : true));
    raw.resume();
    assert.equal((await stalled.closed()).code, 1006, "dropped without a close frame, which would queue unread");

    const other = node();
    await other.connect(t.wsUrl);
    other.send({ type: "heartbeat", v: PROTOCOL_VERSION, t: 2 });
    assert.equal((await other.next("heartbeat")).t, 2);
  });

  it("disconnects an HTTP polling node whose queued messages pass the bound; its next poll gets its tasks again", async () => {
    // Deadlines far off: the tasks must still be open when the node polls again.
    t = await startTestRelayer({ admission: { maxSendBufferBytes: 65_536 }, verification: { taskTimeoutMs: 120_000 } });
    const account = privateKeyToAccount(generatePrivateKey());
    const hello = (await (await fetch(`${t.url}${NODE_HTTP_ROUTES.challenge}`, { method: "POST" })).json()) as Json;
    const challenge = {
      relayer: hello.relayer,
      chainId: hello.chainId,
      account: account.address,
      nonce: hello.nonce,
      issuedAt: hello.issuedAt,
      expiresAt: hello.expiresAt,
      sessionKey: privateKeyToAccount(generatePrivateKey()).address,
    };
    const signature = await account.signTypedData(signInTypedData(challenge));
    const ok = (await (
      await fetch(`${t.url}${NODE_HTTP_ROUTES.session}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ type: "auth", v: PROTOCOL_VERSION, signIn: { ...challenge, signature } }),
      })
    ).json()) as Json;
    const poll = () =>
      fetch(`${t.url}${NODE_HTTP_ROUTES.job}?models=tiny-llm&capacity=16&wait=0`, {
        headers: { authorization: `Bearer ${ok.session}` },
      });
    assert.equal((await poll()).status, 204);

    // Sixteen tasks of 8 kB each for a node that does not poll: 128 kB queued against a 64 kB bound.
    const tasks = await t.relayer.scheduler.submitMany(
      Array.from({ length: 16 }, (_, i) => ({
        model: "tiny-llm",
        input: `${i} ${"y".repeat(8_000)}`,
        maxTokens: 8,
        seed: 0,
      })),
    );
    await until("the polling session is disconnected", async () =>
      (await metric(t, "gitblock_send_buffer_overflows_total", 'channel="http"')) === 1 &&
      !t.relayer.registry.get(account.address)
        ? true
        : undefined,
    );
    // The next poll reconnects: the open tasks come again in its answer (not held against the bound meanwhile).
    const again = await poll();
    assert.equal(again.status, 200);
    const resent = ((await again.json()) as Json).messages.filter((m: Json) => m.type === "task");
    assert.ok(resent.length > 8, `${resent.length} of ${tasks.length} tasks sent again`);
  });

  it("answers a connection that never completes its request headers with 408 and closes it", async () => {
    t = await startTestRelayer({ admission: { headersTimeoutMs: 1_000, requestTimeoutMs: 2_000 } });
    const socket = connect({ host: "127.0.0.1", port: Number(new URL(t.url).port), localAddress: FLOOD_IP });
    cleanups.push(() => socket.destroy());
    let answer = "";
    socket.on("data", (chunk) => {
      answer += chunk.toString();
    });
    socket.on("error", () => {});
    const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
    socket.write("GET /healthz HTTP/1.1\r\nHost: relayer\r\n");
    await Promise.race([
      closed,
      new Promise((_, reject) => setTimeout(() => reject(new Error("still open after 20 s")), 20_000).unref()),
    ]);
    assert.match(answer, /^HTTP\/1\.1 408/);
  });
});
