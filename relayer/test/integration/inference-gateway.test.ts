/**
 * The `/v1` gateway end to end, spoken to by the official `openai` client (not our code): a real relayer on a real
 * socket, nodes running the sdk's NodeClient with the simulation engine over real WebSockets.
 */
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import type { NodeClient } from "@gitblock/sdk/client";
import { SimulationEngine } from "@gitblock/sdk/engines/simulation";
import { MODEL, simNodes, startTestRelayer, stopAll, type TestRelayer, waitFor } from "@gitblock/testkit";
import { APIError, AuthenticationError, NotFoundError, RateLimitError } from "openai";
import { renderChat } from "../../src/inference/chat-template.ts";
import { gatewayClient } from "../gateway-client.ts";

let t: TestRelayer | null = null;
let nodes: NodeClient[] = [];

afterEach(async () => {
  await stopAll(nodes);
  nodes = [];
  await t?.stop();
  t = null;
});

const MESSAGES = [{ role: "user" as const, content: "Say something about GPUs." }];

/** What the simulated model answers to the rendered chat, generated directly on an engine (greedy). */
async function expectedAnswer(maxTokens: number): Promise<{ text: string; tokens: number }> {
  const engine = new SimulationEngine({ models: [MODEL] });
  const result = await engine.generate({ model: MODEL, input: renderChat(MESSAGES, "chatml"), maxTokens, seed: 0 });
  return { text: result.text, tokens: result.tokenIds.length };
}

async function createKey(relayer: TestRelayer, session: string): Promise<string> {
  const response = await fetch(`${relayer.url}/api/keys`, {
    method: "POST",
    headers: { authorization: `Bearer ${session}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "test" }),
  });
  assert.equal(response.status, 201);
  const body = (await response.json()) as { key: string; prefix: string };
  assert.ok(body.key.startsWith(body.prefix));
  return body.key;
}

describe("/v1 gateway with the official openai client", () => {
  it("lists the models served now, with node counts and price", async () => {
    t = await startTestRelayer({ inference: { catalogue: [{ id: "locked-model", minActiveNodes: 500 }] } });
    nodes = await simNodes(t, [{ kind: "honest" }, { kind: "honest" }]);
    const models = await gatewayClient(t.url).models.list();
    const ids = models.data.map((m) => m.id);
    assert.deepEqual(ids, [MODEL], "only unlocked models someone serves");
    const extra = (models.data[0] as unknown as { gitblock: { nodes: number; priceWei: string } }).gitblock;
    assert.equal(extra.nodes, 2);
    assert.equal(extra.priceWei, "0");
    const catalogue = (await (await fetch(`${t.url}/api/gateway/models`)).json()) as {
      activeNodes: number;
      models: Array<{ id: string; unlocked: boolean; minActiveNodes: number }>;
    };
    assert.equal(catalogue.activeNodes, 2);
    assert.deepEqual(
      catalogue.models.find((m) => m.id === "locked-model"),
      { ...catalogue.models.find((m) => m.id === "locked-model"), unlocked: false, minActiveNodes: 500 },
    );
  });

  it("answers a chat whole and streamed, the same text the model generates, with usage", async () => {
    t = await startTestRelayer();
    nodes = await simNodes(t, [{ kind: "honest" }]);
    const expected = await expectedAnswer(16);
    const openai = gatewayClient(t.url);
    const whole = await openai.chat.completions.create({ model: MODEL, messages: MESSAGES, max_tokens: 16 });
    assert.equal(whole.choices[0]?.message.content, expected.text);
    assert.equal(whole.usage?.completion_tokens, expected.tokens);
    assert.equal(whole.choices[0]?.finish_reason, expected.tokens === 16 ? "length" : "stop");

    const stream = await openai.chat.completions.create({
      model: MODEL,
      messages: MESSAGES,
      max_tokens: 16,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let chunks = 0;
    let usage: number | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      if (chunk.choices[0]?.delta.content) chunks++;
      if (chunk.usage) usage = chunk.usage.completion_tokens;
    }
    assert.equal(text, expected.text);
    assert.ok(chunks >= 1);
    assert.equal(usage, expected.tokens);

    const completion = await openai.completions.create({
      model: MODEL,
      prompt: renderChat(MESSAGES, "chatml"),
      max_tokens: 16,
    });
    assert.equal(completion.choices[0]?.text, expected.text);
  });

  it("cuts the answer at a stop sequence", async () => {
    t = await startTestRelayer();
    nodes = await simNodes(t, [{ kind: "honest" }]);
    const expected = await expectedAnswer(32);
    const stop = expected.text.slice(5, 8);
    const whole = await gatewayClient(t.url).chat.completions.create({
      model: MODEL,
      messages: MESSAGES,
      max_tokens: 32,
      stop,
    });
    const content = whole.choices[0]?.message.content ?? "";
    assert.equal(content, expected.text.slice(0, expected.text.indexOf(stop)));
    assert.equal(whole.choices[0]?.finish_reason, "stop");
  });

  it("answers errors typed as the client expects: 404, 401, 503, 400", async () => {
    t = await startTestRelayer({ inference: { catalogue: [{ id: "nobody-serves-this", priceWei: "0" }] } });
    nodes = await simNodes(t, [{ kind: "honest" }]);
    await assert.rejects(
      gatewayClient(t.url).chat.completions.create({ model: "no-such-model", messages: MESSAGES }),
      (error) => error instanceof NotFoundError && error.code === "model_not_found",
    );
    await assert.rejects(
      gatewayClient(t.url, "gb_not-a-key").chat.completions.create({ model: MODEL, messages: MESSAGES }),
      (error) => error instanceof AuthenticationError,
    );
    await assert.rejects(
      gatewayClient(t.url).chat.completions.create({ model: "nobody-serves-this", messages: MESSAGES }),
      (error) => error instanceof APIError && error.status === 503 && error.code === "no_node_available",
    );
    await assert.rejects(
      gatewayClient(t.url).chat.completions.create({ model: MODEL, messages: MESSAGES, max_tokens: 100_000 }),
      (error) => error instanceof APIError && error.status === 400,
    );
  });

  it("keys: made with a wallet session, shown once, listed with last use, revoked; the free tier ends in 429", async () => {
    t = await startTestRelayer({ inference: { freeRequestsPerDay: 2 } });
    nodes = await simNodes(t, [{ kind: "honest" }]);
    const session = nodes[0]?.session as string;
    const key = await createKey(t, session);
    const openai = gatewayClient(t.url, key);
    await openai.chat.completions.create({ model: MODEL, messages: MESSAGES, max_tokens: 4 });
    // The session is the same wallet: it shares the key's free tier.
    await gatewayClient(t.url, session).chat.completions.create({ model: MODEL, messages: MESSAGES, max_tokens: 4 });
    const refused = await openai.chat.completions.create({ model: MODEL, messages: MESSAGES, max_tokens: 4 }).then(
      () => null,
      (error: unknown) => error,
    );
    assert.ok(refused instanceof RateLimitError, `expected a RateLimitError, got ${String(refused)}`);
    const retryAfter = Number(refused.headers?.get("retry-after"));
    assert.ok(retryAfter > 0 && retryAfter <= 86_400, `Retry-After ${retryAfter}`);

    const listed = (await (
      await fetch(`${t.url}/api/keys`, { headers: { authorization: `Bearer ${session}` } })
    ).json()) as { keys: Array<{ id: string; lastUsedAt: number | null; prefix: string }> };
    assert.equal(listed.keys.length, 1);
    assert.ok(listed.keys[0]?.lastUsedAt, "last use recorded");
    assert.equal(JSON.stringify(listed).includes(key), false, "the key itself is never shown again");
    const revoked = await fetch(`${t.url}/api/keys/${listed.keys[0]?.id}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${session}` },
    });
    assert.equal(revoked.status, 204);
    await assert.rejects(
      openai.models.list().then(() => openai.chat.completions.create({ model: MODEL, messages: MESSAGES })),
      (e) => e instanceof AuthenticationError,
    );
  });

  it("the user hanging up cancels the node's generation", async () => {
    t = await startTestRelayer();
    nodes = await simNodes(t, [{ kind: "honest" }], {}, { latencyMs: 2_000 });
    const node = nodes[0] as NodeClient;
    const controller = new AbortController();
    const served = waitFor(node, "served", () => true, 10_000);
    const stream = await gatewayClient(t.url).chat.completions.create(
      { model: MODEL, messages: MESSAGES, max_tokens: 200, stream: true },
      { signal: controller.signal },
    );
    // The user hangs up at the first token. Chunks the client had already buffered could still be read after the
    // abort, so the loop stops there itself; either way the relayer sees the socket close.
    let firstToken = false;
    await (async () => {
      for await (const chunk of stream) {
        if (!chunk.choices[0]?.delta.content) continue;
        firstToken = true;
        controller.abort();
        break;
      }
    })().catch(() => {});
    assert.ok(firstToken, "a token arrived before the hang-up");
    const [end] = await served;
    assert.equal(end.outcome, "cancelled");
    assert.ok(end.tokens < 200, `the node stopped early (${end.tokens} tokens)`);
    assert.equal(t.relayer.inference.serving, 0);
  });

  it("a node dropping mid-stream: the answer completes on another node with no gap or duplicate", async () => {
    t = await startTestRelayer();
    nodes = await simNodes(t, [{ kind: "honest" }, { kind: "honest" }], {}, { latencyMs: 600 });
    const expected = await expectedAnswer(48);
    const servers: NodeClient[] = [];
    const first = new Promise<NodeClient>((resolve) => {
      for (const node of nodes)
        node.on("serve", () => {
          servers.push(node);
          resolve(node);
        });
    });
    const stream = await gatewayClient(t.url).chat.completions.create({
      model: MODEL,
      messages: MESSAGES,
      max_tokens: 48,
      stream: true,
    });
    let text = "";
    let dropped = false;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      if (!dropped && text.length > 0) {
        dropped = true;
        (await first).dropConnection();
        await (await first).stop();
      }
    }
    assert.ok(dropped);
    assert.equal(text, expected.text);
    assert.equal(servers.length, 2, "the second node continued the answer");
    assert.notEqual(servers[0], servers[1]);
  });
});
