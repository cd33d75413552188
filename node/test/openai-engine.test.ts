import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { outputHash } from "@gitblock/sdk";
import { NodeClient } from "@gitblock/sdk/client";
import { OpenAiHttpEngine, utf8TokenIds } from "@gitblock/sdk/engines/openai-http";
import { simulatedTokens } from "@gitblock/sdk/engines/simulation";
import {
  CliProcess,
  clientsReady,
  MODEL,
  NODE_CLI,
  simNodes,
  startTestRelayer,
  stopAll,
  type TestRelayer,
  untilFinal,
  waitFor,
} from "@gitblock/testkit";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

type Dialect = "llama.cpp" | "vllm" | "text+tokenize" | "text-only";

/**
 * Test double of a local inference server speaking the llama.cpp / vLLM / Ollama dialects of the completions API.
 * Its "model" generates the simulation engine's token ids for the request, and detokenizes id N as "⟨N⟩", so
 * tokenizing its text gives the ids back.
 */
class FakeInferenceServer {
  readonly requests: Array<{ path: string; body: Record<string, unknown>; auth: string | undefined }> = [];
  private server: Server | null = null;
  url = "";
  readonly dialect: Dialect;
  constructor(dialect: Dialect) {
    this.dialect = dialect;
  }

  private generate(prompt: string, maxTokens: number): number[] {
    return simulatedTokens({ model: MODEL, input: prompt, maxTokens });
  }

  async start(): Promise<void> {
    const server = createServer(async (req, res) => {
      const body = await readJson(req);
      const path = new URL(req.url ?? "/", "http://x").pathname;
      this.requests.push({ path, body, auth: req.headers.authorization });
      const send = (status: number, payload?: unknown) => {
        res.writeHead(status, { "content-type": "application/json" }).end(payload ? JSON.stringify(payload) : "");
      };
      const text = (ids: number[]) => ids.map((id) => `⟨${id}⟩`).join("");
      if (body.prompt === "crash") return send(500, { error: "CUDA error: out of memory" });
      if (path === "/v1/models") return send(200, { object: "list", data: [{ id: MODEL, object: "model" }] });
      if (path === "/completion" && this.dialect === "llama.cpp") {
        const ids = this.generate(String(body.prompt), Number(body.n_predict));
        return send(200, { content: text(ids), tokens: body.return_tokens ? ids : undefined, stop: true });
      }
      if (path === "/v1/completions") {
        if (body.temperature !== 0) return send(400, { error: "this test double only does greedy decoding" });
        const ids = this.generate(String(body.prompt), Number(body.max_tokens));
        const logprobs =
          this.dialect === "vllm" && body.return_tokens_as_token_ids
            ? { tokens: ids.map((id) => `token_id:${id}`), token_logprobs: ids.map(() => -0.1) }
            : null;
        return send(200, {
          object: "text_completion",
          model: MODEL,
          choices: [{ index: 0, text: text(ids), logprobs }],
        });
      }
      if (path === "/tokenize" && this.dialect === "text+tokenize") {
        const source = String(body.content ?? body.prompt);
        return send(200, { tokens: [...source.matchAll(/⟨(\d+)⟩/g)].map((m) => Number(m[1])) });
      }
      send(404, { error: "not found" });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  stop(): void {
    this.server?.closeAllConnections();
    this.server?.close();
  }
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let raw = "";
  for await (const chunk of req) raw += chunk;
  return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
}

const request = { model: MODEL, input: "Explain WebGPU in one line.", maxTokens: 24, seed: 42 };
const expectedIds = simulatedTokens(request);

describe("OpenAI-compatible HTTP engine against a local test server", () => {
  const servers: FakeInferenceServer[] = [];
  const start = async (dialect: Dialect) => {
    const server = new FakeInferenceServer(dialect);
    await server.start();
    servers.push(server);
    return server;
  };
  after(() => {
    for (const s of servers) s.stop();
  });

  it("llama.cpp: uses /completion with return_tokens, greedy, the task's seed and max tokens", async () => {
    const server = await start("llama.cpp");
    const engine = new OpenAiHttpEngine({ baseUrl: server.url, apiKey: "local-secret" });
    assert.equal(engine.kind, "openai-http");
    assert.deepEqual(await engine.models(), [MODEL]);
    const result = await engine.generate(request);
    assert.deepEqual(result.tokenIds, expectedIds);
    assert.equal(result.tokenSource, "server-tokens");
    assert.equal(result.api, "llama.cpp");
    const call = server.requests.find((r) => r.path === "/completion");
    assert.deepEqual(
      [call?.body.n_predict, call?.body.temperature, call?.body.top_k, call?.body.seed, call?.body.return_tokens],
      [24, 0, 1, 42, true],
    );
    assert.equal(call?.auth, "Bearer local-secret");
  });

  it("vLLM: reads the token ids from logprobs (return_tokens_as_token_ids)", async () => {
    const server = await start("vllm");
    const engine = new OpenAiHttpEngine({ baseUrl: `${server.url}/v1`, models: [MODEL] });
    const result = await engine.generate(request);
    assert.deepEqual(result.tokenIds, expectedIds);
    assert.equal(result.tokenSource, "server-tokens");
    assert.equal(result.api, "openai");
    const call = server.requests.find((r) => r.path === "/v1/completions");
    assert.deepEqual([call?.body.max_tokens, call?.body.temperature, call?.body.seed], [24, 0, 42]);
    // The dialect is remembered: the next task goes straight to /v1/completions.
    await engine.generate({ ...request, seed: 43 });
    assert.equal(server.requests.filter((r) => r.path === "/completion").length, 1);
  });

  it("text only, with /tokenize: the server's tokenizer turns the text back into the ids", async () => {
    const server = await start("text+tokenize");
    const engine = new OpenAiHttpEngine({ baseUrl: server.url, models: [MODEL] });
    const result = await engine.generate(request);
    assert.equal(result.tokenSource, "tokenize");
    assert.deepEqual(result.tokenIds, expectedIds);
  });

  it("text only, no tokenizer (Ollama): the canonical ids are the text's UTF-8 bytes", async () => {
    const server = await start("text-only");
    const engine = new OpenAiHttpEngine({ baseUrl: server.url, models: [MODEL] });
    const result = await engine.generate(request);
    assert.equal(result.tokenSource, "utf8-bytes");
    assert.deepEqual(result.tokenIds, utf8TokenIds(result.text));
    assert.ok(result.tokenIds.every((id) => id < 256));
    assert.notEqual(outputHash(result.tokenIds), outputHash(expectedIds), "a different canonical form");
    // The missing tokenizer is remembered.
    await engine.generate({ ...request, seed: 1 });
    assert.equal(server.requests.filter((r) => r.path === "/tokenize").length, 1);
  });

  it("web-llm model ids (…-MLC) hash the text's UTF-8 bytes, like browser nodes do", async () => {
    const server = await start("llama.cpp");
    const engine = new OpenAiHttpEngine({ baseUrl: server.url, models: ["Llama-3.2-1B-Instruct-q4f16_1-MLC"] });
    const result = await engine.generate({ ...request, model: "Llama-3.2-1B-Instruct-q4f16_1-MLC" });
    assert.equal(result.tokenSource, "utf8-bytes");
    assert.deepEqual(result.tokenIds, utf8TokenIds(result.text));
  });

  it("a server error fails the task instead of submitting a made-up answer", async () => {
    const server = await start("vllm");
    const engine = new OpenAiHttpEngine({ baseUrl: server.url, api: "openai", models: [MODEL] });
    await assert.rejects(engine.generate({ ...request, input: "crash" }), /HTTP 500.*out of memory/);
  });
});

/**
 * A mock of vLLM's wire format for teacher-forced scoring (vLLM itself needs a GPU and weights, which this machine
 * cannot reach): `POST /tokenize` and `POST /v1/completions` with a token-id prompt and `prompt_logprobs`, answered
 * the way vLLM answers (`choices[0].prompt_logprobs`: null for the first prompt token, then per position a map from
 * token id to `{logprob, rank, decoded_token}` holding the prompt token, ranked by how many tokens are at least as
 * probable, and the K most probable, ranked 1…K by position, which overwrite it when it is among them). Its model is
 * a bigram table over six tokens: 0 <unk>, 1 BOS, 2 EOS, 3 "a", 4 "b", 5 "c".
 */
class MockVllmServer {
  static readonly logits: Record<number, number[]> = {
    1: [-9, -9, -1, 2, 1.9, 0], // after BOS: "a", then "b" 0.1 behind
    3: [-9, -9, 0.5, 0, 3, 1], // after "a": "b", clearly
    4: [-9, -9, 1, 2.5, 0, 2.4], // after "b": "a", "c" 0.1 behind, EOS 1.5 behind
    5: [-9, -9, 2, 2, 0, 0], // after "c": EOS and "a" tied
  };
  static logprobs(previous: number): number[] {
    const logits = MockVllmServer.logits[previous] ?? [0, 0, 0, 0, 0, 0];
    const max = Math.max(...logits);
    const sum = logits.reduce((acc, l) => acc + Math.exp(l - max), 0);
    return logits.map((l) => l - max - Math.log(sum));
  }
  readonly requests: Array<{ path: string; body: Record<string, unknown> }> = [];
  private server: Server | null = null;
  url = "";
  /** false: answer like a server without prompt log-probabilities (it ignores the field). */
  promptLogprobs = true;

  async start(): Promise<void> {
    const vocabulary = ["<unk>", "<s>", "</s>", "a", "b", "c"];
    const server = createServer(async (req, res) => {
      const body = await readJson(req);
      const path = new URL(req.url ?? "/", "http://x").pathname;
      this.requests.push({ path, body });
      const send = (status: number, payload: unknown) =>
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(payload));
      if (path === "/tokenize") {
        const text = String(body.prompt);
        const ids = [...text].map((c) => vocabulary.indexOf(c));
        if (ids.includes(-1)) return send(400, { error: "not in the vocabulary" });
        const tokens = body.add_special_tokens === false ? ids : [1, ...ids];
        return send(200, { count: tokens.length, max_model_len: 64, tokens, token_strs: null });
      }
      if (path === "/v1/completions") {
        const prompt = body.prompt as number[];
        const k = Number(body.prompt_logprobs);
        const entries = prompt.map((token, i) => {
          if (i === 0) return null;
          const logprobs = MockVllmServer.logprobs(prompt[i - 1] as number);
          const order = logprobs.map((_, id) => id).sort((x, y) => (logprobs[y] as number) - (logprobs[x] as number));
          const own = logprobs[token] as number;
          const entry: Record<string, { logprob: number; rank: number; decoded_token: string }> = {
            [token]: {
              logprob: own,
              rank: logprobs.filter((l) => l >= own).length,
              decoded_token: vocabulary[token] as string,
            },
          };
          for (const [r, id] of order.slice(0, k).entries()) {
            entry[id] = { logprob: logprobs[id] as number, rank: r + 1, decoded_token: vocabulary[id] as string };
          }
          return entry;
        });
        const next = MockVllmServer.logprobs(prompt.at(-1) as number);
        const sampled = next.indexOf(Math.max(...next));
        return send(200, {
          id: "cmpl-mock",
          object: "text_completion",
          model: body.model,
          choices: [
            {
              index: 0,
              text: vocabulary[sampled],
              logprobs: null,
              finish_reason: "length",
              ...(this.promptLogprobs && Number.isInteger(k) ? { prompt_logprobs: entries } : {}),
            },
          ],
          usage: { prompt_tokens: prompt.length, completion_tokens: 1, total_tokens: prompt.length + 1 },
        });
      }
      send(404, { error: "not found" });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  stop(): void {
    this.server?.closeAllConnections();
    this.server?.close();
  }
}

describe("teacher-forced scoring on vLLM (prompt_logprobs), against a mock of vLLM's wire format", () => {
  const mock = new MockVllmServer();
  const model = "tiny-bigram";
  const lp = (previous: number, token: number) => MockVllmServer.logprobs(previous)[token] as number;
  let engine: OpenAiHttpEngine;
  before(async () => {
    await mock.start();
    engine = new OpenAiHttpEngine({
      baseUrl: `${mock.url}/v1`,
      models: [model],
      scoring: "vllm-prompt-logprobs",
      endTokenIds: { [model]: 2 },
    });
  });
  after(() => mock.stop());

  it("scores only when asked to: without `scoring` the engine cannot verify", () => {
    assert.equal(new OpenAiHttpEngine({ baseUrl: mock.url }).score, undefined);
    assert.equal(typeof engine.score, "function");
  });

  it("sends the input's ids (/tokenize, special tokens added) + the claimed ids as one token-id prompt", async () => {
    mock.requests.length = 0;
    const scores = await engine.score?.({ model, input: "a", tokenIds: [4, 3, 4] });
    assert.ok(scores);
    assert.deepEqual(
      mock.requests.map((r) => r.path),
      ["/tokenize", "/v1/completions"],
    );
    assert.deepEqual(mock.requests[0]?.body, { model, prompt: "a", add_special_tokens: true });
    const { prompt, max_tokens, prompt_logprobs, temperature } = mock.requests[1]?.body ?? {};
    assert.deepEqual([prompt, max_tokens, prompt_logprobs, temperature], [[1, 3, 4, 3, 4], 1, 1, 0]);
    // The greedy claim: every token top-1, gap 0, its own log-probability.
    assert.deepEqual(
      scores.tokens.map((t) => [t.tokenId, t.top1, t.rank, t.gap, t.topTokenId]),
      [
        [4, true, 0, 0, 4],
        [3, true, 0, 0, 3],
        [4, true, 0, 0, 4],
      ],
    );
    assert.equal(scores.tokens[1]?.logprob, lp(4, 3));
    assert.deepEqual([scores.nonTop1, scores.maxGap, scores.end], [0, 0, undefined]);
  });

  it("maps vLLM's ranks and log-probabilities to rank, gap and top-1; a tie for the top counts as top-1", async () => {
    const scores = await engine.score?.({ model, input: "a", tokenIds: [4, 5, 3], topK: 3 });
    assert.ok(scores);
    const second = scores.tokens[1];
    assert.ok(second);
    assert.deepEqual([second.top1, second.rank, second.topTokenId], [false, 1, 3]);
    assert.ok(Math.abs(second.gap - 0.1) < 1e-9, `gap ${second.gap}`);
    assert.equal(second.logprob, lp(4, 5));
    assert.equal(second.topLogprob, lp(4, 3));
    assert.deepEqual(
      second.top?.map((t) => t.tokenId),
      [3, 5, 2],
      "the 3 most probable, best first",
    );
    // After "c", EOS and "a" are tied: vLLM ranks both 2, the claim "a" is top-1.
    const tied = scores.tokens[2];
    assert.deepEqual([tied?.top1, tied?.rank, tied?.gap, tied?.topTokenId], [true, 0, 0, 3]);
    assert.deepEqual([scores.nonTop1, scores.maxGap], [1, second.gap]);
  });

  it("scores an early end: the end token after the claim, due or not", async () => {
    mock.requests.length = 0;
    const notDue = await engine.score?.({ model, input: "a", tokenIds: [4], maxTokens: 4 });
    assert.deepEqual(mock.requests[1]?.body.prompt, [1, 3, 4, 2], "the end token is fed after the claim");
    const end = notDue?.end;
    assert.ok(end);
    assert.deepEqual([end.tokenId, end.top1, end.rank, end.topTokenId], [2, false, 2, 3]);
    assert.ok(Math.abs(end.gap - 1.5) < 1e-9, `gap ${end.gap}`);
    const due = await engine.score?.({ model, input: "a", tokenIds: [4, 5], maxTokens: 4 });
    assert.deepEqual([due?.end?.top1, due?.end?.gap], [true, 0]);
    // A full-length claim has no end to score.
    assert.equal((await engine.score?.({ model, input: "a", tokenIds: [4, 3, 4, 3], maxTokens: 4 }))?.end, undefined);
  });

  it("refuses what it cannot score: an early end without the end id, byte-form models, servers without prompt_logprobs", async () => {
    const noEnd = new OpenAiHttpEngine({ baseUrl: mock.url, models: [model], scoring: "vllm-prompt-logprobs" });
    await assert.rejects(
      noEnd.score?.({ model, input: "a", tokenIds: [4], maxTokens: 4 }) ?? Promise.resolve(),
      /endTokenIds/,
    );
    await assert.rejects(
      engine.score?.({ model: "Llama-3.2-1B-Instruct-q4f16_1-MLC", input: "a", tokenIds: [4] }) ?? Promise.resolve(),
      /UTF-8 bytes/,
    );
    mock.promptLogprobs = false;
    try {
      await assert.rejects(
        engine.score?.({ model, input: "a", tokenIds: [4] }) ?? Promise.resolve(),
        /no prompt_logprobs/,
      );
    } finally {
      mock.promptLogprobs = true;
    }
  });
});

describe("nodes on an OpenAI-compatible server agree with the network", () => {
  let t: TestRelayer;
  let server: FakeInferenceServer;
  let clients: NodeClient[] = [];
  before(async () => {
    t = await startTestRelayer();
    server = new FakeInferenceServer("llama.cpp");
    await server.start();
  });
  after(async () => {
    await stopAll(clients);
    await t.stop();
    server.stop();
  });

  it("a node serving through the HTTP engine earns a correct verdict beside simulation nodes", async () => {
    clients = await simNodes(t, [{ kind: "honest" }, { kind: "honest" }]);
    const http = new NodeClient({
      relayer: t.url,
      signer: privateKeyToAccount(generatePrivateKey()),
      engine: new OpenAiHttpEngine({ baseUrl: server.url }),
    });
    clients.push(http);
    await http.start();
    await clientsReady(t, [http]); // ready for MODEL, the model the fake server lists
    // llama.cpp's server cannot score teacher-forced, so this node only generates: jobs until it is drawn to.
    const generated = new Set<string>();
    http.on("result", ({ task }) => generated.add(task.taskId));
    const verdict = waitFor(http, "verdict", (m) => generated.has(m.taskId), 20_000);
    for (let i = 0; i < 30 && generated.size === 0; i++) {
      const task = await t.relayer.scheduler.submit({ ...request, input: `${request.input} ${i}` });
      await untilFinal(t, task.id);
    }
    const [v] = await verdict;
    assert.equal(v.outcome, "correct");
    assert.ok(server.requests.some((r) => r.path === "/completion" && String(r.body.prompt).startsWith(request.input)));
  });

  it("`gitblock-node start --engine <server URL>` (the GPU-box command) serves through the server", async () => {
    // The two simulation peers verify; the CLI (llama.cpp's server: generate only) is drawn to generate some jobs.
    await stopAll(clients.splice(2));
    const cli = new CliProcess(
      NODE_CLI,
      ["start", "--relayer", t.url, "--engine", server.url, "--models", MODEL, "--json"],
      { GITBLOCK_NODE_KEY: generatePrivateKey() },
    );
    try {
      const started = await cli.event("starting");
      assert.ok(String(started.engine).includes(server.url), started.engine);
      await cli.event("ready");
      let generatedBy: string | null = null;
      for (let i = 0; i < 30 && generatedBy === null; i++) {
        const job = { ...request, input: `served by the CLI through llama.cpp ${i}` };
        const task = await t.relayer.scheduler.submit(job);
        await untilFinal(t, task.id);
        if (server.requests.some((r) => r.path === "/completion" && r.body.prompt === job.input)) generatedBy = task.id;
      }
      assert.ok(generatedBy, "the CLI generated at least one of 30 jobs");
      const verdict = await cli.event("verdict", (v) => v.taskId === generatedBy);
      assert.equal(verdict.outcome, "correct");
    } finally {
      await cli.stop();
    }
  });
});
