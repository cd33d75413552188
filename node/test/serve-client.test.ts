// The node client serving gateway requests over a real WebSocket, against a relayer stand-in (./fake-relayer.ts):
// `ready.serves`, `serve` answered with ordered chunks and `serve_end`, `cancel`, and verification of a served claim
// with a prefix and its own non-top-1 share.
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { type ChunkMessage, PROTOCOL_VERSION, type ServeMessage, type StreamChunk } from "@gitblock/sdk";
import { NodeClient, type NodeClientOptions } from "@gitblock/sdk/client";
import { SimulationEngine, type SimulationEngineOptions, simulatedTokens } from "@gitblock/sdk/engines/simulation";
import { MODEL, waitFor } from "@gitblock/testkit";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { FakeRelayer } from "./fake-relayer.ts";

const serveFrame = (requestId: string, input: string, over: Partial<ServeMessage> = {}): ServeMessage => ({
  type: "serve",
  v: PROTOCOL_VERSION,
  requestId,
  model: MODEL,
  input,
  prefix: [],
  maxTokens: 400,
  temperature: 0,
  seed: 3,
  deadline: Date.now() + 60_000,
  ...over,
});

describe("node client serving gateway requests over a WebSocket", () => {
  let relayer: FakeRelayer | undefined;
  let client: NodeClient | undefined;
  afterEach(async () => {
    await client?.stop();
    relayer?.stop();
    client = undefined;
    relayer = undefined;
  });

  async function connect(engine: SimulationEngineOptions = {}, options: Partial<NodeClientOptions> = {}) {
    relayer = new FakeRelayer();
    await relayer.start();
    client = new NodeClient({
      relayer: relayer.url,
      socketUrl: relayer.socketUrl,
      transport: "websocket",
      signer: privateKeyToAccount(generatePrivateKey()),
      engine: new SimulationEngine({ models: [MODEL], ...engine }),
      ...options,
    });
    await client.start();
    return { relayer, client, ready: await relayer.next("ready") };
  }

  it("announces the models it serves in ready, with the engine's context length and its price floor", async () => {
    const { ready } = await connect({ contextLength: 8_192 }, { serve: { priceFloorWei: 25n * 10n ** 15n } });
    assert.deepEqual(ready.serves, [{ model: MODEL, contextLength: 8_192, priceFloorWei: "25000000000000000" }]);
    await client?.stop();
    relayer?.stop();
    const off = await connect({}, { serve: false });
    assert.equal(off.ready.serves, undefined, "serve: false runs tasks only");
    await client?.stop();
    relayer?.stop();
    const free = await connect();
    assert.deepEqual(free.ready.serves, [{ model: MODEL, contextLength: 32_768, priceFloorWei: "0" }]);
  });

  it("answers a serve frame with chunks in order and serve_end; a continuation starts at its prefix", async () => {
    const { relayer, client } = await connect({ latencyMs: 100 });
    const input = "what is a GPU?";
    const expected = simulatedTokens({ model: MODEL, input, maxTokens: 400 });
    const served = waitFor(client, "served");
    relayer.send(serveFrame("r1", input));
    const end = await relayer.next("serve_end", (m) => m.requestId === "r1");
    const chunks = relayer.received.filter((m): m is ChunkMessage => m.type === "chunk" && m.requestId === "r1");
    assert.equal(chunks[0]?.index, 0);
    assert.equal(chunks[0]?.tokenIds.length, 1, "the first token at once");
    for (let i = 1; i < chunks.length; i++) {
      const before = chunks[i - 1] as ChunkMessage;
      assert.equal(chunks[i]?.index, before.index + before.tokenIds.length, "no gap, no repeat");
    }
    assert.deepEqual(
      chunks.flatMap((c) => c.tokenIds),
      expected,
    );
    assert.ok(chunks.length < expected.length, "later tokens are coalesced");
    assert.deepEqual([end.finish, end.tokens], ["stop", expected.length]);
    assert.ok(
      relayer.received.indexOf(end) > relayer.received.indexOf(chunks.at(-1) as ChunkMessage),
      "the end comes last",
    );
    const [outcome] = await served;
    assert.deepEqual([outcome.outcome, outcome.tokens], ["ended", expected.length]);

    const from = relayer.received.length;
    relayer.send(serveFrame("r2", input, { prefix: expected.slice(0, 10), maxTokens: 5 }));
    const tail = await relayer.next("serve_end", (m) => m.requestId === "r2", { from });
    const tailChunks = relayer.received.filter((m): m is ChunkMessage => m.type === "chunk" && m.requestId === "r2");
    assert.equal(tailChunks[0]?.index, 10);
    assert.deepEqual(
      tailChunks.flatMap((c) => c.tokenIds),
      expected.slice(10, 15),
    );
    assert.deepEqual([tail.finish, tail.tokens], ["length", 5]);
  });

  it("stops a request's chunks at its cancel, frees its slot, and serves the next request", async () => {
    // The slow request would stream for a minute (a token every few hundred ms); the fast one ends ~200 ms after it starts.
    const { relayer, client } = await connect({ latencyMs: (r) => (r.input === "slow" ? 60_000 : 200) });
    const cancelled = waitFor(client, "served", (s) => s.serve.requestId === "slow");
    relayer.send(serveFrame("slow", "slow"));
    await relayer.next("chunk", (m) => m.requestId === "slow");
    relayer.send({ type: "cancel", v: PROTOCOL_VERSION, requestId: "slow", reason: "the user hung up" });
    // Capacity 1: the next request runs only once the cancelled one gave its slot back.
    relayer.send(serveFrame("fast", "fast"));
    const first = await relayer.next("chunk", (m) => m.requestId === "fast");
    await relayer.next("serve_end", (m) => m.requestId === "fast");
    const after = relayer.received.slice(relayer.received.indexOf(first));
    assert.ok(!after.some((m) => "requestId" in m && m.requestId === "slow"), "nothing for the cancelled request");
    assert.ok(!relayer.received.some((m) => m.type === "serve_end" && m.requestId === "slow"));
    const slowTokens = relayer.received
      .filter((m): m is ChunkMessage => m.type === "chunk" && m.requestId === "slow")
      .flatMap((c) => c.tokenIds).length;
    const [outcome] = await cancelled;
    assert.deepEqual([outcome.outcome, outcome.message], ["cancelled", "the user hung up"]);
    assert.ok(slowTokens < 20, `${slowTokens} tokens of the cancelled request went out`);
  });

  it("verifies a served claim with its prefix and the frame's non-top-1 share", async () => {
    const { relayer } = await connect();
    const input = "a sampled answer";
    const sampler = new SimulationEngine({ models: [MODEL] });
    const sampled: StreamChunk[] = [];
    await sampler.stream({ model: MODEL, input, maxTokens: 60, temperature: 1, seed: 8 }, (c) => sampled.push(c));
    const output = sampled.flatMap((c) => c.tokenIds);
    const prefix = output.slice(0, 20);
    const claim = output.slice(20);
    const verify = (taskId: string, over: Record<string, unknown>) =>
      relayer.send({
        type: "verify",
        v: PROTOCOL_VERSION,
        taskId,
        model: MODEL,
        input,
        maxTokens: 40,
        seed: 8,
        tokenIds: claim,
        delta: 8,
        deadline: Date.now() + 30_000,
        ...over,
      });
    verify("with-share", { prefix, nonTop1Share: 1 });
    const passed = await relayer.next("report", (m) => m.taskId === "with-share");
    assert.equal(passed.pass, true);
    assert.ok(passed.nonTop1 > 2, `${passed.nonTop1} sampled tokens are not top-1`);
    verify("protocol-share", { prefix });
    const counted = await relayer.next("report", (m) => m.taskId === "protocol-share");
    assert.equal(counted.pass, false, "the protocol's 2% share fails a sampled claim");
    assert.equal(counted.nonTop1, passed.nonTop1);
    verify("no-prefix", { nonTop1Share: 1 });
    const misaligned = await relayer.next("report", (m) => m.taskId === "no-prefix");
    assert.equal(misaligned.pass, false, "scored without its prefix the claim is off by 20 positions");
  });
});
