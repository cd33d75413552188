// Nodes for `npm run bench:gateway`, in a process of their own so the relayer keeps its core: NodeClients (the sdk's,
// as every node runs them) serving the relayer's `/v1` gateway over real WebSockets, on the simulation engine or the
// embedded llama.cpp engine. The same process also offers the baselines the gateway's time to first token is compared
// with: the engine called directly (engine.stream, first chunk), and the engine behind its own minimal HTTP endpoint
// (`/v1/completions` streaming one server-sent event per chunk, as llama.cpp's server does), which the users' process
// calls exactly as it calls the gateway. Messages: start → ready, direct → direct, http → http.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Engine, GenerateRequest, ScoreRequest, StreamChunk, StreamRequest } from "@gitblock/sdk";
import { NodeClient } from "@gitblock/sdk/client";
import { SimulationEngine } from "@gitblock/sdk/engines/simulation";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { LlamaCppEngine } from "../src/engines/llama-cpp.ts";

/**
 * What the nodes run: the simulation at a fixed time per token; llama.cpp on a GGUF file (CPU, one thread); or the
 * firehose, answers far larger than any model writes, to push a client's backlog past the gateway's cap.
 */
export type EngineSpec =
  | { kind: "simulation"; model: string; perTokenMs: number }
  | { kind: "llama-cpp"; model: string; modelPath: string }
  | { kind: "firehose"; model: string; bytesPerToken: number };

export type NodesJob =
  | { type: "start"; relayer: string; engine: EngineSpec; count: number; capacity: number }
  | { type: "direct"; request: Omit<StreamRequest, "input">; prompts: string[]; concurrency: number; requests: number }
  | { type: "http" };

export type NodesReply =
  | { type: "ready"; addresses: string[] }
  | { type: "direct"; ttftMs: number[]; seconds: number }
  | { type: "http"; url: string }
  | { type: "fatal"; message: string };

const reply = (message: NodesReply) => process.send?.(message);

/**
 * The simulation spreads a request's latency evenly over its tokens; a latency of `maxTokens` × the time per token
 * gives every token the same time for answers of exactly `maxTokens` tokens (the bench sends prompts whose natural
 * answer is at least that long).
 */
function engineOf(spec: EngineSpec): Engine {
  if (spec.kind === "firehose") return new FirehoseEngine(spec.model, spec.bytesPerToken);
  if (spec.kind === "llama-cpp") {
    // One thread: llama.cpp's workers spin at their barriers, and this machine's cores are shared with the relayer.
    return new LlamaCppEngine({
      modelPath: spec.modelPath,
      modelId: spec.model,
      gpu: false,
      contextSize: 256,
      threads: 1,
    });
  }
  return new SimulationEngine({
    models: [spec.model],
    latencyMs: (request: GenerateRequest | ScoreRequest) =>
      spec.perTokenMs * ("seed" in request ? request.maxTokens : request.tokenIds.length),
  });
}

/** Tokens of the firehose's answers go out in batches of this many, one batch per millisecond or so. */
const FIREHOSE_BATCH = 64;

/**
 * No model: `maxTokens` tokens a request, each with `bytesPerToken` characters of text, as fast as the node takes
 * them. A real model's text is a few characters a token; this one writes megabytes an answer, so that a client that
 * does not read is left a backlog beyond what the kernel's socket buffers hold.
 */
class FirehoseEngine implements Engine {
  readonly kind = "simulation" as const;
  readonly name = "firehose (bench: oversized answers, no model)";
  private readonly model: string;
  private readonly text: string;

  constructor(model: string, bytesPerToken: number) {
    this.model = model;
    this.text = "x".repeat(bytesPerToken);
  }

  async models(): Promise<string[]> {
    return [this.model];
  }

  async contextLength(): Promise<number> {
    return 32_768;
  }

  async generate(request: GenerateRequest) {
    const tokenIds = Array.from({ length: request.maxTokens }, (_, i) => 3 + (i % 200));
    return { tokenIds, text: "", timings: { queueMs: 0, inferenceMs: 0 } };
  }

  async stream(request: StreamRequest, onChunk: (chunk: StreamChunk) => void, signal?: AbortSignal) {
    const started = performance.now();
    for (let i = 0; i < request.maxTokens; i++) {
      if (i % FIREHOSE_BATCH === 0) await new Promise((resolve) => setTimeout(resolve, 1));
      if (signal?.aborted) throw signal.reason;
      onChunk({ tokenIds: [3 + (i % 200)], text: this.text });
    }
    return {
      finish: "length" as const,
      tokens: request.maxTokens,
      timings: { queueMs: 0, inferenceMs: performance.now() - started },
    };
  }

  async dispose(): Promise<void> {}
}

const clients: NodeClient[] = [];
let engines: Engine[] = [];

async function start(job: Extract<NodesJob, { type: "start" }>): Promise<void> {
  // One engine per node for the simulation (each node its own machine); llama.cpp's single model is loaded once.
  const shared = job.engine.kind === "llama-cpp" ? engineOf(job.engine) : null;
  if (shared instanceof LlamaCppEngine) await shared.load();
  engines = Array.from({ length: job.count }, () => shared ?? engineOf(job.engine));
  for (const engine of engines) {
    clients.push(
      new NodeClient({
        relayer: job.relayer,
        signer: privateKeyToAccount(generatePrivateKey()),
        engine,
        capacity: job.capacity,
        reconnect: { initialMs: 100, maxMs: 1_000 },
      }),
    );
  }
  await Promise.all(clients.map((c) => c.start()));
  reply({ type: "ready", addresses: clients.map((c) => c.address) });
}

/** `requests` calls of engine.stream, `concurrency` at once, each timed from the call to its first chunk. */
async function direct(job: Extract<NodesJob, { type: "direct" }>): Promise<void> {
  const engine = engines[0];
  if (!engine?.stream) throw new Error("no engine that streams");
  const ttftMs: number[] = [];
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    for (let i = next++; i < job.requests; i = next++) {
      const started = performance.now();
      let first: number | null = null;
      await engine.stream?.({ ...job.request, input: job.prompts[i % job.prompts.length] as string }, () => {
        first ??= performance.now();
      });
      if (first !== null) ttftMs.push(first - started);
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, () => worker()));
  reply({ type: "direct", ttftMs, seconds: (performance.now() - t0) / 1000 });
}

let endpoint: Promise<string> | null = null;

/**
 * The engine (the first node's) behind its own HTTP endpoint, no relayer, no node protocol: what a user calling the
 * engine's server directly would get. One `data:` event per chunk, the usage, then `[DONE]`.
 */
function serveHttp(): Promise<string> {
  endpoint ??= new Promise((resolve) => {
    const server = createServer((req, res) => {
      const body: Buffer[] = [];
      req.on("data", (part: Buffer) => body.push(part));
      req.on("end", async () => {
        const request = JSON.parse(Buffer.concat(body).toString("utf8")) as {
          model: string;
          prompt: string;
          max_tokens: number;
        };
        const engine = engines[0];
        res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
        const result = await engine?.stream?.(
          { model: request.model, input: request.prompt, maxTokens: request.max_tokens, temperature: 0, seed: 0 },
          (chunk) =>
            res.write(
              `data: ${JSON.stringify({ object: "text_completion", choices: [{ index: 0, text: chunk.text }] })}\n\n`,
            ),
        );
        res.write(`data: ${JSON.stringify({ usage: { completion_tokens: result?.tokens ?? 0 } })}\n\n`);
        res.end("data: [DONE]\n\n");
      });
    });
    server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
  return endpoint;
}

process.on("message", (job: NodesJob) => {
  const run =
    job.type === "start"
      ? start(job)
      : job.type === "direct"
        ? direct(job)
        : serveHttp().then((url) => reply({ type: "http", url }));
  run.catch((error: Error) => {
    reply({ type: "fatal", message: error.stack ?? error.message });
  });
});
