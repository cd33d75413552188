/**
 * One connection to the relayer, WebSocket (./ws-session.ts) or HTTP polling (./http-session.ts), and what it needs
 * from the connection loop that opens it (./connection-loop.ts). A session signs in (or resumes with the session
 * token), hands every relayer frame to its host, and resolves with a `SessionEnd` when it is over.
 */

import type { AuthRejectedError } from "../errors.ts";
import type {
  AuthMessage,
  AuthOkMessage,
  HelloMessage,
  NodeMessage,
  RelayerMessage,
  WorkMessage,
} from "../protocol/messages.ts";
import type { Transport } from "./types.ts";

export interface Session {
  transport: Transport;
  /** Sends a node frame; work frames are POSTed on HTTP and their reply handled as a frame. */
  send(message: NodeMessage): void;
  close(reason: string): void;
}

export interface SessionEnd {
  /** The relayer answered at all (a WebSocket that never opens makes `auto` fall back to HTTP polling). */
  opened: boolean;
  authenticated: boolean;
  reason: string;
  /** Reconnect at once (the session token was refused: sign in again). */
  retryNow?: boolean;
  /** The relayer refused the wallet's signature: retrying cannot help. */
  fatal?: AuthRejectedError;
}

/** What a session gets from the connection loop. */
export interface SessionHost {
  /** Aborted when the client stops. */
  readonly signal: AbortSignal;
  /** The session token: resumed instead of signing again; a session clears it when the relayer refuses it. */
  token: string | null;
  /**
   * Answers a challenge with the wallet's signed `auth` frame. A signature whose session ended before it could be
   * sent (the wallet's prompt outlasted the relayer's wait for an unauthenticated socket) answers the next challenge
   * instead: the relayer accepts any unexpired challenge it issued, once, so the user is asked only once.
   */
  signIn(hello: HelloMessage): Promise<AuthMessage>;
  /** The `auth` frame from `signIn` went out: its challenge may be spent now, it is never sent again. */
  signInSent(): void;
  /** Signed in: `session` is now the one frames go out on. */
  authenticated(ok: AuthOkMessage, session: Session): void;
  /** Work frames not acknowledged yet: every new session sends them again (the relayer acks duplicates). */
  unacked(): Iterable<WorkMessage>;
  /** A relayer frame other than the sign-in's. */
  handle(message: RelayerMessage): void;
  error(error: Error): void;
}
