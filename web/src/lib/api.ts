/**
 * Fetch client of the relayer's read API (`relayer/src/api/routes.ts`). The response types and the JSON codec that
 * turns amounts (decimal strings on the wire) into bigints are the sdk's (sdk/src/api), shared with the relayer.
 */
import type { Address } from "viem";
import {
  type ClaimProof,
  type EpochRow,
  type JsonObject,
  type NetworkStats,
  type NodeProfile,
  type NodeRow,
  type ReadApi,
  readApiParsers,
  type TaskRow,
  type TaskStatus,
} from "./sdk.ts";

/** Re-exported for the pages that filter tasks by status. */
export type { TaskStatus };

export class ApiError extends Error {
  override name = "ApiError";
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** The relayer's API on `base` (empty: same origin, proxied by the dev/preview server). */
export class RelayerApi {
  readonly base: string;
  private readonly fetcher: typeof fetch;

  constructor(base = "", fetcher: typeof fetch = (...args) => fetch(...args)) {
    this.base = base.replace(/\/$/, "");
    this.fetcher = fetcher;
  }

  /** GETs `path`, an instance of `route`, and parses the body as that route's response. */
  private async get<Route extends keyof ReadApi>(route: Route, path: string): Promise<ReadApi[Route]> {
    const response = await this.fetcher(`${this.base}${path}`, { headers: { accept: "application/json" } });
    const body = (await response.json().catch(() => ({}))) as JsonObject;
    if (!response.ok) throw new ApiError(response.status, String(body.error ?? `HTTP ${response.status}`));
    return readApiParsers[route](body) as ReadApi[Route];
  }

  /** A node's profile, or null when the relayer has never seen it. */
  async profile(address: Address): Promise<NodeProfile | null> {
    try {
      return await this.get("/api/nodes/:address", `/api/nodes/${address}`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return null;
      throw error;
    }
  }

  async stats(): Promise<NetworkStats> {
    return this.get("/api/stats", "/api/stats");
  }

  async tasks(options: { limit?: number; node?: Address; status?: TaskStatus } = {}): Promise<TaskRow[]> {
    const query = new URLSearchParams({ limit: String(options.limit ?? 50) });
    if (options.node) query.set("node", options.node);
    if (options.status) query.set("status", options.status);
    return (await this.get("/api/tasks", `/api/tasks?${query}`)).tasks;
  }

  async nodes(limit = 200): Promise<NodeRow[]> {
    return (await this.get("/api/nodes", `/api/nodes?limit=${limit}`)).nodes;
  }

  async epochs(limit = 20): Promise<EpochRow[]> {
    return (await this.get("/api/epochs", `/api/epochs?limit=${limit}`)).epochs;
  }

  /** The newest final state of `address` and its proof, or null when no final epoch holds it yet. */
  async claim(address: Address): Promise<ClaimProof | null> {
    try {
      return await this.get("/api/claims/:address", `/api/claims/${address}`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return null;
      throw error;
    }
  }
}
