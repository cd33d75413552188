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
import type { Dialect } from "./dialect.ts";

export type { AssignmentStatus, EpochStatus, TaskStatus } from "@gitblock/sdk";

/**
 * Rows and the Store contract. The logic talks only to `Store`; SQLite implements it today, PostgreSQL can next.
 * Rows the API shows are the sdk's wire types (sdk/src/api) plus what stays internal.
 */

export interface NodeRecord extends Omit<NodeRow, "connected"> {
  /** When each active strike was given (ms): strikes expire after the rolling window, three active ones ban. */
  strikeTimes: number[];
}

/**
 * job: submitted work. challenge: generated beside a job from the same input distribution, and checked by the
 * dispute tier's reference verifier besides the drawn verifiers (a failure costs −15). probe: a short task sent to an
 * idle node once per passive window; answering it correctly is what "active" means for the passive reward.
 */
/** `served`: a user's request served through the `/v1` gateway, recorded for pay and sampled verification. */
export type TaskKind = "job" | "challenge" | "probe" | "served";

export interface TaskSpec {
  model: string;
  /** The raw prompt (no template); erased once the task is final. */
  input: string;
  maxTokens: number;
  seed: number;
}

/** A task as stored. `GET /api/tasks/:id` shows its final state without the kind, the input or the claim. */
export interface TaskRecord extends Omit<TaskDetail, "assignments" | "reason">, TaskSpec {
  kind: TaskKind;
  /** A probe goes to this node only. */
  pinnedNode: Address | null;
  /** A served request's sampling temperature (0: greedy, as every task). */
  temperature?: number;
  /** Tokens a served request's claim continues from (another node streamed them before a failover). */
  prefix?: number[] | null;
}

/** A lane of the queue: the unpinned tasks of one model, or the tasks pinned to a node (liveness probes). */
export type QueueLane = { model: string } | "pinned";

/** A verifier's report on a claim (the signed `report` frame). */
export interface StoredReport {
  claimHash: Hex;
  pass: boolean;
  firstFailingPosition: number;
  nonTop1: number;
  /** The largest gap, in micro-nats. */
  maxGapMicros: number;
  scored: number;
  signature: Hex;
}

/** An assignment as stored: the public row plus the protocol's working state, erased once the task is final. */
export interface AssignmentRecord extends AssignmentRow {
  /** Generator: its signed commitment. */
  commitment: Hex | null;
  commitSignature: Hex | null;
  /** Generator: the revealed token ids. Trap verifier: the altered claim it was sent. */
  tokenIds: number[] | null;
  /** Verifier: its report. */
  report: StoredReport | null;
  /** A verifier sent an altered claim (a trap for verifiers that pass without scoring): its report must fail. */
  trap: boolean;
  deadline: number;
}

/** `publisher`: a placement's publisher's share of a generator's task credit (ledger/publisher-share.ts). */
export type LedgerKind = "task" | "verify" | "network" | "passive" | "publisher";
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
  /** The network's credits of this epoch alone (`networkShare` is what is proposed: capped, with carry). */
  networkCredits: bigint | null;
}

export interface LeafRecord {
  index: number;
  account: Address;
  /** What the tree gives the node: its earnings as far as the vault's emission cap has let them through. */
  cumulativeAmount: bigint;
  /** The node's uncapped cumulative earnings at the close (`confirmed_wei`). */
  earnedWei: bigint;
  reputationBps: number;
  tasksValidated: bigint;
  tasksFailed: bigint;
  strikes: number;
}

/** An epoch's emission as capped for the vault: what `Store.saveEpochEmission` writes. */
export interface EpochEmission {
  /** The leaves whose amount changes, by leaf index. */
  leaves: ReadonlyArray<{ index: number; cumulativeAmount: bigint }>;
  cumulativeTotal: bigint;
  networkShare: bigint;
  carryWei: bigint;
  networkCarryWei: bigint;
}

/** A durable piece of a node's work on a task, written before it is acknowledged. */
export type WorkWrite =
  | { kind: "commit"; taskId: string; node: Address; commitment: Hex; signature: Hex; at: number }
  | {
      kind: "reveal";
      taskId: string;
      node: Address;
      tokenIds: number[];
      /** Whether the reveal opens the stored commitment (checked by the caller, which holds the salt). */
      opens: (commitment: Hex) => boolean;
      queueMs: number;
      inferenceMs: number;
      at: number;
    }
  | {
      kind: "report";
      taskId: string;
      node: Address;
      report: StoredReport;
      queueMs: number;
      inferenceMs: number;
      at: number;
    };
/** no_commitment: a reveal before any commitment was stored. */
export type WorkWriteOutcome = "stored" | "duplicate" | "unknown" | "late" | "no_commitment";

/** A new assignment a judgement makes (verifiers drawn after a reveal, the dispute tier after a failing report). */
export interface NewAssignment {
  node: Address;
  role: "verify" | "dispute";
  deadline: number;
  /** An altered claim for a trap (null: the generator's claim as revealed). */
  trapTokenIds: number[] | null;
}

/**
 * What judging one task changes, decided by pure logic from the task's snapshot: either the next stage (status,
 * deadline, new assignments) or the final verdict (assignment outcomes, node records, ledger). Verdicts, reputation
 * and pay change only when a task is final, so nothing in between is visible.
 */
export interface TaskJudgement {
  task: Pick<TaskRecord, "status" | "outputHash" | "tokensGenerated" | "judgedAt" | "epoch" | "deadline">;
  assignments: Array<{ node: Address; role: AssignmentRecord["role"]; status: AssignmentStatus; rewardWei: bigint }>;
  newAssignments: NewAssignment[];
  nodes: NodeRecord[];
  ledger: LedgerEntry[];
  /**
   * Nodes this judgement proves wrong (a wrong claim, a failed challenge, a report the dispute tier contradicts, a
   * passed trap): the claims each generated and got validated in the open epoch are revoked in the same transaction
   * (status `revoked`, its pay for them forfeit; the network keeps its share).
   */
  provenWrong?: readonly Address[];
}

export interface TaskSnapshot {
  task: TaskRecord;
  assignments: AssignmentRecord[];
  nodes: Map<string, NodeRecord>;
  openEpoch: number;
}

/** A final task's reward base, recomputed from tasks and assignments (for reconciliation). */
export interface PaidTask {
  id: string;
  status: "validated" | "rejected" | "inconclusive" | "revoked";
  /** The claim's token count, capped at max tokens. */
  tokens: number;
  correctGenerators: number;
  /** Verifiers (and the dispute tier) paid for scoring the claim: a correct verdict, or an honest-rounding report. */
  correctVerifiers: number;
}

export interface NodeActivity {
  gpuMsToday: number;
  tasksLastHour: number;
  /** When the node was last credited a passive reward (ms), null when never. */
  lastPassiveAt: number | null;
  /**
   * Known-answer challenges the node generated, judged before the latest epoch closed: counted a whole epoch at a
   * time, so a count that moves never names the task that was a challenge (./api/PRIVACY.md).
   */
  challenges: { passed: number; failed: number };
}

/** The stored part of `GET /api/stats` (the live counts come from the node registry). */
export type NetworkStats = Omit<ApiNetworkStats, "connectedNodes" | "activeNodes">;

/**
 * The data layer. Every method is one unit of work (a transaction where it writes). Methods that need a decision
 * take a pure, synchronous `decide` callback and run it inside the transaction on fresh rows, so an implementation
 * on a server database can lock those rows (SELECT … FOR UPDATE) without the logic changing.
 */
/** One node's part of a served request, as the gateway records it (Store.recordServed). */
export interface ServedWork {
  /** The task id it is recorded under. */
  id: string;
  node: Address;
  model: string;
  /** The rendered prompt (kept only while a sampled answer is verified). */
  input: string;
  /** Tokens other nodes streamed before this node continued (a failover). */
  prefix: number[];
  /** What this node generated. */
  tokenIds: number[];
  /** The tokens it was asked for (the claim's max tokens). */
  maxTokens: number;
  temperature: number;
  seed: number;
  queueMs: number | null;
  inferenceMs: number | null;
  /** Whether verifiers re-score this answer (the node's sampling share). */
  sampled: boolean;
  /** The pay for `tokens` validated tokens of this node (the same as a validated task's). */
  reward: (node: NodeRecord, tokens: number) => { node: bigint; network: bigint; bonus: bigint };
  now: number;
}

export interface ServedOutcome {
  status: "validated" | "assigned" | "inconclusive";
  rewardWei: bigint;
}

export interface Store {
  readonly kind: string;
  /**
   * The database and its dialect, for modules that own their own tables (the gateway's keys and quotas, credits):
   * they keep their queries beside their logic instead of in this interface.
   */
  readonly dialect: Dialect;
  close(): Promise<void>;

  /**
   * Records nodes' parts of served requests, in one transaction: each paid now, or kept as a claim for verifiers (see
   * SqlStore). Outcomes in the order given.
   */
  recordServed(works: readonly ServedWork[]): Promise<ServedOutcome[]>;

  // nodes
  touchNode(address: Address, now: number, fields?: { country?: string | null }): Promise<NodeRecord>;
  getNode(address: Address): Promise<NodeRecord | undefined>;
  getNodes(addresses: readonly Address[]): Promise<NodeRecord[]>;
  listNodes(options: { limit: number; offset: number }): Promise<NodeRecord[]>;
  /** Whether some node has at least `atLeast` validated tasks (full tenure: scheduler/judgeable.ts). */
  anyNodeValidated(atLeast: number): Promise<boolean>;
  updateNode(address: Address, decide: (node: NodeRecord) => NodeRecord): Promise<NodeRecord>;
  /**
   * The publisher placement the node's latest `ready` announced (null: none). While the placement's domain is
   * verified, the node's claims judged from now on pay the placement's publisher its share (ledger/publisher-share.ts).
   */
  setSessionPlacement(node: Address, placement: string | null, now: number): Promise<void>;
  nodeActivity(address: Address, now: number): Promise<NodeActivity>;

  // auth
  saveNonce(nonce: Hex, expiresAt: number): Promise<void>;
  /** Marks a nonce used; false when it is unknown, expired or already used (a replay). */
  consumeNonce(nonce: Hex, now: number): Promise<"ok" | "unknown" | "used" | "expired">;
  /** What `consumeNonce` would answer, read only: the cheap check before a signature is recovered. */
  nonceState(nonce: Hex, now: number): Promise<"ok" | "unknown" | "used" | "expired">;
  /** Deletes nonces that expired before `now` (a replay of one is refused by its signed expiry); returns how many. */
  deleteExpiredNonces(now: number): Promise<number>;
  /** A session and the key its commitments and reports are signed with (named in the signed sign-in). */
  saveSession(tokenHash: string, account: Address, expiresAt: number, sessionKey: Address): Promise<void>;
  getSession(tokenHash: string, now: number): Promise<{ account: Address; sessionKey: Address | null } | undefined>;

  // tasks
  insertTask(task: TaskRecord): Promise<void>;
  /** Many tasks in one transaction (bulk submission). */
  insertTasks(tasks: readonly TaskRecord[]): Promise<void>;
  getTask(id: string): Promise<TaskRecord | undefined>;
  listTasks(options: { limit: number; status?: TaskStatus; node?: Address }): Promise<TaskRecord[]>;
  /** Up to `limit` queued tasks of one lane, oldest first (scheduler/queue-lanes.ts says why the queue has lanes). */
  queuedTasks(lane: QueueLane, limit: number): Promise<TaskRecord[]>;
  /**
   * Up to `limit` queued tasks created before `createdBefore` that no ready node could take become `expired` (input
   * erased): unpinned ones whose model is not in `servedModels`, pinned ones whose node is not in `readyNodes`.
   * Returns how many.
   */
  expireQueued(
    options: { createdBefore: number; now: number; servedModels: readonly string[]; readyNodes: readonly Address[] },
    limit: number,
  ): Promise<number>;
  /** Queued tasks per model (the queue-depth gauge, read when /metrics is scraped). */
  queuedPerModel(): Promise<Array<{ model: string; count: number }>>;
  /**
   * Gives queued tasks their generators, all in one transaction (a dispatch pass writes once), and returns the ids
   * it assigned. A task no longer queued (another relayer sharing the database took it, or it expired) is left out,
   * not an error: its generator's slot is the caller's to free.
   */
  assignTasks(
    assignments: ReadonlyArray<{ taskId: string; generator: Address; now: number; deadline: number }>,
  ): Promise<Set<string>>;
  getAssignments(taskId: string): Promise<AssignmentRecord[]>;
  /**
   * Open assignments of a node (to resend after a reconnect), with the claim a verifier was sent (the generator's
   * revealed tokens, or a trap's altered ones).
   */
  openAssignments(
    node: Address,
  ): Promise<Array<{ task: TaskRecord; assignment: AssignmentRecord; claim: number[] | null }>>;
  /**
   * Writes commitments, reveals and reports in one durable transaction (group commit); `completed` lists tasks whose
   * current stage has no open assignment left.
   */
  recordWork(writes: readonly WorkWrite[]): Promise<{ outcomes: WorkWriteOutcome[]; completed: string[] }>;
  /** A banned node's open assignments: marked withdrawn (neither counted nor paid); returns the tasks concerned. */
  withdrawAssignments(node: Address, now: number): Promise<string[]>;
  /** Tasks in flight whose stage deadline passed, or whose stage has every answer in. */
  dueTasks(now: number, limit: number): Promise<string[]>;
  /**
   * Judges the current stage of tasks in flight, each once, in one transaction: loads each snapshot, asks `decide`,
   * writes the plan. Tasks no longer due at `now` (final, or a stage judged meanwhile) are skipped.
   */
  judgeTasks<T extends TaskJudgement>(
    taskIds: readonly string[],
    now: number,
    decide: (snapshot: TaskSnapshot) => T,
  ): Promise<Array<{ taskId: string; judgement: T }>>;

  /** Nodes with a correct verdict on a task judged in [since, until): the "active" ones for a passive window. */
  nodesCorrectBetween(since: number, until: number): Promise<Address[]>;

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
  /** Tasks credited in `epoch` (validated, or rejected with paid verifiers), with their reward base. */
  paidTasksInEpoch(epoch: number): Promise<PaidTask[]>;

  // epochs
  openEpoch(now: number): Promise<EpochRecord>;
  getEpoch(epoch: number): Promise<EpochRecord | undefined>;
  listEpochs(limit: number): Promise<EpochRecord[]>;
  /** Closes the open epoch: snapshots every node's cumulative state as the epoch's leaves, opens the next. */
  closeEpoch(now: number): Promise<EpochRecord>;
  epochLeaves(epoch: number): Promise<LeafRecord[]>;
  /** Up to `limit` leaves from leaf index `fromIndex` on, in leaf order: an epoch file streamed a page at a time. */
  epochLeavesPage(epoch: number, fromIndex: number, limit: number): Promise<LeafRecord[]>;
  epochLeaf(epoch: number, account: Address): Promise<LeafRecord | undefined>;
  /**
   * Stores an epoch's emission as capped for the vault (`settlement/emission-cap.ts`) in one transaction, if the
   * epoch is closed or built: its leaves' amounts and totals change and it is `closed` again (its tree is rebuilt).
   */
  saveEpochEmission(epoch: number, emission: EpochEmission): Promise<EpochRecord>;
  saveEpochTree(epoch: number, root: Hex, contentHash: Hex, tree: Uint8Array): Promise<void>;
  epochTree(epoch: number): Promise<Uint8Array | undefined>;
  /**
   * Writes `fields` on an epoch. With `expected`, only if the epoch still has that status and root (compare-and-set
   * on the row), else `EpochMovedError` and nothing written. A settlement step passes the record it read, so two
   * settlers overlapping (an ex-leader's step still running when another instance has taken the lead) cannot set
   * an epoch back, nor both store and broadcast a proposal, nor propose a tree the other has rebuilt since (the
   * root tells a rebuilt "built" epoch from the one read).
   */
  updateEpoch(
    epoch: number,
    fields: Partial<Omit<EpochRecord, "epoch" | "openedAt">>,
    expected?: Pick<EpochRecord, "status" | "root">,
  ): Promise<EpochRecord>;
  /** Newest epoch in one of `statuses`. */
  latestEpochWith(statuses: readonly EpochStatus[]): Promise<EpochRecord | undefined>;

  stats(now: number): Promise<NetworkStats>;
  /**
   * Whether any node has confirmed earnings. Only those carry a leaf, so an epoch closed before this holds would have
   * no tree and could never be proposed: it stays open instead.
   */
  hasConfirmedEarnings(): Promise<boolean>;
  getMeta(key: string): Promise<string | undefined>;
  setMeta(key: string, value: string): Promise<void>;
}
