/** The node client's public types: its options, counters and events. */
import type { Address, LocalAccount } from "viem";
import type { Engine, GenerateResult } from "../engines/engine.ts";
import type { ErrorMessage, ServeMessage, TaskMessage, VerdictMessage, VerifyMessage } from "../protocol/messages.ts";
import type { AgreementReport } from "../verification/agreement.ts";
import type { Signer } from "./signer.ts";

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
  /** Work run at once, tasks and served requests together (default 1). */
  capacity?: number;
  /**
   * Serving users' requests through the relayer's `/v1` gateway (WebSocket sessions only): announced in `ready` for
   * every model when the engine can stream, with the engine's context length and `priceFloorWei` (the least price per
   * message this node serves for, GBT wei; default 0, free models included). `false`: run tasks only.
   */
  serve?: { priceFloorWei?: bigint } | false;
  /** ISO 3166-1 alpha-2 country, for network statistics only. */
  country?: string;
  /**
   * The publisher placement this node runs in (an embedded widget): sent in `ready`, so the placement's publisher
   * earns its share of this node's task rewards while its domain is verified (over WebSocket and HTTP polling alike).
   */
  placement?: string;
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
  /** Outputs committed and reports sent (acknowledged or waiting for an ack). */
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

/** A generated output the node committed to (the reveal follows the commitment's ack). */
export interface SubmittedResult {
  task: TaskMessage;
  output: GenerateResult;
  outputHash: `0x${string}`;
}

/** A claim the node verified, and its judgement. */
export interface SubmittedReport {
  claim: VerifyMessage;
  report: AgreementReport;
}

export interface NodeClientEvents {
  state: [ClientState];
  authenticated: [{ account: Address; transport: Transport; session: string }];
  /** Work arrived: a task to generate, or a claim to verify. */
  task: [TaskMessage | VerifyMessage];
  /** A user's request to serve arrived. */
  serve: [ServeMessage];
  /** This node is done with a served request. */
  served: [ServedRequest];
  result: [SubmittedResult];
  report: [SubmittedReport];
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

/**
 * A served request's end on this node: `ended` (`serve_end` sent), `failed` (`serve_failed` sent: the engine failed
 * or the deadline passed) or `cancelled` (by the relayer, or abandoned with its session or the client).
 */
export interface ServedRequest {
  serve: ServeMessage;
  outcome: "ended" | "failed" | "cancelled";
  /** Tokens this node streamed for it (without the prefix). */
  tokens: number;
  finish?: "stop" | "length";
  /** Why it failed or was cancelled. */
  message?: string;
}

/** How the client's parts raise its events (the client's own `emit`). */
export type EmitEvent = <K extends keyof NodeClientEvents>(event: K, ...args: NodeClientEvents[K]) => void;
