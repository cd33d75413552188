/**
 * The relayer's read API and dashboard channel, as values: every amount a bigint. The relayer produces these types
 * (relayer/src/api) and `RelayerApi` (./client.ts) reads them; on the wire bigints travel as decimal strings
 * (see `toJson` and the parsers in ./json.ts).
 */
import type { Address, Hex } from "viem";
import type { NodeState } from "../leaf.ts";
import type { VerdictMessage } from "../protocol/messages.ts";

export type TaskStatus = "queued" | "assigned" | "validated" | "rejected" | "inconclusive";
export type AssignmentStatus = "assigned" | "submitted" | "correct" | "wrong" | "timeout" | "inconclusive";
export type EpochStatus = "open" | "closed" | "built" | "proposing" | "proposed" | "final" | "vetoed";
/** A node's verdict on one task, as the node protocol reports it. */
export type VerdictOutcome = VerdictMessage["outcome"];

/** A row of `GET /api/nodes`: the node as the relayer stores it, plus whether it is connected now. */
export interface NodeRow {
  address: Address;
  /** Operator grouping: nodes of one operator never verify the same task. Defaults to the node's own address. */
  operator: string;
  country: string | null;
  reputationBps: number;
  /** Every strike ever (goes into the epoch leaf). */
  strikes: number;
  /** Strikes since the last ban; 3 bans the node. */
  activeStrikes: number;
  tasksValidated: number;
  tasksFailed: number;
  bannedUntil: number | null;
  /** Cumulative confirmed GBT wei: the leaf's cumulativeAmount. */
  confirmedWei: bigint;
  createdAt: number;
  lastSeenAt: number;
  connected: boolean;
}

/** `GET /api/nodes/:address`, and the dashboard channel's `profile` push. */
export interface NodeProfile {
  address: Address;
  connected: boolean;
  /** Potential: results submitted and awaiting a verdict, valued at the node's share. */
  pendingWei: bigint;
  /** Confirmed: every validated reward and passive credit so far (cumulative; what the epoch leaf carries). */
  confirmedWei: bigint;
  /** Claimed on-chain (null when no chain is configured or it cannot be reached). */
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

/** One node's part in a task. */
export interface AssignmentRow {
  taskId: string;
  node: Address;
  status: AssignmentStatus;
  outputHash: Hex | null;
  tokensGenerated: number | null;
  queueMs: number | null;
  inferenceMs: number | null;
  assignedAt: number;
  submittedAt: number | null;
  rewardWei: bigint;
}

/** `GET /api/tasks/:id`: a task as stored, less what would reveal a challenge. */
export interface TaskDetail {
  id: string;
  model: string;
  input: string;
  maxTokens: number;
  seed: number;
  status: TaskStatus;
  redundancy: number;
  createdAt: number;
  assignedAt: number | null;
  deadline: number | null;
  /** The agreed output (validated tasks). */
  outputHash: Hex | null;
  tokensGenerated: number | null;
  judgedAt: number | null;
  /** Epoch whose ledger holds this task's credits. */
  epoch: number | null;
  /** Empty until the task is settled. */
  assignments: AssignmentRow[];
}

/** A row of `GET /api/tasks`: never which tasks were challenges, nor inputs of tasks still being verified. */
export type TaskRow = Pick<
  TaskDetail,
  "id" | "model" | "status" | "createdAt" | "judgedAt" | "tokensGenerated" | "outputHash" | "epoch"
>;

/** `GET /api/stats`. */
export interface NetworkStats {
  nodes: number;
  bannedNodes: number;
  tasksCompleted: number;
  tasksQueued: number;
  fraudBlocked: number;
  nodesPerCountry: Record<string, number>;
  /** Nodes with an open socket. */
  connectedNodes: number;
  /** Connected nodes that are ready for work. */
  activeNodes: number;
}

/** `GET /api/epochs/:epoch`, and a row of `GET /api/epochs`. */
export interface EpochRow {
  epoch: number;
  status: EpochStatus;
  openedAt: number;
  closedAt: number | null;
  leafCount: number | null;
  cumulativeTotal: bigint | null;
  networkShare: bigint | null;
  root: Hex | null;
  contentHash: Hex | null;
  txHash: Hex | null;
  proposedAt: number | null;
  finalAt: number | null;
}

/** A node's state in the newest final epoch: the leaf `RewardsVault.claim` proves. */
export type ClaimState = NodeState;

/** `GET /api/claims/:address`: the arguments of `RewardsVault.claim`. */
export interface ClaimProof {
  epoch: number;
  root: Hex;
  state: ClaimState;
  proof: Hex[];
}

/** `POST /api/tasks` (admin token): a task to schedule; `redundancy` defaults to the relayer's setting. */
export interface TaskSubmission {
  model: string;
  input: string;
  maxTokens: number;
  seed?: number;
  redundancy?: number;
}

/** The answer to `POST /api/tasks`. */
export interface TaskSubmitted {
  id: string;
  status: TaskStatus;
}

/** The body of every error response (4xx, 5xx). */
export interface ApiErrorBody {
  error: string;
}

/** Every read endpoint's response, by route. */
export interface ReadApi {
  "/api/nodes": { nodes: NodeRow[] };
  "/api/nodes/:address": NodeProfile;
  "/api/tasks": { tasks: TaskRow[] };
  "/api/tasks/:id": TaskDetail;
  "/api/stats": NetworkStats;
  "/api/epochs": { epochs: EpochRow[] };
  "/api/epochs/:epoch": EpochRow;
  "/api/claims/:address": ClaimProof;
}

/** The dashboard channel (`/ws/dashboard?address=0x…`): a node's verdict. */
export interface DashboardVerdict {
  type: "verdict";
  taskId: string;
  node: Address;
  outcome: VerdictOutcome;
  rewardWei: bigint;
  reputationBps: number;
  strikes: number;
  bannedUntil: number | null;
}

/** The dashboard channel: the subscribed node's fresh profile, after every change. */
export interface DashboardProfile {
  type: "profile";
  profile: NodeProfile;
}

/** The dashboard channel: an epoch moved on. */
export interface DashboardEpoch {
  type: "epoch";
  epoch: number;
  status: EpochStatus;
}

export type DashboardMessage = DashboardVerdict | DashboardProfile | DashboardEpoch;
