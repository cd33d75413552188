import type { Address, Hex, LocalAccount } from "viem";
import type { Engine, GenerateResult } from "../engines/engine.ts";
import { signInTypedData } from "../protocol/auth.ts";
import {
  type AuthOkMessage,
  decodeRelayerMessage,
  type ErrorMessage,
  type HelloMessage,
  type NodeMessage,
  type RelayerMessage,
  type ResultMessage,
  relayerMessage,
  type TaskMessage,
  type VerdictMessage,
} from "../protocol/messages.ts";
import { outputHash } from "../protocol/output-hash.ts";
import { NODE_SOCKET_PATH, PROTOCOL_VERSION } from "../protocol/version.ts";
import { Emitter } from "./emitter.ts";
import { type Signer, toSigner } from "./signer.ts";

export type Transport = "websocket" | "http";
export type ClientState = "idle" | "connecting" | "online" | "reconnecting" | "stopped";

/** The global WebSocket constructor's shape (browsers, Node ≥ 22). */
export type WebSocketConstructor = new (url: string) => WebSocket;

export interface NodeClientOptions {
  /** The relayer's base URL, e.g. `http://127.0.0.1:8080` or `https://relayer.gitblock.network`. */
  relayer: string;
  /** The node's wallet: a viem LocalAccount or any `Signer` (a browser wallet through `eip1193Signer`). */
  signer: Signer | LocalAccount;
  engine: Engine;
  /** Models to announce; default: everything the engine serves. */
  models?: string[];
  /** Tasks run at once (default 1). */
  capacity?: number;
  /** ISO 3166-1 alpha-2 country, for network statistics only. */
  country?: string;
  /** `auto` (default): WebSocket, falling back to HTTP polling when a socket cannot be opened. */
  transport?: "auto" | Transport;
  /** Heartbeat interval (default 15 s); a socket silent for 3 intervals is treated as dropped. */
  heartbeatMs?: number;
  /** Reconnect delays: first retry after `initialMs` (default 5 s), doubling up to `maxMs` (default 60 s). */
  reconnect?: { initialMs?: number; maxMs?: number };
  /** HTTP polling: how long one long-poll waits for work (default 20 s). */
  pollWaitMs?: number;
  /** WebSocket URL override (default: the relayer URL with ws(s):// and `/ws/node`). */
  socketUrl?: string;
  /** WebSocket implementation (default: the global one); `null` means none is available: HTTP polling only. */
  WebSocket?: WebSocketConstructor | null;
  fetch?: typeof fetch;
}

export interface NodeStats {
  tasksReceived: number;
  /** Results submitted (and acknowledged or waiting for an ack). */
  tasksDone: number;
  tasksFailed: number;
  accepted: number;
  rejected: number;
  timeouts: number;
  inconclusive: number;
  /** GBT wei credited by verdicts since this client started. */
  earnedWei: bigint;
  reputationBps: number | null;
  strikes: number | null;
  bannedUntil: number | null;
  latencyMs: number | null;
  transport: Transport | null;
  reconnects: number;
}

export interface SubmittedResult {
  task: TaskMessage;
  result: ResultMessage;
  output: GenerateResult;
}

export interface NodeClientEvents {
  state: [ClientState];
  authenticated: [{ account: Address; transport: Transport; session: string }];
  task: [TaskMessage];
  result: [SubmittedResult];
  ack: [string];
  /** `recovered`: fetched from the task API after a reconnect, because the relayer judged while the node was away. */
  verdict: [VerdictMessage, { recovered: boolean }];
  /** After every verdict: what this client has been credited so far and its standing. */
  balance: [{ earnedWei: bigint; rewardWei: bigint; reputationBps: number; strikes: number }];
  banned: [{ until: number | null; message: string }];
  /** An error frame from the relayer, or a local failure (engine, network). */
  error: [ErrorMessage | Error];
  disconnected: [{ transport: Transport; reason: string; retryInMs: number }];
}

/** Thrown out of `start()` when the relayer refuses the wallet's sign-in (not retried). */
export class AuthRejectedError extends Error {
  override name = "AuthRejectedError";
}

interface Session {
  transport: Transport;
  /** Sends a node frame; results are POSTed on HTTP and their reply handled as a frame. */
  send(message: NodeMessage): void;
  close(reason: string): void;
}

type SessionEnd = {
  opened: boolean;
  authenticated: boolean;
  reason: string;
  retryNow?: boolean;
  /** The relayer refused the wallet's signature: retrying cannot help. */
  fatal?: AuthRejectedError;
};

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

/**
 * The node side of the protocol, for browser and headless nodes alike: sign in with the wallet, announce models and
 * capacity, run each task on the engine, submit `outputHash(tokenIds)`, heartbeat, and reconnect (5 s, doubling to
 * 60 s) when the connection drops, resuming the session without a new signature. Falls back to HTTP polling when
 * no WebSocket can be opened. Verdicts and balance changes surface as events.
 */
export class NodeClient extends Emitter<NodeClientEvents> {
  readonly signer: Signer;
  readonly engine: Engine;
  readonly stats: NodeStats = {
    tasksReceived: 0,
    tasksDone: 0,
    tasksFailed: 0,
    accepted: 0,
    rejected: 0,
    timeouts: 0,
    inconclusive: 0,
    earnedWei: 0n,
    reputationBps: null,
    strikes: null,
    bannedUntil: null,
    latencyMs: null,
    transport: null,
    reconnects: 0,
  };
  state: ClientState = "idle";
  /** Session token: later connections resume with it instead of signing again. */
  session: string | null = null;

  private readonly options: NodeClientOptions;
  private readonly base: string;
  private readonly fetchImpl: typeof fetch;
  private readonly WebSocketImpl: WebSocketConstructor | null;
  private models: string[] = [];
  private current: Session | null = null;
  private stopController = new AbortController();
  private loop: Promise<void> | null = null;
  /** Tasks being run or waiting for a slot, by id. */
  private readonly running = new Map<string, TaskMessage>();
  private readonly queue: TaskMessage[] = [];
  private active = 0;
  /** Results sent but not acknowledged: sent again after a reconnect (the relayer acks duplicates). */
  private readonly unacked = new Map<string, ResultMessage>();
  /** Tasks received and not yet judged: task id → deadline. A verdict missed while disconnected is recovered. */
  private readonly awaitingVerdict = new Map<string, number>();
  /** Tasks already judged (bounded), so a verdict recovered from the API and pushed on the socket counts once. */
  private readonly judged = new Set<string>();
  private recovery: ReturnType<typeof setTimeout> | null = null;
  private readyRetry: ReturnType<typeof setTimeout> | null = null;
  private firstAuth: { resolve: () => void; reject: (error: Error) => void } | null = null;

  constructor(options: NodeClientOptions) {
    super();
    this.options = options;
    this.signer = toSigner(options.signer);
    this.engine = options.engine;
    this.base = options.relayer.replace(/\/+$/, "");
    this.fetchImpl = options.fetch ?? ((...args) => fetch(...args));
    this.WebSocketImpl =
      options.WebSocket === null
        ? null
        : (options.WebSocket ?? (globalThis.WebSocket as WebSocketConstructor | undefined) ?? null);
  }

  /** Tasks received whose verdict has not arrived yet. */
  get awaitingVerdicts(): number {
    return this.awaitingVerdict.size;
  }

  get address(): Address {
    return this.signer.address;
  }

  get socketUrl(): string {
    return this.options.socketUrl ?? `${this.base.replace(/^http/, "ws")}${NODE_SOCKET_PATH}`;
  }

  /** Starts the loop; resolves once signed in (retrying while the relayer is unreachable). */
  async start(): Promise<void> {
    if (this.loop) throw new Error("client already started");
    this.models = this.options.models ?? (await this.engine.models());
    if (this.models.length === 0) throw new Error(`engine ${this.engine.name} serves no model`);
    const authenticated = new Promise<void>((resolve, reject) => {
      this.firstAuth = { resolve, reject };
    });
    this.loop = this.run();
    return authenticated;
  }

  /** Stops: closes the connection, abandons queued tasks; the engine is left to its owner. */
  async stop(): Promise<void> {
    this.stopController.abort();
    this.current?.close("client stopped");
    if (this.readyRetry) clearTimeout(this.readyRetry);
    if (this.recovery) clearTimeout(this.recovery);
    this.firstAuth?.reject(new Error("client stopped"));
    this.firstAuth = null;
    await this.loop;
    this.setState("stopped");
  }

  /** Drops the current connection as a network failure would; the client reconnects (simulations, tests). */
  dropConnection(): void {
    this.current?.close("connection dropped");
  }

  /** The node's profile from the relayer's API (confirmed and pending GBT, reputation, counters). */
  async profile(): Promise<Record<string, unknown> | null> {
    const response = await this.fetchImpl(`${this.base}/api/nodes/${this.address}`);
    if (response.status === 404) return null;
    if (!response.ok) throw new Error(`GET /api/nodes/${this.address}: HTTP ${response.status}`);
    return (await response.json()) as Record<string, unknown>;
  }

  private setState(state: ClientState): void {
    if (this.state === state) return;
    this.state = state;
    this.emit("state", state);
  }

  private async run(): Promise<void> {
    const { initialMs = 5_000, maxMs = 60_000 } = this.options.reconnect ?? {};
    let delay = initialMs;
    const preferred = this.options.transport ?? "auto";
    const signal = this.stopController.signal;
    while (!signal.aborted) {
      this.setState(this.stats.reconnects === 0 && this.state !== "reconnecting" ? "connecting" : "reconnecting");
      let end: SessionEnd;
      let transport: Transport = preferred === "http" || !this.WebSocketImpl ? "http" : "websocket";
      try {
        end = transport === "websocket" ? await this.websocketSession() : await this.httpSession();
        if (end.fatal) throw end.fatal;
        if (!end.opened && transport === "websocket" && preferred === "auto" && !signal.aborted) {
          transport = "http";
          end = await this.httpSession();
        }
      } catch (error) {
        if (error instanceof AuthRejectedError) {
          this.emit("error", error);
          this.firstAuth?.reject(error);
          this.firstAuth = null;
          this.stopController.abort();
          break;
        }
        end = { opened: false, authenticated: false, reason: (error as Error).message };
      }
      this.current = null;
      if (signal.aborted) break;
      if (end.authenticated) delay = initialMs;
      const wait = end.retryNow ? 0 : delay;
      this.stats.reconnects++;
      this.setState("reconnecting");
      this.emit("disconnected", { transport, reason: end.reason, retryInMs: wait });
      await sleep(wait, signal);
      if (!end.retryNow) delay = Math.min(maxMs, delay * 2);
    }
  }

  private async signIn(hello: HelloMessage): Promise<NodeMessage> {
    const challenge = {
      relayer: hello.relayer,
      chainId: hello.chainId,
      account: this.address,
      nonce: hello.nonce as Hex,
      issuedAt: hello.issuedAt,
      expiresAt: hello.expiresAt,
    };
    const signature = await this.signer.signTypedData(signInTypedData(challenge));
    return { type: "auth", v: PROTOCOL_VERSION, signIn: { ...challenge, signature } };
  }

  private readyMessage(): NodeMessage {
    return {
      type: "ready",
      v: PROTOCOL_VERSION,
      models: this.models,
      capacity: this.options.capacity ?? 1,
      ...(this.options.country ? { country: this.options.country } : {}),
    };
  }

  private authenticated(ok: AuthOkMessage, transport: Transport): void {
    if (ok.session) this.session = ok.session;
    this.stats.transport = transport;
    this.setState("online");
    this.emit("authenticated", { account: ok.account as Address, transport, session: this.session ?? "" });
    this.firstAuth?.resolve();
    this.firstAuth = null;
    if (this.awaitingVerdict.size > 0 && !this.recovery) {
      this.recovery = setTimeout(() => {
        this.recovery = null;
        this.recoverVerdicts().catch((error: unknown) => this.emit("error", error as Error));
      }, 1_000);
    }
  }

  /**
   * The relayer pushes verdicts only to connected nodes. After a reconnect, tasks whose deadline passed without a
   * verdict are looked up in the task API (`GET /api/tasks/:id` lists each node's outcome once settled), and their
   * verdicts surface as `verdict` events marked `recovered`; reputation and strikes come from the node's profile.
   * Runs by itself after every reconnect; callers may run it too (e.g. before reading final counts).
   */
  async recoverVerdicts(): Promise<void> {
    const now = Date.now();
    for (const [taskId, deadline] of this.awaitingVerdict) {
      if (deadline < now - 600_000) this.awaitingVerdict.delete(taskId); // never settled: stop asking
    }
    const due = [...this.awaitingVerdict.keys()].filter((taskId) => !this.running.has(taskId));
    if (due.length === 0) return;
    const profile = await this.profile();
    for (const taskId of due) {
      if (this.stopController.signal.aborted) return;
      const response = await this.fetchImpl(`${this.base}/api/tasks/${taskId}`);
      if (!response.ok) {
        await response.body?.cancel();
        continue;
      }
      const task = (await response.json()) as {
        settledAt?: number | null;
        assignments?: Array<{ node: string; status: string; rewardWei: string | number }>;
      };
      if (!task.settledAt) continue;
      const mine = task.assignments?.find((a) => a.node.toLowerCase() === this.address.toLowerCase());
      if (!mine || !["correct", "wrong", "timeout", "inconclusive"].includes(mine.status)) continue;
      this.onVerdict(
        {
          type: "verdict",
          v: PROTOCOL_VERSION,
          taskId,
          outcome: mine.status as VerdictMessage["outcome"],
          reputationBps: Number(profile?.reputationBps ?? this.stats.reputationBps ?? 0),
          strikes: Number(profile?.strikes ?? this.stats.strikes ?? 0),
          rewardWei: String(mine.rewardWei),
        },
        true,
      );
    }
  }

  // --- WebSocket ---

  private websocketSession(): Promise<SessionEnd> {
    const Impl = this.WebSocketImpl;
    if (!Impl) return Promise.resolve({ opened: false, authenticated: false, reason: "no WebSocket available" });
    return new Promise<SessionEnd>((resolve) => {
      let opened = false;
      let authenticated = false;
      let retryNow = false;
      let fatal: AuthRejectedError | null = null;
      let resumed = false;
      let lastSeen = Date.now();
      let heartbeat: ReturnType<typeof setInterval> | null = null;
      let finished = false;
      let socket: WebSocket;
      try {
        socket = new Impl(this.socketUrl);
      } catch (error) {
        resolve({ opened: false, authenticated: false, reason: (error as Error).message });
        return;
      }
      const finish = (reason: string) => {
        if (finished) return;
        finished = true;
        clearTimeout(authTimer);
        if (heartbeat) clearInterval(heartbeat);
        this.stopController.signal.removeEventListener("abort", onStop);
        try {
          socket.close(1000, reason.slice(0, 100));
        } catch {}
        resolve({ opened, authenticated, reason, retryNow, ...(fatal ? { fatal } : {}) });
      };
      const onStop = () => finish("client stopped");
      this.stopController.signal.addEventListener("abort", onStop, { once: true });
      // A socket that opens but never gets as far as a session (no hello, no auth_ok) is given up after 30 s.
      const authTimer = setTimeout(() => {
        if (!authenticated) finish("no sign-in within 30 s");
      }, 30_000);
      const send = (message: NodeMessage) => {
        if (socket.readyState === 1) socket.send(JSON.stringify(message));
      };
      const session: Session = { transport: "websocket", send, close: (reason) => finish(reason) };
      const heartbeatMs = this.options.heartbeatMs ?? 15_000;

      socket.addEventListener("message", (event: MessageEvent) => {
        lastSeen = Date.now();
        if (typeof event.data !== "string") return;
        const decoded = decodeRelayerMessage(event.data);
        if (!decoded.ok) {
          this.emit("error", new Error(`relayer sent an invalid frame: ${decoded.reason}`));
          return;
        }
        const message = decoded.message;
        if (message.type === "hello") {
          opened = true;
          if (this.session) {
            resumed = true;
            send({ type: "auth", v: PROTOCOL_VERSION, session: this.session });
          } else {
            this.signIn(message).then(send, (error: unknown) => {
              this.emit("error", error as Error);
              finish("signing failed");
            });
          }
          return;
        }
        if (message.type === "auth_ok") {
          authenticated = true;
          this.current = session;
          this.authenticated(message, "websocket");
          send(this.readyMessage());
          for (const result of this.unacked.values()) send(result);
          heartbeat = setInterval(() => {
            if (Date.now() - lastSeen > 3 * heartbeatMs) finish("no traffic from the relayer for 3 heartbeats");
            else send({ type: "heartbeat", v: PROTOCOL_VERSION, t: Date.now() });
          }, heartbeatMs);
          return;
        }
        if (message.type === "error" && message.code === "auth_failed") {
          if (resumed) {
            // The session expired or is unknown: forget it and sign in again right away.
            this.session = null;
            retryNow = true;
            finish(`session refused: ${message.message}`);
            return;
          }
          fatal = new AuthRejectedError(`sign-in refused: ${message.message}`);
          finish(fatal.message);
          return;
        }
        this.handle(message);
      });
      socket.addEventListener("open", () => {
        lastSeen = Date.now();
      });
      socket.addEventListener("error", () => {});
      socket.addEventListener("close", (event: CloseEvent) => {
        finish(`socket closed (${event.code}${event.reason ? ` ${event.reason}` : ""})`);
      });
    });
  }

  // --- HTTP polling ---

  private async http(path: string, init: RequestInit = {}, signal?: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (this.session) headers.authorization = `Bearer ${this.session}`;
    return this.fetchImpl(`${this.base}${path}`, { ...init, headers, ...(signal ? { signal } : {}) });
  }

  private async httpSignIn(): Promise<AuthOkMessage> {
    const helloResponse = await this.http("/api/auth/challenge", { method: "POST", body: "{}" });
    const hello = relayerMessage.safeParse(await helloResponse.json());
    if (!hello.success || hello.data.type !== "hello") throw new Error("relayer sent no challenge");
    const auth = await this.signIn(hello.data);
    const response = await this.http("/api/auth/session", { method: "POST", body: JSON.stringify(auth) });
    const reply = relayerMessage.safeParse(await response.json());
    if (reply.success && reply.data.type === "auth_ok") return reply.data;
    const reason = reply.success && reply.data.type === "error" ? reply.data.message : `HTTP ${response.status}`;
    throw new AuthRejectedError(`sign-in refused: ${reason}`);
  }

  private async httpSession(): Promise<SessionEnd> {
    const signal = this.stopController.signal;
    const controller = new AbortController();
    const abort = () => controller.abort();
    signal.addEventListener("abort", abort, { once: true });
    let closedReason: string | null = null;
    const session: Session = {
      transport: "http",
      send: (message) => {
        if (message.type !== "result") return; // ready and heartbeat ride on the polls
        this.http("/api/inference/result", { method: "POST", body: JSON.stringify(message) })
          .then(async (response) => {
            const reply = relayerMessage.safeParse(await response.json());
            if (reply.success) this.handle(reply.data);
          })
          .catch((error: unknown) => this.emit("error", error as Error));
      },
      close: (reason) => {
        closedReason = reason;
        controller.abort();
      },
    };
    let opened = false;
    let authenticated = false;
    try {
      if (!this.session) {
        const ok = await this.httpSignIn();
        opened = true;
        authenticated = true;
        this.current = session;
        this.authenticated(ok, "http");
      }
      for (const result of this.unacked.values()) session.send(result);
      const query = new URLSearchParams({
        models: this.models.join(","),
        capacity: String(this.options.capacity ?? 1),
        wait: String(this.options.pollWaitMs ?? 20_000),
        ...(this.options.country ? { country: this.options.country } : {}),
      });
      for (;;) {
        if (controller.signal.aborted) break;
        const response = await this.http(`/api/inference/job?${query}`, {}, controller.signal);
        opened = true;
        if (response.status === 401) {
          // Unknown or expired session: sign in again.
          await response.body?.cancel();
          this.session = null;
          const ok = await this.httpSignIn();
          authenticated = true;
          this.current = session;
          this.authenticated(ok, "http");
          continue;
        }
        if (!authenticated) {
          authenticated = true;
          this.current = session;
          this.authenticated(
            { type: "auth_ok", v: PROTOCOL_VERSION, account: this.address, session: this.session ?? "", expiresAt: 0 },
            "http",
          );
        }
        if (response.status === 204) continue;
        const body = (await response.json()) as { messages?: unknown[] } | unknown;
        const messages =
          typeof body === "object" && body !== null && "messages" in body && Array.isArray(body.messages)
            ? body.messages
            : [body];
        for (const raw of messages) {
          const parsed = relayerMessage.safeParse(raw);
          if (parsed.success) this.handle(parsed.data);
          else this.emit("error", new Error("relayer sent an invalid message"));
        }
        if (response.status >= 500) break;
      }
      return { opened, authenticated, reason: closedReason ?? "stopped" };
    } catch (error) {
      if (error instanceof AuthRejectedError) throw error;
      return { opened, authenticated, reason: closedReason ?? `HTTP polling failed: ${(error as Error).message}` };
    } finally {
      signal.removeEventListener("abort", abort);
    }
  }

  // --- messages and tasks ---

  private handle(message: RelayerMessage): void {
    switch (message.type) {
      case "task":
        this.accept(message);
        return;
      case "ack":
        this.unacked.delete(message.taskId);
        this.emit("ack", message.taskId);
        return;
      case "verdict":
        this.onVerdict(message);
        return;
      case "heartbeat":
        if (message.t > 0) this.stats.latencyMs = Math.max(0, Date.now() - message.t);
        return;
      case "error":
        if (message.taskId && (message.code === "late_result" || message.code === "unknown_task")) {
          this.unacked.delete(message.taskId);
        }
        if (message.code === "banned") this.onBanned(message.message);
        this.emit("error", message);
        return;
      default:
        return;
    }
  }

  private onBanned(text: string, until?: number): void {
    const match = /until (\S+Z)/.exec(text);
    const parsed = until ?? (match?.[1] ? Date.parse(match[1]) : Number.NaN);
    this.stats.bannedUntil = Number.isFinite(parsed) ? parsed : null;
    this.emit("banned", { until: this.stats.bannedUntil, message: text });
    // Announce readiness again when the ban ends (checked at least every 5 minutes).
    if (this.readyRetry) clearTimeout(this.readyRetry);
    const wait = Math.min(300_000, Math.max(1_000, (this.stats.bannedUntil ?? 0) - Date.now() + 1_000));
    this.readyRetry = setTimeout(() => {
      this.readyRetry = null;
      this.current?.send(this.readyMessage());
    }, wait);
  }

  private onVerdict(message: VerdictMessage, recovered = false): void {
    if (this.judged.has(message.taskId)) return;
    this.judged.add(message.taskId);
    if (this.judged.size > 10_000) {
      for (const old of this.judged) {
        this.judged.delete(old);
        if (this.judged.size <= 5_000) break;
      }
    }
    this.awaitingVerdict.delete(message.taskId);
    const reward = BigInt(message.rewardWei);
    if (message.outcome === "correct") this.stats.accepted++;
    else if (message.outcome === "wrong") this.stats.rejected++;
    else if (message.outcome === "timeout") this.stats.timeouts++;
    else this.stats.inconclusive++;
    this.stats.earnedWei += reward;
    this.stats.reputationBps = message.reputationBps;
    this.stats.strikes = message.strikes;
    this.emit("verdict", message, { recovered });
    this.emit("balance", {
      earnedWei: this.stats.earnedWei,
      rewardWei: reward,
      reputationBps: message.reputationBps,
      strikes: message.strikes,
    });
    if (message.bannedUntil !== undefined) {
      this.onBanned(`banned until ${new Date(message.bannedUntil).toISOString()}`, message.bannedUntil);
    }
  }

  private accept(task: TaskMessage): void {
    const pending = this.unacked.get(task.taskId);
    if (pending) {
      // Sent again after a reconnect: the result is ready, send it again.
      this.current?.send(pending);
      return;
    }
    if (this.running.has(task.taskId)) return;
    this.stats.tasksReceived++;
    this.awaitingVerdict.set(task.taskId, task.deadline);
    this.running.set(task.taskId, task);
    this.emit("task", task);
    this.queue.push(task);
    this.pump();
  }

  private pump(): void {
    const capacity = this.options.capacity ?? 1;
    while (this.active < capacity && this.queue.length > 0) {
      const task = this.queue.shift() as TaskMessage;
      this.active++;
      this.execute(task).finally(() => {
        this.active--;
        this.running.delete(task.taskId);
        this.pump();
      });
    }
  }

  private async execute(task: TaskMessage): Promise<void> {
    const signal = this.stopController.signal;
    if (signal.aborted) return;
    const controller = new AbortController();
    const onStop = () => controller.abort(new Error("client stopped"));
    signal.addEventListener("abort", onStop, { once: true });
    const timer = setTimeout(
      () => controller.abort(new Error("task deadline passed")),
      Math.max(0, task.deadline - Date.now()),
    );
    try {
      const output = await this.engine.generate(
        { model: task.model, input: task.input, maxTokens: task.maxTokens, seed: task.seed },
        controller.signal,
      );
      if (controller.signal.aborted) return;
      const result: ResultMessage = {
        type: "result",
        v: PROTOCOL_VERSION,
        taskId: task.taskId,
        outputHash: outputHash(output.tokenIds),
        tokensGenerated: output.tokenIds.length,
        timings: {
          queueMs: Math.min(86_400_000, Math.max(0, output.timings.queueMs)),
          inferenceMs: Math.min(86_400_000, Math.max(0, output.timings.inferenceMs)),
        },
      };
      this.unacked.set(task.taskId, result);
      this.stats.tasksDone++;
      this.current?.send(result);
      this.emit("result", { task, result, output });
    } catch (error) {
      if (signal.aborted) return;
      this.stats.tasksFailed++;
      this.emit("error", new Error(`task ${task.taskId} failed: ${(error as Error).message}`));
    } finally {
      clearTimeout(timer);
      signal.removeEventListener("abort", onStop);
    }
  }
}
