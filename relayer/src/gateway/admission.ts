import type { IncomingMessage, Server, ServerOptions } from "node:http";
import type { Socket } from "node:net";
import type { Clock } from "../clock.ts";
import type { RelayerConfig } from "../config/schema.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import { clientKey, requestClientKey } from "./client-address.ts";
import { TokenBucket } from "./rate-limit.ts";

/**
 * Per-address limits for a simulated fleet: thousands of nodes on one address (the fleet simulator, the
 * benchmarks), signing in at once. The defaults are sized for one host's share of a network and would turn most of
 * such a fleet away.
 */
export const SINGLE_HOST_FLEET_ADMISSION = {
  maxConnections: 100_000,
  maxConnectionsPerIp: 100_000,
  maxUnauthenticatedPerIp: 100_000,
  signInsPerSecond: 100_000,
  signInBurst: 100_000,
} as const;

/** Which admission limit turned a client away (the `reason` label of gitblock_admission_refusals_total). */
export type Refusal =
  | "connections_total"
  | "connections_per_ip"
  | "unauthenticated_per_ip"
  | "sign_in_budget"
  | "channels_per_wallet";

/**
 * HTTP server options against half-open connections: a connection that sends no complete request headers within
 * `headersTimeoutMs` is answered 408 and closed, and Node checks for such connections every second rather than
 * every 30 (its default), so a slow-headers flood holds each descriptor seconds, not minutes.
 */
export function httpServerOptions(config: RelayerConfig["admission"]): ServerOptions {
  return {
    headersTimeout: config.headersTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.min(1_000, config.headersTimeoutMs),
  };
}

/**
 * Admission control per client address (an IPv4 address, an IPv6 /64: client-address.ts): how many TCP connections
 * and not-yet-signed-in node sockets one address holds, and its sign-in budget, a token bucket spent by everything
 * that makes the relayer write a challenge or check a signature. One host flooding any of them is refused, counted
 * in /metrics and logged once per interval, while every other address is served as before.
 *
 * Memory is bounded: an address has counts only while it holds something, and a budget only until it refills.
 */
export class Admission {
  private readonly config: RelayerConfig["admission"];
  private readonly clock: Clock;
  private readonly metrics: Metrics;
  private readonly log: Logger;
  private readonly connections = new Map<string, number>();
  private readonly unauthenticated = new Map<string, number>();
  private readonly signInBudgets = new Map<string, TokenBucket>();
  /** When each address's refusals were last logged, and how many since. */
  private readonly refusalLog = new Map<string, { loggedAt: number; since: number }>();

  constructor(options: { config: RelayerConfig["admission"]; clock: Clock; metrics: Metrics; log: Logger }) {
    this.config = options.config;
    this.clock = options.clock;
    this.metrics = options.metrics;
    this.log = options.log;
  }

  /**
   * Counts every TCP connection `server` accepts by its address; one over the address's cap is closed at once. Above
   * `maxConnections` in all (a flood from many addresses), Node drops new connections before they cost a request:
   * the descriptors the relayer needs for its store and its chain stay free.
   */
  watch(server: Server): void {
    server.maxConnections = this.config.maxConnections;
    server.on("drop", (dropped?: { remoteAddress?: string }) =>
      this.refuse(clientKey(dropped?.remoteAddress), "connections_total"),
    );
    server.on("connection", (socket: Socket) => this.onConnection(socket));
  }

  /** The client a request (or an upgrade) comes from: the key the other limits count under. */
  clientOf(request: IncomingMessage): string {
    return requestClientKey(request, this.config.trustProxy);
  }

  /**
   * Admits a node socket that is not signed in yet; the returned release (idempotent) ends its count, at sign-in or
   * close. Null: the address already holds `maxUnauthenticatedPerIp` of them.
   */
  openUnauthenticated(client: string): (() => void) | null {
    const open = this.unauthenticated.get(client) ?? 0;
    if (open >= this.config.maxUnauthenticatedPerIp) {
      this.refuse(client, "unauthenticated_per_ip");
      return null;
    }
    this.unauthenticated.set(client, open + 1);
    this.metrics.unauthenticatedSockets.inc();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.metrics.unauthenticatedSockets.dec();
      decrement(this.unauthenticated, client);
    };
  }

  /** Spends one sign-in from the address's budget; false (refusal counted) when it is spent. */
  takeSignIn(client: string): boolean {
    const now = this.clock.now();
    let budget = this.signInBudgets.get(client);
    if (!budget) {
      budget = new TokenBucket(this.config.signInsPerSecond, this.config.signInBurst, now);
      this.signInBudgets.set(client, budget);
    }
    if (budget.take(now)) return true;
    this.refuse(client, "sign_in_budget");
    return false;
  }

  /** Counts a refusal and logs it, at most once per address per `refusalLogIntervalMs`. */
  refuse(client: string, reason: Refusal): void {
    this.metrics.admissionRefusals.inc({ reason });
    const now = this.clock.now();
    const entry = this.refusalLog.get(client);
    if (entry && now - entry.loggedAt < this.config.refusalLogIntervalMs) {
      entry.since++;
      return;
    }
    this.log.warn(
      { client, reason, refusedSinceLastLog: entry?.since ?? 0 },
      "refusing a client over its admission limit (logged once per address per interval)",
    );
    this.refusalLog.set(client, { loggedAt: now, since: 0 });
  }

  /** Periodic: forgets budgets that have refilled and log marks that have expired. */
  sweep(): void {
    const now = this.clock.now();
    for (const [client, budget] of this.signInBudgets) if (budget.isFull(now)) this.signInBudgets.delete(client);
    for (const [client, entry] of this.refusalLog) {
      if (now - entry.loggedAt >= this.config.refusalLogIntervalMs) this.refusalLog.delete(client);
    }
  }

  /** Addresses the admission state holds anything for (bounded: see the class comment). */
  get trackedClients(): number {
    const clients = new Set([
      ...this.connections.keys(),
      ...this.unauthenticated.keys(),
      ...this.signInBudgets.keys(),
      ...this.refusalLog.keys(),
    ]);
    return clients.size;
  }

  private onConnection(socket: Socket): void {
    const client = clientKey(socket.remoteAddress);
    const open = this.connections.get(client) ?? 0;
    if (open >= this.config.maxConnectionsPerIp) {
      this.refuse(client, "connections_per_ip");
      socket.destroy();
      return;
    }
    this.connections.set(client, open + 1);
    this.metrics.httpConnections.inc();
    socket.once("close", () => {
      this.metrics.httpConnections.dec();
      decrement(this.connections, client);
    });
  }
}

function decrement(counts: Map<string, number>, key: string): void {
  const left = (counts.get(key) ?? 0) - 1;
  if (left > 0) counts.set(key, left);
  else counts.delete(key);
}
