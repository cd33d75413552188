// Every failure of the sdk that a caller handles, one class each (the relayer's own are in relayer/src/errors.ts).

/** A non-2xx answer of the relayer's API: its HTTP status and the relayer's `error` text. */
export class ApiError extends Error {
  override name = "ApiError";
  readonly status: number;
  /** The request, e.g. `GET /api/nodes/0x…`. */
  readonly request: string;
  constructor(status: number, message: string, request = "") {
    super(message);
    this.status = status;
    this.request = request;
  }
}

/** Thrown out of the node client's `start()` when the relayer refuses the wallet's sign-in (not retried). */
export class AuthRejectedError extends Error {
  override name = "AuthRejectedError";
}

/** A signing key could not be loaded or stored (missing env, wrong keystore password, bad file, refused overwrite). */
export class KeyError extends Error {
  override name = "KeyError";
}

/**
 * A service that gave no HTTP answer at all (refused, unknown host, timed out…): which one, at which URL, and why,
 * in words an operator can act on. The relayer's API client throws it; the node's CLI adds which flag to check.
 */
export class UnreachableError extends Error {
  override name = "UnreachableError";
  /** What was asked, e.g. "the relayer". */
  readonly service: string;
  readonly url: string;
  /** Why, in words: "connection refused", "host not found", … */
  readonly reason: string;
  constructor(service: string, url: string, cause: unknown) {
    const reason = networkFailureReason(cause);
    super(`cannot reach ${service} at ${url} (${reason})`, { cause });
    this.service = service;
    this.url = url;
    this.reason = reason;
  }
}

const NETWORK_ERROR_CODES: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host not found",
  ETIMEDOUT: "timed out",
  UND_ERR_CONNECT_TIMEOUT: "timed out",
  ECONNRESET: "connection reset",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
};

/** Why a request got no answer, from `fetch`'s error (Node puts the socket's error code in `cause`). */
export function networkFailureReason(error: unknown): string {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && NETWORK_ERROR_CODES[code]) return NETWORK_ERROR_CODES[code];
    const errors = (e as { errors?: unknown }).errors;
    // Node's happy-eyeballs connect (IPv4 and IPv6) fails with an AggregateError of one error per address.
    if (Array.isArray(errors) && errors.length > 0) return networkFailureReason(errors[0]);
  }
  const innermost = (function last(e: unknown): unknown {
    return e instanceof Error && e.cause instanceof Error ? last(e.cause) : e;
  })(error);
  return innermost instanceof Error ? innermost.message : String(innermost);
}
