// Nodes for `npm run bench:gateway`, in a process of their own so the relayer keeps its core: NodeClients (the sdk's,
// as every node runs them) serving the relayer's `/v1` gateway over real WebSockets, on the simulation engine or the
// embedded llama.cpp engine. The same process also times the engine called directly (engine.stream, first chunk), the
// baseline the gateway's time to first token is compared with. Messages: start → ready, direct → direct, stop.
import type { Engine, GenerateRequest, ScoreRequest, StreamRequest } from "@gitblock/sdk";
import { NodeClient } from "@gitblock/sdk/client";
import { SimulationEngine } from "@gitblock/sdk/engines/simulation";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { LlamaCppEngine } from "../src/engines/llama-cpp.ts";

/** What the nodes run: the simulation at a fixed time per token, or llama.cpp on a GGUF file (CPU, one thread). */
export type EngineSpec =
  | { kind: "simulation"; model: string; perTokenMs: number }
  | { kind: "llama-cpp"; model: string; modelPath: string };

export type NodesJob =
  | { type: "start"; relayer: string; engine: EngineSpec; count: number; capacity: number }
  | { type: "direct"; request: Omit<StreamRequest, "input">; prompts: string[]; concurrency: number; requests: number }
  | { type: "stop" };

export type NodesReply =
  | { type: "ready"; addresses: string[] }
  | { type: "direct"; ttftMs: number[]; seconds: number }
  | { type: "fatal"; message: string };

const reply = (message: NodesReply) => process.send?.(message);

/**
 * The simulation spreads a request's latency evenly over its tokens; a latency of `maxTokens` × the time per token
 * gives every token the same time for answers of exactly `maxTokens` tokens (below its shortest natural answer, 24).
 */
function engineOf(spec: EngineSpec): Engine {
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

process.on("message", (job: NodesJob) => {
  const run =
    job.type === "start"
      ? start(job)
      : job.type === "direct"
        ? direct(job)
        : Promise.all(clients.map((c) => c.stop())).then(() => process.exit(0));
  run.catch((error: Error) => {
    reply({ type: "fatal", message: error.stack ?? error.message });
  });
});
