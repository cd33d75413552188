import type {
  Engine,
  GenerateRequest,
  GenerateResult,
  LoadProgress,
  StreamChunk,
  StreamRequest,
  StreamResult,
} from "./engine.ts";
import { checkServes, OneAtATime } from "./one-at-a-time.ts";

/**
 * The browser's CPU engine: llama.cpp compiled to WebAssembly (`@wllama/wllama` 3.x) on a GGUF model, for browsers
 * without WebGPU. It runs the same llama.cpp as the headless node's embedded engine (node-llama-cpp), so on the same
 * GGUF file and task it produces the same greedy token ids, which the relayer's verifiers re-score. wllama runs
 * llama.cpp in a Web Worker of its own (created from code bundled in the package), so inference never blocks the
 * page, and `@wllama/wllama` is imported on first load only: this module stays out of every bundle's initial chunk.
 *
 * Decisions, written down:
 * - Input → tokens: the task's input is the raw prompt, no chat template, as in the embedded engine: wllama's
 *   llama.cpp tokenizes it with BOS where the model's metadata asks for it. One difference remains: wllama parses
 *   special-token text inside the input (an input "</s>" becomes the end token), where node-llama-cpp keeps it
 *   literal, and wllama 3 has no tokenize call that would let this engine feed ids instead; inputs that spell a
 *   special token can therefore give other ids than the embedded engine (and fail verification), the rest cannot.
 * - Output: the ids of the generated tokens (`logprobs` gives them per token), without the end-of-generation token;
 *   generation stops at an end token or at maxTokens. Greedy (temperature 0), no prompt cache between calls (reusing
 *   the KV cache re-evaluates a different batch and may change the logits), one sequence, calls served one at a time.
 * - CPU only (`n_gpu_layers` 0): WebGPU in llama.cpp would change the floating-point path, and web-llm serves
 *   browsers with WebGPU. Threads: 1 by default; more need a cross-origin isolated page (COOP/COEP headers), else
 *   wllama runs its single-thread build whatever is asked.
 * - No compatibility mode: wllama would fetch a slower build from a CDN on browsers without JSPI (Safari); a node
 *   must not pull code from a third party, so such a browser fails at load with wllama's error.
 * - Download: the size is known before it starts (`downloadBytes`: HEAD Content-Length, or the cached size), the
 *   progress goes to `onProgress`, and the file is kept in wllama's cache (OPFS), so a second load reads it from there.
 * - Verification: wllama 3 exposes no teacher-forced scoring (no logits or decode call, no prompt logprobs), so this
 *   engine generates only: it has no `score`.
 */

export interface WllamaEngineOptions {
  /** The model id this engine serves (what tasks name). */
  modelId: string;
  /** The GGUF file's URL (it must end in `.gguf`; a split model: the first shard's). */
  modelUrl: string;
  /** CPU threads (default 1; more only on a cross-origin isolated page). */
  threads?: number;
  /** Context size in tokens (default min(the model's training context, 2048)). */
  contextSize?: number;
  onProgress?: (progress: LoadProgress) => void;
  /**
   * Where the page serves `@wllama/wllama/esm/wasm/wllama.wasm` (a bundler's asset URL, e.g. Vite's `?url`). The
   * dApp's loader (web/src/mining/wllama-engine.ts) passes it; without it, `load` fails saying so.
   */
  wasmPaths?: { default: string };
}

/** The part of `@wllama/wllama`'s `Wllama` this engine uses. */
interface WllamaLike {
  loadModelFromUrl(url: string, params: Record<string, unknown>): Promise<void>;
  getLoadedContextInfo(): { n_ctx: number; n_ctx_train: number; list_tokens_eog: number[] };
  createCompletion(params: Record<string, unknown>): Promise<unknown>;
  setCompat(compat: null): void;
  exit(): Promise<void>;
}

/** One generated token as wllama's completion reports it (llama.cpp's `logprobs.content[]`). */
interface TokenLogprob {
  id: number;
  token: string;
}

interface CompletionChoice {
  text: string;
  finish_reason: string | null;
  logprobs?: { content?: TokenLogprob[] } | null;
}

const DEFAULT_CONTEXT = 2048;

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException("the task was aborted", "AbortError");
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === "AbortError" || error.name === "WllamaAbortError");
}

export class WllamaEngine implements Engine {
  readonly kind = "wllama" as const;
  readonly name: string;
  readonly modelId: string;
  private readonly options: WllamaEngineOptions;
  private loading: Promise<WllamaLike> | null = null;
  private readonly calls = new OneAtATime(() => this.loaded());
  private disposed = false;

  constructor(options: WllamaEngineOptions) {
    if (!options.modelId) throw new Error("WllamaEngine needs a modelId");
    if (!/\.gguf$/i.test(new URL(options.modelUrl, "http://x/").pathname)) {
      throw new Error(`the model URL must name a .gguf file: ${options.modelUrl}`);
    }
    if (options.threads !== undefined && !(Number.isInteger(options.threads) && options.threads >= 1)) {
      throw new Error(`threads must be a whole number ≥ 1, not ${options.threads}`);
    }
    this.options = options;
    this.modelId = options.modelId;
    this.name = `llama.cpp (WASM, wllama) · ${options.modelId}`;
  }

  async models(): Promise<string[]> {
    return [this.modelId];
  }

  /** True when the model file is in this browser's wllama cache (loading reads it without a download). */
  async isCached(): Promise<boolean> {
    const { CacheManager } = await import("@wllama/wllama");
    const entries = await new CacheManager().list().catch(() => []);
    return entries.some((e) => e.metadata.originalURL === this.options.modelUrl && e.size === e.metadata.originalSize);
  }

  /** Bytes the first load downloads (0 when cached), from the server's Content-Length, before anything is fetched. */
  async downloadBytes(): Promise<number> {
    if (await this.isCached()) return 0;
    const head = await fetch(this.options.modelUrl, { method: "HEAD" });
    if (!head.ok) throw new Error(`the model file ${this.options.modelUrl} answered HTTP ${head.status}`);
    const bytes = Number(head.headers.get("content-length"));
    if (!Number.isFinite(bytes) || bytes <= 0) {
      throw new Error(`the model file ${this.options.modelUrl} has no Content-Length: its size is unknown`);
    }
    return bytes;
  }

  /** Downloads (or reads from the cache) and loads the model, once; later calls wait for the same load. */
  async load(): Promise<void> {
    await this.loaded();
  }

  private loaded(): Promise<WllamaLike> {
    if (this.disposed) return Promise.reject(new Error("the engine is disposed"));
    this.loading ??= this.loadOnce(this.options.contextSize);
    this.loading.catch(() => {
      this.loading = null;
    });
    return this.loading;
  }

  private async loadOnce(contextSize: number | undefined): Promise<WllamaLike> {
    const paths = this.options.wasmPaths;
    if (!paths?.default) {
      throw new Error("WllamaEngine needs wasmPaths.default: the URL the page serves @wllama/wllama's wllama.wasm at");
    }
    const model = this.modelId;
    const progress = (value: number, text: string) => this.options.onProgress?.({ model, progress: value, text });
    progress(0, `Loading ${model}`);
    const { Wllama } = await import("@wllama/wllama");
    const wllama = new Wllama(paths, { suppressNativeLog: true, logger: quietLogger, allowOffline: true });
    wllama.setCompat(null);
    const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
    const verb = (await this.isCached()) ? "Reading from this browser's cache" : "Downloading";
    try {
      await wllama.loadModelFromUrl(this.options.modelUrl, {
        n_threads: this.options.threads ?? 1,
        n_ctx: contextSize ?? DEFAULT_CONTEXT,
        n_gpu_layers: 0,
        n_parallel: 1,
        useCache: true,
        progressCallback: ({ loaded, total }: { loaded: number; total: number }) =>
          progress(total > 0 ? Math.min(1, loaded / total) : 0, `${verb} ${model}: ${mb(loaded)} of ${mb(total)}`),
      });
    } catch (error) {
      await wllama.exit().catch(() => {});
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`wllama could not load ${this.options.modelUrl}: ${reason}`);
    }
    if (contextSize === undefined) {
      const { n_ctx, n_ctx_train } = wllama.getLoadedContextInfo();
      if (n_ctx_train > 0 && n_ctx_train < n_ctx) {
        // A context beyond the training context would accept tasks longer than the model (and a verifier) fits;
        // the training context is known only once loaded, so a smaller model loads again (from the cache).
        await wllama.exit();
        return this.loadOnce(n_ctx_train);
      }
    }
    progress(1, `${model} ready`);
    return wllama as unknown as WllamaLike;
  }

  private completionParams(input: string, maxTokens: number, temperature: number, seed: number) {
    return {
      prompt: input,
      max_tokens: maxTokens,
      temperature,
      // Greedy takes the top token whatever these are; sampling keeps the embedded engine's tail cut.
      top_k: temperature === 0 ? 1 : 40,
      top_p: temperature === 0 ? 1 : 0.95,
      min_p: 0,
      repeat_penalty: 1,
      seed,
      logprobs: 1,
      cache_prompt: false,
    };
  }

  async generate(request: GenerateRequest, signal?: AbortSignal): Promise<GenerateResult> {
    checkServes(this.modelId, request.model);
    return this.calls.run(async (wllama, queueMs) => {
      if (signal?.aborted) throw abortError(signal);
      const started = performance.now();
      if (request.maxTokens <= 0) return { tokenIds: [], text: "", timings: { queueMs, inferenceMs: 0 } };
      const eog = new Set(wllama.getLoadedContextInfo().list_tokens_eog);
      const response = (await wllama
        .createCompletion({
          ...this.completionParams(request.input, request.maxTokens, 0, request.seed),
          ...(signal ? { abortSignal: signal } : {}),
        })
        .catch((error: unknown) => {
          throw signal?.aborted && isAbort(error) ? abortError(signal) : error;
        })) as { choices: CompletionChoice[] };
      const choice = response.choices[0];
      if (!choice) throw new Error("wllama returned no completion");
      const tokenIds = idsOf(choice).filter((id) => !eog.has(id));
      return { tokenIds, text: choice.text, timings: { queueMs, inferenceMs: performance.now() - started } };
    });
  }

  /** Serves a request token by token; a failover's `prefix` cannot be fed (wllama 3 takes text, not ids). */
  async stream(
    request: StreamRequest,
    onChunk: (chunk: StreamChunk) => void,
    signal?: AbortSignal,
  ): Promise<StreamResult> {
    checkServes(this.modelId, request.model);
    if (request.prefix && request.prefix.length > 0) {
      throw new Error("the WASM engine cannot continue another node's tokens (wllama takes a text prompt)");
    }
    return this.calls.run(async (wllama, queueMs) => {
      if (signal?.aborted) throw abortError(signal);
      const started = performance.now();
      const eog = new Set(wllama.getLoadedContextInfo().list_tokens_eog);
      let tokens = 0;
      let finish: StreamResult["finish"] = "stop";
      if (request.maxTokens > 0) {
        const chunks = (await wllama.createCompletion({
          ...this.completionParams(request.input, request.maxTokens, request.temperature, request.seed),
          stream: true,
          ...(signal ? { abortSignal: signal } : {}),
        })) as AsyncIterable<{ choices: CompletionChoice[] }>;
        try {
          for await (const chunk of chunks) {
            const choice = chunk.choices[0];
            if (!choice) continue;
            const tokenIds = idsOf(choice).filter((id) => !eog.has(id));
            tokens += tokenIds.length;
            if (tokenIds.length > 0 || choice.text) onChunk({ tokenIds, text: choice.text });
            if (choice.finish_reason === "length") finish = "length";
          }
        } catch (error) {
          if (signal?.aborted && isAbort(error)) throw abortError(signal);
          throw error;
        }
      }
      if (signal?.aborted) throw abortError(signal);
      if (tokens >= request.maxTokens) finish = "length";
      return { finish, tokens, timings: { queueMs, inferenceMs: performance.now() - started } };
    });
  }

  async contextLength(model: string): Promise<number> {
    checkServes(this.modelId, model);
    return (await this.loaded()).getLoadedContextInfo().n_ctx;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const loading = this.loading;
    this.loading = null;
    if (!loading) return;
    await this.calls.idle();
    const wllama = await loading.catch(() => null);
    await wllama?.exit().catch(() => {});
  }
}

function idsOf(choice: CompletionChoice): number[] {
  return (choice.logprobs?.content ?? []).map((t) => t.id);
}

/** wllama logs every load step to the console; only its warnings and errors are worth a reader's time. */
const quietLogger = {
  debug: () => {},
  log: () => {},
  warn: (...args: unknown[]) => console.warn("[wllama]", ...args),
  error: (...args: unknown[]) => console.error("[wllama]", ...args),
};
