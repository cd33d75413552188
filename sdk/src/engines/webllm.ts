import type { Engine, GenerateRequest, GenerateResult, LoadProgress } from "./engine.ts";

/**
 * The browser engine: web-llm (MLC) on WebGPU, running in a Web Worker so inference never blocks the page.
 * `@mlc-ai/web-llm` is imported dynamically on first load, so it stays out of the dApp's initial bundle.
 *
 * Input: raw text completion (`engine.completions.create`), no chat template, like the embedded llama.cpp engine and
 * the HTTP engine: a task's input is the prompt, and a template, where a model wants one, is part of the input its
 * writer sends. web-llm's text completion encodes the prompt with the model's tokenizer but adds no special tokens
 * (tokenizers-cpp encodes with `add_special_tokens` false), whereas llama.cpp and vLLM prepend BOS where the model's
 * tokenizer asks for it; so the engine prepends the BOS token's text (`bosText`), which the tokenizer maps to the BOS
 * id. Text that spells a special token inside the input becomes that token here (llama.cpp keeps it literal).
 *
 * Verification: web-llm cannot score given tokens teacher-forced in one pass (it reports `top_logprobs` ≤ 5 of the
 * tokens it generates, and forcing tokens through `forwardTokensAndSample` costs one decode per position), so this
 * engine generates only: it has no `score`.
 *
 * Canonical output: web-llm's OpenAI-style API returns text (and, with logprobs, token strings and bytes) but not
 * token ids, and it does not expose the model's tokenizer. The canonical ids of a web-llm generation are therefore
 * the UTF-8 bytes of the generated text, one uint32 per byte — the same form the HTTP engine uses for web-llm model
 * ids (`…-MLC`) and for servers that return neither ids nor a tokenizer, so every node serving such a model hashes
 * the same thing.
 */

/** The part of web-llm's `MLCEngineInterface` this engine uses (a test double implements just this). */
export interface MlcEngineLike {
  reload(modelId: string): Promise<void>;
  unload(): Promise<void>;
  interruptGenerate(): void | Promise<void>;
  setInitProgressCallback?(callback: (report: MlcInitProgress) => void): void;
  completions: {
    create(request: MlcCompletionRequest): Promise<{
      choices: Array<{ text: string; finish_reason?: string | null }>;
      usage?: { completion_tokens: number; prompt_tokens: number };
    }>;
  };
}

export interface MlcInitProgress {
  progress: number;
  timeElapsed: number;
  text: string;
}

/** web-llm's `CompletionCreateParamsNonStreaming`, as this engine fills it. */
export interface MlcCompletionRequest {
  prompt: string;
  max_tokens: number;
  seed: number;
  temperature: 0;
  top_p: 1;
  stream: false;
}

/** The subset of the DOM `Worker` this engine needs. */
export interface WorkerLike {
  terminate(): void;
}

export type CreateMlcEngine = (
  worker: WorkerLike,
  modelId: string,
  options: { initProgressCallback: (report: MlcInitProgress) => void },
) => Promise<MlcEngineLike>;

export interface WebLlmEngineOptions {
  /** Creates the Web Worker running `webllm-worker.ts`, e.g. `() => new Worker(new URL(…), { type: "module" })`. */
  createWorker: () => WorkerLike;
  /** web-llm model ids this node offers, e.g. `Llama-3.2-1B-Instruct-q4f16_1-MLC`. */
  models: string[];
  onProgress?: (progress: LoadProgress) => void;
  /** Engine factory; default: web-llm's `CreateWebWorkerMLCEngine`, imported on first use. */
  create?: CreateMlcEngine;
  /** The text of the BOS token to put before a model's input, "" for none; default `defaultBosText`. */
  bosText?: (model: string) => string;
}

/**
 * The BOS token's text for the families of web-llm's prebuilt model list whose tokenizers add one
 * (`add_bos_token` in their `tokenizer_config.json`), by model id prefix: Llama 3.x, Llama 2, TinyLlama, Mistral,
 * Gemma. Every other id gets none (right for Qwen and SmolLM); pass `bosText` for a model this does not know.
 */
export function defaultBosText(model: string): string {
  if (/^Llama-3/i.test(model)) return "<|begin_of_text|>";
  if (/^(Llama-2|TinyLlama|Mistral)/i.test(model)) return "<s>";
  if (/^gemma/i.test(model)) return "<bos>";
  return "";
}

/** A task as web-llm's text completion request: the raw input after BOS, greedy, the task's seed and max tokens. */
export function toCompletionRequest(request: GenerateRequest, bosText = ""): MlcCompletionRequest {
  return {
    prompt: bosText + request.input,
    max_tokens: request.maxTokens,
    seed: request.seed,
    temperature: 0,
    top_p: 1,
    stream: false,
  };
}

/** web-llm's load report as a progress-bar value in [0, 1]. */
export function toLoadProgress(model: string, report: MlcInitProgress): LoadProgress {
  const progress = Number.isFinite(report.progress) ? Math.min(1, Math.max(0, report.progress)) : 0;
  return { model, progress, text: report.text };
}

/** The canonical ids of text-only engines: the UTF-8 bytes of the generated text. */
export function utf8Canonical(text: string): number[] {
  return [...new TextEncoder().encode(text)];
}

const defaultCreate: CreateMlcEngine = async (worker, modelId, options) => {
  const webllm = await import("@mlc-ai/web-llm");
  return (await webllm.CreateWebWorkerMLCEngine(worker, modelId, options)) as unknown as MlcEngineLike;
};

export class WebLlmEngine implements Engine {
  readonly kind = "webllm" as const;
  readonly name = "web-llm (WebGPU, in a Web Worker)";
  private readonly options: WebLlmEngineOptions;
  private worker: WorkerLike | null = null;
  private engine: MlcEngineLike | null = null;
  private loaded: string | null = null;
  private loading: Promise<MlcEngineLike> | null = null;
  /** One generation at a time: a GPU runs one model's decode loop. */
  private busy: Promise<unknown> = Promise.resolve();

  constructor(options: WebLlmEngineOptions) {
    this.options = options;
  }

  async models(): Promise<string[]> {
    return [...this.options.models];
  }

  /** Loads (downloads, compiles) a model; progress goes to `onProgress`. */
  async load(model: string): Promise<MlcEngineLike> {
    if (!this.options.models.includes(model)) throw new Error(`this node does not offer model ${model}`);
    if (this.engine && this.loaded === model) return this.engine;
    if (this.loading) await this.loading.catch(() => {});
    if (this.engine && this.loaded === model) return this.engine;
    const report = (r: MlcInitProgress) => this.options.onProgress?.(toLoadProgress(model, r));
    this.loading = (async () => {
      if (this.engine) {
        this.engine.setInitProgressCallback?.(report);
        await this.engine.reload(model);
        return this.engine;
      }
      this.worker = this.options.createWorker();
      return (this.options.create ?? defaultCreate)(this.worker, model, { initProgressCallback: report });
    })();
    try {
      this.engine = await this.loading;
      this.loaded = model;
      return this.engine;
    } finally {
      this.loading = null;
    }
  }

  generate(request: GenerateRequest, signal?: AbortSignal): Promise<GenerateResult> {
    const run = this.busy.then(() => this.run(request, signal));
    this.busy = run.catch(() => {});
    return run;
  }

  private async run(request: GenerateRequest, signal?: AbortSignal): Promise<GenerateResult> {
    signal?.throwIfAborted();
    const queued = performance.now();
    const engine = await this.load(request.model);
    signal?.throwIfAborted();
    const started = performance.now();
    const onAbort = () => void engine.interruptGenerate();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const bos = (this.options.bosText ?? defaultBosText)(request.model);
      const reply = await engine.completions.create(toCompletionRequest(request, bos));
      signal?.throwIfAborted();
      const text = reply.choices[0]?.text ?? "";
      return {
        tokenIds: utf8Canonical(text),
        text,
        timings: { queueMs: started - queued, inferenceMs: performance.now() - started },
      };
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  }

  async dispose(): Promise<void> {
    await this.engine?.unload().catch(() => {});
    this.engine = null;
    this.loaded = null;
    this.worker?.terminate();
    this.worker = null;
  }
}
