import type { Address } from "viem";
import { RelayerApi } from "../api/client.ts";
import type { NodeProfile } from "../api/types.ts";
import type { Engine } from "../engines/engine.ts";
import type { AuthRejectedError } from "../errors.ts";
import type { AuthOkMessage, RelayerMessage } from "../protocol/messages.ts";
import { NODE_SOCKET_PATH } from "../protocol/version.ts";
import { CapacitySlots } from "./capacity-slots.ts";
import { ConnectionLoop, type ServedModel } from "./connection-loop.ts";
import { Emitter } from "./emitter.ts";
import { ServePump } from "./serve-pump.ts";
import { type Signer, toSigner } from "./signer.ts";
import { TaskPump } from "./task-pump.ts";
import type {
  ClientState,
  EmitEvent,
  NodeClientEvents,
  NodeClientOptions,
  NodeStats,
  Transport,
  WebSocketConstructor,
} from "./types.ts";
import { Verdicts } from "./verdicts.ts";

export { AuthRejectedError } from "../errors.ts";
export type {
  ClientState,
  NodeClientEvents,
  NodeClientOptions,
  NodeStats,
  ServedRequest,
  SubmittedResult,
  Transport,
  WebSocketConstructor,
} from "./types.ts";

/** After a reconnect, missed verdicts are looked up this long after signing in (results sent again are acked first). */
const RECOVERY_DELAY_MS = 1_000;
/** While banned, readiness is announced again when the ban ends, and at least this often. */
const BAN_RECHECK_MS = 300_000;

/**
 * The node side of the protocol, for browser and headless nodes alike: sign in with the wallet, announce models and
 * capacity, run each task on the engine, submit `outputHash(tokenIds)`, heartbeat, and reconnect (5 s, doubling to
 * 60 s) when the connection drops, resuming the session without a new signature. Falls back to HTTP polling when
 * no WebSocket can be opened. Verdicts and balance changes surface as events.
 *
 * With an engine that streams, it also serves users' requests from the relayer's `/v1` gateway (./serve-pump.ts).
 *
 * Composed of the connection loop (./connection-loop.ts, opening ./ws-session.ts or ./http-session.ts), the task pump
 * (./task-pump.ts) and the serve pump sharing the capacity slots (./capacity-slots.ts), and the verdict tally
 * (./verdicts.ts); this class routes the relayer's frames between them.
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

  private readonly options: NodeClientOptions;
  private readonly base: string;
  private readonly api: RelayerApi;
  private readonly stopController = new AbortController();
  private readonly connection: ConnectionLoop;
  private readonly tasks: TaskPump;
  private readonly serves: ServePump;
  private readonly verdicts: Verdicts;
  private loop: Promise<void> | null = null;
  private recovery: ReturnType<typeof setTimeout> | null = null;
  private readyRetry: ReturnType<typeof setTimeout> | null = null;
  private firstAuth: { resolve: () => void; reject: (error: Error) => void } | null = null;

  constructor(options: NodeClientOptions) {
    super();
    this.options = options;
    this.signer = toSigner(options.signer);
    this.engine = options.engine;
    this.base = options.relayer.replace(/\/+$/, "");
    const fetchImpl = options.fetch ?? ((...args) => fetch(...args));
    this.api = new RelayerApi(this.base, fetchImpl);
    const emit: EmitEvent = (event, ...args) => this.emit(event, ...args);
    const signal = this.stopController.signal;
    this.verdicts = new Verdicts({
      stats: this.stats,
      emit,
      banned: (until) => this.onBanned(`banned until ${new Date(until).toISOString()}`, until),
    });
    const slots = new CapacitySlots(options.capacity ?? 1);
    this.tasks = new TaskPump({
      engine: this.engine,
      slots,
      signal,
      stats: this.stats,
      node: this.signer.address,
      sessionKey: () => {
        const key = this.connection.sessionKey;
        if (!key) throw new Error("no session key: not signed in");
        return key;
      },
      send: (frame) => this.connection.send(frame),
      received: (work) => {
        this.verdicts.expect(work.taskId, work.deadline);
        this.emit("task", work);
      },
      emit,
    });
    this.serves = new ServePump({
      engine: this.engine,
      slots,
      signal,
      send: (frame) => this.connection.send(frame),
      emit,
    });
    this.connection = new ConnectionLoop(
      {
        transport: options.transport,
        reconnect: options.reconnect,
        heartbeatMs: options.heartbeatMs,
        pollWaitMs: options.pollWaitMs,
        capacity: options.capacity,
        country: options.country,
        placement: options.placement,
        base: this.base,
        socketUrl: this.socketUrl,
        WebSocket:
          options.WebSocket === null
            ? null
            : (options.WebSocket ?? (globalThis.WebSocket as WebSocketConstructor | undefined) ?? null),
        fetch: fetchImpl,
        signer: this.signer,
        verify: typeof options.engine.score === "function",
        signal,
      },
      {
        connecting: () =>
          this.setState(this.stats.reconnects === 0 && this.state !== "reconnecting" ? "connecting" : "reconnecting"),
        authenticated: (ok, transport) => this.authenticated(ok, transport),
        handle: (message) => this.handle(message),
        error: (error) => this.emit("error", error),
        unacked: () => this.tasks.unacked(),
        disconnected: (info) => {
          this.serves.abandon(`connection lost: ${info.reason}`);
          this.stats.reconnects++;
          this.setState("reconnecting");
          this.emit("disconnected", info);
        },
        rejected: (error) => this.rejected(error),
      },
    );
  }

  /** Session token: later connections resume with it instead of signing again. */
  get session(): string | null {
    return this.connection.token;
  }

  set session(token: string | null) {
    this.connection.token = token;
  }

  /** Tasks received whose verdict has not arrived yet. */
  get awaitingVerdicts(): number {
    return this.verdicts.awaitingCount;
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
    const models = this.options.models ?? (await this.engine.models());
    if (models.length === 0) throw new Error(`engine ${this.engine.name} serves no model`);
    const serves = await this.servedModels(models);
    const authenticated = new Promise<void>((resolve, reject) => {
      this.firstAuth = { resolve, reject };
    });
    this.loop = this.connection.run(models, serves);
    return authenticated;
  }

  /** What `ready.serves` announces: every model, when serving is on and the engine can stream and tell its context. */
  private async servedModels(models: string[]): Promise<ServedModel[]> {
    const serve = this.options.serve ?? {};
    const { stream, contextLength } = this.engine;
    if (serve === false || !stream || !contextLength) return [];
    const floor = serve.priceFloorWei ?? 0n;
    if (floor < 0n) throw new Error(`serve.priceFloorWei must not be negative, got ${floor}`);
    const served: ServedModel[] = [];
    for (const model of models) {
      try {
        const tokens = await contextLength.call(this.engine, model);
        served.push({
          model,
          contextLength: Math.min(1_048_576, Math.max(1, Math.floor(tokens))),
          priceFloorWei: floor.toString(),
        });
      } catch (error) {
        // The node still runs tasks on it.
        this.emit("error", new Error(`not serving ${model}: ${(error as Error).message}`));
      }
    }
    return served;
  }

  /** Stops: closes the connection, abandons queued tasks; the engine is left to its owner. */
  async stop(): Promise<void> {
    this.stopController.abort();
    this.connection.close("client stopped");
    if (this.readyRetry) clearTimeout(this.readyRetry);
    if (this.recovery) clearTimeout(this.recovery);
    this.firstAuth?.reject(new Error("client stopped"));
    this.firstAuth = null;
    await this.loop;
    this.setState("stopped");
  }

  /** Drops the current connection as a network failure would; the client reconnects (simulations, tests). */
  dropConnection(): void {
    this.connection.close("connection dropped");
  }

  /** The node's profile from the relayer's API (confirmed and pending GBT, reputation, counters); null if unknown. */
  async profile(): Promise<NodeProfile | null> {
    return this.api.profile(this.address);
  }

  /**
   * The relayer pushes verdicts only to connected nodes. After a reconnect, tasks whose deadline passed without a
   * verdict are looked up in the task API (`GET /api/tasks/:id` lists each node's outcome once settled), and their
   * verdicts surface as `verdict` events marked `recovered`; reputation and strikes come from the node's profile.
   * Runs by itself after every reconnect; callers may run it too (e.g. before reading final counts).
   */
  async recoverVerdicts(): Promise<void> {
    await this.verdicts.recover(this.api, this.address, {
      running: (taskId) => this.tasks.has(taskId),
      signal: this.stopController.signal,
    });
  }

  private setState(state: ClientState): void {
    if (this.state === state) return;
    this.state = state;
    this.emit("state", state);
  }

  private authenticated(ok: AuthOkMessage, transport: Transport): void {
    this.stats.transport = transport;
    this.setState("online");
    this.emit("authenticated", { account: ok.account as Address, transport, session: this.session ?? "" });
    this.firstAuth?.resolve();
    this.firstAuth = null;
    if (this.verdicts.awaitingCount > 0 && !this.recovery) {
      this.recovery = setTimeout(() => {
        this.recovery = null;
        this.recoverVerdicts().catch((error: unknown) => this.emit("error", error as Error));
      }, RECOVERY_DELAY_MS);
    }
  }

  /** The relayer refused the wallet's signature: the client stops. */
  private rejected(error: AuthRejectedError): void {
    this.emit("error", error);
    this.firstAuth?.reject(error);
    this.firstAuth = null;
    this.stopController.abort();
  }

  private handle(message: RelayerMessage): void {
    switch (message.type) {
      case "task":
      case "verify":
        this.tasks.accept(message);
        return;
      case "serve":
        this.serves.accept(message);
        return;
      case "cancel":
        this.serves.cancel(message.requestId, message.reason);
        return;
      case "ack":
        this.tasks.acked(message.taskId, message.of);
        this.emit("ack", message.taskId);
        return;
      case "verdict":
        this.verdicts.record(message);
        return;
      case "heartbeat":
        if (message.t > 0) this.stats.latencyMs = Math.max(0, Date.now() - message.t);
        return;
      case "error":
        if (
          message.taskId &&
          (message.code === "late_result" || message.code === "unknown_task" || message.code === "no_commitment")
        ) {
          this.tasks.release(message.taskId);
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
    const wait = Math.min(BAN_RECHECK_MS, Math.max(1_000, (this.stats.bannedUntil ?? 0) - Date.now() + 1_000));
    this.readyRetry = setTimeout(() => {
      this.readyRetry = null;
      this.connection.announceReady();
    }, wait);
  }
}
