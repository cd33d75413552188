/**
 * Typed client of the relayer's read API (`relayer/src/api/routes.ts`). Amounts arrive as decimal strings (the
 * relayer's JSON writes bigints that way) and are parsed to bigint here, once.
 */
import type { Address, Hex } from "viem";

export interface NodeProfile {
  address: Address;
  connected: boolean;
  pendingWei: bigint;
  confirmedWei: bigint;
  claimedWei: bigint | null;
  reputationBps: number;
  strikes: number;
  activeStrikes: number;
  banned: boolean;
  bannedUntil: number | null;
  tasksValidated: number;
  tasksFailed: number;
  gpuSecondsToday: number;
  tasksLastHour: number;
  country: string | null;
}

export interface NetworkStats {
  nodes: number;
  bannedNodes: number;
  tasksCompleted: number;
  tasksQueued: number;
  fraudBlocked: number;
  nodesPerCountry: Record<string, number>;
  connectedNodes: number;
  activeNodes: number;
}

export type TaskStatus = "queued" | "assigned" | "validated" | "rejected" | "inconclusive";

export interface TaskRow {
  id: string;
  model: string;
  status: TaskStatus;
  createdAt: number;
  settledAt: number | null;
  tokensGenerated: number | null;
  outputHash: Hex | null;
  epoch: number | null;
}

export type EpochStatus = "open" | "closed" | "built" | "proposing" | "proposed" | "final" | "vetoed";

export interface EpochRow {
  epoch: number;
  status: EpochStatus;
  openedAt: number;
  closedAt: number | null;
  leafCount: number | null;
  cumulativeTotal: bigint | null;
  networkShare: bigint | null;
  root: Hex | null;
  txHash: Hex | null;
  proposedAt: number | null;
  finalAt: number | null;
}

export interface ClaimState {
  account: Address;
  cumulativeAmount: bigint;
  reputationBps: number;
  tasksValidated: bigint;
  tasksFailed: bigint;
  strikes: number;
}

export interface ClaimProof {
  epoch: number;
  root: Hex;
  state: ClaimState;
  proof: Hex[];
}

export interface NodeRow {
  address: Address;
  country: string | null;
  reputationBps: number;
  strikes: number;
  tasksValidated: number;
  tasksFailed: number;
  confirmedWei: bigint;
  lastSeenAt: number;
  connected: boolean;
}

export class ApiError extends Error {
  override name = "ApiError";
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

type Raw = Record<string, unknown>;

const big = (v: unknown): bigint => (typeof v === "string" || typeof v === "number" ? BigInt(v) : 0n);
const bigOrNull = (v: unknown): bigint | null => (v === null || v === undefined ? null : big(v));

export function parseProfile(raw: Raw): NodeProfile {
  return {
    ...(raw as unknown as NodeProfile),
    pendingWei: big(raw.pendingWei),
    confirmedWei: big(raw.confirmedWei),
    claimedWei: bigOrNull(raw.claimedWei),
  };
}

export function parseEpoch(raw: Raw): EpochRow {
  return {
    ...(raw as unknown as EpochRow),
    cumulativeTotal: bigOrNull(raw.cumulativeTotal),
    networkShare: bigOrNull(raw.networkShare),
  };
}

export function parseClaim(raw: Raw): ClaimProof {
  const state = raw.state as Raw;
  return {
    epoch: Number(raw.epoch),
    root: raw.root as Hex,
    proof: raw.proof as Hex[],
    state: {
      account: state.account as Address,
      cumulativeAmount: big(state.cumulativeAmount),
      reputationBps: Number(state.reputationBps),
      tasksValidated: big(state.tasksValidated),
      tasksFailed: big(state.tasksFailed),
      strikes: Number(state.strikes),
    },
  };
}

/** The relayer's API on `base` (empty: same origin, proxied by the dev/preview server). */
export class RelayerApi {
  readonly base: string;
  private readonly fetcher: typeof fetch;

  constructor(base = "", fetcher: typeof fetch = (...args) => fetch(...args)) {
    this.base = base.replace(/\/$/, "");
    this.fetcher = fetcher;
  }

  private async get(path: string): Promise<Raw> {
    const response = await this.fetcher(`${this.base}${path}`, { headers: { accept: "application/json" } });
    const body = (await response.json().catch(() => ({}))) as Raw;
    if (!response.ok) throw new ApiError(response.status, String(body.error ?? `HTTP ${response.status}`));
    return body;
  }

  /** A node's profile, or null when the relayer has never seen it. */
  async profile(address: Address): Promise<NodeProfile | null> {
    try {
      return parseProfile(await this.get(`/api/nodes/${address}`));
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return null;
      throw error;
    }
  }

  async stats(): Promise<NetworkStats> {
    return (await this.get("/api/stats")) as unknown as NetworkStats;
  }

  async tasks(options: { limit?: number; node?: Address; status?: TaskStatus } = {}): Promise<TaskRow[]> {
    const query = new URLSearchParams({ limit: String(options.limit ?? 50) });
    if (options.node) query.set("node", options.node);
    if (options.status) query.set("status", options.status);
    return (await this.get(`/api/tasks?${query}`)).tasks as TaskRow[];
  }

  async nodes(limit = 200): Promise<NodeRow[]> {
    const rows = (await this.get(`/api/nodes?limit=${limit}`)).nodes as Raw[];
    return rows.map((n) => ({ ...(n as unknown as NodeRow), confirmedWei: big(n.confirmedWei) }));
  }

  async epochs(limit = 20): Promise<EpochRow[]> {
    return ((await this.get(`/api/epochs?limit=${limit}`)).epochs as Raw[]).map(parseEpoch);
  }

  /** The newest final state of `address` and its proof, or null when no final epoch holds it yet. */
  async claim(address: Address): Promise<ClaimProof | null> {
    try {
      return parseClaim(await this.get(`/api/claims/${address}`));
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return null;
      throw error;
    }
  }
}
