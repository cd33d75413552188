import type { Response } from "express";

/**
 * An error as OpenAI's API shapes it (`{"error": {"message", "type", "code"}}`), so existing clients raise their own
 * typed errors: the official client maps 401 to AuthenticationError, 404 to NotFoundError, 429 to RateLimitError
 * (reading `Retry-After`), and other statuses to APIError with the status.
 */
export class GatewayError extends Error {
  readonly status: number;
  readonly type: string;
  readonly code: string;
  /** Seconds until trying again makes sense (429, 503). */
  readonly retryAfterSec: number | null;

  constructor(status: number, type: string, code: string, message: string, retryAfterSec: number | null = null) {
    super(message);
    this.status = status;
    this.type = type;
    this.code = code;
    this.retryAfterSec = retryAfterSec;
  }

  toJSON() {
    return { error: { message: this.message, type: this.type, code: this.code, param: null } };
  }
}

export const invalidRequest = (message: string, code = "invalid_request") =>
  new GatewayError(400, "invalid_request_error", code, message);
export const unauthorized = (message: string) =>
  new GatewayError(401, "invalid_request_error", "invalid_api_key", message);
export const noCredit = (message: string) =>
  new GatewayError(402, "insufficient_credit", "insufficient_credit", message);
export const unknownModel = (model: string) =>
  new GatewayError(
    404,
    "invalid_request_error",
    "model_not_found",
    `The model \`${model}\` does not exist or is locked`,
  );
export const overQuota = (message: string, retryAfterSec: number) =>
  new GatewayError(429, "rate_limit_exceeded", "rate_limit_exceeded", message, retryAfterSec);
export const noNode = (message: string, retryAfterSec = 5) =>
  new GatewayError(503, "server_error", "no_node_available", message, retryAfterSec);
export const unavailable = (message: string) => new GatewayError(503, "server_error", "unavailable", message, 5);
/** The network started the answer and could not finish it (every node tried failed, or a deadline passed). */
export const incomplete = (message: string, code = "generation_failed") =>
  new GatewayError(502, "server_error", code, message);

export function sendGatewayError(res: Response, error: GatewayError): void {
  if (error.retryAfterSec !== null) res.setHeader("Retry-After", String(Math.max(1, Math.ceil(error.retryAfterSec))));
  res.status(error.status).type("application/json").send(JSON.stringify(error.toJSON()));
}
