/**
 * One streamed chat completion from the relayer's OpenAI-compatible gateway (`POST /v1/chat/completions`,
 * `stream: true`). Text arrives as server-sent events (`data: {"choices":[{"delta":{"content":"…"}}]}` … `data:
 * [DONE]`). Aborting the signal closes the connection, which makes the relayer cancel the node's generation.
 *
 * Never a silent truncation: an error event, or a stream that ends without `[DONE]`, rejects with a `GatewayError`
 * after the text so far was delivered.
 */
import { GatewayError, gatewayErrorFromEvent, gatewayErrorFromResponse } from "./gateway-errors.ts";
import { readSse } from "./sse.ts";

/** Where the gateway is mounted on the relayer. */
export const GATEWAY_BASE_PATH = "/v1";

export interface ChatTurn {
  role: "system" | "user" | "assistant";
  content: string;
}

/** What one `data:` payload of the stream says. */
export type CompletionEvent =
  | { type: "delta"; text: string; finishReason: string | null }
  | { type: "done" }
  | { type: "error"; error: GatewayError }
  /** Valid but of no use here (a role-only delta, usage, a keep-alive). */
  | { type: "none" };

export function completionEvent(data: string): CompletionEvent {
  if (data.trim() === "[DONE]") return { type: "done" };
  let body: unknown;
  try {
    body = JSON.parse(data);
  } catch {
    return { type: "error", error: new GatewayError("interrupted", "the stream sent something that is not JSON") };
  }
  if (typeof body !== "object" || body === null) return { type: "none" };
  if ("error" in body && body.error) return { type: "error", error: gatewayErrorFromEvent(body) };
  const choice = (body as { choices?: Array<{ delta?: { content?: unknown }; finish_reason?: unknown }> }).choices?.[0];
  const text = typeof choice?.delta?.content === "string" ? choice.delta.content : "";
  const finishReason = typeof choice?.finish_reason === "string" ? choice.finish_reason : null;
  return text || finishReason ? { type: "delta", text, finishReason } : { type: "none" };
}

export interface StreamChatOptions {
  /** Relayer base URL; empty: this page's origin. */
  base: string;
  /** A wallet session token or an API key; none: an anonymous call (free models only). */
  token: string | null;
  model: string;
  messages: ChatTurn[];
  maxTokens?: number;
  signal?: AbortSignal;
  fetch?: typeof fetch;
  /** Called with the whole text so far after every delta. */
  onText(text: string): void;
}

export interface StreamedAnswer {
  text: string;
  /** `stop`, `length`, … as the gateway said; null when it said nothing. */
  finishReason: string | null;
}

export async function streamChatCompletion(options: StreamChatOptions): Promise<StreamedAnswer> {
  const fetcher = options.fetch ?? ((...args: Parameters<typeof fetch>) => fetch(...args));
  const headers: Record<string, string> = { "content-type": "application/json", accept: "text/event-stream" };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let response: Response;
  try {
    response = await fetcher(`${options.base.replace(/\/+$/, "")}${GATEWAY_BASE_PATH}/chat/completions`, {
      method: "POST",
      headers,
      body: JSON.stringify({
        model: options.model,
        messages: options.messages,
        stream: true,
        ...(options.maxTokens ? { max_tokens: options.maxTokens } : {}),
      }),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw new GatewayError("unavailable", error instanceof Error ? error.message : String(error));
  }
  if (!response.ok) throw await gatewayErrorFromResponse(response);
  if (!response.body) throw new GatewayError("truncated", "the answer had no body");
  let text = "";
  let finishReason: string | null = null;
  try {
    for await (const event of readSse(response.body)) {
      const parsed = completionEvent(event.data);
      if (parsed.type === "done") return { text, finishReason };
      if (parsed.type === "error") throw parsed.error;
      if (parsed.type === "delta") {
        if (parsed.finishReason) finishReason = parsed.finishReason;
        if (parsed.text) {
          text += parsed.text;
          options.onText(text);
        }
      }
    }
  } catch (error) {
    if (error instanceof GatewayError || options.signal?.aborted) throw error;
    throw new GatewayError("truncated", error instanceof Error ? error.message : String(error));
  }
  if (options.signal?.aborted) throw new DOMException("The stream was stopped.", "AbortError");
  throw new GatewayError("truncated", "the stream ended before [DONE]");
}
