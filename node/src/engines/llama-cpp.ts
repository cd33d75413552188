// The embedded engine: llama.cpp inside the headless node through node-llama-cpp, on a GGUF file. It generates
// (greedy) and scores teacher-forced (the verifier's pass: one batched prefill over input + claimed tokens).
//
// Decisions, written down:
// - Binary: node-llama-cpp's prebuilt binaries only (`build: "never"`): a machine without a fitting prebuilt fails
//   loudly at load instead of downloading llama.cpp and compiling it. `gpu: "auto"` for operators (CUDA, Vulkan or
//   Metal where present, else CPU); tests pass `gpu: false`. node-llama-cpp's postinstall only probes or builds a
//   binary; the prebuilt loads without it (the root package.json's `allowScripts` denies it).
// - Input → tokens: the task's input text is the raw prompt, no chat template: BOS (when the model's metadata asks
//   for it) + the model's own tokenizer on the text, special-token text kept literal (an input "</s>" is characters,
//   not the end token). Generator and verifier derive the same prompt ids this way; a chat template is part of the
//   model artifact the task names and is applied by whoever writes the input.
// - Output: the generated token ids, without the end-of-generation token; generation stops at an EOG token or at
//   maxTokens. Greedy (temperature 0), no repeat penalty, no token predictor; `seed` does not change a greedy run.
// - Context: prompt + maxTokens must fit the context (no context shift: shifting would change the logits). One
//   sequence; calls are served one at a time (queueMs counts the wait and the model load).
// - Scores: natural-log probabilities, temperature 0 = the softmax of the raw logits over the whole vocabulary
//   (node-llama-cpp's greedy sampler keeps every candidate). rank = how many tokens are strictly more probable
//   than the claimed one; top1 = rank 0 (an exact tie counts as top-1). A claim with a prefix (a served request
//   after a failover) feeds input + prefix + claim and scores only the claim.
// - Serving (`stream`): input ids + the prefix, then generation as for a task: greedy at temperature 0 (the same ids
//   `generate` gives), else llama.cpp's sampler at the temperature with top-k 40 and top-p 0.95 (node-llama-cpp's
//   defaults: the tail of the distribution, which no verifier's δ covers, is never drawn), seeded with the request's
//   seed (one sampler per call, so a seed repeats its output). Text is detokenized incrementally
//   (./incremental-text.ts); trailing bytes that never complete a character are dropped at an end token.
import { basename } from "node:path";
import {
  checkServes,
  type Engine,
  type GenerateRequest,
  type GenerateResult,
  OneAtATime,
  type ScoreRequest,
  type StreamChunk,
  type StreamRequest,
  type StreamResult,
  type TokenScore,
  type TokenScores,
} from "@gitblock/sdk";
import type {
  ControlledEvaluateInputItem,
  Llama,
  LlamaContext,
  LlamaContextSequence,
  LlamaGpuType,
  LlamaModel,
  SequenceEvaluateOptions,
  Token,
} from "node-llama-cpp";
import { IncrementalText } from "./incremental-text.ts";

export interface LlamaCppEngineOptions {
  /** The GGUF file. */
  modelPath: string;
  /** The model id this engine serves (what tasks name). Default: the file's name without `.gguf`. */
  modelId?: string;
  /** `"auto"` (default): the best GPU node-llama-cpp finds, else CPU; `false`: CPU only. */
  gpu?: "auto" | LlamaGpuType;
  /** `"never"` (default): prebuilt binaries only. `"auto"` lets node-llama-cpp download and build llama.cpp. */
  build?: "never" | "auto";
  /** CPU threads (default: node-llama-cpp's, all cores). */
  threads?: number;
  /** Tokens per decode batch (default min(context, 512)). */
  batchSize?: number;
  /** Context size in tokens (default min(the model's training context, 4096)). */
  contextSize?: number;
  /** llama.cpp's own log output (default "warn"). */
  logLevel?: "error" | "warn" | "info" | "debug" | "disabled";
}

interface Loaded {
  model: LlamaModel;
  context: LlamaContext;
  sequence: LlamaContextSequence;
}

const llamas = new Map<string, Promise<Llama>>();

/** One Llama (the loaded binary) per gpu/build/log choice, shared by every engine in the process. */
async function sharedLlama(options: LlamaCppEngineOptions): Promise<Llama> {
  const gpu = options.gpu ?? "auto";
  const build = options.build ?? "never";
  const logLevel = options.logLevel ?? "warn";
  const key = JSON.stringify([gpu, build, logLevel]);
  let llama = llamas.get(key);
  if (!llama) {
    llama = import("node-llama-cpp").then(({ getLlama, LlamaLogLevel }) =>
      getLlama({ gpu, build, logLevel: LlamaLogLevel[logLevel], progressLogs: false }),
    );
    llamas.set(key, llama);
    llama.catch(() => llamas.delete(key));
  }
  return llama;
}

/** llama.cpp reads this seed as "pick a random one". */
const LLAMA_RANDOM_SEED = 0xffff_ffff;

/** Greedy at temperature 0; above it, seeded sampling among the top tokens (see the decisions above). */
function sampling(request: Pick<StreamRequest, "temperature" | "seed">): SequenceEvaluateOptions {
  if (request.temperature === 0) return { temperature: 0 };
  return { temperature: request.temperature, topK: 40, topP: 0.95, seed: request.seed % LLAMA_RANDOM_SEED };
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException("the task was aborted", "AbortError");
}

export class LlamaCppEngine implements Engine {
  readonly kind = "llama-cpp" as const;
  readonly name: string;
  readonly modelId: string;
  private readonly options: LlamaCppEngineOptions;
  private loading: Promise<Loaded> | null = null;
  private readonly calls = new OneAtATime(() => this.load());
  private disposed = false;

  constructor(options: LlamaCppEngineOptions) {
    this.options = options;
    this.modelId = options.modelId ?? basename(options.modelPath).replace(/\.gguf$/i, "");
    this.name = `llama.cpp (node-llama-cpp) · ${this.modelId}`;
  }

  async models(): Promise<string[]> {
    return [this.modelId];
  }

  /** Loads the binary, the model and a context (once); later calls return the same. */
  load(): Promise<Loaded> {
    if (this.disposed) return Promise.reject(new Error("the engine is disposed"));
    this.loading ??= (async () => {
      const llama = await sharedLlama(this.options);
      const model = await llama.loadModel({ modelPath: this.options.modelPath });
      const trained = model.trainContextSize;
      const context = await model.createContext({
        contextSize: this.options.contextSize ?? Math.min(trained, 4096),
        ...(this.options.batchSize ? { batchSize: this.options.batchSize } : {}),
        ...(this.options.threads ? { threads: this.options.threads } : {}),
      });
      return { model, context, sequence: context.getSequence() };
    })();
    this.loading.catch(() => {
      this.loading = null;
    });
    return this.loading;
  }

  /** Details of the loaded backend, for logs and tests. */
  async backend(): Promise<{ gpu: LlamaGpuType; buildType: string; contextSize: number; batchSize: number }> {
    const [llama, { context }] = await Promise.all([sharedLlama(this.options), this.load()]);
    return {
      gpu: llama.gpu,
      buildType: llama.buildType,
      contextSize: context.contextSize,
      batchSize: context.batchSize,
    };
  }

  /** The prompt ids of a task's input (see the decisions above). */
  async promptTokens(input: string): Promise<Token[]> {
    const { model } = await this.load();
    return this.tokenize(model, input);
  }

  private tokenize(model: LlamaModel, input: string): Token[] {
    const bos = model.tokens.bos;
    const prefix = model.tokens.shouldPrependBosToken && bos !== null ? [bos] : [];
    return [...prefix, ...model.tokenize(input, false)];
  }

  private checkFits(context: LlamaContext, tokens: number) {
    if (tokens > context.contextSize) {
      throw new Error(`input + output (${tokens} tokens) exceed the context of ${context.contextSize} tokens`);
    }
  }

  async generate(request: GenerateRequest, signal?: AbortSignal): Promise<GenerateResult> {
    checkServes(this.modelId, request.model);
    return this.calls.run(async ({ model, context, sequence }, queueMs) => {
      if (signal?.aborted) throw abortError(signal);
      const started = performance.now();
      const prompt = this.tokenize(model, request.input);
      this.checkFits(context, prompt.length + request.maxTokens);
      await sequence.clearHistory();
      const tokenIds: number[] = [];
      if (request.maxTokens > 0) {
        // evaluate() stops by itself at an end-of-generation token (yieldEogToken false) without yielding it.
        for await (const token of sequence.evaluate(prompt, { temperature: 0 })) {
          tokenIds.push(token);
          if (tokenIds.length >= request.maxTokens) break;
          if (signal?.aborted) throw abortError(signal);
        }
      }
      return {
        tokenIds,
        text: model.detokenize(tokenIds as Token[]),
        timings: { queueMs, inferenceMs: performance.now() - started },
      };
    });
  }

  /**
   * Teacher-forced scoring in one `controlledEvaluate` call: the prompt and the claimed tokens go in as one batch,
   * with probabilities asked at the last prompt position and after every claimed token but the last, so position i
   * gives the distribution the claimed token i was drawn from. With `maxTokens` and a claim shorter than it, the
   * position after the last claimed token is scored too, for the end-of-sequence token (`end`): a generator that
   * stopped early should have stopped there.
   */
  async score(request: ScoreRequest, signal?: AbortSignal): Promise<TokenScores> {
    checkServes(this.modelId, request.model);
    return this.calls.run(async ({ model, context, sequence }, queueMs) => {
      if (signal?.aborted) throw abortError(signal);
      const started = performance.now();
      const before = [...this.tokenize(model, request.input), ...((request.prefix ?? []) as Token[])];
      const claimed = request.tokenIds;
      const eos = model.tokens.eos;
      const scoreEnd = request.maxTokens !== undefined && claimed.length < request.maxTokens && eos !== null;
      const fed: Token[] = [...before, ...(scoreEnd ? claimed : claimed.slice(0, -1))] as Token[];
      this.checkFits(context, fed.length);
      const first = before.length - 1;
      const input: ControlledEvaluateInputItem[] = fed.map((token, i) =>
        i >= first ? [token, { generateNext: { probabilities: true } }] : token,
      );
      await sequence.clearHistory();
      const outputs = claimed.length > 0 || scoreEnd ? await sequence.controlledEvaluate(input) : [];
      if (signal?.aborted) throw abortError(signal);
      const at = (i: number, tokenId: number): TokenScore => {
        const probabilities = outputs[first + i]?.next.probabilities;
        if (!probabilities) throw new Error(`llama.cpp returned no probabilities at claimed position ${i}`);
        const [topTokenId, topP] = probabilities.entries().next().value as [number, number];
        const p = probabilities.get(tokenId as Token) ?? 0;
        let rank = 0;
        for (const q of probabilities.values()) {
          if (q > p) rank++;
          else break;
        }
        const logprob = Math.log(p);
        const topLogprob = Math.log(topP);
        const score: TokenScore = {
          tokenId,
          topTokenId,
          top1: rank === 0,
          rank,
          logprob,
          topLogprob,
          gap: topLogprob - logprob,
        };
        if (request.topK) {
          score.top = [];
          for (const [id, q] of probabilities) {
            if (score.top.length >= request.topK) break;
            score.top.push({ tokenId: id, logprob: Math.log(q) });
          }
        }
        return score;
      };
      const tokens = claimed.map((tokenId, i) => at(i, tokenId));
      const end = scoreEnd ? at(claimed.length, eos as number) : undefined;
      return {
        tokens,
        nonTop1: tokens.filter((t) => !t.top1).length,
        maxGap: tokens.reduce((m, t) => Math.max(m, t.gap), 0),
        ...(end ? { end } : {}),
        timings: { queueMs, inferenceMs: performance.now() - started },
      };
    });
  }

  async contextLength(model: string): Promise<number> {
    checkServes(this.modelId, model);
    return (await this.load()).context.contextSize;
  }

  /**
   * Serves a request: input ids + prefix in one evaluation, then a token at a time until an end-of-generation token
   * or `maxTokens`, each passed on with the text it completes. The abort is checked at every token.
   */
  async stream(
    request: StreamRequest,
    onChunk: (chunk: StreamChunk) => void,
    signal?: AbortSignal,
  ): Promise<StreamResult> {
    checkServes(this.modelId, request.model);
    return this.calls.run(async ({ model, context, sequence }, queueMs) => {
      if (signal?.aborted) throw abortError(signal);
      const started = performance.now();
      const fed = [...this.tokenize(model, request.input), ...((request.prefix ?? []) as Token[])];
      this.checkFits(context, fed.length + request.maxTokens);
      await sequence.clearHistory();
      const text = new IncrementalText(
        (tokens, before) => model.detokenize(tokens as Token[], false, before as Token[]),
        fed,
      );
      let tokens = 0;
      let finish: StreamResult["finish"] = "stop";
      // evaluate() stops by itself at an end-of-generation token (yieldEogToken false) without yielding it.
      for await (const token of sequence.evaluate(fed, sampling(request))) {
        if (signal?.aborted) throw abortError(signal);
        tokens++;
        const last = tokens >= request.maxTokens;
        onChunk({ tokenIds: [token], text: text.push(token) + (last ? text.finish() : "") });
        if (last) {
          finish = "length";
          break;
        }
      }
      if (signal?.aborted) throw abortError(signal);
      return { finish, tokens, timings: { queueMs, inferenceMs: performance.now() - started } };
    });
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const loading = this.loading;
    this.loading = null;
    if (!loading) return;
    await this.calls.idle();
    const loaded = await loading.catch(() => null);
    if (!loaded) return;
    await loaded.context.dispose();
    await loaded.model.dispose();
  }
}
