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

  private generate(prompt: string, maxTokens: number, seed: number): number[] {
    return simulatedTokens({ model: MODEL, input: prompt, maxTokens, seed });
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
        const ids = this.generate(String(body.prompt), Number(body.n_predict), Number(body.seed));
        return send(200, { content: text(ids), tokens: body.return_tokens ? ids : undefined, stop: true });
      }
      if (path === "/v1/completions") {
        if (body.temperature !== 0) return send(400, { error: "this test double only does greedy decoding" });
        const ids = this.generate(String(body.prompt), Number(body.max_tokens), Number(body.seed));
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
    const verdict = waitFor(http, "verdict");
    await t.relayer.scheduler.submit(request);
    const [v] = await verdict;
    assert.equal(v.outcome, "correct");
    assert.ok(server.requests.some((r) => r.path === "/completion" && r.body.prompt === request.input));
  });

  it("`gitblock-node start --engine <server URL>` (the GPU-box command) serves through the server", async () => {
    // Exactly three nodes (R = 3): the two simulation peers and the CLI, so every task reaches the CLI.
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
      const job = { ...request, input: "served by the CLI through llama.cpp" };
      const task = await t.relayer.scheduler.submit(job);
      const verdict = await cli.event("verdict", (v) => v.taskId === task.id);
      assert.equal(verdict.outcome, "correct");
      assert.ok(server.requests.some((r) => r.path === "/completion" && r.body.prompt === job.input));
    } finally {
      await cli.stop();
    }
  });
});
