/** Base class: every error the relayer raises on purpose says what went wrong and, where it can, what to do. */
export class RelayerError extends Error {
  override name = "RelayerError";
}

/** The configuration file or environment is invalid. */
export class ConfigError extends RelayerError {
  override name = "ConfigError";
}

/** A node failed to authenticate; `reason` is a stable machine-readable cause. */
export class AuthError extends RelayerError {
  override name = "AuthError";
  readonly reason:
    | "replayed"
    | "expired"
    | "wrong_chain"
    | "wrong_domain"
    | "bad_signature"
    | "unknown_session"
    | "malformed";
  constructor(reason: AuthError["reason"], message: string) {
    super(message);
    this.reason = reason;
  }
}

/** Something was asked of an epoch that its state does not allow. */
export class SettlementError extends RelayerError {
  override name = "SettlementError";
}

/** A request named something that does not exist. */
export class NotFoundError extends RelayerError {
  override name = "NotFoundError";
}
