/**
 * What a node runs tasks on. Three kinds implement it: web-llm in a browser Web Worker (WebGPU), an
 * OpenAI-compatible HTTP server on a GPU box (llama.cpp, vLLM, Ollama), and a deterministic simulation for local
 * networks, tests and benchmarks — the only one that runs without a GPU, and named as a simulation wherever it shows.
 */
export type EngineKind = "webllm" | "openai-http" | "simulation";

/** A task as the engine sees it: fixed by model id, input, max tokens and seed, decoded greedily. */
export interface GenerateRequest {
  model: string;
  input: string;
  maxTokens: number;
  seed: number;
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

export interface Engine {
  readonly kind: EngineKind;
  /** Human-readable name shown in UIs and logs; a simulation says so. */
  readonly name: string;
  /** Models this engine can serve now. */
  models(): Promise<string[]>;
  generate(request: GenerateRequest, signal?: AbortSignal): Promise<GenerateResult>;
  /** Releases GPU memory, workers and connections. */
  dispose(): Promise<void>;
}
