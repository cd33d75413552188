/**
 * The relayer's read API and dashboard channel, as values: every amount a bigint. The relayer produces these types
 * (relayer/src/api) and `RelayerApi` (./client.ts) reads them; on the wire bigints travel as decimal strings
 * (see `toJson` and the parsers in ./json.ts).
 */
import type { Address, Hex } from "viem";
import type { NodeState } from "../leaf.ts";
import type { VerdictMessage } from "../protocol/messages.ts";

/**
 * A task's life: queued → assigned (a generator commits and reveals) → verifying (verifiers re-score the claim) →
 * disputed (a failing report: the dispute tier decides) → validated, rejected or inconclusive. Only final tasks are
 * visible through the API: nothing about a task in flight is shown to anyone but its assigned nodes. `revoked`: a
 * validated claim whose generator was later, in the same epoch, proven wrong on another task; its pay is forfeit.
 * `expired`: a queued task no ready node could take (nobody connected serves its model) within the relayer's
 * `verification.queueTimeoutMs`; nobody worked on it and nobody is paid (`TaskDetail.reason` says so).
 */
export type TaskStatus =
  | "queued"
  | "assigned"
  | "verifying"
  | "disputed"
  | "validated"
  | "rejected"
  | "inconclusive"
  | "revoked"
  | "expired";
export const FINAL_TASK_STATUSES = [
  "validated",
  "rejected",
  "inconclusive",
  "revoked",
  "expired",
] as const satisfies readonly TaskStatus[];
export type FinalTaskStatus = (typeof FINAL_TASK_STATUSES)[number];
export const isFinalTaskStatus = (status: string): status is FinalTaskStatus =>
  (FINAL_TASK_STATUSES as readonly string[]).includes(status);
/**
 * assigned → committed → revealed (a generator), assigned → submitted (a verifier's report), then the verdict:
 * correct, wrong, timeout or inconclusive. `mismatch`: a reveal that does not open the commitment. `withdrawn`: the
 * node was banned while it held the assignment (its work is neither counted nor paid).
 */
export type AssignmentStatus =
  | "assigned"
  | "committed"
  | "revealed"
  | "mismatch"
  | "submitted"
  | "withdrawn"
  | "correct"
  | "wrong"
  | "timeout"
  | "inconclusive";
/** What a node was asked to do on a task: generate it, verify the generator's claim, or decide a dispute. */
export type AssignmentRole = "generate" | "verify" | "dispute";
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

/**
 * `GET /api/nodes/:address`, and the dashboard channel's `profile` push. Everything in it comes from final verdicts
 * and credits: work still being verified shows nowhere (no pending amount, no count, no GPU time), so nobody learns
 * from a node's profile that it holds a task, or when it answered.
 */
export interface NodeProfile {
  address: Address;
  connected: boolean;
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
  /** Inference time today on final tasks. */
  gpuSecondsToday: number;
  /** Final tasks the node answered in the last hour. */
  tasksLastHour: number;
  country: string | null;
  /**
   * The passive reward for staying connected and active: one per aligned window of `intervalSeconds`. `nextAt`: when
   * the current window this node can earn ends (null while it is not connected); `lastAt`: its last passive credit.
   */
  passive: { intervalSeconds: number; nextAt: number | null; lastAt: number | null };
  /** Known-answer challenges it generated, counted up to the latest closed epoch (never task by task). */
  challenges: { passed: number; failed: number };
}

/**
 * One node's part in a final task. A dispute-tier decision and a trap (a verifier sent an altered claim) show as
 * `verify`, like any verifier, so neither a challenge nor a trap can be recognized afterwards.
 */
export interface AssignmentRow {
  taskId: string;
  node: Address;
  /** `generate` or `verify`: the API never shows `dispute`. */
  role: AssignmentRole;
  status: AssignmentStatus;
  /** The generator's output hash and token count; null on a verifier's row. */
  outputHash: Hex | null;
  tokensGenerated: number | null;
  queueMs: number | null;
  inferenceMs: number | null;
  assignedAt: number;
  submittedAt: number | null;
  rewardWei: bigint;
}

/**
 * `GET /api/tasks/:id`: a final task, less what would reveal a challenge, and without its input or output (prompts
 * and outputs are not kept after verification: only hashes, token counts and timings). A task still in flight
 * answers 404 exactly like an id that never existed.
 */
export interface TaskDetail {
  id: string;
  model: string;
  maxTokens: number;
  seed: number;
  status: TaskStatus;
  createdAt: number;
  assignedAt: number | null;
  deadline: number | null;
  /** The agreed output (validated tasks). */
  outputHash: Hex | null;
  tokensGenerated: number | null;
  judgedAt: number | null;
  /** Epoch whose ledger holds this task's credits. */
  epoch: number | null;
  /** Who generated and who verified, and each one's verdict (see `AssignmentRow` for what is shown as what). */
  assignments: AssignmentRow[];
  /** Why the task ended without anyone working on it, where the status alone would not say (`expired`). */
  reason?: string;
}

/** A row of `GET /api/tasks`: final tasks only, never which ones were challenges. */
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
  /**
   * Owed but left out of this epoch's proposal by the vault's emission cap (or its pool), nodes' and the network's
   * together; the next epoch owes it again. Null until the epoch's tree is built against the vault's limits.
   */
  carryWei: bigint | null;
  /** The network's part of `carryWei`. */
  networkCarryWei: bigint | null;
  root: Hex | null;
  contentHash: Hex | null;
  txHash: Hex | null;
  /** Why the vault would refuse the epoch's proposal at the last attempt (`Name(args)`); null once it passes. */
  proposalError: string | null;
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

/**
 * `GET /api/credits/:address`: an account's prepaid credit for premium `/v1` models (InferenceCredits on-chain, the
 * relayer's debits off-chain). Wei as decimal strings, already as JSON carries them.
 */
export interface CreditBalance {
  account: Address;
  /** InferenceCredits' address; null when this relayer has none (every figure is then 0). */
  contract: Address | null;
  /** Deposits minus withdrawals, on-chain. */
  fundedWei: string;
  /** Spending settled on-chain (cumulative). */
  settledSpentWei: string;
  pendingWithdrawalWei: string;
  /** Unix seconds from which the pending withdrawal can be withdrawn (0: none pending). */
  unlockAt: number;
  /** Every debit the relayer made and did not refund (cumulative). */
  debitedWei: string;
  /** Debits not settled on-chain yet. */
  unsettledWei: string;
  /** Debits settlement could not move because the account had withdrawn that credit first. */
  writtenOffWei: string;
  /** What the relayer may still debit: funded minus pending withdrawal minus spending so far, never below 0. */
  availableWei: string;
}

/** `POST /api/tasks` (admin token): a task to schedule. How many verifiers check it is the relayer's choice. */
export interface TaskSubmission {
  model: string;
  input: string;
  maxTokens: number;
  seed?: number;
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

/** Every read endpoint's response, by route (`READ_API_ROUTES` in ./routes.ts lists them as values). */
export interface ReadApi {
  "/api/nodes": { nodes: NodeRow[] };
  "/api/nodes/:address": NodeProfile;
  "/api/tasks": { tasks: TaskRow[] };
  "/api/tasks/:id": TaskDetail;
  "/api/stats": NetworkStats;
  "/api/epochs": { epochs: EpochRow[] };
  "/api/epochs/:epoch": EpochRow;
  "/api/claims/:address": ClaimProof;
  "/api/credits/:address": CreditBalance;
}

/** The dashboard channel (`/ws/dashboard?address=0x…`): a node's verdict on a final task (never earlier). */
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

/** The dashboard channel: the subscribed node's fresh profile, whenever a verdict or a credit changed it. */
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
