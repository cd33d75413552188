/**
 * A typed client of the relayer's dApp API (relayer/src/api/routes.ts), over `fetch`: the dApp, the headless node's
 * CLI and the node client use this one. Every answer is parsed by the route's parser (./json.ts): amounts arrive as
 * bigints. Browser-safe.
 */
import type { Address } from "viem";
import { ApiError, networkFailureReason, UnreachableError } from "../errors.ts";
import { type JsonObject, readApiParsers, toJson } from "./json.ts";
import { type ApiRoute, apiPath, SERVICE_ROUTES } from "./routes.ts";
import type {
  ClaimProof,
  EpochRow,
  FinalTaskStatus,
  NetworkStats,
  NodeProfile,
  NodeRow,
  ReadApi,
  TaskDetail,
  TaskRow,
  TaskStatus,
  TaskSubmission,
  TaskSubmitted,
} from "./types.ts";

export { ApiError, networkFailureReason, UnreachableError };

/** Null for a 404 (the relayer does not know the thing); other errors pass. */
async function orNull<T>(answer: Promise<T>): Promise<T | null> {
  try {
    return await answer;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

const withQuery = (path: string, query: Record<string, string | number | undefined>): string => {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) search.set(key, String(value));
  const text = search.toString();
  return text ? `${path}?${text}` : path;
};

/** The relayer's API at `base` (empty: same origin, e.g. proxied by the dApp's dev/preview server). */
export class RelayerApi {
  readonly base: string;
  private readonly fetcher: typeof fetch;

  constructor(base = "", fetcher: typeof fetch = (...args) => fetch(...args)) {
    this.base = base.replace(/\/+$/, "");
    this.fetcher = fetcher;
  }

  /** Sends a request and answers its JSON body; throws `ApiError` on a non-2xx status. */
  private async request(method: string, path: string, init: RequestInit = {}): Promise<JsonObject> {
    const response = await this.send(path, {
      ...init,
      method,
      headers: { accept: "application/json", ...(init.headers as Record<string, string> | undefined) },
    });
    const body = (await response.json().catch(() => ({}))) as JsonObject;
    if (!response.ok) {
      const message = typeof body.error === "string" ? body.error : `HTTP ${response.status}`;
      throw new ApiError(response.status, message, `${method} ${path}`);
    }
    return body;
  }

  /** Fetches `path`; no answer at all (refused, unknown host…) throws `UnreachableError`, which names the URL. */
  private async send(path: string, init: RequestInit): Promise<Response> {
    try {
      return await this.fetcher(`${this.base}${path}`, init);
    } catch (error) {
      // fetch rejects with a TypeError when there is no HTTP answer; an abort is the caller's and passes.
      if (!(error instanceof TypeError)) throw error;
      throw new UnreachableError("the relayer", this.base || "this page's origin", error);
    }
  }

  /** GETs `path` (an instance of `route`, with its query) and parses the body as that route's response. */
  async read<Route extends ApiRoute>(route: Route, path: string): Promise<ReadApi[Route]> {
    return readApiParsers[route](await this.request("GET", path)) as ReadApi[Route];
  }

  /** Known nodes, newest first. */
  async nodes(options: { limit?: number; offset?: number } | number = {}): Promise<NodeRow[]> {
    const { limit = 200, offset } = typeof options === "number" ? { limit: options } : options;
    return (await this.read("/api/nodes", withQuery(apiPath("/api/nodes"), { limit, offset }))).nodes;
  }

  /** A node's profile (confirmed and claimed GBT, standing), or null when the relayer has never seen it. */
  async profile(address: Address): Promise<NodeProfile | null> {
    return orNull(this.read("/api/nodes/:address", apiPath("/api/nodes/:address", { address })));
  }

  /**
   * The task feed: final tasks only (newest first), never which ones were challenges. `status` is one of
   * `FINAL_TASK_STATUSES`; `node` lists the final tasks that node generated or verified.
   */
  async tasks(options: { limit?: number; node?: Address; status?: FinalTaskStatus } = {}): Promise<TaskRow[]> {
    const query = { limit: options.limit ?? 50, node: options.node, status: options.status };
    return (await this.read("/api/tasks", withQuery(apiPath("/api/tasks"), query))).tasks;
  }

  /** A final task with each node's role and verdict, or null when there is no such task or it is still in flight. */
  async task(id: string): Promise<TaskDetail | null> {
    return orNull(this.read("/api/tasks/:id", apiPath("/api/tasks/:id", { id })));
  }

  async stats(): Promise<NetworkStats> {
    return this.read("/api/stats", apiPath("/api/stats"));
  }

  /** Epochs, newest first. */
  async epochs(limit = 20): Promise<EpochRow[]> {
    return (await this.read("/api/epochs", withQuery(apiPath("/api/epochs"), { limit }))).epochs;
  }

  async epoch(epoch: number): Promise<EpochRow | null> {
    return orNull(this.read("/api/epochs/:epoch", apiPath("/api/epochs/:epoch", { epoch })));
  }

  /** The newest final state of `address` and its proof (`RewardsVault.claim`'s arguments), or null when none yet. */
  async claim(address: Address): Promise<ClaimProof | null> {
    return orNull(this.read("/api/claims/:address", apiPath("/api/claims/:address", { address })));
  }

  /**
   * Whether the relayer answers at all: its liveness route's HTTP status (200 when healthy, 503 while it cannot
   * serve); throws `UnreachableError` when nothing answers. For a caller that only has a vaguer failure to go on.
   */
  async health(): Promise<number> {
    const response = await this.send(SERVICE_ROUTES.health, { method: "GET" });
    await response.body?.cancel();
    return response.status;
  }

  /**
   * An epoch's published file (`GET /api/epochs/:epoch/leaves`, NDJSON; its keccak256 is the epoch's `contentHash`),
   * as the exact bytes served, or null when the relayer has none for that epoch (404).
   */
  async epochFile(epoch: number): Promise<Uint8Array | null> {
    const path = `${apiPath("/api/epochs/:epoch", { epoch })}/leaves`;
    const response = await this.send(path, { method: "GET" });
    if (response.status === 404) return null;
    if (!response.ok) {
      const body = (await response.json().catch(() => ({}))) as JsonObject;
      const message = typeof body.error === "string" ? body.error : `HTTP ${response.status}`;
      throw new ApiError(response.status, message, `GET ${path}`);
    }
    return new Uint8Array(await response.arrayBuffer());
  }

  /** Schedules a task (admin: the relayer's `api.adminToken`). */
  async submitTask(task: TaskSubmission, adminToken: string): Promise<TaskSubmitted> {
    const body = await this.request("POST", apiPath("/api/tasks"), {
      headers: { "content-type": "application/json", authorization: `Bearer ${adminToken}` },
      body: toJson(task),
    });
    return { id: String(body.id), status: body.status as TaskStatus };
  }
}
