import * as z from "zod/v4";
import type { ChatMessage } from "./chat-template.ts";
import type { CompletionParams } from "./inference-gateway.ts";
import { invalidRequest } from "./openai-error.ts";

/**
 * The OpenAI wire format the gateway accepts (`POST /v1/chat/completions`, `POST /v1/completions`). Unknown fields are
 * ignored, as OpenAI's own server ignores what it does not use (clients send `user`, `top_p`, `frequency_penalty`…);
 * fields we cannot honour are refused with a clear error rather than silently dropped (`n` > 1, tools).
 */

/** The longest rendered prompt a node is sent (the protocol's `serve.input`). */
export const MAX_PROMPT_CHARS = 32_768;

const contentPart = z.object({ type: z.literal("text"), text: z.string() });
const chatMessage = z.object({
  role: z.enum(["system", "developer", "user", "assistant", "tool"]),
  content: z.union([z.string(), z.array(contentPart)]).nullable(),
});
const common = {
  model: z.string().min(1).max(128),
  max_tokens: z.number().int().min(1).nullish(),
  max_completion_tokens: z.number().int().min(1).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  seed: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
  n: z.number().int().min(1).max(1).nullish(),
};
const chatRequest = z.object({ ...common, messages: z.array(chatMessage).min(1).max(256) });
const completionRequest = z.object({
  ...common,
  prompt: z.union([z.string(), z.array(z.string()).length(1)]),
});

export interface WireRequest {
  params: CompletionParams;
  stream: boolean;
  includeUsage: boolean;
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at ${issue.path.join(".")}` : "";
    const hint = issue?.path[0] === "n" ? " (this gateway returns one choice per request)" : "";
    throw invalidRequest(`invalid request${where}: ${issue?.message ?? "unknown"}${hint}`);
  }
  return parsed.data;
}

function commonParams(body: z.infer<typeof chatRequest> | z.infer<typeof completionRequest>) {
  const stop =
    body.stop === null || body.stop === undefined ? [] : typeof body.stop === "string" ? [body.stop] : body.stop;
  return {
    model: body.model,
    maxTokens: body.max_completion_tokens ?? body.max_tokens ?? undefined,
    temperature: body.temperature ?? undefined,
    seed: body.seed ?? undefined,
    stop: stop.filter((s) => s.length > 0),
  };
}

export function chatCompletionRequest(body: unknown): WireRequest {
  const request = parse(chatRequest, body);
  const messages: ChatMessage[] = request.messages.map((m) => ({
    role: m.role,
    content: typeof m.content === "string" ? m.content : (m.content ?? []).map((part) => part.text).join(""),
  }));
  if (messages.reduce((n, m) => n + m.content.length, 0) > MAX_PROMPT_CHARS) {
    throw invalidRequest(`the messages are longer than ${MAX_PROMPT_CHARS} characters`, "context_length_exceeded");
  }
  return {
    params: { ...commonParams(request), messages },
    stream: request.stream ?? false,
    includeUsage: request.stream_options?.include_usage ?? false,
  };
}

export function textCompletionRequest(body: unknown): WireRequest {
  const request = parse(completionRequest, body);
  const prompt = typeof request.prompt === "string" ? request.prompt : (request.prompt[0] ?? "");
  if (prompt.length > MAX_PROMPT_CHARS) {
    throw invalidRequest(`the prompt is longer than ${MAX_PROMPT_CHARS} characters`, "context_length_exceeded");
  }
  return {
    params: { ...commonParams(request), prompt },
    stream: request.stream ?? false,
    includeUsage: request.stream_options?.include_usage ?? false,
  };
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** The response objects of both endpoints, whole and as stream chunks. */
export function wireFormat(kind: "chat" | "text", meta: { id: string; model: string; created: number }) {
  const base = { id: meta.id, created: meta.created, model: meta.model, system_fingerprint: null };
  if (kind === "chat") {
    return {
      whole: (content: string, finish: string, usage: Usage) => ({
        ...base,
        object: "chat.completion",
        choices: [
          { index: 0, message: { role: "assistant", content, refusal: null }, finish_reason: finish, logprobs: null },
        ],
        usage,
      }),
      chunk: (content: string | null, finish: string | null, first: boolean) => ({
        ...base,
        object: "chat.completion.chunk",
        choices: [
          {
            index: 0,
            delta: finish !== null ? {} : { ...(first ? { role: "assistant" } : {}), content: content ?? "" },
            finish_reason: finish,
            logprobs: null,
          },
        ],
      }),
      usageChunk: (usage: Usage) => ({ ...base, object: "chat.completion.chunk", choices: [], usage }),
    };
  }
  return {
    whole: (content: string, finish: string, usage: Usage) => ({
      ...base,
      object: "text_completion",
      choices: [{ index: 0, text: content, finish_reason: finish, logprobs: null }],
      usage,
    }),
    chunk: (content: string | null, finish: string | null, _first: boolean) => ({
      ...base,
      object: "text_completion",
      choices: [{ index: 0, text: content ?? "", finish_reason: finish, logprobs: null }],
    }),
    usageChunk: (usage: Usage) => ({ ...base, object: "text_completion", choices: [], usage }),
  };
}
