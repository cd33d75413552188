/**
 * The connection loop: opens one session after another until the client stops. WebSocket first (HTTP polling when
 * `transport: "http"`, when no WebSocket exists, or under `auto` when a socket cannot be opened), reconnecting after
 * `initialMs` doubling up to `maxMs` (reset by every sign-in), resuming with the session token instead of signing
 * again. A refused signature ends the loop: retrying cannot help.
 */
import type { Hex } from "viem";
import { AuthRejectedError } from "../errors.ts";
import { signInTypedData } from "../protocol/auth.ts";
import type {
  AuthMessage,
  AuthOkMessage,
  HelloMessage,
  NodeMessage,
  ReadyMessage,
  RelayerMessage,
  WorkMessage,
} from "../protocol/messages.ts";
import { PROTOCOL_VERSION } from "../protocol/version.ts";
import { httpSession } from "./http-session.ts";
import type { Session, SessionEnd, SessionHost } from "./session.ts";
import { newSessionKey, type SessionKey } from "./session-key.ts";
import type { Signer } from "./signer.ts";
import type { NodeClientEvents, NodeClientOptions, Transport, WebSocketConstructor } from "./types.ts";
import { webSocketSession } from "./ws-session.ts";

/** What the loop reports to the client. */
export interface ConnectionHooks {
  /** A connection attempt begins. */
  connecting(): void;
  authenticated(ok: AuthOkMessage, transport: Transport): void;
  /** A relayer frame other than the sign-in's. */
  handle(message: RelayerMessage): void;
  error(error: Error): void;
  /** Results not acknowledged yet, sent again on every new session. */
  unacked(): Iterable<WorkMessage>;
  disconnected(info: NodeClientEvents["disconnected"][0]): void;
  /** The relayer refused the wallet's signature; the loop has ended. */
  rejected(error: AuthRejectedError): void;
}

export interface ConnectionLoopOptions
  extends Pick<
    NodeClientOptions,
    "transport" | "reconnect" | "heartbeatMs" | "pollWaitMs" | "capacity" | "country" | "placement"
  > {
  /** The relayer's base URL, without a trailing slash. */
  base: string;
  socketUrl: string;
  WebSocket: WebSocketConstructor | null;
  fetch: typeof fetch;
  signer: Signer;
  /** The engine can verify (score teacher-forced): announced in `ready`. */
  verify: boolean;
  /** Aborted when the client stops. */
  signal: AbortSignal;
}

/** A model this node serves through the gateway, as `ready.serves` lists it. */
export type ServedModel = NonNullable<ReadyMessage["serves"]>[number];

/** An unsent signature is used for a new challenge only while its own has at least this long to live. */
const UNSENT_SIGN_IN_MARGIN_MS = 10_000;

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });

export class ConnectionLoop implements SessionHost {
  /** Session token: later connections resume with it instead of signing again. */
  token: string | null = null;
  /** The session's signing key (named in the sign-in); a session resumes only together with its key. */
  sessionKey: SessionKey | null = null;
  private signingKey: SessionKey | null = null;
  /** The signature asked for last, until it goes out (see `SessionHost.signIn`). */
  private unsentSignIn: { auth: Promise<AuthMessage>; expiresAt: number } | null = null;
  readonly signal: AbortSignal;
  private readonly options: ConnectionLoopOptions;
  private readonly hooks: ConnectionHooks;
  private models: string[] = [];
  /** What `ready.serves` announces (WebSocket only: streams need the socket). */
  private serves: ServedModel[] = [];
  /** The signed-in session frames go out on; null between sessions. */
  private current: Session | null = null;

  constructor(options: ConnectionLoopOptions, hooks: ConnectionHooks) {
    this.options = options;
    this.hooks = hooks;
    this.signal = options.signal;
  }

  /** Connects, and reconnects, until the signal aborts or the sign-in is refused. */
  async run(models: string[], serves: ServedModel[] = []): Promise<void> {
    this.models = models;
    this.serves = serves;
    const { initialMs = 5_000, maxMs = 60_000 } = this.options.reconnect ?? {};
    let delay = initialMs;
    const preferred = this.options.transport ?? "auto";
    const signal = this.signal;
    while (!signal.aborted) {
      // A token without its key cannot sign commitments: sign in again.
      if (!this.sessionKey) this.token = null;
      this.hooks.connecting();
      let end: SessionEnd;
      let transport: Transport = preferred === "http" || !this.options.WebSocket ? "http" : "websocket";
      try {
        end = transport === "websocket" ? await this.webSocketSession() : await this.httpSession();
        if (end.fatal) throw end.fatal;
        if (!end.opened && transport === "websocket" && preferred === "auto" && !signal.aborted) {
          transport = "http";
          end = await this.httpSession();
        }
      } catch (error) {
        if (error instanceof AuthRejectedError) {
          this.current = null;
          this.hooks.rejected(error);
          break;
        }
        end = { opened: false, authenticated: false, reason: (error as Error).message };
      }
      this.current = null;
      if (signal.aborted) break;
      if (end.authenticated) delay = initialMs;
      const wait = end.retryNow ? 0 : delay;
      this.hooks.disconnected({ transport, reason: end.reason, retryInMs: wait });
      await sleep(wait, signal);
      if (!end.retryNow) delay = Math.min(maxMs, delay * 2);
    }
  }

  /** Sends a frame on the current session (dropped between sessions: every new session resends what matters). */
  send(message: NodeMessage): void {
    this.current?.send(message);
  }

  /** Announces models and capacity again (e.g. when a ban ends). */
  announceReady(): void {
    this.send(this.readyMessage());
  }

  /** Closes the current session; the loop reconnects unless the client is stopping. */
  close(reason: string): void {
    this.current?.close(reason);
  }

  // --- SessionHost ---

  signIn(hello: HelloMessage): Promise<AuthMessage> {
    const unsent = this.unsentSignIn;
    if (unsent && unsent.expiresAt * 1000 - Date.now() > UNSENT_SIGN_IN_MARGIN_MS) return unsent.auth;
    const signingKey = newSessionKey();
    this.signingKey = signingKey;
    const challenge = {
      relayer: hello.relayer,
      chainId: hello.chainId,
      account: this.options.signer.address,
      nonce: hello.nonce as Hex,
      issuedAt: hello.issuedAt,
      expiresAt: hello.expiresAt,
      sessionKey: signingKey.address,
    };
    const auth = this.options.signer
      .signTypedData(signInTypedData(challenge))
      .then((signature): AuthMessage => ({ type: "auth", v: PROTOCOL_VERSION, signIn: { ...challenge, signature } }));
    this.unsentSignIn = { auth, expiresAt: hello.expiresAt };
    // A refused or failed signature is not kept for the next challenge.
    auth.catch(() => {
      if (this.unsentSignIn?.auth === auth) this.unsentSignIn = null;
    });
    return auth;
  }

  signInSent(): void {
    this.unsentSignIn = null;
  }

  authenticated(ok: AuthOkMessage, session: Session): void {
    if (ok.session) this.token = ok.session;
    // A fresh sign-in (not a resume) brings its new key into use.
    if (this.signingKey) {
      this.sessionKey = this.signingKey;
      this.signingKey = null;
    }
    this.current = session;
    this.hooks.authenticated(ok, session.transport);
  }

  unacked(): Iterable<WorkMessage> {
    return this.hooks.unacked();
  }

  handle(message: RelayerMessage): void {
    this.hooks.handle(message);
  }

  error(error: Error): void {
    this.hooks.error(error);
  }

  // --- sessions ---

  private readyMessage(): NodeMessage {
    return {
      type: "ready",
      v: PROTOCOL_VERSION,
      models: this.models,
      capacity: this.options.capacity ?? 1,
      verify: this.options.verify,
      ...(this.options.country ? { country: this.options.country } : {}),
      ...(this.options.placement ? { placement: this.options.placement } : {}),
      ...(this.serves.length > 0 ? { serves: this.serves } : {}),
    };
  }

  private webSocketSession(): Promise<SessionEnd> {
    const WebSocket = this.options.WebSocket;
    if (!WebSocket) return Promise.resolve({ opened: false, authenticated: false, reason: "no WebSocket available" });
    return webSocketSession(this, {
      url: this.options.socketUrl,
      WebSocket,
      heartbeatMs: this.options.heartbeatMs ?? 15_000,
      ready: () => this.readyMessage(),
    });
  }

  private httpSession(): Promise<SessionEnd> {
    return httpSession(this, {
      base: this.options.base,
      fetch: this.options.fetch,
      account: this.options.signer.address,
      models: this.models,
      capacity: this.options.capacity ?? 1,
      verify: this.options.verify,
      ...(this.options.country ? { country: this.options.country } : {}),
      ...(this.options.placement ? { placement: this.options.placement } : {}),
      pollWaitMs: this.options.pollWaitMs ?? 20_000,
    });
  }
}
