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
