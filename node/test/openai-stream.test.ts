// Serving through an OpenAI-compatible inference server: the streaming completion (server-sent events) of llama.cpp's
// `/completion` and vLLM's `/v1/completions`, a prefix as token ids, the context length each reports, and a clear
// refusal where a server streams text only.
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, describe, it } from "node:test";
import type { StreamChunk, StreamRequest } from "@gitblock/sdk";
import { OpenAiHttpEngine } from "@gitblock/sdk/engines/openai-http";
import { simulatedTokens } from "@gitblock/sdk/engines/simulation";
import { MODEL } from "@gitblock/testkit";

type Dialect = "llama.cpp" | "vllm" | "text-only";

/** Input ids of the test double's tokenizer: one id per character, after BOS (1). */
const inputIds = (input: string) => [1, ...[...input].map((c) => 1_000 + c.charCodeAt(0))];

/**
 * Test double of a streaming inference server: its "model" is the simulation's greedy output for the prompt text; a
 * prompt that carries a prefix continues after it. Events go out in pieces of 3 tokens, each split across two writes,
 * as a real server's chunks land on the socket.
 */
class StreamingServer {
  readonly requests: Array<{ path: string; body: Record<string, unknown> }> = [];
  /** The text last tokenized: a token-id prompt starts with its ids. */
  private tokenized = "";
  private server: Server | null = null;
  url = "";
  readonly dialect: Dialect;
  constructor(dialect: Dialect) {
    this.dialect = dialect;
  }

  async start(): Promise<void> {
    const server = createServer(async (req, res) => {
      const body = await readJson(req);
      const path = new URL(req.url ?? "/", "http://x").pathname;
      this.requests.push({ path, body });
      const json = (status: number, payload: unknown) =>
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(payload));
      if (path === "/v1/models") {
        const entry = this.dialect === "vllm" ? { id: MODEL, max_model_len: 8_192 } : { id: MODEL };
        return json(200, { object: "list", data: [entry] });
      }
      if (path === "/props" && this.dialect === "llama.cpp") {
        return json(200, { default_generation_settings: { n_ctx: 4_096 } });
      }
      if (path === "/tokenize" && this.dialect === "vllm") {
        this.tokenized = String(body.prompt);
        return json(200, { tokens: inputIds(this.tokenized) });
      }
      if (path === "/completion" && this.dialect === "llama.cpp") {
        // A mixed prompt: [text, ...prefix ids].
        const [text, ...prefix] = Array.isArray(body.prompt) ? body.prompt : [body.prompt];
        const { ids, finish } = this.generate(String(text), prefix as number[], Number(body.n_predict));
        return this.sse(res, [
          ...pieces(ids).map((p) => ({ content: words(p), tokens: p, stop: false })),
          { content: "", tokens: [], stop: true, stop_type: finish === "length" ? "limit" : "eos" },
        ]);
      }
      if (path === "/v1/completions") {
        const prompt = body.prompt;
        const text = Array.isArray(prompt) ? this.tokenized : String(prompt);
        const prefix = Array.isArray(prompt) ? (prompt as number[]).slice(inputIds(text).length) : [];
        const { ids, finish } = this.generate(text, prefix, Number(body.max_tokens));
        const logprobs = (p: number[]) =>
          this.dialect === "vllm"
            ? { tokens: p.map((id) => `token_id:${id}`), token_logprobs: p.map(() => -0.1) }
            : null;
        const events: unknown[] = pieces(ids).map((p, i, all) => ({
          choices: [
            { index: 0, text: words(p), logprobs: logprobs(p), finish_reason: i === all.length - 1 ? finish : null },
          ],
        }));
        return this.sse(res, [...events, "[DONE]"]);
      }
      json(404, { error: "not found" });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  private generate(input: string, prefix: number[], maxTokens: number) {
    const all = simulatedTokens({ model: MODEL, input, maxTokens: prefix.length + maxTokens });
    const ids = all.slice(prefix.length);
    return { ids, finish: ids.length < maxTokens ? "stop" : "length" };
  }

  private async sse(res: ServerResponse, events: unknown[]) {
    res.writeHead(200, { "content-type": "text/event-stream" });
    for (const event of events) {
      const frame = `data: ${typeof event === "string" ? event : JSON.stringify(event)}\n\n`;
      const half = Math.floor(frame.length / 2);
      res.write(frame.slice(0, half));
      await new Promise((resolve) => setImmediate(resolve));
      res.write(frame.slice(half));
    }
    res.end();
  }

  stop(): void {
    this.server?.closeAllConnections();
    this.server?.close();
  }
}

const pieces = (ids: number[]) =>
  Array.from({ length: Math.ceil(ids.length / 3) }, (_, i) => ids.slice(3 * i, 3 * i + 3));
const words = (ids: number[]) => ids.map((id) => ` w${id}`).join("");

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let raw = "";
  for await (const chunk of req) raw += chunk;
  return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
}

const serve = (over: Partial<StreamRequest> = {}): StreamRequest => ({
  model: MODEL,
  input: "Explain WebGPU in one line.",
  maxTokens: 24,
  temperature: 0,
  seed: 42,
  ...over,
});
const full = simulatedTokens({ model: MODEL, input: serve().input, maxTokens: 24 });

async function streamed(engine: OpenAiHttpEngine, request: StreamRequest) {
  const chunks: StreamChunk[] = [];
  const result = await engine.stream(request, (chunk) => chunks.push(chunk));
  return { result, tokenIds: chunks.flatMap((c) => c.tokenIds), text: chunks.map((c) => c.text).join("") };
}

describe("OpenAI-compatible HTTP engine: serving through the server's streaming completion", () => {
  const servers: StreamingServer[] = [];
  const start = async (dialect: Dialect) => {
    const server = new StreamingServer(dialect);
    await server.start();
    servers.push(server);
    return server;
  };
  after(() => {
    for (const s of servers) s.stop();
  });

  it("llama.cpp: streams /completion's token ids and text, greedy with the seed, a prefix in a mixed prompt", async () => {
    const server = await start("llama.cpp");
    const engine = new OpenAiHttpEngine({ baseUrl: server.url });
    const out = await streamed(engine, serve());
    assert.deepEqual(out.tokenIds, full);
    assert.equal(out.text, words(full));
    assert.deepEqual([out.result.finish, out.result.tokens], ["length", 24]);
    const call = server.requests.find((r) => r.path === "/completion");
    assert.deepEqual(
      [call?.body.stream, call?.body.return_tokens, call?.body.temperature, call?.body.top_k, call?.body.seed],
      [true, true, 0, 1, 42],
    );
    const rest = await streamed(engine, serve({ prefix: full.slice(0, 10), maxTokens: 14 }));
    assert.deepEqual(rest.tokenIds, full.slice(10));
    assert.deepEqual(server.requests.at(-1)?.body.prompt, [serve().input, ...full.slice(0, 10)]);
    const ends = await streamed(engine, serve({ maxTokens: 400 }));
    assert.equal(ends.result.finish, "stop");
    assert.ok(ends.tokenIds.length < 400);
    const hot = await streamed(engine, serve({ temperature: 0.7, seed: 9 }));
    assert.equal(hot.tokenIds.length, 24);
    assert.deepEqual(
      [server.requests.at(-1)?.body.temperature, server.requests.at(-1)?.body.top_k, server.requests.at(-1)?.body.seed],
      [0.7, 40, 9],
    );
    assert.equal(await engine.contextLength(MODEL), 4_096, "llama.cpp's n_ctx from /props");
  });

  it("vLLM: streams /v1/completions with the ids in logprobs; a prefix goes after the input's /tokenize ids", async () => {
    const server = await start("vllm");
    const engine = new OpenAiHttpEngine({ baseUrl: `${server.url}/v1`, models: [MODEL] });
    const out = await streamed(engine, serve());
    assert.deepEqual(out.tokenIds, full);
    assert.equal(out.result.finish, "length");
    const call = server.requests.find((r) => r.path === "/v1/completions");
    assert.deepEqual([call?.body.stream, call?.body.return_tokens_as_token_ids], [true, true]);
    const rest = await streamed(engine, serve({ prefix: full.slice(0, 5), maxTokens: 19 }));
    assert.deepEqual(rest.tokenIds, full.slice(5));
    assert.deepEqual(server.requests.at(-1)?.body.prompt, [...inputIds(serve().input), ...full.slice(0, 5)]);
    assert.equal(await engine.contextLength(MODEL), 8_192, "vLLM's max_model_len from /v1/models");
    const configured = new OpenAiHttpEngine({ baseUrl: server.url, contextLengths: { [MODEL]: 2_048 } });
    assert.equal(await configured.contextLength(MODEL), 2_048, "configured wins");
  });

  it("a server that streams text without ids, or reports no context length, cannot serve, and says why", async () => {
    const server = await start("text-only");
    const engine = new OpenAiHttpEngine({ baseUrl: server.url, models: [MODEL] });
    await assert.rejects(streamed(engine, serve()), /streams no token ids .*cannot serve/);
    await assert.rejects(engine.contextLength(MODEL), /reports no context length for .*contextLengths/);
    const bytes = new OpenAiHttpEngine({ baseUrl: server.url, models: ["Llama-3-MLC"] });
    await assert.rejects(streamed(bytes, serve({ model: "Llama-3-MLC" })), /hashes UTF-8 bytes/);
  });

  it("an abort stops reading the stream", async () => {
    const server = await start("llama.cpp");
    const engine = new OpenAiHttpEngine({ baseUrl: server.url });
    const controller = new AbortController();
    const chunks: StreamChunk[] = [];
    const run = engine.stream(
      serve(),
      (chunk) => {
        chunks.push(chunk);
        controller.abort(new Error("cancelled by the user"));
      },
      controller.signal,
    );
    await assert.rejects(run, /cancelled by the user|aborted/);
    assert.equal(chunks.length, 1, "no chunk after the abort");
  });
});
