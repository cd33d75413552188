import type { Engine, GenerateRequest, GenerateResult } from "./engine.ts";

/**
 * How the engine obtained the canonical token ids of a generation, best first:
 * - `server-tokens`: the server returned the generated token ids (llama.cpp `/completion` with `return_tokens`,
 *   vLLM `/v1/completions` with `return_tokens_as_token_ids`);
 * - `tokenize`: the server returned only text, and its own `/tokenize` endpoint turned the text back into ids
 *   (equal to the generated ids except where the model's tokenization of the text is not unique);
 * - `utf8-bytes`: neither exists (e.g. Ollama): the ids are the UTF-8 bytes of the text, one uint32 per byte. Nodes
 *   on this fallback agree only with nodes whose decoded text is byte-identical, and only with each other.
 */
export type TokenSource = "server-tokens" | "tokenize" | "utf8-bytes";

/** Which completion API to call: llama.cpp's native `/completion`, or the OpenAI-compatible `/v1/completions`. */
export type CompletionApi = "llama.cpp" | "openai";

export interface OpenAiHttpEngineOptions {
  /** The inference server, e.g. `http://127.0.0.1:8080` (llama.cpp), `:8000` (vLLM), `:11434` (Ollama). */
  baseUrl: string;
  /** Bearer token, when the server wants one. */
  apiKey?: string;
  /** Model ids to announce to the network; default: the server's `GET /v1/models`. */
  models?: string[];
  /** Network model id → the server's model name, where they differ. */
  modelNames?: Record<string, string>;
  /**
   * Which canonical form a model's results use. Default: UTF-8 bytes for web-llm model ids (`…-MLC`), because browser
   * nodes cannot report token ids and every node on one model must hash the same form; token ids for the rest.
   */
  canonicalForm?: (model: string) => "token-ids" | "utf8-bytes";
  /** `auto` (default): llama.cpp's native endpoint when it exists, else `/v1/completions`. */
  api?: "auto" | CompletionApi;
  fetch?: typeof fetch;
}

export interface OpenAiHttpResult extends GenerateResult {
  tokenSource: TokenSource;
  api: CompletionApi;
}

type Json = Record<string, unknown>;

const isIdArray = (value: unknown): value is number[] =>
  Array.isArray(value) && value.every((id) => Number.isInteger(id) && id >= 0 && id <= 0xffff_ffff);

/** `token_id:123` (vLLM's `return_tokens_as_token_ids`) → 123. */
function idsFromLogprobTokens(tokens: unknown): number[] | null {
  if (!Array.isArray(tokens) || tokens.length === 0) return null;
  const ids: number[] = [];
  for (const token of tokens) {
    const match = typeof token === "string" ? /^token_id:(\d+)$/.exec(token) : null;
    if (!match) return null;
    ids.push(Number(match[1]));
  }
  return ids;
}

/** UTF-8 bytes of the text as uint32 ids: the last-resort canonical form. */
export function utf8TokenIds(text: string): number[] {
  return [...new TextEncoder().encode(text)];
}

/**
 * An engine backed by a local inference server that speaks the OpenAI completions API (llama.cpp server, vLLM,
 * Ollama): how a GPU box serves real models. Every request is greedy (`temperature: 0`, `top_k: 1` where
 * understood) with the task's seed and max tokens, and asks for the generated token ids; see `TokenSource` for what
 * becomes canonical when the server cannot return them.
 */
export class OpenAiHttpEngine implements Engine {
  readonly kind = "openai-http" as const;
  readonly name: string;
  private readonly options: OpenAiHttpEngineOptions;
  private readonly base: string;
  private readonly fetchImpl: typeof fetch;
  private api: CompletionApi | null;
  private canTokenize: boolean | null = null;

  constructor(options: OpenAiHttpEngineOptions) {
    this.options = options;
    this.base = options.baseUrl.replace(/\/+$/, "").replace(/\/v1$/, "");
    this.fetchImpl = options.fetch ?? ((...args) => fetch(...args));
    this.api = options.api && options.api !== "auto" ? options.api : null;
    this.name = `OpenAI-compatible server at ${this.base}`;
  }

  private async post(path: string, body: Json, signal?: AbortSignal): Promise<Response> {
    return this.fetchImpl(`${this.base}${path}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
      },
      body: JSON.stringify(body),
      ...(signal ? { signal } : {}),
    });
  }

  async models(): Promise<string[]> {
    if (this.options.models) return [...this.options.models];
    const response = await this.fetchImpl(`${this.base}/v1/models`, {
      headers: this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {},
    });
    if (!response.ok) throw new Error(`GET ${this.base}/v1/models: HTTP ${response.status}`);
    const body = (await response.json()) as { data?: Array<{ id?: unknown }> };
    return (body.data ?? []).map((m) => m.id).filter((id): id is string => typeof id === "string");
  }

  private serverModel(model: string): string {
    return this.options.modelNames?.[model] ?? model;
  }

  async generate(request: GenerateRequest, signal?: AbortSignal): Promise<OpenAiHttpResult> {
    const result = await this.complete(request, signal);
    if (this.formOf(request.model) === "utf8-bytes" && result.tokenSource !== "utf8-bytes") {
      return { ...result, tokenIds: utf8TokenIds(result.text), tokenSource: "utf8-bytes" };
    }
    return result;
  }

  private formOf(model: string): "token-ids" | "utf8-bytes" {
    return this.options.canonicalForm?.(model) ?? (/-MLC$/i.test(model) ? "utf8-bytes" : "token-ids");
  }

  private async complete(request: GenerateRequest, signal?: AbortSignal): Promise<OpenAiHttpResult> {
    const started = performance.now();
    if (this.api !== "openai") {
      const native = await this.llamaCpp(request, signal);
      if (native) {
        this.api = "llama.cpp";
        return { ...native, api: "llama.cpp", timings: { queueMs: 0, inferenceMs: performance.now() - started } };
      }
      if (this.api === "llama.cpp") throw new Error(`${this.base}/completion is not available`);
      this.api = "openai";
    }
    const response = await this.post(
      "/v1/completions",
      {
        model: this.serverModel(request.model),
        prompt: request.input,
        max_tokens: request.maxTokens,
        temperature: 0,
        top_p: 1,
        seed: request.seed,
        stream: false,
        // vLLM: report the sampled token ids in logprobs ("token_id:123").
        logprobs: 1,
        return_tokens_as_token_ids: true,
      },
      signal,
    );
    if (!response.ok)
      throw new Error(`POST ${this.base}/v1/completions: HTTP ${response.status} ${await response.text()}`);
    const body = (await response.json()) as { choices?: Array<{ text?: unknown; logprobs?: { tokens?: unknown } }> };
    const choice = body.choices?.[0];
    const text = typeof choice?.text === "string" ? choice.text : "";
    const ids = idsFromLogprobTokens(choice?.logprobs?.tokens);
    const canonical = ids
      ? { tokenIds: ids, tokenSource: "server-tokens" as const }
      : await this.canonicalFromText(request.model, text, signal);
    return { ...canonical, text, api: "openai", timings: { queueMs: 0, inferenceMs: performance.now() - started } };
  }

  /** llama.cpp's native endpoint; null when the server has none (404/405). */
  private async llamaCpp(
    request: GenerateRequest,
    signal?: AbortSignal,
  ): Promise<Omit<OpenAiHttpResult, "api" | "timings"> | null> {
    const response = await this.post(
      "/completion",
      {
        prompt: request.input,
        n_predict: request.maxTokens,
        temperature: 0,
        top_k: 1,
        seed: request.seed,
        cache_prompt: false,
        stream: false,
        return_tokens: true,
      },
      signal,
    );
    if (response.status === 404 || response.status === 405) {
      await response.body?.cancel();
      return null;
    }
    if (!response.ok) throw new Error(`POST ${this.base}/completion: HTTP ${response.status} ${await response.text()}`);
    const body = (await response.json()) as { content?: unknown; tokens?: unknown };
    const text = typeof body.content === "string" ? body.content : "";
    if (isIdArray(body.tokens) && body.tokens.length > 0) {
      return { tokenIds: body.tokens, text, tokenSource: "server-tokens" };
    }
    return { ...(await this.canonicalFromText(request.model, text, signal)), text };
  }

  /** Token ids for text the server returned without ids: its `/tokenize`, else UTF-8 bytes. */
  private async canonicalFromText(
    model: string,
    text: string,
    signal?: AbortSignal,
  ): Promise<{ tokenIds: number[]; tokenSource: TokenSource }> {
    if (this.canTokenize !== false) {
      // One body for both dialects: llama.cpp reads `content`/`add_special`, vLLM `prompt`/`add_special_tokens`.
      const response = await this.post(
        "/tokenize",
        { model: this.serverModel(model), content: text, prompt: text, add_special: false, add_special_tokens: false },
        signal,
      );
      if (response.ok) {
        const body = (await response.json()) as { tokens?: unknown };
        if (isIdArray(body.tokens)) {
          this.canTokenize = true;
          return { tokenIds: body.tokens, tokenSource: "tokenize" };
        }
      } else {
        await response.body?.cancel();
      }
      if (response.status === 404 || response.status === 405) this.canTokenize = false;
    }
    return { tokenIds: utf8TokenIds(text), tokenSource: "utf8-bytes" };
  }

  async dispose(): Promise<void> {}
}
