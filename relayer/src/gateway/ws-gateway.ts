import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import {
  type AuthMessage,
  decodeNodeMessage,
  NODE_SOCKET_PATH,
  PROTOCOL_VERSION,
  type RelayerMessage,
} from "@gitblock/sdk";
import type { Address } from "viem";
import { type RawData, WebSocket, WebSocketServer } from "ws";
import type { AuthService } from "../auth/sign-in.ts";
import type { Clock } from "../clock.ts";
import type { RelayerConfig } from "../config/schema.ts";
import { AuthError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import type { Channel } from "../presence/registry.ts";
import type { Admission } from "./admission.ts";
import { errorFrame, type NodeProtocol } from "./node-protocol.ts";
import { TokenBucket } from "./rate-limit.ts";
import type { WalletLimits } from "./wallet-limits.ts";

/** Close codes (4000–4999 are the application's). */
export const CLOSE = {
  authFailed: 4401,
  authTimeout: 4408,
  heartbeatTimeout: 4409,
  abuse: 4429,
  signInBudget: 4430,
  walletChannels: 4431,
  shutdown: 1001,
} as const;

/** Frames above the limit get an error reply; far above it (4×) the ws library closes the socket with 1009. */
const HARD_LIMIT_FACTOR = 4;
/** Repeated rate-limit violations after which the socket is closed rather than answered. */
const ABUSE_LIMIT = 50;
/** A peer that does not answer a close frame would hold its socket for the ws library's 30 s close timeout. */
const CLOSE_GRACE_MS = 2_000;

class Connection implements Channel {
  readonly kind = "ws" as const;
  readonly socket: WebSocket;
  /** The client address (admission.ts) the socket counts under. */
  readonly client: string;
  /** The frame budget until the socket signs in; after that the wallet's (WalletLimits). */
  readonly bucket: TokenBucket;
  /** Ends the socket's count as not signed in (idempotent): at sign-in, or at close. */
  readonly releaseUnauthenticated: () => void;
  account: Address | null = null;
  /** The key this session signs commitments and reports with. */
  sessionKey: Address | null = null;
  readySeen = false;
  lastSeen: number;
  violations = 0;
  pingSentAt = 0;
  /** Frames are handled one at a time, in order, so an ack never overtakes the auth it depends on. */
  chain: Promise<void> = Promise.resolve();
  private readonly maxSendBufferBytes: number;
  private readonly onOverflow: (connection: Connection) => void;

  constructor(options: {
    socket: WebSocket;
    client: string;
    bucket: TokenBucket;
    now: number;
    releaseUnauthenticated: () => void;
    maxSendBufferBytes: number;
    onOverflow: (connection: Connection) => void;
  }) {
    this.socket = options.socket;
    this.client = options.client;
    this.bucket = options.bucket;
    this.lastSeen = options.now;
    this.releaseUnauthenticated = options.releaseUnauthenticated;
    this.maxSendBufferBytes = options.maxSendBufferBytes;
    this.onOverflow = options.onOverflow;
  }

  private corked = false;

  send(message: RelayerMessage): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    // Frames sent in the same turn of the event loop leave in one write (writev) instead of one syscall each.
    const raw = (this.socket as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
    if (!this.corked) {
      // What is still queued from earlier turns is what the node has not read; this turn's burst is not counted,
      // so a reconnect that resends every open task at once is never mistaken for a node that stopped reading.
      if (this.socket.bufferedAmount > this.maxSendBufferBytes) {
        this.onOverflow(this);
        return;
      }
      if (raw) {
        this.corked = true;
        raw.cork();
        setImmediate(() => {
          this.corked = false;
          raw.uncork();
        });
      }
    }
    this.socket.send(JSON.stringify(message));
  }

  close(code: number, reason: string): void {
    this.socket.close(code, reason);
    setTimeout(() => this.socket.terminate(), CLOSE_GRACE_MS).unref();
  }
}

/** Refuses a node socket at the upgrade, before the ws library spends anything on it. */
function refuseUpgrade(socket: Duplex, reason: string): void {
  const body = JSON.stringify(errorFrame("rate_limited", reason));
  socket.once("finish", () => socket.destroy());
  socket.end(
    `HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/**
 * The node gateway: WebSocket connections on `/ws/node`. Every frame is size-checked, rate-limited, decoded and
 * validated before anything acts on it; whatever a frame contains, the worst outcome is an `error` reply or a close
 * with a reason, never a crash.
 */
export class WsGateway {
  private readonly wss: WebSocketServer;
  private readonly connections = new Set<Connection>();
  private readonly auth: AuthService;
  private readonly protocol: NodeProtocol;
  private readonly clock: Clock;
  private readonly config: RelayerConfig["gateway"];
  private readonly admissionConfig: RelayerConfig["admission"];
  private readonly admission: Admission;
  private readonly walletLimits: WalletLimits;
  private readonly metrics: Metrics;
  private readonly log: Logger;

  constructor(options: {
    auth: AuthService;
    protocol: NodeProtocol;
    clock: Clock;
    config: RelayerConfig["gateway"];
    admissionConfig: RelayerConfig["admission"];
    admission: Admission;
    walletLimits: WalletLimits;
    metrics: Metrics;
    log: Logger;
  }) {
    this.auth = options.auth;
    this.protocol = options.protocol;
    this.clock = options.clock;
    this.config = options.config;
    this.admissionConfig = options.admissionConfig;
    this.admission = options.admission;
    this.walletLimits = options.walletLimits;
    this.metrics = options.metrics;
    this.log = options.log;
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: this.config.maxFrameBytes * HARD_LIMIT_FACTOR,
      perMessageDeflate: false,
    });
  }

  /**
   * Takes over upgrades to the node path (other paths are left to other handlers). A socket counts against its
   * address's unauthenticated sockets until it signs in, and its opening (which writes a challenge) against the
   * address's sign-in budget; over either it is refused with 429.
   */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(request.url ?? "/", "http://relayer");
    if (url.pathname !== NODE_SOCKET_PATH) return false;
    const client = this.admission.clientOf(request);
    const release = this.admission.openUnauthenticated(client);
    if (!release) {
      refuseUpgrade(
        socket,
        `your address already holds ${this.admissionConfig.maxUnauthenticatedPerIp} node sockets not signed in; sign in on those first`,
      );
      return true;
    }
    if (!this.admission.takeSignIn(client)) {
      release();
      refuseUpgrade(socket, "sign-in budget of your address spent; retry later");
      return true;
    }
    // A handshake the ws library refuses never reaches onConnection.
    socket.once("close", release);
    this.wss.handleUpgrade(request, socket, head, (ws) => this.onConnection(ws, client, release));
    return true;
  }

  get socketCount(): number {
    return this.connections.size;
  }

  private onConnection(socket: WebSocket, client: string, releaseUnauthenticated: () => void): void {
    const now = this.clock.now();
    const connection = new Connection({
      socket,
      client,
      bucket: new TokenBucket(this.config.messagesPerSecond, this.config.burst, now),
      now,
      releaseUnauthenticated,
      maxSendBufferBytes: this.admissionConfig.maxSendBufferBytes,
      onOverflow: (overflowing) => this.overflow(overflowing),
    });
    // A timer per socket, in real time: a socket that has not signed in is closed authTimeoutMs after it opened,
    // whatever the sweep's cadence.
    const authTimer = setTimeout(() => {
      if (!connection.account) connection.close(CLOSE.authTimeout, "no auth within the time allowed");
    }, this.config.authTimeoutMs);
    authTimer.unref();
    this.connections.add(connection);
    this.metrics.sockets.set(this.connections.size);
    socket.on("message", (data, isBinary) => {
      connection.chain = connection.chain
        .then(() => this.onFrame(connection, data, isBinary))
        .catch((error: unknown) => {
          this.log.error({ err: error }, "frame handler failed");
          connection.send(errorFrame("internal", "internal error while handling the frame"));
        });
    });
    socket.on("pong", () => {
      if (connection.account && connection.pingSentAt > 0) {
        this.protocol.heartbeat(
          connection.account,
          { type: "heartbeat", v: PROTOCOL_VERSION, t: 0 },
          performance.now() - connection.pingSentAt,
        );
      }
    });
    socket.on("error", (error) => this.log.debug({ err: error }, "socket error"));
    socket.on("close", () => {
      clearTimeout(authTimer);
      releaseUnauthenticated();
      this.connections.delete(connection);
      this.metrics.sockets.set(this.connections.size);
      if (connection.account) {
        this.walletLimits.close(connection.account);
        this.protocol.disconnect(connection.account, connection);
      }
    });
    this.auth
      .issueChallenge()
      .then((challenge) => connection.send({ type: "hello", v: PROTOCOL_VERSION, ...challenge }))
      .catch((error: unknown) => {
        this.log.error({ err: error }, "issuing a challenge failed");
        connection.close(1011, "internal error");
      });
  }

  private reject(connection: Connection, code: Parameters<typeof errorFrame>[0], message: string, taskId?: string) {
    this.metrics.framesRejected.inc({ code });
    connection.send(errorFrame(code, message, taskId));
  }

  /** The node left more than maxSendBufferBytes unread: it gets nothing more (its tasks time out and move on). */
  private overflow(connection: Connection): void {
    this.metrics.sendBufferOverflows.inc({ channel: "ws" });
    this.log.warn(
      { account: connection.account, client: connection.client, unreadBytes: connection.socket.bufferedAmount },
      "closing a node socket that stopped reading",
    );
    // No close frame: it would queue behind everything the node is not reading.
    connection.socket.terminate();
  }

  private async onFrame(connection: Connection, data: RawData, isBinary: boolean): Promise<void> {
    // Frames that were queued behind a close are not handled.
    if (connection.socket.readyState !== WebSocket.OPEN) return;
    const now = this.clock.now();
    connection.lastSeen = now;
    const account = connection.account;
    if (!(account ? this.walletLimits.take(account) : connection.bucket.take(now))) {
      connection.violations++;
      if (connection.violations > ABUSE_LIMIT) {
        connection.close(CLOSE.abuse, "rate limit exceeded repeatedly");
        return;
      }
      this.reject(
        connection,
        "rate_limited",
        `more than ${this.config.messagesPerSecond} messages/s${account ? " from this wallet (all its channels together)" : ""}; frame dropped`,
      );
      return;
    }
    const size = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : (data as Buffer).byteLength;
    if (size > this.config.maxFrameBytes) {
      this.reject(connection, "frame_too_large", `frame of ${size} bytes exceeds ${this.config.maxFrameBytes} bytes`);
      return;
    }
    if (isBinary) {
      this.reject(connection, "bad_frame", "binary frames are not part of the protocol; send JSON text");
      return;
    }
    const decoded = decodeNodeMessage(data.toString());
    if (!decoded.ok) {
      this.reject(connection, decoded.code, decoded.reason);
      return;
    }
    const message = decoded.message;
    if (message.type === "auth") {
      await this.authenticate(connection, message);
      return;
    }
    if (!account) {
      this.reject(connection, "unauthenticated", "send auth before anything else");
      return;
    }
    switch (message.type) {
      case "ready": {
        const replies = await this.protocol.ready(account, message, !connection.readySeen);
        connection.readySeen = true;
        for (const reply of replies) connection.send(reply);
        return;
      }
      case "commit":
      case "reveal":
      case "report":
        connection.send(await this.protocol.work(account, connection.sessionKey as Address, message));
        return;
      case "heartbeat":
        connection.send(this.protocol.heartbeat(account, message));
        return;
      case "chunk":
      case "serve_end":
      case "serve_failed": {
        const reply = this.protocol.stream(account, message);
        if (reply) connection.send(reply);
        return;
      }
    }
  }

  private async authenticate(connection: Connection, message: AuthMessage): Promise<void> {
    if (connection.account) {
      this.reject(connection, "bad_frame", "already authenticated on this socket");
      return;
    }
    // Resuming costs a session lookup, signing in a nonce lookup and a signature recovery: both spend the budget.
    if (!this.admission.takeSignIn(connection.client)) {
      this.reject(connection, "rate_limited", "sign-in budget of your address spent; retry later");
      connection.close(CLOSE.signInBudget, "sign-in budget spent");
      return;
    }
    try {
      let account: Address;
      let sessionKey: Address;
      let token: string;
      let expiresAt: number;
      if (message.session) {
        ({ account, sessionKey } = await this.auth.resume(message.session));
        token = message.session;
        expiresAt = 0;
      } else if (message.signIn) {
        const session = await this.auth.signIn({
          ...message.signIn,
          account: message.signIn.account as Address,
          nonce: message.signIn.nonce as `0x${string}`,
          sessionKey: message.signIn.sessionKey as Address,
          signature: message.signIn.signature as `0x${string}`,
        });
        ({ account, sessionKey, token, expiresAt } = session);
      } else {
        throw new AuthError("malformed", "auth needs either `session` or `signIn`");
      }
      // The socket may have closed (auth timeout, peer gone) while the signature was checked.
      if (connection.socket.readyState !== WebSocket.OPEN) return;
      if (!this.walletLimits.open(account)) {
        this.admission.refuse(connection.client, "channels_per_wallet");
        this.reject(
          connection,
          "rate_limited",
          `wallet ${account} already holds ${this.walletLimits.maxChannels} channels (WebSockets and HTTP polling); close one first`,
        );
        connection.close(CLOSE.walletChannels, "too many channels for this wallet");
        return;
      }
      connection.account = account;
      connection.sessionKey = sessionKey;
      connection.releaseUnauthenticated();
      await this.protocol.connect(account, connection);
      // Closed while the node was attached: a close handler that ran before the attach could not detach it.
      if (connection.socket.readyState !== WebSocket.OPEN) {
        this.protocol.disconnect(account, connection);
        return;
      }
      connection.send({ type: "auth_ok", v: PROTOCOL_VERSION, account, session: token, expiresAt });
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      this.metrics.authFailures.inc({ reason: error.reason });
      this.reject(connection, "auth_failed", `${error.reason}: ${error.message}`);
      connection.close(CLOSE.authFailed, error.reason);
    }
  }

  /** Periodic: closes signed-in sockets that went silent and pings the rest to measure latency. */
  sweep(): void {
    const now = this.clock.now();
    for (const connection of this.connections) {
      if (!connection.account) continue; // closed by its auth timer
      if (now - connection.lastSeen > this.config.heartbeatTimeoutMs) {
        connection.close(CLOSE.heartbeatTimeout, "no heartbeat within the time allowed");
      } else if (connection.socket.readyState === WebSocket.OPEN) {
        connection.pingSentAt = performance.now();
        connection.socket.ping();
      }
    }
  }

  async close(): Promise<void> {
    for (const connection of this.connections) connection.close(CLOSE.shutdown, "relayer shutting down");
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (const connection of this.connections) connection.socket.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
