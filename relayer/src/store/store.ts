import { FINAL_TASK_STATUSES, outputHash } from "@gitblock/sdk";
import { sql } from "kysely";
import type { Address, Hex } from "viem";
import { EpochMovedError, NotFoundError, RelayerError } from "../errors.ts";
import { type PublisherCredit, splitPublisherShares } from "../ledger/publisher-share.ts";
import type { Dialect, RowOf } from "./dialect.ts";
import {
  DAY_MS,
  EPOCH_COLUMNS,
  INITIAL_REPUTATION_BPS,
  num,
  type Row,
  str,
  toAssignment,
  toEpoch,
  toLeaf,
  toLedger,
  toNode,
  toTask,
} from "./rows.ts";
import type { Db } from "./schema.ts";
import {
  type AssignmentRecord,
  type EpochEmission,
  type EpochRecord,
  type EpochStatus,
  type LeafRecord,
  type LedgerEntry,
  NETWORK_ACCOUNT,
  type NetworkStats,
  type NodeActivity,
  type NodeRecord,
  type PaidTask,
  type QueueLane,
  type ServedOutcome,
  type ServedWork,
  type Store,
  type TaskJudgement,
  type TaskRecord,
  type TaskSnapshot,
  type TaskStatus,
  type WorkWrite,
  type WorkWriteOutcome,
} from "./types.ts";
import { batchWrites, type SERVED_ASSIGNMENT, type SERVED_TASK } from "./writes.ts";

/**
 * `status = 'queued'` as a literal, not a bound parameter: only then do SQLite and PostgreSQL read the queue's lanes
 * from the partial indexes of migration 6 (`tasks_queued_lane`, `tasks_queued_pinned`).
 */
const QUEUED = sql.lit("queued");

/** Advisory lock key that keeps two PostgreSQL relayers from opening two epochs at once. */
const OPEN_EPOCH_LOCK = 7101;

const key = (taskId: string, node: string) => `${taskId} ${node}`;

/** An assignment's columns selected beside its task's (`t.*`), renamed where the two tables share a name. */
const ASSIGNMENT_BESIDE_TASK = [
  "a.task_id",
  "a.node",
  "a.status as a_status",
  "a.output_hash as a_output_hash",
  "a.tokens_generated as a_tokens",
  "a.queue_ms",
  "a.inference_ms",
  "a.assigned_at as a_assigned_at",
  "a.submitted_at",
  "a.reward_wei",
  "a.role",
  "a.commitment",
  "a.commit_signature",
  "a.token_ids",
  "a.report",
  "a.trap",
  "a.deadline as a_deadline",
] as const;

/** A task between its assignment and its verdict. */
const IN_FLIGHT = ["assigned", "verifying", "disputed"] as const;

const assignmentBesideTask = (row: Record<string, unknown>) =>
  toAssignment({
    ...(row as Row),
    status: row.a_status as string,
    output_hash: row.a_output_hash as string | null,
    tokens_generated: row.a_tokens as number | null,
    assigned_at: row.a_assigned_at as number,
    deadline: row.a_deadline as number,
  });

/**
 * The one `Store`: every query written once over Kysely, run on SQLite or PostgreSQL through a `Dialect` that
 * holds only what differs (transactions, row locks, list parameters, batch statements).
 *
 * The hot path (assign, results, verdicts) is a fixed number of statements per batch whatever its size: reads
 * take the batch's keys as one list parameter, writes are batch statements (`writes.ts`, built and compiled once).
 * That keeps SQLite's commits small (each node written once per batch), PostgreSQL's round trips few, and query
 * building out of the per-row cost. On PostgreSQL the rows a decision reads are locked first, in key order (tasks
 * by id, nodes by address), so two relayers cannot judge a task twice or deadlock on the same nodes.
 */
export class SqlStore implements Store {
  readonly kind: string;
  readonly dialect: Dialect;
  private readonly db: Db;
  private readonly writes: ReturnType<typeof batchWrites>;

  constructor(dialect: Dialect) {
    this.dialect = dialect;
    this.kind = dialect.kind;
    this.db = dialect.db;
    this.writes = batchWrites(dialect, dialect.db);
  }

  async close(): Promise<void> {
    await this.dialect.close();
  }

  // --- nodes ---

  async touchNode(address: Address, now: number, fields: { country?: string | null } = {}): Promise<NodeRecord> {
    // Reconnect storms must not cost one commit per socket: skip the write when nothing new would be recorded.
    const existing = await this.getNode(address);
    if (existing) {
      const countryUnchanged = !fields.country || fields.country === existing.country;
      if (countryUnchanged && now - existing.lastSeenAt < 60_000) return existing;
    }
    const row = await this.db
      .insertInto("nodes")
      .values({
        address,
        operator: address,
        country: fields.country ?? null,
        reputation_bps: INITIAL_REPUTATION_BPS,
        created_at: now,
        last_seen_at: now,
      })
      .onConflict((oc) =>
        oc.column("address").doUpdateSet((eb) => ({
          last_seen_at: eb.ref("excluded.last_seen_at"),
          country: eb.fn.coalesce("excluded.country", "nodes.country"),
        })),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
    return toNode(row);
  }

  private async requireNode(db: Db, address: string, lock = false): Promise<NodeRecord> {
    const row = await db
      .selectFrom("nodes")
      .selectAll()
      .where("address", "=", address)
      .$if(lock && this.dialect.rowLocks, (q) => q.forUpdate())
      .executeTakeFirst();
    if (!row) throw new NotFoundError(`No node ${address}; a node appears once it has signed in`);
    return toNode(row);
  }

  /** Nodes by address; on PostgreSQL (with `lock`) locked in address order, so two writers cannot deadlock. */
  private async loadNodes(db: Db, addresses: readonly string[], lock = false): Promise<Map<string, NodeRecord>> {
    if (addresses.length === 0) return new Map();
    const rows = await db
      .selectFrom("nodes")
      .selectAll()
      .where(this.dialect.inList("address", addresses))
      .orderBy("address")
      .$if(lock && this.dialect.rowLocks, (q) => q.forUpdate())
      .execute();
    return new Map(rows.map((row) => [row.address, toNode(row)]));
  }

  async getNode(address: Address): Promise<NodeRecord | undefined> {
    const row = await this.db.selectFrom("nodes").selectAll().where("address", "=", address).executeTakeFirst();
    return row ? toNode(row) : undefined;
  }

  async getNodes(addresses: readonly Address[]): Promise<NodeRecord[]> {
    const found = await this.loadNodes(this.db, addresses);
    return addresses.flatMap((address) => found.get(address) ?? []);
  }

  async anyNodeValidated(atLeast: number): Promise<boolean> {
    const row = await this.db
      .selectFrom("nodes")
      .select("address")
      .where("tasks_validated", ">=", atLeast)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  async listNodes({ limit, offset }: { limit: number; offset: number }): Promise<NodeRecord[]> {
    const rows = await this.db
      .selectFrom("nodes")
      .selectAll()
      .orderBy("created_at")
      .orderBy("address")
      .limit(limit)
      .offset(offset)
      .execute();
    return rows.map(toNode);
  }

  /** Writes nodes back, all in one batch. */
  private async writeNodes(db: Db, nodes: readonly NodeRecord[]): Promise<void> {
    await this.writes.writeNodes.run(
      db,
      nodes.map((node) => ({
        address: node.address,
        operator: node.operator,
        country: node.country,
        reputation_bps: node.reputationBps,
        strikes: node.strikes,
        active_strikes: node.activeStrikes,
        tasks_validated: node.tasksValidated,
        tasks_failed: node.tasksFailed,
        banned_until: node.bannedUntil,
        confirmed_wei: node.confirmedWei.toString(),
        last_seen_at: node.lastSeenAt,
        strike_times: JSON.stringify(node.strikeTimes),
      })),
    );
  }

  async updateNode(address: Address, decide: (node: NodeRecord) => NodeRecord): Promise<NodeRecord> {
    return this.dialect.transaction(async (trx) => {
      const next = decide(await this.requireNode(trx, address, true));
      await this.writeNodes(trx, [next]);
      return next;
    });
  }

  async setSessionPlacement(node: Address, placement: string | null, now: number): Promise<void> {
    if (placement === null) {
      await this.db.deleteFrom("node_placements").where("node", "=", node).execute();
      return;
    }
    await this.db
      .insertInto("node_placements")
      .values({ node, placement, since: now })
      .onConflict((oc) =>
        oc
          .column("node")
          .doUpdateSet((eb) => ({ placement: eb.ref("excluded.placement"), since: eb.ref("excluded.since") })),
      )
      .execute();
  }

  /**
   * The publisher shares of a batch's generator credits (ledger/publisher-share.ts): each generator's announced
   * placement, if its domain is verified now, splits its task credit; the node's balance and its assignment's pay go
   * down by the share, the publisher's go up. A publisher is paid through the same leaf as a node (the epoch's tree is
   * built from `nodes`), so a publisher with no row gets one. Returns the batch's ledger entries and the shares paid.
   */
  private async payPublishers(
    trx: Db,
    ledger: LedgerEntry[],
    current: Map<string, NodeRecord>,
    changed: Set<string>,
    assignmentWrites: Array<{ task_id: string; node: string; reward_wei: string }>,
    now: number,
  ): Promise<{ ledger: LedgerEntry[]; credits: PublisherCredit[] }> {
    const unshared: { ledger: LedgerEntry[]; credits: PublisherCredit[] } = { ledger, credits: [] };
    const generators = [...new Set(ledger.filter((e) => e.kind === "task").map((e) => e.account))];
    if (generators.length === 0) return unshared;
    const rows = await trx
      .selectFrom("node_placements as np")
      .innerJoin("placements as p", "p.id", "np.placement")
      .innerJoin("publisher_domains as d", (join) =>
        join.onRef("d.domain", "=", "p.domain").onRef("d.publisher", "=", "p.publisher"),
      )
      .select(["np.node", "p.id", "p.publisher", "p.publisher_share_bps"])
      .where(this.dialect.inList("np.node", generators))
      .where("d.status", "=", "verified")
      .execute();
    if (rows.length === 0) return unshared;
    const active = new Map(
      rows.map((row) => [row.node, { placement: row.id, publisher: row.publisher, shareBps: row.publisher_share_bps }]),
    );
    const split = splitPublisherShares(ledger, (node) => active.get(node));
    if (split.credits.length === 0) return unshared;
    const missing = [...new Set(split.credits.map((c) => c.publisher))].filter((p) => !current.has(p));
    if (missing.length > 0) {
      await trx
        .insertInto("nodes")
        .values(
          missing.map((address) => ({
            address,
            operator: address,
            country: null,
            reputation_bps: INITIAL_REPUTATION_BPS,
            created_at: now,
            last_seen_at: now,
          })),
        )
        .onConflict((oc) => oc.column("address").doNothing())
        .execute();
      for (const [address, record] of await this.loadNodes(trx, missing, true)) current.set(address, record);
    }
    const paid = new Map(assignmentWrites.map((w) => [key(w.task_id, w.node), w]));
    for (const credit of split.credits) {
      const node = current.get(credit.node) as NodeRecord;
      current.set(credit.node, { ...node, confirmedWei: node.confirmedWei - credit.amountWei });
      const publisher = current.get(credit.publisher) as NodeRecord;
      current.set(credit.publisher, { ...publisher, confirmedWei: publisher.confirmedWei + credit.amountWei });
      changed.add(credit.node);
      changed.add(credit.publisher);
      const write = paid.get(key(credit.taskId, credit.node));
      if (write) write.reward_wei = (BigInt(write.reward_wei) - credit.amountWei).toString();
    }
    await trx
      .insertInto("placement_tasks")
      .values(split.credits.map((c) => ({ task_id: c.taskId, placement: c.placement, publisher: c.publisher })))
      .onConflict((oc) => oc.column("task_id").doNothing())
      .execute();
    return split;
  }

  async nodeActivity(address: Address, now: number): Promise<NodeActivity> {
    // Counted over final tasks only: work on a task in flight must not show (its timing would reveal the assignment).
    const dayStart = now - (now % DAY_MS);
    const gpu = await this.db
      .selectFrom("assignments as a")
      .innerJoin("tasks as t", "t.id", "a.task_id")
      .select((eb) => eb.fn.coalesce(eb.fn.sum("a.inference_ms"), sql.lit(0)).as("ms"))
      .where("a.node", "=", address)
      .where("a.assigned_at", ">=", dayStart - DAY_MS)
      .where("a.submitted_at", ">=", dayStart)
      .where("t.status", "in", FINAL_TASK_STATUSES)
      .executeTakeFirst();
    const hour = await this.db
      .selectFrom("assignments as a")
      .innerJoin("tasks as t", "t.id", "a.task_id")
      .select((eb) => eb.fn.countAll().as("n"))
      .where("a.node", "=", address)
      .where("a.assigned_at", ">=", now - 2 * 3_600_000)
      .where("a.submitted_at", ">=", now - 3_600_000)
      .where("t.status", "in", FINAL_TASK_STATUSES)
      .executeTakeFirst();
    const passive = await this.db
      .selectFrom("ledger")
      .select((eb) => eb.fn.max("created_at").as("at"))
      .where("account", "=", address)
      .where("kind", "=", "passive")
      .executeTakeFirst();
    const closed = await this.db
      .selectFrom("epochs")
      .select((eb) => eb.fn.max("closed_at").as("at"))
      .where("closed_at", "is not", null)
      .executeTakeFirst();
    const challenges = { passed: 0, failed: 0 };
    if (closed?.at !== null && closed?.at !== undefined) {
      const rows = await this.db
        .selectFrom("assignments as a")
        .innerJoin("tasks as t", "t.id", "a.task_id")
        .select((eb) => ["a.status as status", eb.fn.countAll().as("n")])
        .where("a.node", "=", address)
        .where("a.role", "=", "generate")
        .where("t.kind", "=", "challenge")
        .where("a.status", "in", ["correct", "wrong"])
        .where("t.judged_at", "<=", num(closed.at))
        .groupBy("a.status")
        .execute();
      for (const row of rows) challenges[row.status === "correct" ? "passed" : "failed"] = num(row.n);
    }
    return {
      gpuMsToday: num(gpu?.ms ?? 0),
      tasksLastHour: num(hour?.n ?? 0),
      lastPassiveAt: passive?.at === null || passive?.at === undefined ? null : num(passive.at),
      challenges,
    };
  }

  // --- auth ---

  async saveNonce(nonce: Hex, expiresAt: number): Promise<void> {
    await this.db.insertInto("auth_nonces").values({ nonce, expires_at: expiresAt }).execute();
  }

  async consumeNonce(nonce: Hex, now: number): Promise<"ok" | "unknown" | "used" | "expired"> {
    return this.dialect.transaction(async (trx) => {
      const row = await trx
        .selectFrom("auth_nonces")
        .select(["expires_at", "used_at"])
        .where("nonce", "=", nonce)
        .$if(this.dialect.rowLocks, (q) => q.forUpdate())
        .executeTakeFirst();
      if (!row) return "unknown";
      if (row.used_at !== null) return "used";
      if (num(row.expires_at) <= now) return "expired";
      await trx.updateTable("auth_nonces").set({ used_at: now }).where("nonce", "=", nonce).execute();
      return "ok";
    });
  }

  async nonceState(nonce: Hex, now: number): Promise<"ok" | "unknown" | "used" | "expired"> {
    const row = await this.db
      .selectFrom("auth_nonces")
      .select(["expires_at", "used_at"])
      .where("nonce", "=", nonce)
      .executeTakeFirst();
    if (!row) return "unknown";
    if (row.used_at !== null) return "used";
    return num(row.expires_at) <= now ? "expired" : "ok";
  }

  async deleteExpiredNonces(now: number): Promise<number> {
    const result = await this.db.deleteFrom("auth_nonces").where("expires_at", "<", now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async saveSession(tokenHash: string, account: Address, expiresAt: number, sessionKey: Address): Promise<void> {
    await this.db
      .insertInto("sessions")
      .values({ token_hash: tokenHash, account, expires_at: expiresAt, session_key: sessionKey })
      .execute();
  }

  async getSession(
    tokenHash: string,
    now: number,
  ): Promise<{ account: Address; sessionKey: Address | null } | undefined> {
    const row = await this.db
      .selectFrom("sessions")
      .select(["account", "expires_at", "session_key"])
      .where("token_hash", "=", tokenHash)
      .executeTakeFirst();
    if (!row || num(row.expires_at) <= now) return undefined;
    return { account: row.account as Address, sessionKey: (row.session_key as Address | null) ?? null };
  }

  // --- tasks ---

  async insertTask(task: TaskRecord): Promise<void> {
    await this.insertTasks([task]);
  }

  async insertTasks(tasks: readonly TaskRecord[]): Promise<void> {
    if (tasks.length === 0) return;
    await this.dialect.transaction(async (trx) => {
      await this.writes.insertTasks.run(
        trx,
        tasks.map((task) => ({
          id: task.id,
          kind: task.kind,
          status: task.status,
          model: task.model,
          input: task.input,
          max_tokens: task.maxTokens,
          seed: task.seed,
          pinned_node: task.pinnedNode,
          created_at: task.createdAt,
          assigned_at: task.assignedAt,
          deadline: task.deadline,
          output_hash: task.outputHash,
          tokens_generated: task.tokensGenerated,
          judged_at: task.judgedAt,
          epoch: task.epoch,
        })),
      );
    });
  }

  async getTask(id: string): Promise<TaskRecord | undefined> {
    const row = await this.db.selectFrom("tasks").selectAll().where("id", "=", id).executeTakeFirst();
    return row ? toTask(row) : undefined;
  }

  async listTasks({
    limit,
    status,
    node,
  }: {
    limit: number;
    status?: TaskStatus;
    node?: Address;
  }): Promise<TaskRecord[]> {
    if (node) {
      const rows = await this.db
        .selectFrom("tasks as t")
        .innerJoin("assignments as a", "a.task_id", "t.id")
        .selectAll("t")
        .where("a.node", "=", node)
        .$if(status !== undefined, (q) => q.where("t.status", "=", status as TaskStatus))
        .orderBy("t.created_at", "desc")
        .limit(limit)
        .execute();
      return rows.map(toTask);
    }
    const rows = await this.db
      .selectFrom("tasks")
      .selectAll()
      .$if(status !== undefined, (q) => q.where("status", "=", status as TaskStatus))
      .orderBy("created_at", "desc")
      .orderBy("id", "desc")
      .limit(limit)
      .execute();
    return rows.map(toTask);
  }

  async queuedTasks(lane: QueueLane, limit: number): Promise<TaskRecord[]> {
    const rows = await this.db
      .selectFrom("tasks")
      .selectAll()
      .where("status", "=", QUEUED)
      .$call((query) =>
        lane === "pinned"
          ? query.where("pinned_node", "is not", null)
          : query.where("pinned_node", "is", null).where("model", "=", lane.model),
      )
      .orderBy("created_at")
      .orderBy("id")
      .limit(limit)
      .execute();
    return rows.map(toTask);
  }

  async expireQueued(
    options: { createdBefore: number; now: number; servedModels: readonly string[]; readyNodes: readonly Address[] },
    limit: number,
  ): Promise<number> {
    const result = await this.db
      .updateTable("tasks")
      .set({ status: "expired", judged_at: options.now, input: "" })
      // Checked again on the row itself: another relayer on the same database may have assigned it meanwhile.
      .where("status", "=", QUEUED)
      .where("id", "in", (eb) =>
        eb
          .selectFrom("tasks")
          .select("id")
          .where("status", "=", QUEUED)
          .where("created_at", "<", options.createdBefore)
          .where((w) =>
            w.or([
              w.and([w("pinned_node", "is", null), w.not(this.dialect.inList("model", options.servedModels))]),
              w.and([w("pinned_node", "is not", null), w.not(this.dialect.inList("pinned_node", options.readyNodes))]),
            ]),
          )
          .orderBy("created_at")
          .limit(limit),
      )
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async queuedPerModel(): Promise<Array<{ model: string; count: number }>> {
    const rows = await this.db
      .selectFrom("tasks")
      .select((eb) => ["model", eb.fn.countAll().as("n")])
      .where("status", "=", QUEUED)
      .groupBy("model")
      .execute();
    return rows.map((row) => ({ model: row.model, count: num(row.n) }));
  }

  async assignTasks(
    assignments: ReadonlyArray<{ taskId: string; generator: Address; now: number; deadline: number }>,
  ): Promise<Set<string>> {
    if (assignments.length === 0) return new Set();
    const ids = [...new Set(assignments.map((a) => a.taskId))].sort();
    return this.dialect.transaction(async (trx) => {
      // Relayers sharing PostgreSQL read the same queue, so a pass may list tasks another one has assigned (or is
      // assigning) meanwhile: those are left out, not the whole pass failed. The rows still queued are locked in id
      // order; SKIP LOCKED passes over a row another relayer's pass holds (it is theirs, or back in the queue for the
      // next pass if their transaction fails). The writes below are then plain lookups by id.
      const current = await trx
        .selectFrom("tasks")
        .select("id")
        .where(this.dialect.inList("id", ids))
        .where("status", "=", QUEUED)
        .orderBy("id")
        .$if(this.dialect.rowLocks, (q) => q.forUpdate().skipLocked())
        .execute();
      const queued = new Set(current.map((row) => row.id));
      // A task listed twice gets its first generator only (the second time it is no longer queued).
      const taken = assignments.filter((a) => queued.delete(a.taskId));
      await this.writes.assignTasks.run(
        trx,
        taken.map((a) => ({ id: a.taskId, now: a.now, deadline: a.deadline })),
      );
      await this.writes.insertAssignments.run(
        trx,
        taken.map((a) => ({
          task_id: a.taskId,
          node: a.generator,
          role: "generate",
          assigned_at: a.now,
          deadline: a.deadline,
          token_ids: null,
          trap: 0,
        })),
      );
      return new Set(taken.map((a) => a.taskId));
    });
  }

  /**
   * Locks tasks' rows (PostgreSQL), in id order, in a statement of their own. Every writer of a task in flight or of
   * its assignments (`recordWork`, `withdrawAssignments`, `judgeTasks`) takes it first, so relayers sharing the
   * database take turns on a task and never deadlock over it, and the statements after it read what the writer before
   * committed. (A lock taken inside a join would not do: after waiting on a task's row, PostgreSQL returns that row
   * as it is now but the joined assignments as they were when the statement began.)
   */
  private async lockTasks(trx: Db, ids: readonly string[]): Promise<void> {
    if (!this.dialect.rowLocks || ids.length === 0) return;
    await trx
      .selectFrom("tasks")
      .select("id")
      .where(this.dialect.inList("id", ids))
      .orderBy("id")
      .forUpdate()
      .execute();
  }

  async getAssignments(taskId: string): Promise<AssignmentRecord[]> {
    const rows = await this.db
      .selectFrom("assignments")
      .selectAll()
      .where("task_id", "=", taskId)
      .orderBy("assigned_at")
      .orderBy("node")
      .execute();
    return rows.map(toAssignment);
  }

  async openAssignments(
    node: Address,
  ): Promise<Array<{ task: TaskRecord; assignment: AssignmentRecord; claim: number[] | null }>> {
    const rows = await this.db
      .selectFrom("assignments as a")
      .innerJoin("tasks as t", "t.id", "a.task_id")
      .selectAll("t")
      .select(ASSIGNMENT_BESIDE_TASK)
      .where("a.node", "=", node)
      .where("a.status", "in", ["assigned", "committed"])
      .where("t.status", "in", IN_FLIGHT)
      .execute();
    const open = rows.map((row) => ({ task: toTask(row), assignment: assignmentBesideTask(row) }));
    const needClaims = open.filter((o) => o.assignment.role !== "generate" && !o.assignment.trap).map((o) => o.task.id);
    const claims = new Map<string, number[]>();
    if (needClaims.length > 0) {
      const generators = await this.db
        .selectFrom("assignments")
        .select(["task_id", "token_ids"])
        .where(this.dialect.inList("task_id", needClaims))
        .where("role", "=", "generate")
        .where("status", "=", "revealed")
        .execute();
      for (const row of generators) if (row.token_ids) claims.set(row.task_id, JSON.parse(row.token_ids) as number[]);
    }
    return open.map((o) => ({
      ...o,
      claim:
        o.assignment.role === "generate"
          ? null
          : o.assignment.trap
            ? o.assignment.tokenIds
            : (claims.get(o.task.id) ?? null),
    }));
  }

  async recordWork(writes: readonly WorkWrite[]): Promise<{ outcomes: WorkWriteOutcome[]; completed: string[] }> {
    if (writes.length === 0) return { outcomes: [], completed: [] };
    const ids = [...new Set(writes.map((w) => w.taskId))].sort();
    return this.dialect.transaction(async (trx) => {
      // The tasks are locked first, like every writer of a task in flight (`lockTasks`): an answer and a verdict
      // from two relayers sharing the database take turns, so an answer is never stored against a task status a
      // judge is changing, nor a verdict given on answers it could not see.
      await this.lockTasks(trx, ids);
      // The batch's assignments with their tasks' status, read once; each write is decided on them in order, so a
      // commit and its reveal in one batch see each other.
      const rows = await trx
        .selectFrom("assignments as a")
        .innerJoin("tasks as t", "t.id", "a.task_id")
        .selectAll("a")
        .select(["t.status as task_status", "t.max_tokens as task_max_tokens"])
        .where(this.dialect.inList("a.task_id", ids))
        .orderBy("a.task_id")
        .orderBy("a.node")
        .execute();
      const state = new Map<
        string,
        { assignment: AssignmentRecord; taskStatus: string; maxTokens: number; changed: boolean }
      >();
      for (const row of rows) {
        state.set(key(row.task_id, row.node), {
          assignment: toAssignment(row as unknown as Row),
          taskStatus: String(row.task_status),
          maxTokens: num(row.task_max_tokens),
          changed: false,
        });
      }
      const answered = new Map<string, number>();
      const outcomes = writes.map((w): WorkWriteOutcome => {
        const entry = state.get(key(w.taskId, w.node));
        if (!entry) return "unknown";
        const a = entry.assignment;
        const open = IN_FLIGHT.includes(entry.taskStatus as (typeof IN_FLIGHT)[number]);
        const late = w.at > a.deadline || !open;
        switch (w.kind) {
          case "commit": {
            if (a.role !== "generate") return "unknown";
            if (a.status !== "assigned")
              return a.commitment === w.commitment ? "duplicate" : late ? "late" : "duplicate";
            if (late) return "late";
            entry.assignment = { ...a, status: "committed", commitment: w.commitment, commitSignature: w.signature };
            break;
          }
          case "reveal": {
            if (a.role !== "generate") return "unknown";
            if (a.status === "assigned") return late ? "late" : "no_commitment";
            if (a.status !== "committed") return "duplicate";
            if (late) return "late";
            // More tokens than the task allows is a wrong claim, however it opens its commitment.
            const opens = a.commitment !== null && w.tokenIds.length <= entry.maxTokens && w.opens(a.commitment);
            entry.assignment = {
              ...a,
              status: opens ? "revealed" : "mismatch",
              tokenIds: opens ? w.tokenIds : null,
              outputHash: opens ? outputHash(w.tokenIds) : null,
              tokensGenerated: w.tokenIds.length,
              queueMs: w.queueMs,
              inferenceMs: w.inferenceMs,
              submittedAt: w.at,
            };
            answered.set(w.taskId, (answered.get(w.taskId) ?? 0) + 1);
            break;
          }
          case "report": {
            if (a.role === "generate") return "unknown";
            if (a.status !== "assigned") return a.status === "submitted" ? "duplicate" : "late";
            if (late) return "late";
            // The report must be about the claim this verifier was sent (signed over its hash).
            const generator = [...state.values()].find(
              (e) =>
                e.assignment.taskId === w.taskId &&
                e.assignment.role === "generate" &&
                e.assignment.status === "revealed",
            );
            const claim = a.trap ? a.tokenIds : generator?.assignment.tokenIds;
            if (!claim || outputHash(claim) !== w.report.claimHash.toLowerCase()) return "unknown";
            entry.assignment = {
              ...a,
              status: "submitted",
              report: w.report,
              queueMs: w.queueMs,
              inferenceMs: w.inferenceMs,
              submittedAt: w.at,
            };
            answered.set(w.taskId, (answered.get(w.taskId) ?? 0) + 1);
            break;
          }
        }
        entry.changed = true;
        return "stored";
      });
      const changed = [...state.values()].filter((e) => e.changed).map((e) => e.assignment);
      await this.writes.writeWork.run(
        trx,
        changed.map((a) => ({
          task_id: a.taskId,
          node: a.node,
          status: a.status,
          commitment: a.commitment,
          commit_signature: a.commitSignature,
          token_ids: a.tokenIds ? JSON.stringify(a.tokenIds) : null,
          output_hash: a.outputHash,
          tokens_generated: a.tokensGenerated,
          report: a.report ? JSON.stringify(a.report) : null,
          queue_ms: a.queueMs,
          inference_ms: a.inferenceMs,
          submitted_at: a.submittedAt,
        })),
      );
      if (answered.size === 0) return { outcomes, completed: [] };
      const left = await this.writes.countAnswers.run(
        trx,
        [...answered].map(([id, n]) => ({ id, n })),
      );
      const done = left.filter((row) => num(row.open_assignments) <= 0 && num(row.stage_size) > 0).map((row) => row.id);
      return { outcomes, completed: done };
    });
  }

  async withdrawAssignments(node: Address, _now: number): Promise<string[]> {
    return this.dialect.transaction(async (trx) => {
      const rows = await trx
        .selectFrom("assignments as a")
        .innerJoin("tasks as t", "t.id", "a.task_id")
        .select("a.task_id")
        .where("a.node", "=", node)
        .where("a.status", "in", ["assigned", "committed"])
        .where("t.status", "in", IN_FLIGHT)
        .execute();
      if (rows.length === 0) return [];
      const ids = [...new Set(rows.map((row) => row.task_id))].sort();
      await this.lockTasks(trx, ids);
      // Looked at again on the locked tasks: an answer or a verdict another relayer sharing the database committed
      // since the read above is kept, and only the assignments this statement withdrew are counted off their tasks
      // (counting every task read above would count an answer stored meanwhile twice).
      const withdrawn = await trx
        .updateTable("assignments")
        .set({ status: "withdrawn", token_ids: null })
        .where("node", "=", node)
        .where(this.dialect.inList("task_id", ids))
        .where("status", "in", ["assigned", "committed"])
        .where("task_id", "in", (eb) =>
          eb.selectFrom("tasks").select("id").where(this.dialect.inList("id", ids)).where("status", "in", IN_FLIGHT),
        )
        .returning("task_id")
        .execute();
      const done = withdrawn.map((row) => row.task_id).sort();
      await this.writes.countAnswers.run(
        trx,
        done.map((id) => ({ id, n: 1 })),
      );
      return done;
    });
  }

  async dueTasks(now: number, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom("tasks")
      .select("id")
      .where("status", "in", IN_FLIGHT)
      .where((eb) =>
        eb.or([eb("deadline", "<", now), eb.and([eb("open_assignments", "<=", 0), eb("stage_size", ">", 0)])]),
      )
      .orderBy("deadline")
      .limit(limit)
      .execute();
    return rows.map((row) => row.id);
  }

  async judgeTasks<T extends TaskJudgement>(
    taskIds: readonly string[],
    now: number,
    decide: (snapshot: TaskSnapshot) => T,
  ): Promise<Array<{ taskId: string; judgement: T }>> {
    if (taskIds.length === 0) return [];
    const ids = [...new Set(taskIds)].sort();
    return this.dialect.transaction(async (trx) => {
      const judged: Array<{ taskId: string; judgement: T }> = [];
      const openEpoch = await this.requireOpenEpoch(trx, now, "share");
      // The whole batch is read in two statements (tasks with their assignments, then their nodes), and each
      // node is carried from task to task in memory and written once at the end. PostgreSQL locks the tasks,
      // then their nodes, each in key order; a task another relayer judged meanwhile no longer matches. The tasks
      // are locked in a statement of their own (`lockTasks`): a join that waited on a task's lock would still
      // return its assignments as they were before the answer that held the lock was committed.
      await this.lockTasks(trx, ids);
      const rows = await trx
        .selectFrom("tasks as t")
        .leftJoin("assignments as a", "a.task_id", "t.id")
        .selectAll("t")
        .select(ASSIGNMENT_BESIDE_TASK)
        .where(this.dialect.inList("t.id", ids))
        .where("t.status", "in", IN_FLIGHT)
        // Still due when the transaction reads it: a stage judged meanwhile (the sweep and a last answer racing)
        // is not judged again before its own answers are in.
        .where((eb) =>
          eb.or([eb("t.deadline", "<", now), eb.and([eb("t.open_assignments", "<=", 0), eb("t.stage_size", ">", 0)])]),
        )
        .orderBy("t.id")
        .orderBy("a.assigned_at")
        .orderBy("a.node")
        .execute();
      const open = new Map<string, TaskRecord>();
      const assignmentsOf = new Map<string, AssignmentRecord[]>();
      const addresses = new Set<string>();
      for (const row of rows) {
        if (!open.has(row.id)) {
          open.set(row.id, toTask(row));
          assignmentsOf.set(row.id, []);
        }
        if (row.node === null) continue;
        assignmentsOf.get(row.id)?.push(assignmentBesideTask(row));
        addresses.add(row.node);
      }
      if (open.size === 0) return judged;
      const taskWrites: Array<{
        id: string;
        status: string;
        output_hash: string | null;
        tokens_generated: number | null;
        judged_at: number | null;
        epoch: number | null;
        deadline: number | null;
        open: number;
      }> = [];
      const finals: Array<{ id: string }> = [];
      const assignmentWrites: Array<{ task_id: string; node: string; status: string; reward_wei: string }> = [];
      const inserts: Array<{
        task_id: string;
        node: string;
        role: string;
        assigned_at: number;
        deadline: number;
        token_ids: string | null;
        trap: number;
      }> = [];
      let ledger: LedgerEntry[] = [];
      const current = await this.loadNodes(trx, [...addresses], true);
      const changed = new Set<string>();
      for (const taskId of taskIds) {
        const task = open.get(taskId);
        if (!task) continue;
        open.delete(taskId); // a repeated id is judged once
        const assignments = assignmentsOf.get(taskId) ?? [];
        const nodes = new Map<string, NodeRecord>();
        for (const { node } of assignments) {
          const record = current.get(node);
          if (!record) throw new NotFoundError(`No node ${node}; a node appears once it has signed in`);
          nodes.set(node, record);
        }
        const plan = decide({ task, assignments, nodes, openEpoch: openEpoch.epoch });
        for (const drawn of plan.newAssignments) {
          if (!current.has(drawn.node)) {
            const [record] = (await this.loadNodes(trx, [drawn.node], true)).values();
            if (!record) throw new NotFoundError(`No node ${drawn.node}; a node appears once it has signed in`);
            current.set(drawn.node, record);
          }
          inserts.push({
            task_id: taskId,
            node: drawn.node,
            role: drawn.role,
            assigned_at: now,
            deadline: drawn.deadline,
            token_ids: drawn.trapTokenIds ? JSON.stringify(drawn.trapTokenIds) : null,
            trap: drawn.trapTokenIds ? 1 : 0,
          });
        }
        taskWrites.push({
          id: taskId,
          status: plan.task.status,
          output_hash: plan.task.outputHash,
          tokens_generated: plan.task.tokensGenerated,
          judged_at: plan.task.judgedAt,
          epoch: plan.task.epoch,
          deadline: plan.task.deadline,
          open: plan.newAssignments.length,
        });
        if (FINAL_TASK_STATUSES.includes(plan.task.status as (typeof FINAL_TASK_STATUSES)[number])) {
          finals.push({ id: taskId });
        }
        for (const a of plan.assignments) {
          assignmentWrites.push({
            task_id: taskId,
            node: a.node,
            status: a.status,
            reward_wei: a.rewardWei.toString(),
          });
        }
        for (const node of plan.nodes) {
          current.set(node.address, node);
          changed.add(node.address);
        }
        ledger.push(...plan.ledger);
        judged.push({ taskId, judgement: plan });
      }
      const shared = await this.payPublishers(trx, ledger, current, changed, assignmentWrites, now);
      ledger = shared.ledger;
      // The judgements say what each node was paid after its publisher's share (the verdict frame shows it).
      for (const credit of shared.credits) {
        const plan = judged.find((j) => j.taskId === credit.taskId)?.judgement;
        const paid = plan?.assignments.find((a) => a.node === credit.node && a.role === "generate");
        if (paid) paid.rewardWei -= credit.amountWei;
      }
      if (shared.credits.length > 0) {
        for (const { judgement } of judged) {
          judgement.nodes.forEach((node, i) => {
            judgement.nodes[i] = current.get(node.address) ?? node;
          });
        }
      }
      await this.writes.judgeTasks.run(trx, taskWrites);
      await this.writes.eraseInputs.run(trx, finals);
      await this.writes.judgeAssignments.run(trx, assignmentWrites);
      await this.writes.insertAssignments.run(trx, inserts);
      await this.insertLedger(trx, ledger);
      const provenWrong = new Set(judged.flatMap(({ judgement }) => judgement.provenWrong ?? []));
      for (const address of provenWrong) {
        const node = current.get(address);
        if (!node) continue;
        const { forfeited, publishers } = await this.revokeClaims(trx, address, openEpoch.epoch);
        if (forfeited > 0n) {
          current.set(address, { ...node, confirmedWei: node.confirmedWei - forfeited });
          changed.add(address);
        }
        const unknown = [...publishers.keys()].filter((p) => !current.has(p));
        for (const [p, record] of await this.loadNodes(trx, unknown, true)) current.set(p, record);
        for (const [p, amount] of publishers) {
          const publisher = current.get(p);
          if (!publisher) continue;
          current.set(p, { ...publisher, confirmedWei: publisher.confirmedWei - amount });
          changed.add(p);
        }
      }
      await this.writeNodes(
        trx,
        [...changed].map((address) => current.get(address) as NodeRecord),
      );
      return judged;
    });
  }

  /**
   * Revocation: a node proven wrong (on any task, in any role) loses the claims it generated and got validated in
   * the open epoch: one proven lie makes every unchecked pass of its claims worthless as evidence. Each becomes `revoked`,
   * its task credits (share and bonus) are deleted from the ledger and returned as the amount forfeited; the
   * verifiers keep their pay (they scored the claim) and the network its share. A placement's publisher loses the
   * share it got from those claims (returned per publisher). Only the open epoch: a closed one is on its way on-chain.
   */
  private async revokeClaims(
    trx: Db,
    address: Address,
    epoch: number,
  ): Promise<{ forfeited: bigint; publishers: Map<string, bigint> }> {
    const rows = await trx
      .selectFrom("assignments as a")
      .innerJoin("tasks as t", "t.id", "a.task_id")
      .select("t.id")
      .where("a.node", "=", address)
      .where("a.role", "=", "generate")
      .where("a.status", "=", "correct")
      .where("t.status", "=", "validated")
      .where("t.epoch", "=", epoch)
      .execute();
    const ids = rows.map((row) => row.id);
    const publishers = new Map<string, bigint>();
    if (ids.length === 0) return { forfeited: 0n, publishers };
    const credits = await trx
      .deleteFrom("ledger")
      .where("epoch", "=", epoch)
      .where("account", "=", address)
      .where("kind", "=", "task")
      .where(this.dialect.inList("ref", ids))
      .returning("amount_wei")
      .execute();
    await trx.updateTable("tasks").set({ status: "revoked" }).where(this.dialect.inList("id", ids)).execute();
    await trx
      .updateTable("assignments")
      .set({ reward_wei: "0" })
      .where("node", "=", address)
      .where("role", "=", "generate")
      .where(this.dialect.inList("task_id", ids))
      .execute();
    const shares = await trx
      .deleteFrom("ledger")
      .where("epoch", "=", epoch)
      .where("kind", "=", "publisher")
      .where(this.dialect.inList("ref", ids))
      .returning(["account", "amount_wei"])
      .execute();
    for (const row of shares) publishers.set(row.account, (publishers.get(row.account) ?? 0n) + BigInt(row.amount_wei));
    return { forfeited: credits.reduce((sum, row) => sum + BigInt(row.amount_wei), 0n), publishers };
  }

  async nodesCorrectBetween(since: number, until: number): Promise<Address[]> {
    const rows = await this.db
      .selectFrom("assignments as a")
      .innerJoin("tasks as t", "t.id", "a.task_id")
      .select("a.node")
      .distinct()
      .where("a.status", "=", "correct")
      .where("t.judged_at", ">=", since)
      .where("t.judged_at", "<", until)
      .execute();
    return rows.map((row) => row.node as Address);
  }

  private async insertLedger(db: Db, entries: readonly LedgerEntry[]): Promise<void> {
    await this.writes.insertLedger.run(
      db,
      entries.map((e) => ({
        epoch: e.epoch,
        account: e.account,
        kind: e.kind,
        ref: e.ref,
        amount_wei: e.amountWei.toString(),
        bonus_wei: e.bonusWei.toString(),
        created_at: e.createdAt,
      })),
    );
  }

  /**
   * A served request's output from one node (inference/served-record.ts), recorded as a task of kind `served`:
   * - not sampled: validated at once and paid like a validated task (75/25, the reputation bonus) for its tokens; the
   *   prompt and output are not kept. Reputation does not move: nothing checked it. If the node is proven wrong later
   *   in this epoch, `revokeClaims` takes this pay back with its other unchecked claims.
   * - sampled: stored as a revealed claim (input, prefix and token ids kept until the task is final), due at once, so
   *   the judge draws verifiers for it like any claim.
   * A banned node is not paid and its answer is not sampled: it is recorded as inconclusive.
   */
  async recordServed(works: readonly ServedWork[]): Promise<ServedOutcome[]> {
    if (works.length === 0) return [];
    return this.dialect.transaction(async (trx) => {
      const latest = Math.max(...works.map((w) => w.now));
      const epoch = await this.requireOpenEpoch(trx, latest, "share");
      // Every node of the batch read (and on PostgreSQL locked, in address order) once; its parts are paid in order,
      // each on the balance the one before left.
      const nodes = await this.loadNodes(trx, [...new Set(works.map((w) => w.node))], true);
      const paid = new Map<string, NodeRecord>();
      const tasks: RowOf<typeof SERVED_TASK>[] = [];
      const assignments: RowOf<typeof SERVED_ASSIGNMENT>[] = [];
      const ledger: LedgerEntry[] = [];
      const outcomes = works.map((served): ServedOutcome => {
        const node = paid.get(served.node) ?? nodes.get(served.node);
        if (!node) throw new NotFoundError(`No node ${served.node}; a node appears once it has signed in`);
        const tokens = served.tokenIds.length;
        const banned = node.bannedUntil !== null && node.bannedUntil > served.now;
        const status = banned ? "inconclusive" : served.sampled ? "assigned" : "validated";
        const hash = outputHash(served.tokenIds);
        const reward = status === "validated" ? served.reward(node, tokens) : null;
        const rewardWei = reward ? reward.node + reward.bonus : 0n;
        tasks.push({
          id: served.id,
          kind: "served",
          status,
          model: served.model,
          input: status === "assigned" ? served.input : "",
          max_tokens: Math.max(1, served.maxTokens),
          seed: served.seed,
          pinned_node: null,
          created_at: served.now,
          assigned_at: served.now,
          deadline: status === "assigned" ? served.now : null,
          output_hash: status === "validated" ? hash : null,
          tokens_generated: status === "validated" ? tokens : null,
          judged_at: status === "assigned" ? null : served.now,
          epoch: status === "validated" ? epoch.epoch : null,
          open_assignments: 0,
          stage_size: status === "assigned" ? 1 : 0,
          temperature: served.temperature,
          prefix_ids: status === "assigned" && served.prefix.length > 0 ? JSON.stringify(served.prefix) : null,
        });
        assignments.push({
          task_id: served.id,
          node: served.node,
          status: status === "assigned" ? "revealed" : status === "validated" ? "correct" : "inconclusive",
          output_hash: hash,
          tokens_generated: tokens,
          queue_ms: served.queueMs,
          inference_ms: served.inferenceMs,
          assigned_at: served.now,
          submitted_at: served.now,
          reward_wei: rewardWei.toString(),
          role: "generate",
          token_ids: status === "assigned" ? JSON.stringify(served.tokenIds) : null,
          trap: 0,
          deadline: served.now,
        });
        if (reward && rewardWei > 0n) {
          ledger.push({
            epoch: epoch.epoch,
            createdAt: served.now,
            account: served.node,
            kind: "task",
            ref: served.id,
            amountWei: rewardWei,
            bonusWei: reward.bonus,
          });
          if (reward.network > 0n) {
            ledger.push({
              epoch: epoch.epoch,
              createdAt: served.now,
              account: NETWORK_ACCOUNT,
              kind: "network",
              ref: served.id,
              amountWei: reward.network,
              bonusWei: 0n,
            });
          }
          paid.set(served.node, { ...node, confirmedWei: node.confirmedWei + rewardWei });
        }
        return { status, rewardWei };
      });
      // A node serving from a placement pays its publisher's share of a served answer too (a sampled one pays it
      // when it is judged, like any claim).
      const current = new Map([...nodes, ...paid]);
      const changed = new Set(paid.keys());
      const shared = await this.payPublishers(trx, ledger, current, changed, assignments, latest);
      for (const credit of shared.credits) {
        const outcome = outcomes[works.findIndex((w) => w.id === credit.taskId)];
        if (outcome) outcome.rewardWei -= credit.amountWei;
      }
      await this.writes.insertServedTasks.run(trx, tasks);
      await this.writes.insertServedAssignments.run(trx, assignments);
      if (shared.ledger.length > 0) await this.insertLedger(trx, shared.ledger);
      if (changed.size > 0) {
        await this.writeNodes(
          trx,
          [...changed].map((address) => current.get(address) as NodeRecord),
        );
      }
      return outcomes;
    });
  }

  // --- ledger ---

  async creditPassive(
    accounts: readonly Address[],
    windowRef: string,
    dayStart: number,
    amountWei: bigint,
    capPerDayWei: bigint,
    now: number,
  ): Promise<Address[]> {
    if (accounts.length === 0) return [];
    return this.dialect.transaction(async (trx) => {
      const epoch = (await this.requireOpenEpoch(trx, now, "share")).epoch;
      const nodes = await this.loadNodes(trx, accounts, true);
      const today = await trx
        .selectFrom("ledger")
        .select(["account", "amount_wei", "ref"])
        .where("kind", "=", "passive")
        .where(this.dialect.inList("account", accounts))
        .where("created_at", ">=", dayStart)
        .execute();
      const earned = new Map<string, bigint>();
      const credited = new Set<string>();
      for (const row of today) {
        earned.set(row.account, (earned.get(row.account) ?? 0n) + BigInt(row.amount_wei));
        if (row.ref === windowRef) credited.add(row.account);
      }
      const entries: LedgerEntry[] = [];
      const written: NodeRecord[] = [];
      const result: Address[] = [];
      for (const account of accounts) {
        if (credited.has(account)) continue;
        const sum = earned.get(account) ?? 0n;
        const amount = amountWei < capPerDayWei - sum ? amountWei : capPerDayWei - sum;
        if (amount <= 0n) continue;
        const node = nodes.get(account);
        if (!node) throw new NotFoundError(`No node ${account}; a node appears once it has signed in`);
        entries.push({
          epoch,
          account,
          kind: "passive",
          ref: windowRef,
          amountWei: amount,
          bonusWei: 0n,
          createdAt: now,
        });
        written.push({ ...node, confirmedWei: node.confirmedWei + amount });
        credited.add(account);
        result.push(account);
      }
      await this.insertLedger(trx, entries);
      await this.writeNodes(trx, written);
      return result;
    });
  }

  async ledgerEntries(epoch: number): Promise<LedgerEntry[]> {
    const rows = await this.db
      .selectFrom("ledger")
      .selectAll()
      .where("epoch", "=", epoch)
      .orderBy("created_at")
      .orderBy("account")
      .orderBy("kind")
      .orderBy("ref")
      .execute();
    return rows.map(toLedger);
  }

  async paidTasksInEpoch(epoch: number): Promise<PaidTask[]> {
    const rows = await this.db
      .selectFrom("tasks as t")
      .innerJoin("assignments as a", "a.task_id", "t.id")
      .select([
        "t.id",
        "t.status as task_status",
        "t.max_tokens",
        "a.role",
        "a.status",
        "a.tokens_generated",
        "a.report",
      ])
      .where("t.epoch", "=", epoch)
      .orderBy("t.id")
      .execute();
    const tasks = new Map<string, PaidTask>();
    for (const row of rows) {
      let task = tasks.get(row.id);
      if (!task) {
        task = {
          id: row.id,
          status: row.task_status as PaidTask["status"],
          tokens: 0,
          correctGenerators: 0,
          correctVerifiers: 0,
        };
        tasks.set(row.id, task);
      }
      // The claim's length, capped at the task's max tokens, is what generator and verifiers are paid for.
      if (row.role === "generate" && row.tokens_generated !== null && row.status !== "withdrawn") {
        task.tokens = Math.min(num(row.tokens_generated), num(row.max_tokens));
      }
      if (row.role === "generate") {
        if (row.status === "correct") task.correctGenerators++;
      } else if (row.status === "correct" || (row.status === "inconclusive" && row.report !== null)) {
        // A verifier is paid for a correct verdict, or for a failing report inside the band of honest rounding.
        task.correctVerifiers++;
      }
    }
    return [...tasks.values()];
  }

  // --- epochs ---

  /**
   * The open epoch, opened when there is none (the first opens lazily, with the first write that needs one).
   * On PostgreSQL credits take it `FOR SHARE` (`lock`) and the close `FOR UPDATE` (`closeEpoch`): a credit lands
   * wholly before the snapshot or wholly in the next epoch. Relayers sharing the database open the first epoch
   * under one advisory lock, each looking again once it holds it: exactly one epoch is opened.
   */
  private async requireOpenEpoch(trx: Db, now: number, lock?: "share"): Promise<EpochRecord> {
    const current = () =>
      trx
        .selectFrom("epochs")
        .selectAll()
        .where("status", "=", "open")
        .orderBy("epoch", "desc")
        .limit(1)
        .$if(this.dialect.rowLocks && lock === "share", (q) => q.forShare())
        .executeTakeFirst();
    const row = await current();
    if (row) return toEpoch(row);
    await this.dialect.exclusive(trx, OPEN_EPOCH_LOCK);
    const again = await current();
    if (again) return toEpoch(again);
    const last = await trx
      .selectFrom("epochs")
      .select((eb) => eb.fn.max("epoch").as("e"))
      .executeTakeFirst();
    const inserted = await trx
      .insertInto("epochs")
      .values({ epoch: num(last?.e ?? 0) + 1, status: "open", opened_at: now })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toEpoch(inserted);
  }

  private async requireEpoch(db: Db, epoch: number, lock = false): Promise<EpochRecord> {
    const row = await db
      .selectFrom("epochs")
      .selectAll()
      .where("epoch", "=", epoch)
      .$if(lock && this.dialect.rowLocks, (q) => q.forUpdate())
      .executeTakeFirst();
    if (!row) throw new NotFoundError(`No epoch ${epoch}`);
    return toEpoch(row);
  }

  async openEpoch(now: number): Promise<EpochRecord> {
    const row = await this.db
      .selectFrom("epochs")
      .selectAll()
      .where("status", "=", "open")
      .orderBy("epoch", "desc")
      .limit(1)
      .executeTakeFirst();
    if (row) return toEpoch(row);
    return this.dialect.transaction((trx) => this.requireOpenEpoch(trx, now));
  }

  async getEpoch(epoch: number): Promise<EpochRecord | undefined> {
    const row = await this.db.selectFrom("epochs").selectAll().where("epoch", "=", epoch).executeTakeFirst();
    return row ? toEpoch(row) : undefined;
  }

  async listEpochs(limit: number): Promise<EpochRecord[]> {
    const rows = await this.db.selectFrom("epochs").selectAll().orderBy("epoch", "desc").limit(limit).execute();
    return rows.map(toEpoch);
  }

  async closeEpoch(now: number): Promise<EpochRecord> {
    return this.dialect.transaction(async (trx) => {
      // Several relayers may close at once. Locking "the open epoch" is not enough: one waiting on the row while
      // another closes it would then find the next epoch open and close that one too, just opened and empty. So the
      // epoch this transaction saw open is locked by its number, and found closed it is answered as it is: one close
      // per epoch, whoever asked.
      const seen = await this.requireOpenEpoch(trx, now);
      const open = toEpoch(
        await trx
          .selectFrom("epochs")
          .selectAll()
          .where("epoch", "=", seen.epoch)
          .$if(this.dialect.rowLocks, (q) => q.forUpdate())
          .executeTakeFirstOrThrow(),
      );
      if (open.status !== "open") return open;
      // Every node's cumulative state, in a fixed order (lower-case address, byte order) so the tree is reproducible.
      // Its amount is the uncapped earnings until settlement caps it to what the vault allows (`saveEpochEmission`).
      await trx
        .insertInto("epoch_leaves")
        .columns([
          "epoch",
          "idx",
          "account",
          "cumulative_amount",
          "earned_wei",
          "reputation_bps",
          "tasks_validated",
          "tasks_failed",
          "strikes",
        ])
        .expression(
          trx
            .selectFrom("nodes")
            .select([
              sql<number>`CAST(${open.epoch} AS INTEGER)`.as("epoch"),
              sql<number>`ROW_NUMBER() OVER (ORDER BY ${this.dialect.byteOrder(sql`lower(address)`)}) - 1`.as("idx"),
              "address",
              "confirmed_wei",
              sql<string>`confirmed_wei`.as("earned_wei"),
              "reputation_bps",
              "tasks_validated",
              "tasks_failed",
              "strikes",
            ])
            // A node with nothing earned carries no leaf: throwaway sign-ins cost the tree nothing.
            .where("confirmed_wei", "!=", "0"),
        )
        .execute();
      let total = 0n;
      let count = 0;
      const leaves = await trx
        .selectFrom("epoch_leaves")
        .select("cumulative_amount")
        .where("epoch", "=", open.epoch)
        .execute();
      for (const row of leaves) {
        total += BigInt(row.cumulative_amount);
        count++;
      }
      let networkShare = 0n;
      const shares = await trx
        .selectFrom("ledger")
        .select("amount_wei")
        .where("epoch", "=", open.epoch)
        .where("kind", "=", "network")
        .execute();
      for (const row of shares) networkShare += BigInt(row.amount_wei);
      await trx
        .updateTable("epochs")
        .set({
          status: "closed",
          closed_at: now,
          leaf_count: count,
          cumulative_total: total.toString(),
          network_share: networkShare.toString(),
          network_credits: networkShare.toString(),
        })
        .where("epoch", "=", open.epoch)
        .execute();
      await trx
        .insertInto("epochs")
        .values({ epoch: open.epoch + 1, status: "open", opened_at: now })
        .execute();
      return this.requireEpoch(trx, open.epoch);
    });
  }

  async epochLeaves(epoch: number): Promise<LeafRecord[]> {
    const rows = await this.db
      .selectFrom("epoch_leaves")
      .selectAll()
      .where("epoch", "=", epoch)
      .orderBy("idx")
      .execute();
    return rows.map(toLeaf);
  }

  async epochLeavesPage(epoch: number, fromIndex: number, limit: number): Promise<LeafRecord[]> {
    const rows = await this.db
      .selectFrom("epoch_leaves")
      .selectAll()
      .where("epoch", "=", epoch)
      .where("idx", ">=", fromIndex)
      .orderBy("idx")
      .limit(limit)
      .execute();
    return rows.map(toLeaf);
  }

  async epochLeaf(epoch: number, account: Address): Promise<LeafRecord | undefined> {
    const row = await this.db
      .selectFrom("epoch_leaves")
      .selectAll()
      .where("epoch", "=", epoch)
      .where("account", "=", account)
      .executeTakeFirst();
    return row ? toLeaf(row) : undefined;
  }

  async saveEpochEmission(epoch: number, emission: EpochEmission): Promise<EpochRecord> {
    return this.dialect.transaction(async (trx) => {
      // Checked on the locked row: another relayer sharing the database may be moving the epoch on (proposing it)
      // right now, and this write must not set a proposed epoch back to closed.
      const record = await this.requireEpoch(trx, epoch, true);
      if (record.status !== "closed" && record.status !== "built") {
        throw new RelayerError(`epoch ${epoch} is ${record.status}: its leaves are no longer rebuilt`);
      }
      await this.writes.setLeafAmounts.run(
        trx,
        emission.leaves.map((leaf) => ({ epoch, idx: leaf.index, amount: leaf.cumulativeAmount.toString() })),
      );
      await trx
        .updateTable("epochs")
        .set({
          status: "closed",
          root: null,
          content_hash: null,
          cumulative_total: emission.cumulativeTotal.toString(),
          network_share: emission.networkShare.toString(),
          carry_wei: emission.carryWei.toString(),
          network_carry_wei: emission.networkCarryWei.toString(),
        })
        .where("epoch", "=", epoch)
        .execute();
      return this.requireEpoch(trx, epoch);
    });
  }

  async saveEpochTree(epoch: number, root: Hex, contentHash: Hex, tree: Uint8Array): Promise<void> {
    await this.dialect.transaction(async (trx) => {
      await trx
        .insertInto("epoch_trees")
        .values({ epoch, layers: tree })
        .onConflict((oc) => oc.column("epoch").doUpdateSet((eb) => ({ layers: eb.ref("excluded.layers") })))
        .execute();
      await trx
        .updateTable("epochs")
        .set({ root, content_hash: contentHash, status: "built" })
        .where("epoch", "=", epoch)
        .where("status", "=", "closed")
        .execute();
    });
  }

  async epochTree(epoch: number): Promise<Uint8Array | undefined> {
    const row = await this.db.selectFrom("epoch_trees").select("layers").where("epoch", "=", epoch).executeTakeFirst();
    // SQLite returns a Uint8Array, pg a Buffer (a Uint8Array too): the same bytes either way.
    return row ? new Uint8Array(row.layers.buffer, row.layers.byteOffset, row.layers.byteLength) : undefined;
  }

  async updateEpoch(
    epoch: number,
    fields: Partial<Omit<EpochRecord, "epoch" | "openedAt">>,
    expected?: Pick<EpochRecord, "status" | "root">,
  ): Promise<EpochRecord> {
    const values: Record<string, string | number | null> = {};
    for (const [field, value] of Object.entries(fields)) {
      const column = EPOCH_COLUMNS[field];
      if (!column) throw new RelayerError(`Unknown epoch field ${field}`);
      values[column] = typeof value === "bigint" ? value.toString() : (value as string | number | null);
    }
    if (Object.keys(values).length > 0) {
      let update = this.db.updateTable("epochs").set(values).where("epoch", "=", epoch);
      if (expected) {
        update = update.where("status", "=", expected.status);
        update = expected.root === null ? update.where("root", "is", null) : update.where("root", "=", expected.root);
      }
      const result = await update.executeTakeFirst();
      if (expected && Number(result.numUpdatedRows) === 0) {
        const now = await this.getEpoch(epoch);
        const moved = now?.status === expected.status ? "its tree was rebuilt" : `it is ${now?.status ?? "gone"}`;
        throw new EpochMovedError(
          `epoch ${epoch} moved on under this settlement step (${moved}, not the ${expected.status} epoch read); nothing written`,
        );
      }
    }
    return this.requireEpoch(this.db, epoch);
  }

  async latestEpochWith(statuses: readonly EpochStatus[]): Promise<EpochRecord | undefined> {
    if (statuses.length === 0) return undefined;
    const row = await this.db
      .selectFrom("epochs")
      .selectAll()
      .where(this.dialect.inList("status", statuses))
      .orderBy("epoch", "desc")
      .limit(1)
      .executeTakeFirst();
    return row ? toEpoch(row) : undefined;
  }

  async hasConfirmedEarnings(): Promise<boolean> {
    const row = await this.db
      .selectFrom("nodes")
      .select("address")
      .where("confirmed_wei", "!=", "0")
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  async stats(now: number): Promise<NetworkStats> {
    const count = (query: { executeTakeFirst(): Promise<{ n: number | string | bigint } | undefined> }) =>
      query.executeTakeFirst().then((row) => num(row?.n ?? 0));
    const nodes = await count(this.db.selectFrom("nodes").select((eb) => eb.fn.countAll().as("n")));
    const banned = await count(
      this.db
        .selectFrom("nodes")
        .select((eb) => eb.fn.countAll().as("n"))
        .where("banned_until", ">", now),
    );
    const completed = await count(
      this.db
        .selectFrom("tasks")
        .select((eb) => eb.fn.countAll().as("n"))
        .where("status", "=", "validated"),
    );
    const queued = await count(
      this.db
        .selectFrom("tasks")
        .select((eb) => eb.fn.countAll().as("n"))
        .where("status", "in", ["queued", ...IN_FLIGHT]),
    );
    // Fraud blocked: claims rejected, reports contradicted, challenges and traps failed.
    const fraud = await count(
      this.db
        .selectFrom("assignments")
        .select((eb) => eb.fn.countAll().as("n"))
        .where("status", "=", "wrong"),
    );
    const perCountry: Record<string, number> = {};
    const country = sql<string>`COALESCE(country, 'XX')`;
    const rows = await this.db
      .selectFrom("nodes")
      .select((eb) => [country.as("country"), eb.fn.countAll().as("n")])
      .groupBy(country)
      .execute();
    for (const row of rows) perCountry[str(row.country)] = num(row.n);
    return {
      nodes,
      bannedNodes: banned,
      tasksCompleted: completed,
      tasksQueued: queued,
      fraudBlocked: fraud,
      nodesPerCountry: perCountry,
    };
  }

  async getMeta(key: string): Promise<string | undefined> {
    const row = await this.db.selectFrom("meta").select("value").where("key", "=", key).executeTakeFirst();
    return row?.value;
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.db
      .insertInto("meta")
      .values({ key, value })
      .onConflict((oc) => oc.column("key").doUpdateSet((eb) => ({ value: eb.ref("excluded.value") })))
      .execute();
  }
}
