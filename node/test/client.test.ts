import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, it } from "node:test";
import { outputHash } from "@gitblock/sdk";
import { AuthRejectedError, type Eip1193Provider, eip1193Signer, NodeClient, type Signer } from "@gitblock/sdk/client";
import { SimulationEngine, simulatedTokens } from "@gitblock/sdk/engines/simulation";
import {
  clientsReady,
  MODEL,
  simNodes,
  startTestRelayer,
  stopAll,
  type TestRelayer,
  until,
  untilFinal,
  waitFor,
} from "@gitblock/testkit";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

const spec = (input: string) => ({ model: MODEL, input, maxTokens: 16, seed: 3 });

describe("node SDK client against a real relayer", () => {
  let t: TestRelayer | undefined;
  let clients: NodeClient[] = [];
  let extra: Server | undefined;
  afterEach(async () => {
    await stopAll(clients);
    clients = [];
    await t?.stop();
    t = undefined;
    extra?.close();
    extra = undefined;
  });

  it("signs in, runs a task on the engine, and surfaces verdict and balance events", async () => {
    t = await startTestRelayer();
    clients = await simNodes(t, [{ kind: "honest" }, { kind: "honest" }, { kind: "honest" }]);
    for (const c of clients) {
      assert.equal(c.state, "online");
      assert.equal(c.stats.transport, "websocket");
    }
    const balances = clients.map((c) => waitFor(c, "balance"));
    const verdicts = clients.map((c) => waitFor(c, "verdict"));
    const task = await t.relayer.scheduler.submit(spec("what is a GPU?"));
    const results = await Promise.all(verdicts);
    const expected = outputHash(simulatedTokens(spec("what is a GPU?")));
    for (const [verdict] of results) {
      assert.equal(verdict.taskId, task.id);
      assert.equal(verdict.outcome, "correct");
      assert.ok(BigInt(verdict.rewardWei) > 0n);
    }
    for (const [i, c] of clients.entries()) {
      const [balance] = await (balances[i] as ReturnType<typeof waitFor<"balance">>);
      assert.equal(balance.earnedWei, c.stats.earnedWei);
      const record = await t.relayer.store.getNode(c.address);
      assert.equal(record?.confirmedWei, c.stats.earnedWei, "the client's tally matches the relayer's ledger");
      assert.equal(c.stats.accepted, 1);
      assert.equal(c.stats.tasksDone, 1);
    }
    assert.equal((await t.relayer.store.getTask(task.id))?.outputHash, expected);
    const profile = await clients[0]?.profile();
    assert.equal(profile?.tasksValidated, 1);
  });

  it("a lying engine's claim is failed by its verifiers and the dispute tier: a wrong verdict and a strike", async () => {
    const reference = privateKeyToAccount(generatePrivateKey());
    t = await startTestRelayer({ verification: { referenceVerifiers: [reference.address] } });
    clients = await simNodes(t, [{ kind: "honest" }, { kind: "honest" }, { kind: "liar" }]);
    clients.push(...(await simNodes(t, [{ kind: "honest" }], { signer: reference })));
    const liar = clients[2] as NodeClient;
    // Jobs until the liar is the one drawn to generate; its verdict on that task is the one to look at.
    const generated = new Set<string>();
    liar.on("result", ({ task }) => generated.add(task.taskId));
    const lied = waitFor(liar, "verdict", (v) => generated.has(v.taskId), 15_000);
    for (let i = 0; i < 30 && generated.size === 0; i++) {
      const task = await t.relayer.scheduler.submit(spec(`lie to me ${i}`));
      await untilFinal(t, task.id);
    }
    const [v] = await lied;
    assert.equal(v.outcome, "wrong");
    assert.equal(v.strikes, 1);
    assert.equal(v.rewardWei, "0");
    assert.ok(liar.stats.rejected >= 1);
  });

  it("signs in through an EIP-1193 wallet provider (eth_signTypedData_v4)", async () => {
    t = await startTestRelayer();
    const account = privateKeyToAccount(generatePrivateKey());
    const calls: string[] = [];
    // Test double of a browser wallet: answers like MetaMask, signing with a local key.
    const provider: Eip1193Provider = {
      async request({ method, params }) {
        calls.push(method);
        if (method === "eth_requestAccounts") return [account.address];
        if (method === "eth_signTypedData_v4") {
          const [, json] = params as [string, string];
          const { types, domain, primaryType, message } = JSON.parse(json);
          const { EIP712Domain: _domain, ...rest } = types;
          return account.signTypedData({ types: rest, domain, primaryType, message });
        }
        throw new Error(`unexpected ${method}`);
      },
    };
    const client = new NodeClient({
      relayer: t.url,
      signer: await eip1193Signer(provider),
      engine: new SimulationEngine({ models: [MODEL] }),
    });
    clients = [client];
    const authenticated = waitFor(client, "authenticated");
    await client.start();
    const [auth] = await authenticated;
    assert.equal(auth.account, account.address);
    assert.deepEqual(calls, ["eth_requestAccounts", "eth_signTypedData_v4"]);
  });

  it("asks the wallet once when its prompt outlasts the relayer's wait for a sign-in", async () => {
    // The relayer closes a socket that has not signed in within authTimeoutMs; a person takes longer to approve.
    t = await startTestRelayer({ gateway: { authTimeoutMs: 300 } });
    const account = privateKeyToAccount(generatePrivateKey());
    let signatures = 0;
    let client: NodeClient | undefined;
    const slowWallet: Signer = {
      address: account.address,
      signTypedData: async (data) => {
        signatures++;
        // The first approval comes only after the relayer gave up on the socket that asked for it.
        if (signatures === 1 && client) await waitFor(client, "disconnected");
        return account.signTypedData(data);
      },
    };
    client = new NodeClient({
      relayer: t.url,
      signer: slowWallet,
      engine: new SimulationEngine({ models: [MODEL] }),
      reconnect: { initialMs: 50, maxMs: 200 },
    });
    clients = [client];
    const authenticated = waitFor(client, "authenticated");
    await client.start();
    const [auth] = await authenticated;
    assert.equal(auth.account, account.address);
    assert.equal(signatures, 1, "the late signature answered the next socket's challenge");
  });

  it("a refused signature fails start() instead of retrying forever", async () => {
    t = await startTestRelayer();
    const account = privateKeyToAccount(generatePrivateKey());
    const forger: Signer = {
      address: account.address,
      signTypedData: async () => `0x${"11".repeat(65)}`,
    };
    const client = new NodeClient({
      relayer: t.url,
      signer: forger,
      engine: new SimulationEngine({ models: [MODEL] }),
    });
    clients = [client];
    await assert.rejects(client.start(), AuthRejectedError);
  });

  it("reconnects after a drop and resumes the session without signing again", async () => {
    t = await startTestRelayer();
    let signatures = 0;
    const account = privateKeyToAccount(generatePrivateKey());
    const counting: Signer = {
      address: account.address,
      signTypedData: (data) => {
        signatures++;
        return account.signTypedData(data);
      },
    };
    clients = await simNodes(t, [{ kind: "honest" }, { kind: "honest" }]);
    const client = new NodeClient({
      relayer: t.url,
      signer: counting,
      engine: new SimulationEngine({ models: [MODEL] }),
      reconnect: { initialMs: 100, maxMs: 1_000 },
    });
    clients.push(client);
    await client.start();
    const disconnected = waitFor(client, "disconnected");
    const back = waitFor(client, "authenticated");
    client.dropConnection();
    const [d] = await disconnected;
    assert.equal(d.retryInMs, 100);
    await back;
    assert.equal(client.state, "online");
    assert.equal(signatures, 1, "the session token resumed the sign-in");
    await clientsReady(t, [client]);
    const verdict = waitFor(client, "verdict");
    await t.relayer.scheduler.submit(spec("after the reconnect"));
    assert.equal((await verdict)[0].outcome, "correct");
  });

  it("retries an unreachable relayer with doubling delays up to the maximum, then signs in when it appears", async () => {
    // A port with nothing listening: every attempt fails at once.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const client = new NodeClient({
      relayer: `http://127.0.0.1:${port}`,
      signer: privateKeyToAccount(generatePrivateKey()),
      engine: new SimulationEngine({ models: [MODEL] }),
      reconnect: { initialMs: 40, maxMs: 160 },
    });
    clients = [client];
    const delays: number[] = [];
    client.on("disconnected", ({ retryInMs }) => delays.push(retryInMs));
    void client.start().catch(() => {});
    await until("five retries", () => (delays.length >= 5 ? true : undefined));
    assert.deepEqual(delays.slice(0, 5), [40, 80, 160, 160, 160]);
    assert.equal(client.state, "reconnecting");
    // The relayer comes up on that port: the client finds it by itself.
    t = await startTestRelayer({ port });
    await waitFor(client, "authenticated", () => true, 5_000);
    assert.equal(client.state, "online");
    // Without options the first retry comes after 5 s.
    const defaults = new NodeClient({
      relayer: `http://127.0.0.1:${port + 1}`,
      WebSocket: null,
      signer: privateKeyToAccount(generatePrivateKey()),
      engine: new SimulationEngine({ models: [MODEL] }),
    });
    clients.push(defaults);
    const first = waitFor(defaults, "disconnected");
    void defaults.start().catch(() => {});
    assert.equal((await first)[0].retryInMs, 5_000);
  });

  it("recovers a verdict the relayer sent while the node was away", async () => {
    t = await startTestRelayer();
    clients = await simNodes(t, [{ kind: "honest" }, { kind: "honest" }]);
    // The away node's network: once its last frame for the task is acknowledged it goes offline (no socket opens)
    // and stays offline until the task is final, so the verdict is sent while it is away, however slow the machine.
    let online = true;
    class NetworkOfTheAwayNode extends WebSocket {
      constructor(url: string) {
        if (!online) throw new Error("offline");
        super(url);
      }
    }
    const away = new NodeClient({
      relayer: t.url,
      signer: privateKeyToAccount(generatePrivateKey()),
      engine: new SimulationEngine({ models: [MODEL] }),
      transport: "websocket",
      WebSocket: NetworkOfTheAwayNode,
      reconnect: { initialMs: 50, maxMs: 200 },
    });
    clients.push(away);
    await away.start();
    await clientsReady(t, [away]);
    // A generator's last frame is its reveal (the second ack), a verifier's its report (the first).
    const acksLeft = new Map<string, number>();
    away.on("task", (work) => acksLeft.set(work.taskId, work.type === "task" ? 2 : 1));
    away.on("ack", (taskId) => {
      const left = (acksLeft.get(taskId) ?? 0) - 1;
      acksLeft.set(taskId, left);
      if (left !== 0) return;
      online = false;
      away.dropConnection();
    });
    const verdict = waitFor(away, "verdict", () => true, 30_000);
    const task = await t.relayer.scheduler.submit(spec("judged while away"));
    await untilFinal(t, task.id);
    assert.equal(online, false, "the task became final while the node was away");
    online = true;
    const [v, meta] = await verdict;
    assert.equal(v.taskId, task.id);
    assert.equal(v.outcome, "correct");
    assert.equal(meta.recovered, true, "the verdict came from the task API after the reconnect");
    assert.equal(away.stats.earnedWei, (await t.relayer.store.getNode(away.address))?.confirmedWei);
  });

  it("falls back to HTTP polling when WebSockets are blocked, and still earns verdicts", async () => {
    t = await startTestRelayer();
    // A proxy that breaks WebSockets: every upgrade is refused.
    extra = createServer((_req, res) => res.writeHead(404).end());
    extra.on("upgrade", (_req, socket) => socket.end("HTTP/1.1 403 Forbidden\r\n\r\n"));
    await new Promise<void>((resolve) => extra?.listen(0, "127.0.0.1", resolve));
    const blocked = `ws://127.0.0.1:${(extra.address() as AddressInfo).port}/ws/node`;
    clients = await simNodes(t, [{ kind: "honest" }, { kind: "honest" }]);
    const polling = new NodeClient({
      relayer: t.url,
      socketUrl: blocked,
      signer: privateKeyToAccount(generatePrivateKey()),
      engine: new SimulationEngine({ models: [MODEL] }),
      pollWaitMs: 500,
      reconnect: { initialMs: 100 },
    });
    const noSockets = new NodeClient({
      relayer: t.url,
      WebSocket: null,
      signer: privateKeyToAccount(generatePrivateKey()),
      engine: new SimulationEngine({ models: [MODEL] }),
      pollWaitMs: 500,
    });
    clients.push(polling, noSockets);
    await polling.start();
    await noSockets.start();
    assert.equal(polling.stats.transport, "http");
    assert.equal(noSockets.stats.transport, "http");
    await clientsReady(t, [polling, noSockets]); // their first polls announced readiness
    // One generator and two verifiers per task: a few jobs and both polling nodes have worked and been judged.
    const verdicts = [waitFor(polling, "verdict"), waitFor(noSockets, "verdict")];
    for (let i = 0; i < 12 && (polling.stats.accepted === 0 || noSockets.stats.accepted === 0); i++) {
      const task = await t.relayer.scheduler.submit(spec(`over plain HTTP ${i}`));
      await untilFinal(t, task.id);
    }
    for (const [v] of await Promise.all(verdicts)) assert.equal(v.outcome, "correct");
    assert.ok(polling.stats.accepted >= 1 && noSockets.stats.accepted >= 1);
  });
});
