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
import { errorFrame, type NodeProtocol } from "./node-protocol.ts";
import { TokenBucket } from "./rate-limit.ts";

/** Close codes (4000–4999 are the application's). */
export const CLOSE = {
  authFailed: 4401,
  authTimeout: 4408,
  heartbeatTimeout: 4409,
  abuse: 4429,
  shutdown: 1001,
} as const;

/** Frames above the limit get an error reply; far above it (4×) the ws library closes the socket with 1009. */
const HARD_LIMIT_FACTOR = 4;
/** Repeated rate-limit violations after which the socket is closed rather than answered. */
const ABUSE_LIMIT = 50;

class Connection implements Channel {
  readonly kind = "ws" as const;
  readonly socket: WebSocket;
  readonly bucket: TokenBucket;
  readonly openedAt: number;
  account: Address | null = null;
  /** The key this session signs commitments and reports with. */
  sessionKey: Address | null = null;
  readySeen = false;
  lastSeen: number;
  violations = 0;
  pingSentAt = 0;
  /** Frames are handled one at a time, in order, so an ack never overtakes the auth it depends on. */
  chain: Promise<void> = Promise.resolve();

  constructor(socket: WebSocket, bucket: TokenBucket, now: number) {
    this.socket = socket;
    this.bucket = bucket;
    this.openedAt = now;
    this.lastSeen = now;
  }

  private corked = false;

  send(message: RelayerMessage): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    // Frames sent in the same turn of the event loop leave in one write (writev) instead of one syscall each.
    const raw = (this.socket as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
    if (raw && !this.corked) {
      this.corked = true;
      raw.cork();
      setImmediate(() => {
        this.corked = false;
        raw.uncork();
      });
    }
    this.socket.send(JSON.stringify(message));
  }

  close(code: number, reason: string): void {
    this.socket.close(code, reason);
  }
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
  private readonly metrics: Metrics;
  private readonly log: Logger;

  constructor(options: {
    auth: AuthService;
    protocol: NodeProtocol;
    clock: Clock;
    config: RelayerConfig["gateway"];
    metrics: Metrics;
    log: Logger;
  }) {
    this.auth = options.auth;
    this.protocol = options.protocol;
    this.clock = options.clock;
    this.config = options.config;
    this.metrics = options.metrics;
    this.log = options.log;
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: this.config.maxFrameBytes * HARD_LIMIT_FACTOR,
      perMessageDeflate: false,
    });
  }

  /** Takes over upgrades to the node path; other paths are left to other handlers. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(request.url ?? "/", "http://relayer");
    if (url.pathname !== NODE_SOCKET_PATH) return false;
    this.wss.handleUpgrade(request, socket, head, (ws) => this.onConnection(ws));
    return true;
  }

  get socketCount(): number {
    return this.connections.size;
  }

  private onConnection(socket: WebSocket): void {
    const now = this.clock.now();
    const connection = new Connection(
      socket,
      new TokenBucket(this.config.messagesPerSecond, this.config.burst, now),
      now,
    );
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
      this.connections.delete(connection);
      this.metrics.sockets.set(this.connections.size);
      if (connection.account) this.protocol.disconnect(connection.account, connection);
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

  private async onFrame(connection: Connection, data: RawData, isBinary: boolean): Promise<void> {
    const now = this.clock.now();
    connection.lastSeen = now;
    if (!connection.bucket.take(now)) {
      connection.violations++;
      if (connection.violations > ABUSE_LIMIT) {
        connection.close(CLOSE.abuse, "rate limit exceeded repeatedly");
        return;
      }
      this.reject(connection, "rate_limited", `more than ${this.config.messagesPerSecond} messages/s; frame dropped`);
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
    const account = connection.account;
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
    }
  }

  private async authenticate(connection: Connection, message: AuthMessage): Promise<void> {
    if (connection.account) {
      this.reject(connection, "bad_frame", "already authenticated on this socket");
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
      connection.account = account;
      connection.sessionKey = sessionKey;
      await this.protocol.connect(account, connection);
      connection.send({ type: "auth_ok", v: PROTOCOL_VERSION, account, session: token, expiresAt });
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      this.metrics.authFailures.inc({ reason: error.reason });
      this.reject(connection, "auth_failed", `${error.reason}: ${error.message}`);
      connection.close(CLOSE.authFailed, error.reason);
    }
  }

  /** Periodic: closes sockets that never signed in or went silent, and pings the rest to measure latency. */
  sweep(): void {
    const now = this.clock.now();
    for (const connection of this.connections) {
      if (!connection.account && now - connection.openedAt > this.config.authTimeoutMs) {
        connection.close(CLOSE.authTimeout, "no auth within the time allowed");
      } else if (now - connection.lastSeen > this.config.heartbeatTimeoutMs) {
        connection.close(CLOSE.heartbeatTimeout, "no heartbeat within the time allowed");
      } else if (connection.account && connection.socket.readyState === WebSocket.OPEN) {
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
