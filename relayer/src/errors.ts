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

/**
 * A settlement step found its epoch no longer as it read it (another status, or its tree rebuilt): someone else (a
 * relayer that took the lead, the CLI) moved it on meanwhile. Nothing was written; the next round reads the epoch
 * again and goes on from there.
 */
export class EpochMovedError extends SettlementError {
  override name = "EpochMovedError";
}

/** A request named something that does not exist. */
export class NotFoundError extends RelayerError {
  override name = "NotFoundError";
}

/** A submitted task the network as it stands could never judge (scheduler/judgeable.ts): refused, not queued. */
export class TaskRefusedError extends RelayerError {
  override name = "TaskRefusedError";
}

/** NodeBond's chain did not answer (RPC down, refused or timed out): retry later. Bond reads keep their last values. */
export class ChainUnavailableError extends RelayerError {
  override name = "ChainUnavailableError";
}

/** NodeBond refused a call (it reverts, or no NodeBond answers at the address): the same call will not succeed later. */
export class NodeBondCallError extends RelayerError {
  override name = "NodeBondCallError";
  /** The contract's error as `Name(args)` when it reverted, otherwise viem's short message. */
  readonly reason: string;
  constructor(message: string, reason: string, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
  }
}

/**
 * InferenceCredits could not be read or written (RPC down, refused or timed out, no contract at the address): the
 * gateway answers 503 and nothing was debited; settlement retries next round.
 */
export class CreditsUnavailableError extends RelayerError {
  override name = "CreditsUnavailableError";
}
