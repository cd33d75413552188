/**
 * What a node runs tasks on. Five kinds implement it: web-llm in a browser Web Worker (WebGPU), llama.cpp compiled to
 * WebAssembly in the browser (wllama, CPU, for browsers without WebGPU), an OpenAI-compatible HTTP server on a GPU box (llama.cpp, vLLM, Ollama), llama.cpp embedded in the headless node
 * through node-llama-cpp (a GGUF file; CPU, CUDA, Vulkan or Metal), and a deterministic simulation for local networks,
 * tests and benchmarks, named as a simulation wherever it shows.
 */
export type EngineKind = "webllm" | "wllama" | "openai-http" | "llama-cpp" | "simulation";

/** A task as the engine sees it: fixed by model id, input, max tokens and seed, decoded greedily. */
export interface GenerateRequest {
  model: string;
  input: string;
  maxTokens: number;
  seed: number;
}

/**
 * A user's request served through the relayer's gateway, streamed token by token. `prefix`: tokens already generated
 * for it by another node (a failover), fed after the input; generation continues from them. `maxTokens` counts the
 * tokens still to generate. Temperature 0 decodes greedily (as a task); above 0 the engine samples with `seed`.
 */
export interface StreamRequest {
  model: string;
  input: string;
  prefix?: readonly number[];
  maxTokens: number;
  temperature: number;
  seed: number;
}

/** Tokens as they are generated, with their decoded text (a chunk's text may be empty while a character is split). */
export interface StreamChunk {
  tokenIds: number[];
  text: string;
}

export interface StreamResult {
  /** `stop`: an end token came; `length`: `maxTokens` were generated. */
  finish: "stop" | "length";
  /** Tokens generated (without the prefix). */
  tokens: number;
  timings: { queueMs: number; inferenceMs: number };
}

export interface GenerateResult {
  /** Generated token ids, the canonical output: the relayer compares `outputHash(tokenIds)`. */
  tokenIds: number[];
  /** Decoded text, for display (chat, task feed); never compared. */
  text: string;
  /** Time before inference started (model load, queue) and inference time, in ms. */
  timings: { queueMs: number; inferenceMs: number };
}

/** Model download / load progress, for progress bars (0..1). */
export interface LoadProgress {
  model: string;
  progress: number;
  text: string;
}

/**
 * Teacher-forced scoring (verification): the task (model, input) plus the token ids a generator claims it produced.
 * The verifier feeds input and claimed tokens through the model in one prefill and reports, at every claimed
 * position, how the claimed token ranks in its own next-token distribution.
 */
export interface ScoreRequest {
  model: string;
  input: string;
  tokenIds: number[];
  /** The task's max tokens: when the claim is shorter, the scorer also checks that the end token was due (`end`). */
  maxTokens?: number;
  /** Also list the scorer's `topK` most probable tokens at each position (for disputes and calibration). */
  topK?: number;
  /** Tokens fed after the input and before the claim, not scored (a served request's output before a failover). */
  prefix?: readonly number[];
}

export interface TokenScore {
  /** The claimed token at this position. */
  tokenId: number;
  /** The scorer's own greedy choice here, and whether the claimed token is it. */
  topTokenId: number;
  top1: boolean;
  /** 0 when the claimed token is the scorer's top-1, 1 when second, … */
  rank: number;
  /** Natural-log probabilities (greedy, temperature 0: the softmax of the raw logits) of the claimed and top tokens. */
  logprob: number;
  topLogprob: number;
  /** topLogprob − logprob, ≥ 0; 0 when top-1. What a verifier compares with the artifact's δ. */
  gap: number;
  /** With `topK`: the scorer's most probable tokens here, best first. */
  top?: Array<{ tokenId: number; logprob: number }>;
}

export interface TokenScores {
  /** One entry per claimed token, in order. */
  tokens: TokenScore[];
  /** Claimed tokens that are not the scorer's top-1, and the largest gap among all. */
  nonTop1: number;
  maxGap: number;
  /** With `maxTokens` and a shorter claim: how the end-of-sequence token ranks after the last claimed token. */
  end?: TokenScore;
  timings: { queueMs: number; inferenceMs: number };
}

export interface Engine {
  readonly kind: EngineKind;
  /** Human-readable name shown in UIs and logs; a simulation says so. */
  readonly name: string;
  /** Models this engine can serve now. */
  models(): Promise<string[]>;
  generate(request: GenerateRequest, signal?: AbortSignal): Promise<GenerateResult>;
  /**
   * Teacher-forced scoring of claimed tokens, where the engine can do it in one batched prefill (the embedded
   * llama.cpp engine can, vLLM through prompt logprobs, and the simulation; web-llm cannot). Absent: this engine
   * cannot verify.
   */
  score?(request: ScoreRequest, signal?: AbortSignal): Promise<TokenScores>;
  /**
   * Serves a user's request, calling `onChunk` as tokens come (the gateway streams them on at once). Absent: the
   * engine cannot serve gateway requests. The model's context length, for `ready.serves`, comes from `contextLength`.
   */
  stream?(request: StreamRequest, onChunk: (chunk: StreamChunk) => void, signal?: AbortSignal): Promise<StreamResult>;
  /** The context length (tokens) of a model this engine serves: prompt + prefix + output must fit it. */
  contextLength?(model: string): Promise<number>;
  /** Releases GPU memory, workers and connections. */
  dispose(): Promise<void>;
}
