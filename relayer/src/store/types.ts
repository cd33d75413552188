import type {
  NetworkStats as ApiNetworkStats,
  AssignmentRow,
  AssignmentStatus,
  EpochRow,
  EpochStatus,
  NodeRow,
  TaskDetail,
  TaskStatus,
} from "@gitblock/sdk";
import type { Address, Hex } from "viem";

export type { AssignmentStatus, EpochStatus, TaskStatus } from "@gitblock/sdk";

/**
 * Rows and the Store contract. The logic talks only to `Store`; SQLite implements it today, PostgreSQL can next.
 * Rows the API shows are the sdk's wire types (sdk/src/api) plus what stays internal.
 */

export type NodeRecord = Omit<NodeRow, "connected">;

export type TaskKind = "job" | "challenge";

export type TaskSpec = Pick<TaskDetail, "model" | "input" | "maxTokens" | "seed">;

/** A task as stored: what `GET /api/tasks/:id` shows, and whether it is a challenge. */
export interface TaskRecord extends Omit<TaskDetail, "assignments"> {
  kind: TaskKind;
  /** Known answer of a challenge. */
  expectedHash: Hex | null;
  challengeId: string | null;
}

export type AssignmentRecord = AssignmentRow;

export interface ChallengeRecord extends TaskSpec {
  id: string;
  expectedHash: Hex;
  createdAt: number;
  uses: number;
}

export type LedgerKind = "task" | "network" | "passive";
/** The ledger account that receives the network's 25%. */
export const NETWORK_ACCOUNT = "network";

export interface LedgerEntry {
  epoch: number;
  account: string;
  kind: LedgerKind;
  /**
   * Task id for task credits, window id for passive ones. A task credits once (its status changes once, in the same
   * transaction); a passive window once per account (a unique index refuses a second credit).
   */
  ref: string;
  amountWei: bigint;
  /** Part of `amountWei` that is the +10% reputation bonus (task credits only). */
  bonusWei: bigint;
  createdAt: number;
}

export interface EpochRecord extends EpochRow {
  /** Signed proposal transaction, kept so a restart re-broadcasts the same transaction instead of signing a new one. */
  rawTx: Hex | null;
}

export interface LeafRecord {
  index: number;
  account: Address;
  cumulativeAmount: bigint;
  reputationBps: number;
  tasksValidated: bigint;
  tasksFailed: bigint;
  strikes: number;
}

/** A durable result, written before it is acknowledged. */
export interface ResultWrite {
  taskId: string;
  node: Address;
  outputHash: Hex;
  tokensGenerated: number;
  queueMs: number;
  inferenceMs: number;
  submittedAt: number;
}
export type ResultWriteOutcome = "stored" | "duplicate" | "unknown" | "late";

/** What judging one task changes, decided by pure logic from the task's snapshot. */
export interface TaskJudgement {
  task: Pick<TaskRecord, "status" | "outputHash" | "tokensGenerated" | "judgedAt" | "epoch">;
  assignments: Array<{ node: Address; status: AssignmentStatus; rewardWei: bigint }>;
  nodes: NodeRecord[];
  ledger: LedgerEntry[];
}

export interface TaskSnapshot {
  task: TaskRecord;
  assignments: AssignmentRecord[];
  nodes: Map<string, NodeRecord>;
  openEpoch: number;
}

export interface NodeActivity {
  /** Tokens of submitted results still awaiting a verdict (valued by the caller at the current rate). */
  pendingTokens: number;
  gpuMsToday: number;
  tasksLastHour: number;
}

/** The stored part of `GET /api/stats` (the live counts come from the node registry). */
export type NetworkStats = Omit<ApiNetworkStats, "connectedNodes" | "activeNodes">;

/**
 * The data layer. Every method is one unit of work (a transaction where it writes). Methods that need a decision
 * take a pure, synchronous `decide` callback and run it inside the transaction on fresh rows, so an implementation
 * on a server database can lock those rows (SELECT … FOR UPDATE) without the logic changing.
 */
export interface Store {
  readonly kind: string;
  close(): Promise<void>;

  // nodes
  touchNode(address: Address, now: number, fields?: { country?: string | null }): Promise<NodeRecord>;
  getNode(address: Address): Promise<NodeRecord | undefined>;
  getNodes(addresses: readonly Address[]): Promise<NodeRecord[]>;
  listNodes(options: { limit: number; offset: number }): Promise<NodeRecord[]>;
  updateNode(address: Address, decide: (node: NodeRecord) => NodeRecord): Promise<NodeRecord>;
  nodeActivity(address: Address, now: number): Promise<NodeActivity>;

  // auth
  saveNonce(nonce: Hex, expiresAt: number): Promise<void>;
  /** Marks a nonce used; false when it is unknown, expired or already used (a replay). */
  consumeNonce(nonce: Hex, now: number): Promise<"ok" | "unknown" | "used" | "expired">;
  saveSession(tokenHash: string, account: Address, expiresAt: number): Promise<void>;
  getSession(tokenHash: string, now: number): Promise<Address | undefined>;

  // tasks
  insertTask(task: TaskRecord): Promise<void>;
  /** Many tasks in one transaction (bulk submission). */
  insertTasks(tasks: readonly TaskRecord[]): Promise<void>;
  getTask(id: string): Promise<TaskRecord | undefined>;
  listTasks(options: { limit: number; status?: TaskStatus; node?: Address }): Promise<TaskRecord[]>;
  queuedTasks(limit: number): Promise<TaskRecord[]>;
  /** Assigns queued tasks to nodes, all in one transaction (a dispatch pass writes once). */
  assignTasks(
    assignments: ReadonlyArray<{ taskId: string; nodes: readonly Address[]; now: number; deadline: number }>,
  ): Promise<void>;
  getAssignments(taskId: string): Promise<AssignmentRecord[]>;
  /** Open assignments of a node (to resend after a reconnect). */
  openAssignments(node: Address): Promise<Array<{ task: TaskRecord; assignment: AssignmentRecord }>>;
  /** Writes results in one durable transaction (group commit); `completed` lists tasks with no open assignment left. */
  recordResults(results: readonly ResultWrite[]): Promise<{ outcomes: ResultWriteOutcome[]; completed: string[] }>;
  /** Tasks still waiting for results whose deadline passed, or whose every assignment has answered. */
  dueTasks(now: number, limit: number): Promise<string[]>;
  /**
   * Judges assigned tasks, each once, in one transaction: loads each snapshot, asks `decide`, writes the plan.
   * Tasks no longer assigned are skipped.
   */
  judgeTasks<T extends TaskJudgement>(
    taskIds: readonly string[],
    decide: (snapshot: TaskSnapshot) => T,
  ): Promise<Array<{ taskId: string; judgement: T }>>;

  // challenges
  insertChallenge(challenge: ChallengeRecord): Promise<void>;
  listChallenges(): Promise<ChallengeRecord[]>;
  pickChallenge(model: string | undefined, random: number): Promise<ChallengeRecord | undefined>;

  // ledger
  /** Credits passive rewards for one window, idempotently, capped per wallet per day. Returns the accounts credited. */
  creditPassive(
    accounts: readonly Address[],
    windowRef: string,
    dayStart: number,
    amountWei: bigint,
    capPerDayWei: bigint,
    now: number,
  ): Promise<Address[]>;
  ledgerEntries(epoch: number): Promise<LedgerEntry[]>;
  /** Validated tasks credited in `epoch`, with their reward base (tokens × rate is computed by the caller). */
  validatedTasksInEpoch(epoch: number): Promise<Array<{ id: string; tokensGenerated: number; correct: number }>>;

  // epochs
  openEpoch(now: number): Promise<EpochRecord>;
  getEpoch(epoch: number): Promise<EpochRecord | undefined>;
  listEpochs(limit: number): Promise<EpochRecord[]>;
  /** Closes the open epoch: snapshots every node's cumulative state as the epoch's leaves, opens the next. */
  closeEpoch(now: number): Promise<EpochRecord>;
  epochLeaves(epoch: number): Promise<LeafRecord[]>;
  epochLeaf(epoch: number, account: Address): Promise<LeafRecord | undefined>;
  saveEpochTree(epoch: number, root: Hex, contentHash: Hex, tree: Uint8Array): Promise<void>;
  epochTree(epoch: number): Promise<Uint8Array | undefined>;
  updateEpoch(epoch: number, fields: Partial<Omit<EpochRecord, "epoch" | "openedAt">>): Promise<EpochRecord>;
  /** Newest epoch in one of `statuses`. */
  latestEpochWith(statuses: readonly EpochStatus[]): Promise<EpochRecord | undefined>;

  stats(now: number): Promise<NetworkStats>;
  getMeta(key: string): Promise<string | undefined>;
  setMeta(key: string, value: string): Promise<void>;
}
