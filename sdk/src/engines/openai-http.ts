import type {
  Engine,
  GenerateRequest,
  GenerateResult,
  ScoreRequest,
  StreamChunk,
  StreamRequest,
  StreamResult,
  TokenScore,
  TokenScores,
} from "./engine.ts";

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

/**
 * How a server scores claimed tokens teacher-forced (verification), where it can in one request:
 * - `vllm-prompt-logprobs`: vLLM's `POST /v1/completions` with a token-id prompt (the input's ids from its
 *   `POST /tokenize`, then the claimed ids), `max_tokens: 1` and `prompt_logprobs: K` (a vLLM extension): the
 *   response's `choices[0].prompt_logprobs[i]` holds, for prompt position i, the log-probability and vocabulary rank
 *   of the token at i and of the K most probable tokens there, given everything before it: one prefill.
 * llama.cpp's server and Ollama have no equivalent: they report log-probabilities of the tokens they generate only
 * (llama.cpp's `n_probs`, Ollama's `logprobs`), with no prompt log-probabilities and no echo, so scoring n tokens
 * there would cost n requests (one per position, each re-reading the prefix). They generate; they do not verify.
 */
export type ScoringApi = "vllm-prompt-logprobs";

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
  /** Teacher-forced scoring, where the server supports it (see `ScoringApi`). Default: none (`score` is absent). */
  scoring?: ScoringApi;
  /**
   * The end-of-sequence token id per network model id (`eos_token_id` in the model's `generation_config.json`), to
   * score an early end: vLLM does not report it. Without one, scoring a claim shorter than max tokens fails.
   */
  endTokenIds?: Record<string, number>;
  /**
   * The context length per network model id, for serving (`ready.serves`). Default: what the server reports (vLLM's
   * `max_model_len` in `GET /v1/models`, llama.cpp's `n_ctx` in `GET /props`).
   */
  contextLengths?: Record<string, number>;
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

/**
 * The `data:` payloads of a server-sent event stream, one per event, until the stream ends (`[DONE]` included: the
 * caller stops there) or the signal aborts (events already received are not handed out after it).
 */
async function* sseData(response: Response, signal?: AbortSignal): AsyncGenerator<string> {
  if (!response.body) return;
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const boundary = /\r?\n\r?\n/;
  let buffer = "";
  const payload = (event: string) =>
    event
      .split(/\r?\n/)
      .filter((line) => line.startsWith("data:"))
      .map((line) => line.slice(5).replace(/^ /, ""))
      .join("\n");
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      for (let match = boundary.exec(buffer); match; match = boundary.exec(buffer)) {
        const data = payload(buffer.slice(0, match.index));
        buffer = buffer.slice(match.index + match[0].length);
        if (signal?.aborted) throw signal.reason;
        if (data) yield data;
      }
    }
    const data = payload(buffer);
    if (data) yield data;
  } finally {
    reader.cancel().catch(() => {});
  }
}

/** UTF-8 bytes of the text as uint32 ids: the last-resort canonical form. */
export function utf8TokenIds(text: string): number[] {
  return [...new TextEncoder().encode(text)];
}

/**
 * An engine backed by a local inference server that speaks the OpenAI completions API (llama.cpp server, vLLM,
 * Ollama): how a GPU box serves real models. Every request is greedy (`temperature: 0`, `top_k: 1` where
 * understood) with the task's seed and max tokens, and asks for the generated token ids; see `TokenSource` for what
 * becomes canonical when the server cannot return them. The input is the raw prompt: the server's tokenizer with its
 * special tokens (BOS where the model's tokenizer adds one), no chat template. With `scoring` it also verifies
 * (`score`, teacher-forced, one request); see `ScoringApi` for which servers can.
 *
 * It serves gateway requests (`stream`) through the server's streaming completion (server-sent events) where the
 * stream carries the generated token ids: llama.cpp's `/completion` (`return_tokens`; a prefix goes in as token ids
 * after the text, its mixed prompt), or vLLM's `/v1/completions` (`return_tokens_as_token_ids`; with a prefix, the
 * prompt is the input's `/tokenize` ids and the prefix). A server that streams text only (Ollama) cannot serve: the
 * gateway's output is token ids.
 */
export class OpenAiHttpEngine implements Engine {
  readonly kind = "openai-http" as const;
  readonly name: string;
  private readonly options: OpenAiHttpEngineOptions;
  private readonly base: string;
  private readonly fetchImpl: typeof fetch;
  private api: CompletionApi | null;
  private canTokenize: boolean | null = null;
  /** Context lengths the server reported, by network model id. */
  private readonly contexts = new Map<string, number>();
  /** Present only with `scoring`: an engine without it cannot verify (`Engine.score`). */
  readonly score?: (request: ScoreRequest, signal?: AbortSignal) => Promise<TokenScores>;

  constructor(options: OpenAiHttpEngineOptions) {
    this.options = options;
    this.base = options.baseUrl.replace(/\/+$/, "").replace(/\/v1$/, "");
    this.fetchImpl = options.fetch ?? ((...args) => fetch(...args));
    this.api = options.api && options.api !== "auto" ? options.api : null;
    this.name = `OpenAI-compatible server at ${this.base}`;
    if (options.scoring === "vllm-prompt-logprobs")
      this.score = (request, signal) => this.scorePromptLogprobs(request, signal);
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

  /** The server's prompt ids for an input: what a text prompt to `/v1/completions` becomes (special tokens added). */
  private async promptTokens(model: string, input: string, signal?: AbortSignal): Promise<number[]> {
    const response = await this.post(
      "/tokenize",
      { model: this.serverModel(model), prompt: input, add_special_tokens: true },
      signal,
    );
    if (!response.ok) throw new Error(`POST ${this.base}/tokenize: HTTP ${response.status} ${await response.text()}`);
    const body = (await response.json()) as { tokens?: unknown };
    if (!isIdArray(body.tokens)) throw new Error(`POST ${this.base}/tokenize returned no token ids`);
    return body.tokens;
  }

  /**
   * vLLM: input ids + claimed ids (+ the end token, for an early end) as one token-id prompt; position i of the
   * returned `prompt_logprobs` scores the token fed at i (entry 0, the first prompt token, is null). Log-probabilities
   * are the model's raw ones (vLLM's default `logprobs_mode`), so they compare with the embedded engine's softmax of
   * the raw logits. `--max-logprobs` (default 20) caps `topK`.
   */
  private async scorePromptLogprobs(request: ScoreRequest, signal?: AbortSignal): Promise<TokenScores> {
    const started = performance.now();
    if (this.formOf(request.model) === "utf8-bytes") {
      throw new Error(`model ${request.model} hashes UTF-8 bytes, not token ids: its claims cannot be scored`);
    }
    const claimed = request.tokenIds;
    const scoreEnd = request.maxTokens !== undefined && claimed.length < request.maxTokens;
    const endTokenId = this.options.endTokenIds?.[request.model];
    if (scoreEnd && endTokenId === undefined) {
      throw new Error(`scoring an early end of ${request.model} needs its end-of-sequence id (endTokenIds)`);
    }
    const prompt = await this.promptTokens(request.model, request.input, signal);
    if (prompt.length === 0) throw new Error("the input has no prompt tokens to condition on");
    const fed = [...prompt, ...claimed, ...(scoreEnd ? [endTokenId as number] : [])];
    const k = Math.max(1, request.topK ?? 1);
    const response = await this.post(
      "/v1/completions",
      {
        model: this.serverModel(request.model),
        prompt: fed,
        max_tokens: 1,
        temperature: 0,
        stream: false,
        prompt_logprobs: k,
      },
      signal,
    );
    if (!response.ok) {
      throw new Error(`POST ${this.base}/v1/completions: HTTP ${response.status} ${await response.text()}`);
    }
    const body = (await response.json()) as { choices?: Array<{ prompt_logprobs?: unknown }> };
    const entries = body.choices?.[0]?.prompt_logprobs;
    if (!Array.isArray(entries) || entries.length !== fed.length) {
      throw new Error(
        `${this.base} returned ${Array.isArray(entries) ? entries.length : "no"} prompt_logprobs for ${fed.length} prompt tokens (vLLM only)`,
      );
    }
    const at = (position: number, tokenId: number): TokenScore => {
      const entry = entries[position] as Record<string, { logprob?: unknown; rank?: unknown }> | null;
      // The claimed token and the K most probable ones, most probable first.
      const candidates = Object.entries(entry ?? {})
        .map(([id, v]) => ({ tokenId: Number(id), logprob: Number(v.logprob), rank: Number(v.rank) }))
        .filter((c) => Number.isInteger(c.tokenId) && Number.isInteger(c.rank) && !Number.isNaN(c.logprob))
        .sort((a, b) => b.logprob - a.logprob);
      const own = candidates.find((c) => c.tokenId === tokenId);
      const best = candidates[0];
      if (!own || !best) {
        throw new Error(`${this.base} returned no log-probability for token ${tokenId} at position ${position}`);
      }
      // vLLM's rank counts the tokens at least as probable (itself included), so tokens tied for the top share
      // rank 2; comparing log-probabilities keeps an exact tie top-1, as the embedded engine does.
      const top1 = own.logprob >= best.logprob;
      const score: TokenScore = {
        tokenId,
        topTokenId: top1 ? tokenId : best.tokenId,
        top1,
        rank: top1 ? 0 : own.rank - 1,
        logprob: own.logprob,
        topLogprob: top1 ? own.logprob : best.logprob,
        gap: top1 ? 0 : best.logprob - own.logprob,
      };
      if (request.topK) {
        score.top = candidates
          .filter((c) => c.tokenId !== tokenId || top1 || own.rank <= k)
          .slice(0, request.topK)
          .map((c) => ({ tokenId: c.tokenId, logprob: c.logprob }));
      }
      return score;
    };
    const tokens = claimed.map((tokenId, i) => at(prompt.length + i, tokenId));
    const end = scoreEnd ? at(prompt.length + claimed.length, endTokenId as number) : undefined;
    return {
      tokens,
      nonTop1: tokens.filter((t) => !t.top1).length,
      maxGap: tokens.reduce((m, t) => Math.max(m, t.gap), 0),
      ...(end ? { end } : {}),
      timings: { queueMs: 0, inferenceMs: performance.now() - started },
    };
  }

  /** The context length served requests must fit: `contextLengths`, else what the server reports. */
  async contextLength(model: string): Promise<number> {
    const configured = this.options.contextLengths?.[model] ?? this.contexts.get(model);
    if (configured !== undefined) return configured;
    const headers: Record<string, string> = this.options.apiKey
      ? { authorization: `Bearer ${this.options.apiKey}` }
      : {};
    const json = async (path: string): Promise<Json | null> => {
      const response = await this.fetchImpl(`${this.base}${path}`, { headers }).catch(() => null);
      if (!response?.ok) {
        await response?.body?.cancel();
        return null;
      }
      return (await response.json().catch(() => null)) as Json | null;
    };
    const name = this.serverModel(model);
    const listed = ((await json("/v1/models"))?.data ?? []) as Array<{ id?: unknown; max_model_len?: unknown }>;
    const entry = listed.find((m) => m.id === name) ?? (listed.length === 1 ? listed[0] : undefined);
    let tokens = entry?.max_model_len;
    if (!Number.isInteger(tokens)) {
      const props = await json("/props");
      const settings = props?.default_generation_settings as Json | undefined;
      tokens = settings?.n_ctx ?? props?.n_ctx;
    }
    if (!Number.isInteger(tokens) || (tokens as number) < 1) {
      throw new Error(`${this.base} reports no context length for ${model}: set it in contextLengths`);
    }
    this.contexts.set(model, tokens as number);
    return tokens as number;
  }

  /** Serves a request through the server's streaming completion (see the class comment). */
  async stream(
    request: StreamRequest,
    onChunk: (chunk: StreamChunk) => void,
    signal?: AbortSignal,
  ): Promise<StreamResult> {
    if (this.formOf(request.model) === "utf8-bytes") {
      throw new Error(`model ${request.model} hashes UTF-8 bytes, not token ids: it cannot be served`);
    }
    const started = performance.now();
    let ended: StreamResult["finish"] | null = null;
    const count = { tokens: 0 };
    const take = (ids: number[], text: string) => {
      count.tokens += ids.length;
      if (ids.length > 0 || text !== "") onChunk({ tokenIds: ids, text });
    };
    if (this.api !== "openai") {
      ended = await this.streamLlamaCpp(request, take, signal);
      if (ended) this.api = "llama.cpp";
      else if (this.api === "llama.cpp") throw new Error(`${this.base}/completion is not available`);
      else this.api = "openai";
    }
    ended ??= await this.streamOpenAi(request, take, signal);
    return { finish: ended, tokens: count.tokens, timings: { queueMs: 0, inferenceMs: performance.now() - started } };
  }

  /** Sampling as the embedded engine does it: greedy at temperature 0, else top-k 40, top-p 0.95, seeded. */
  private sampling(request: StreamRequest): Json {
    return request.temperature === 0
      ? { temperature: 0, top_k: 1, top_p: 1, seed: request.seed }
      : { temperature: request.temperature, top_k: 40, top_p: 0.95, min_p: 0, seed: request.seed };
  }

  /** llama.cpp's `/completion` streamed; null when the server has none (404/405). */
  private async streamLlamaCpp(
    request: StreamRequest,
    take: (ids: number[], text: string) => void,
    signal?: AbortSignal,
  ): Promise<StreamResult["finish"] | null> {
    const prefix = request.prefix ?? [];
    const response = await this.post(
      "/completion",
      {
        // A mixed prompt: the text tokenized as for a task, then the prefix's ids.
        prompt: prefix.length > 0 ? [request.input, ...prefix] : request.input,
        n_predict: request.maxTokens,
        ...this.sampling(request),
        cache_prompt: false,
        stream: true,
        return_tokens: true,
      },
      signal,
    );
    if (response.status === 404 || response.status === 405) {
      await response.body?.cancel();
      return null;
    }
    if (!response.ok) throw new Error(`POST ${this.base}/completion: HTTP ${response.status} ${await response.text()}`);
    for await (const data of sseData(response, signal)) {
      const event = JSON.parse(data) as Json;
      if (event.error) throw new Error(`${this.base}/completion: ${JSON.stringify(event.error)}`);
      const text = typeof event.content === "string" ? event.content : "";
      if (!isIdArray(event.tokens) && text !== "") {
        throw new Error(`${this.base}/completion streams no token ids (return_tokens): it cannot serve`);
      }
      take(isIdArray(event.tokens) ? event.tokens : [], text);
      if (event.stop === true) return event.stop_type === "limit" || event.stopped_limit === true ? "length" : "stop";
    }
    throw new Error(`${this.base}/completion ended its stream before the generation's end`);
  }

  /** `/v1/completions` streamed, with the sampled ids in logprobs (vLLM). */
  private async streamOpenAi(
    request: StreamRequest,
    take: (ids: number[], text: string) => void,
    signal?: AbortSignal,
  ): Promise<StreamResult["finish"]> {
    const prefix = request.prefix ?? [];
    const prompt =
      prefix.length > 0
        ? [...(await this.promptTokens(request.model, request.input, signal)), ...prefix]
        : request.input;
    const response = await this.post(
      "/v1/completions",
      {
        model: this.serverModel(request.model),
        prompt,
        max_tokens: request.maxTokens,
        ...this.sampling(request),
        stream: true,
        logprobs: 1,
        return_tokens_as_token_ids: true,
      },
      signal,
    );
    if (!response.ok) {
      throw new Error(`POST ${this.base}/v1/completions: HTTP ${response.status} ${await response.text()}`);
    }
    for await (const data of sseData(response, signal)) {
      if (data === "[DONE]") break;
      const event = JSON.parse(data) as Json;
      if (event.error) throw new Error(`${this.base}/v1/completions: ${JSON.stringify(event.error)}`);
      const choice = (event.choices as Array<Json> | undefined)?.[0];
      if (!choice) continue;
      const text = typeof choice.text === "string" ? choice.text : "";
      const tokens = (choice.logprobs as Json | null | undefined)?.tokens;
      const ids = Array.isArray(tokens) && tokens.length === 0 ? [] : idsFromLogprobTokens(tokens);
      if (!ids && text !== "") {
        throw new Error(
          `${this.base}/v1/completions streams no token ids (vLLM's return_tokens_as_token_ids): it cannot serve`,
        );
      }
      take(ids ?? [], text);
      if (choice.finish_reason === "length") return "length";
      if (choice.finish_reason === "stop") return "stop";
      if (choice.finish_reason)
        throw new Error(`${this.base}/v1/completions ended with ${String(choice.finish_reason)}`);
    }
    throw new Error(`${this.base}/v1/completions ended its stream before the generation's end`);
  }

  async dispose(): Promise<void> {}
}
