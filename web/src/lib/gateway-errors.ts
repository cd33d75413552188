/**
 * The gateway's failures, as the dApp handles them. The relayer answers OpenAI-shaped errors
 * (`{"error":{"message","type","code"}}`) with a status; a stream can also end with an error event. Each failure a
 * caller acts on differently has its own `kind`; `describeGatewayError` says it in words with what to do next.
 */
import { formatSeconds } from "./format.ts";

export type GatewayFailure =
  /** 401: no session, an expired one, or a revoked API key: sign in again. */
  | "sign-in"
  /** 402: no GBT credit left for a premium model. */
  | "no-credit"
  /** 429: over the daily quota (or a burst limit); `retryAfterSeconds` says when to try again. */
  | "quota"
  /** 404: the relayer does not offer the model. */
  | "unknown-model"
  /** 503 `no_node_available`: no node serves the model right now. */
  | "no-node"
  /** The network started the answer but could not finish it (an error event in the stream). */
  | "interrupted"
  /** The connection closed before the stream said it was done. */
  | "truncated"
  /** Anything else: a 5xx, a refused connection. */
  | "unavailable";

export class GatewayError extends Error {
  override readonly name = "GatewayError";
  readonly kind: GatewayFailure;
  readonly status: number | null;
  readonly code: string | null;
  readonly retryAfterSeconds: number | null;

  constructor(
    kind: GatewayFailure,
    message: string,
    details: { status?: number | null; code?: string | null; retryAfterSeconds?: number | null } = {},
  ) {
    super(message);
    this.kind = kind;
    this.status = details.status ?? null;
    this.code = details.code ?? null;
    this.retryAfterSeconds = details.retryAfterSeconds ?? null;
  }
}

/** `{"error":{"message","type","code"}}`, a plain `{"error":"..."}` or a protocol error frame; missing parts are null. */
export function openAiError(body: unknown): { message: string | null; type: string | null; code: string | null } {
  const object = typeof body === "object" && body !== null ? (body as { error?: unknown; message?: unknown }) : {};
  const error = object.error;
  if (typeof error === "string") return { message: error, type: null, code: null };
  if (typeof error !== "object" || error === null) {
    // The sign-in routes answer protocol frames: `{"type":"error","code","message"}`.
    return { message: typeof object.message === "string" ? object.message : null, type: null, code: null };
  }
  const { message, type, code } = error as Record<string, unknown>;
  return {
    message: typeof message === "string" ? message : null,
    type: typeof type === "string" ? type : null,
    code: typeof code === "string" ? code : typeof code === "number" ? String(code) : null,
  };
}

/** `Retry-After`: delay seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, nowMs = Date.now()): number | null {
  if (!value) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - nowMs) / 1000));
}

/** The failure an HTTP error answer stands for. */
export function gatewayErrorFromStatus(
  status: number,
  body: unknown,
  retryAfter: string | null = null,
  nowMs = Date.now(),
): GatewayError {
  const { message, code } = openAiError(body);
  const details = { status, code };
  const text = message ?? `HTTP ${status}`;
  if (status === 401 || status === 403) return new GatewayError("sign-in", text, details);
  if (status === 402 || code === "insufficient_credit") return new GatewayError("no-credit", text, details);
  if (status === 429) {
    return new GatewayError("quota", text, { ...details, retryAfterSeconds: parseRetryAfter(retryAfter, nowMs) });
  }
  if (status === 404) return new GatewayError("unknown-model", text, details);
  if (code === "no_node_available") return new GatewayError("no-node", text, details);
  // 502 from the relayer itself (an OpenAI body, not a proxy's page): every node it tried failed before an answer.
  if (status === 502 && code !== null) return new GatewayError("interrupted", text, details);
  return new GatewayError("unavailable", text, details);
}

/** Reads an error answer's body (JSON or not) and maps it. */
export async function gatewayErrorFromResponse(response: Response, nowMs = Date.now()): Promise<GatewayError> {
  const text = await response.text().catch(() => "");
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = text ? { error: text.slice(0, 200) } : null;
  }
  return gatewayErrorFromStatus(response.status, body, response.headers.get("retry-after"), nowMs);
}

/** An error event inside the stream: the answer so far stays, marked as cut off by the network. */
export function gatewayErrorFromEvent(body: unknown): GatewayError {
  const { message, code } = openAiError(body);
  if (code === "insufficient_credit") return new GatewayError("no-credit", message ?? "no credit", { code });
  return new GatewayError("interrupted", message ?? "the network could not finish the answer", { code });
}

/** What the page can offer next to the message. */
export type GatewayRemedy = "sign-in" | "deposit" | "pick-model" | "retry";

export interface GatewayProblem {
  title: string;
  detail: string;
  remedy: GatewayRemedy;
}

/** The failure in words, with what the user can do about it. */
export function describeGatewayError(error: GatewayError, model?: string): GatewayProblem {
  const name = model ? `“${model}”` : "this model";
  switch (error.kind) {
    case "sign-in":
      return {
        title: "Sign-in needed",
        detail:
          "Your wallet session is missing or has expired. Sign in again: one signature in your wallet, no transaction, no gas.",
        remedy: "sign-in",
      };
    case "no-credit":
      return {
        title: "No credit left",
        detail: `${name} is a premium model, paid per message from your GBT credit. Deposit GBT to your credit, or pick a free model.`,
        remedy: "deposit",
      };
    case "quota":
      return {
        title: "Over your quota",
        detail:
          error.retryAfterSeconds !== null
            ? `You have used today's allowance. Try again in ${formatSeconds(error.retryAfterSeconds)}.`
            : "You have used today's allowance. Try again later.",
        remedy: "retry",
      };
    case "unknown-model":
      return {
        title: "Model not offered",
        detail: `The network does not offer ${name}. Pick another model.`,
        remedy: "pick-model",
      };
    case "no-node":
      return {
        title: "No node available",
        detail: `No node is serving ${name} right now. Try again in a moment, or pick another model.`,
        remedy: "retry",
      };
    case "interrupted":
      return {
        title: "Answer cut off",
        detail: `The network could not finish this answer: ${error.message}`,
        remedy: "retry",
      };
    case "truncated":
      return {
        title: "Answer cut off",
        detail: "The connection closed before the answer was complete.",
        remedy: "retry",
      };
    case "unavailable":
      return {
        title: "Gateway unavailable",
        detail: `The relayer could not answer (${error.message}). Try again in a moment.`,
        remedy: "retry",
      };
  }
}
