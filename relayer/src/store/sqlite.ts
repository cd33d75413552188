import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import type { Address, Hex } from "viem";
import { NotFoundError, RelayerError } from "../errors.ts";
import { MIGRATIONS } from "./migrations.ts";
import {
  DAY_MS,
  EPOCH_COLUMNS,
  INITIAL_REPUTATION_BPS,
  num,
  str,
  toAssignment,
  toChallenge,
  toEpoch,
  toLeaf,
  toLedger,
  toNode,
  toTask,
} from "./rows.ts";
import type {
  AssignmentRecord,
  ChallengeRecord,
  EpochRecord,
  EpochStatus,
  LeafRecord,
  LedgerEntry,
  NetworkStats,
  NodeActivity,
  NodeRecord,
  ResultWrite,
  ResultWriteOutcome,
  Store,
  TaskRecord,
  TaskSettlement,
  TaskSnapshot,
  TaskStatus,
} from "./types.ts";

/**
 * The SQLite store (node:sqlite, no native addon to install). WAL journal with `synchronous=FULL`: a committed
 * transaction is on disk, which is what "durable before acknowledged" needs. One connection, used synchronously,
 * so each method's transaction cannot interleave with another's.
 */
export class SqliteStore implements Store {
  readonly kind = "sqlite";
  readonly path: string;
  private readonly db: DatabaseSync;
  private readonly statements = new Map<string, StatementSync>();

  /** `synchronous`: FULL fsyncs every commit (survives power loss); NORMAL survives a process crash only. */
  constructor(path: string, synchronous: "FULL" | "NORMAL" = "FULL") {
    this.path = path;
    this.db = new DatabaseSync(path);
    this.db.exec("PRAGMA journal_mode = WAL");
    this.db.exec(`PRAGMA synchronous = ${synchronous}`);
    // Checkpoint less often than every 1000 pages: checkpoints run inside commits, on the event loop.
    this.db.exec("PRAGMA wal_autocheckpoint = 8000");
    this.db.exec("PRAGMA busy_timeout = 5000");
    // Hot indexes stay in memory (64 MiB page cache, reads through mmap): settling touches many scattered pages.
    this.db.exec("PRAGMA cache_size = -65536");
    this.db.exec("PRAGMA mmap_size = 268435456");
    this.db.exec("PRAGMA foreign_keys = ON");
    this.migrate();
  }

  /** Applies pending migrations; safe to run on every start. */
  private migrate(): void {
    this.db.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at BIGINT)",
    );
    const applied = new Set(
      this.db
        .prepare("SELECT version FROM schema_migrations")
        .all()
        .map((row) => Number(row.version)),
    );
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      this.transaction(() => {
        this.db.exec(migration.sql);
        this.db
          .prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)")
          .run(migration.version, migration.name, Date.now());
      });
    }
  }

  private sql(text: string): StatementSync {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  private transaction<T>(work: () => T): T {
    this.db.exec("BEGIN IMMEDIATE");
    try {
      const result = work();
      this.db.exec("COMMIT");
      return result;
    } catch (error) {
      this.db.exec("ROLLBACK");
      throw error;
    }
  }

  async close(): Promise<void> {
    if (this.db.isOpen) this.db.close();
  }

  // --- nodes ---

  async touchNode(address: Address, now: number, fields: { country?: string | null } = {}): Promise<NodeRecord> {
    // Reconnect storms must not cost one fsync per socket: skip the write when nothing new would be recorded.
    const existing = this.sql("SELECT * FROM nodes WHERE address = ?").get(address);
    if (existing) {
      const node = toNode(existing);
      const countryUnchanged = !fields.country || fields.country === node.country;
      if (countryUnchanged && now - node.lastSeenAt < 60_000) return node;
    }
    this.sql(
      `INSERT INTO nodes (address, operator, country, reputation_bps, created_at, last_seen_at)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (address) DO UPDATE SET last_seen_at = excluded.last_seen_at,
         country = COALESCE(excluded.country, nodes.country)`,
    ).run(address, address, fields.country ?? null, INITIAL_REPUTATION_BPS, now, now);
    return this.requireNode(address);
  }

  private requireNode(address: Address): NodeRecord {
    const row = this.sql("SELECT * FROM nodes WHERE address = ?").get(address);
    if (!row) throw new NotFoundError(`No node ${address}; a node appears once it has signed in`);
    return toNode(row);
  }

  async getNode(address: Address): Promise<NodeRecord | undefined> {
    const row = this.sql("SELECT * FROM nodes WHERE address = ?").get(address);
    return row ? toNode(row) : undefined;
  }

  async getNodes(addresses: readonly Address[]): Promise<NodeRecord[]> {
    const statement = this.sql("SELECT * FROM nodes WHERE address = ?");
    return addresses.flatMap((address) => {
      const row = statement.get(address);
      return row ? [toNode(row)] : [];
    });
  }

  async listNodes({ limit, offset }: { limit: number; offset: number }): Promise<NodeRecord[]> {
    return this.sql("SELECT * FROM nodes ORDER BY created_at, address LIMIT ? OFFSET ?").all(limit, offset).map(toNode);
  }

  private writeNode(node: NodeRecord): void {
    this.sql(
      `UPDATE nodes SET operator = ?, country = ?, reputation_bps = ?, strikes = ?, active_strikes = ?,
         tasks_validated = ?, tasks_failed = ?, banned_until = ?, confirmed_wei = ?, last_seen_at = ?
       WHERE address = ?`,
    ).run(
      node.operator,
      node.country,
      node.reputationBps,
      node.strikes,
      node.activeStrikes,
      node.tasksValidated,
      node.tasksFailed,
      node.bannedUntil,
      node.confirmedWei.toString(),
      node.lastSeenAt,
      node.address,
    );
  }

  async updateNode(address: Address, decide: (node: NodeRecord) => NodeRecord): Promise<NodeRecord> {
    return this.transaction(() => {
      const next = decide(this.requireNode(address));
      this.writeNode(next);
      return next;
    });
  }

  async nodeActivity(address: Address, now: number): Promise<NodeActivity> {
    const dayStart = now - (now % DAY_MS);
    const gpu = this.sql(
      "SELECT COALESCE(SUM(inference_ms), 0) AS ms FROM assignments WHERE node = ? AND assigned_at >= ? AND submitted_at >= ?",
    ).get(address, dayStart - DAY_MS, dayStart);
    const hour = this.sql(
      "SELECT COUNT(*) AS n FROM assignments WHERE node = ? AND assigned_at >= ? AND submitted_at >= ?",
    ).get(address, now - 2 * 3_600_000, now - 3_600_000);
    // Potential: submitted results awaiting a verdict, valued at what they would earn (written at submission).
    const pending = this.sql(
      `SELECT a.tokens_generated AS tokens FROM assignments a WHERE a.node = ? AND a.status = 'submitted'`,
    ).all(address);
    return {
      pendingTokens: pending.reduce((sum, row) => sum + num(row.tokens ?? 0), 0),
      gpuMsToday: num(gpu?.ms ?? 0),
      tasksLastHour: num(hour?.n ?? 0),
    };
  }

  // --- auth ---

  async saveNonce(nonce: Hex, expiresAt: number): Promise<void> {
    this.sql("INSERT INTO auth_nonces (nonce, expires_at) VALUES (?, ?)").run(nonce, expiresAt);
  }

  async consumeNonce(nonce: Hex, now: number): Promise<"ok" | "unknown" | "used" | "expired"> {
    return this.transaction(() => {
      const row = this.sql("SELECT expires_at, used_at FROM auth_nonces WHERE nonce = ?").get(nonce);
      if (!row) return "unknown";
      if (row.used_at !== null) return "used";
      if (num(row.expires_at) <= now) return "expired";
      this.sql("UPDATE auth_nonces SET used_at = ? WHERE nonce = ?").run(now, nonce);
      return "ok";
    });
  }

  async saveSession(tokenHash: string, account: Address, expiresAt: number): Promise<void> {
    this.sql("INSERT INTO sessions (token_hash, account, expires_at) VALUES (?, ?, ?)").run(
      tokenHash,
      account,
      expiresAt,
    );
  }

  async getSession(tokenHash: string, now: number): Promise<Address | undefined> {
    const row = this.sql("SELECT account, expires_at FROM sessions WHERE token_hash = ?").get(tokenHash);
    if (!row || num(row.expires_at) <= now) return undefined;
    return str(row.account) as Address;
  }

  // --- tasks ---

  async insertTask(task: TaskRecord): Promise<void> {
    this.insertTaskRow(task);
  }

  private insertTaskRow(task: TaskRecord): void {
    this.sql(
      `INSERT INTO tasks (id, kind, status, model, input, max_tokens, seed, expected_hash, challenge_id, redundancy,
         created_at, assigned_at, deadline, output_hash, tokens_generated, settled_at, epoch)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      task.id,
      task.kind,
      task.status,
      task.model,
      task.input,
      task.maxTokens,
      task.seed,
      task.expectedHash,
      task.challengeId,
      task.redundancy,
      task.createdAt,
      task.assignedAt,
      task.deadline,
      task.outputHash,
      task.tokensGenerated,
      task.settledAt,
      task.epoch,
    );
    if (task.challengeId) this.sql("UPDATE challenges SET uses = uses + 1 WHERE id = ?").run(task.challengeId);
  }

  async insertTasks(tasks: readonly TaskRecord[]): Promise<void> {
    this.transaction(() => {
      for (const task of tasks) this.insertTaskRow(task);
    });
  }

  async getTask(id: string): Promise<TaskRecord | undefined> {
    const row = this.sql("SELECT * FROM tasks WHERE id = ?").get(id);
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
      return this.sql(
        `SELECT t.* FROM tasks t JOIN assignments a ON a.task_id = t.id WHERE a.node = ?
         ORDER BY t.created_at DESC LIMIT ?`,
      )
        .all(node, limit)
        .map(toTask);
    }
    if (status) {
      return this.sql("SELECT * FROM tasks WHERE status = ? ORDER BY created_at DESC LIMIT ?")
        .all(status, limit)
        .map(toTask);
    }
    return this.sql("SELECT * FROM tasks ORDER BY created_at DESC, id DESC LIMIT ?").all(limit).map(toTask);
  }

  async queuedTasks(limit: number): Promise<TaskRecord[]> {
    return this.sql("SELECT * FROM tasks WHERE status = 'queued' ORDER BY created_at, id LIMIT ?")
      .all(limit)
      .map(toTask);
  }

  async assignTasks(
    assignments: ReadonlyArray<{ taskId: string; nodes: readonly Address[]; now: number; deadline: number }>,
  ): Promise<void> {
    this.transaction(() => {
      const update = this.sql(
        "UPDATE tasks SET status = 'assigned', assigned_at = ?, deadline = ?, open_assignments = ? WHERE id = ? AND status = 'queued'",
      );
      const insert = this.sql(
        "INSERT INTO assignments (task_id, node, status, assigned_at) VALUES (?, ?, 'assigned', ?)",
      );
      for (const { taskId, nodes, now, deadline } of assignments) {
        const changed = update.run(now, deadline, nodes.length, taskId);
        if (Number(changed.changes) !== 1) throw new RelayerError(`Task ${taskId} is not queued; cannot assign it`);
        for (const node of nodes) insert.run(taskId, node, now);
      }
    });
  }

  async getAssignments(taskId: string): Promise<AssignmentRecord[]> {
    return this.sql("SELECT * FROM assignments WHERE task_id = ? ORDER BY node").all(taskId).map(toAssignment);
  }

  async openAssignments(node: Address): Promise<Array<{ task: TaskRecord; assignment: AssignmentRecord }>> {
    return this.sql(
      `SELECT t.*, a.task_id, a.node, a.status AS a_status, a.output_hash AS a_output_hash,
         a.tokens_generated AS a_tokens, a.queue_ms, a.inference_ms, a.assigned_at AS a_assigned_at,
         a.submitted_at, a.reward_wei
       FROM assignments a JOIN tasks t ON t.id = a.task_id
       WHERE a.node = ? AND a.status = 'assigned' AND t.status = 'assigned'`,
    )
      .all(node)
      .map((row) => ({
        task: toTask(row),
        assignment: toAssignment({
          ...row,
          status: row.a_status ?? null,
          output_hash: row.a_output_hash ?? null,
          tokens_generated: row.a_tokens ?? null,
          assigned_at: row.a_assigned_at ?? null,
        }),
      }));
  }

  async recordResults(
    results: readonly ResultWrite[],
  ): Promise<{ outcomes: ResultWriteOutcome[]; completed: string[] }> {
    return this.transaction(() => {
      const update = this.sql(
        `UPDATE assignments SET status = 'submitted', output_hash = ?, tokens_generated = ?, queue_ms = ?,
           inference_ms = ?, submitted_at = ?
         WHERE task_id = ? AND node = ? AND status = 'assigned'
           AND EXISTS (SELECT 1 FROM tasks t WHERE t.id = task_id AND t.status = 'assigned' AND t.deadline >= ?)`,
      );
      const decrement = this.sql(
        "UPDATE tasks SET open_assignments = open_assignments - ? WHERE id = ? RETURNING open_assignments",
      );
      const existing = this.sql(
        "SELECT a.status, t.status AS task_status FROM assignments a JOIN tasks t ON t.id = a.task_id WHERE a.task_id = ? AND a.node = ?",
      );
      // A task's answers tend to arrive together: its counter moves once per batch, not once per result.
      const storedPerTask = new Map<string, number>();
      const outcomes = results.map((result): ResultWriteOutcome => {
        const changed = update.run(
          result.outputHash,
          result.tokensGenerated,
          result.queueMs,
          result.inferenceMs,
          result.submittedAt,
          result.taskId,
          result.node,
          result.submittedAt,
        );
        if (Number(changed.changes) === 1) {
          storedPerTask.set(result.taskId, (storedPerTask.get(result.taskId) ?? 0) + 1);
          return "stored";
        }
        const row = existing.get(result.taskId, result.node);
        if (!row) return "unknown";
        // Still open (the deadline passed) or already judged a timeout: too late. Otherwise it was stored before.
        if (row.status === "assigned" || row.status === "timeout") return "late";
        return "duplicate";
      });
      const completed: string[] = [];
      for (const [taskId, stored] of storedPerTask) {
        const left = decrement.get(stored, taskId);
        if (left && num(left.open_assignments) === 0) completed.push(taskId);
      }
      return { outcomes, completed };
    });
  }

  async dueTasks(now: number, limit: number): Promise<string[]> {
    return this.sql(
      "SELECT id FROM tasks WHERE status = 'assigned' AND (deadline < ? OR open_assignments <= 0) ORDER BY deadline LIMIT ?",
    )
      .all(now, limit)
      .map((row) => str(row.id));
  }

  async settleTasks<T extends TaskSettlement>(
    taskIds: readonly string[],
    decide: (snapshot: TaskSnapshot) => T,
  ): Promise<Array<{ taskId: string; settlement: T }>> {
    return this.transaction(() => {
      const settled: Array<{ taskId: string; settlement: T }> = [];
      const openEpoch = this.requireOpenEpoch();
      // The whole batch is read in three statements (json_each turns one parameter into a set), and each node is
      // carried from task to task in memory and written once at the end.
      const open = new Map(
        this.sql("SELECT * FROM tasks WHERE id IN (SELECT value FROM json_each(?))")
          .all(JSON.stringify(taskIds))
          .filter((row) => row.status === "assigned")
          .map((row) => [str(row.id), toTask(row)]),
      );
      const assignmentsOf = new Map<string, AssignmentRecord[]>();
      for (const row of this.sql(
        "SELECT * FROM assignments WHERE task_id IN (SELECT value FROM json_each(?)) ORDER BY task_id, node",
      ).iterate(JSON.stringify([...open.keys()]))) {
        const assignment = toAssignment(row);
        const list = assignmentsOf.get(assignment.taskId) ?? [];
        list.push(assignment);
        assignmentsOf.set(assignment.taskId, list);
      }
      const nodeAddresses = new Set([...assignmentsOf.values()].flatMap((list) => list.map((a) => a.node)));
      const current = new Map(
        this.sql("SELECT * FROM nodes WHERE address IN (SELECT value FROM json_each(?))")
          .all(JSON.stringify([...nodeAddresses]))
          .map((row) => [str(row.address), toNode(row)]),
      );
      const changed = new Set<string>();
      for (const taskId of taskIds) {
        const task = open.get(taskId);
        if (!task) continue;
        open.delete(taskId); // a repeated id settles once
        const assignments = assignmentsOf.get(taskId) ?? [];
        const nodes = new Map<string, NodeRecord>();
        for (const { node } of assignments) nodes.set(node, current.get(node) ?? this.requireNode(node));
        const plan = decide({ task, assignments, nodes, openEpoch: openEpoch.epoch });
        this.sql(
          "UPDATE tasks SET status = ?, output_hash = ?, tokens_generated = ?, settled_at = ?, epoch = ?, open_assignments = 0 WHERE id = ?",
        ).run(
          plan.task.status,
          plan.task.outputHash,
          plan.task.tokensGenerated,
          plan.task.settledAt,
          plan.task.epoch,
          taskId,
        );
        const updateAssignment = this.sql(
          "UPDATE assignments SET status = ?, reward_wei = ? WHERE task_id = ? AND node = ?",
        );
        for (const a of plan.assignments) updateAssignment.run(a.status, a.rewardWei.toString(), taskId, a.node);
        for (const node of plan.nodes) {
          current.set(node.address, node);
          changed.add(node.address);
        }
        this.insertLedger(plan.ledger);
        settled.push({ taskId, settlement: plan });
      }
      for (const address of changed) this.writeNode(current.get(address) as NodeRecord);
      return settled;
    });
  }

  private insertLedger(entries: readonly LedgerEntry[]): void {
    const insert = this.sql(
      "INSERT INTO ledger (epoch, account, kind, ref, amount_wei, bonus_wei, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    );
    for (const e of entries) {
      insert.run(e.epoch, e.account, e.kind, e.ref, e.amountWei.toString(), e.bonusWei.toString(), e.createdAt);
    }
  }

  // --- challenges ---

  async insertChallenge(challenge: ChallengeRecord): Promise<void> {
    this.sql(
      "INSERT INTO challenges (id, model, input, max_tokens, seed, expected_hash, created_at, uses) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    ).run(
      challenge.id,
      challenge.model,
      challenge.input,
      challenge.maxTokens,
      challenge.seed,
      challenge.expectedHash,
      challenge.createdAt,
      challenge.uses,
    );
  }

  async listChallenges(): Promise<ChallengeRecord[]> {
    return this.sql("SELECT * FROM challenges ORDER BY created_at, id").all().map(toChallenge);
  }

  async pickChallenge(model: string | undefined, random: number): Promise<ChallengeRecord | undefined> {
    const rows = model
      ? this.sql("SELECT * FROM challenges WHERE model = ? ORDER BY id").all(model)
      : this.sql("SELECT * FROM challenges ORDER BY id").all();
    const row = rows[Math.floor(random * rows.length)];
    return row ? toChallenge(row) : undefined;
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
    return this.transaction(() => {
      const epoch = this.requireOpenEpoch().epoch;
      const today = this.sql(
        "SELECT amount_wei, ref FROM ledger WHERE kind = 'passive' AND account = ? AND created_at >= ?",
      );
      const credited: Address[] = [];
      for (const account of accounts) {
        const rows = today.all(account, dayStart);
        if (rows.some((row) => row.ref === windowRef)) continue;
        const earned = rows.reduce((sum, row) => sum + BigInt(str(row.amount_wei)), 0n);
        const amount = amountWei < capPerDayWei - earned ? amountWei : capPerDayWei - earned;
        if (amount <= 0n) continue;
        const node = this.requireNode(account);
        this.insertLedger([
          { epoch, account, kind: "passive", ref: windowRef, amountWei: amount, bonusWei: 0n, createdAt: now },
        ]);
        this.writeNode({ ...node, confirmedWei: node.confirmedWei + amount });
        credited.push(account);
      }
      return credited;
    });
  }

  async ledgerEntries(epoch: number): Promise<LedgerEntry[]> {
    return this.sql("SELECT * FROM ledger WHERE epoch = ? ORDER BY created_at, account, kind, ref")
      .all(epoch)
      .map(toLedger);
  }

  async validatedTasksInEpoch(epoch: number): Promise<Array<{ id: string; tokensGenerated: number; correct: number }>> {
    return this.sql(
      `SELECT t.id, t.tokens_generated, (SELECT COUNT(*) FROM assignments a WHERE a.task_id = t.id AND a.status = 'correct') AS correct
       FROM tasks t WHERE t.epoch = ? AND t.status = 'validated' ORDER BY t.id`,
    )
      .all(epoch)
      .map((row) => ({ id: str(row.id), tokensGenerated: num(row.tokens_generated), correct: num(row.correct) }));
  }

  // --- epochs ---

  private requireOpenEpoch(): EpochRecord {
    const row = this.sql("SELECT * FROM epochs WHERE status = 'open' ORDER BY epoch DESC LIMIT 1").get();
    if (row) return toEpoch(row);
    // The first epoch opens lazily, with the first write that needs one.
    const last = this.sql("SELECT MAX(epoch) AS e FROM epochs").get();
    const epoch = num(last?.e ?? 0) + 1;
    this.sql("INSERT INTO epochs (epoch, status, opened_at) VALUES (?, 'open', ?)").run(epoch, Date.now());
    return this.requireEpoch(epoch);
  }

  private requireEpoch(epoch: number): EpochRecord {
    const row = this.sql("SELECT * FROM epochs WHERE epoch = ?").get(epoch);
    if (!row) throw new NotFoundError(`No epoch ${epoch}`);
    return toEpoch(row);
  }

  async openEpoch(now: number): Promise<EpochRecord> {
    const row = this.sql("SELECT * FROM epochs WHERE status = 'open' ORDER BY epoch DESC LIMIT 1").get();
    if (row) return toEpoch(row);
    return this.transaction(() => {
      const last = this.sql("SELECT MAX(epoch) AS e FROM epochs").get();
      const epoch = num(last?.e ?? 0) + 1;
      this.sql("INSERT INTO epochs (epoch, status, opened_at) VALUES (?, 'open', ?)").run(epoch, now);
      return this.requireEpoch(epoch);
    });
  }

  async getEpoch(epoch: number): Promise<EpochRecord | undefined> {
    const row = this.sql("SELECT * FROM epochs WHERE epoch = ?").get(epoch);
    return row ? toEpoch(row) : undefined;
  }

  async listEpochs(limit: number): Promise<EpochRecord[]> {
    return this.sql("SELECT * FROM epochs ORDER BY epoch DESC LIMIT ?").all(limit).map(toEpoch);
  }

  async closeEpoch(now: number): Promise<EpochRecord> {
    return this.transaction(() => {
      const open = this.requireOpenEpoch();
      // Every node's cumulative state, in a fixed order (lower-case address) so the tree is reproducible.
      this.sql(
        `INSERT INTO epoch_leaves (epoch, idx, account, cumulative_amount, reputation_bps, tasks_validated, tasks_failed, strikes)
         SELECT ?, ROW_NUMBER() OVER (ORDER BY lower(address)) - 1, address, confirmed_wei, reputation_bps,
           tasks_validated, tasks_failed, strikes
         FROM nodes`,
      ).run(open.epoch);
      let total = 0n;
      let count = 0;
      for (const row of this.sql("SELECT cumulative_amount FROM epoch_leaves WHERE epoch = ?").iterate(open.epoch)) {
        total += BigInt(str(row.cumulative_amount));
        count++;
      }
      let networkShare = 0n;
      for (const row of this.sql("SELECT amount_wei FROM ledger WHERE epoch = ? AND kind = 'network'").iterate(
        open.epoch,
      )) {
        networkShare += BigInt(str(row.amount_wei));
      }
      this.sql(
        "UPDATE epochs SET status = 'closed', closed_at = ?, leaf_count = ?, cumulative_total = ?, network_share = ? WHERE epoch = ?",
      ).run(now, count, total.toString(), networkShare.toString(), open.epoch);
      this.sql("INSERT INTO epochs (epoch, status, opened_at) VALUES (?, 'open', ?)").run(open.epoch + 1, now);
      return this.requireEpoch(open.epoch);
    });
  }

  async epochLeaves(epoch: number): Promise<LeafRecord[]> {
    return this.sql("SELECT * FROM epoch_leaves WHERE epoch = ? ORDER BY idx").all(epoch).map(toLeaf);
  }

  async epochLeaf(epoch: number, account: Address): Promise<LeafRecord | undefined> {
    const row = this.sql("SELECT * FROM epoch_leaves WHERE epoch = ? AND account = ?").get(epoch, account);
    return row ? toLeaf(row) : undefined;
  }

  async saveEpochTree(epoch: number, root: Hex, contentHash: Hex, tree: Uint8Array): Promise<void> {
    this.transaction(() => {
      this.sql("INSERT OR REPLACE INTO epoch_trees (epoch, layers) VALUES (?, ?)").run(epoch, tree);
      this.sql(
        "UPDATE epochs SET root = ?, content_hash = ?, status = 'built' WHERE epoch = ? AND status = 'closed'",
      ).run(root, contentHash, epoch);
    });
  }

  async epochTree(epoch: number): Promise<Uint8Array | undefined> {
    const row = this.sql("SELECT layers FROM epoch_trees WHERE epoch = ?").get(epoch);
    return row ? (row.layers as Uint8Array) : undefined;
  }

  async updateEpoch(epoch: number, fields: Partial<Omit<EpochRecord, "epoch" | "openedAt">>): Promise<EpochRecord> {
    const sets: string[] = [];
    const values: SQLInputValue[] = [];
    for (const [key, value] of Object.entries(fields)) {
      const column = EPOCH_COLUMNS[key];
      if (!column) throw new RelayerError(`Unknown epoch field ${key}`);
      sets.push(`${column} = ?`);
      values.push(typeof value === "bigint" ? value.toString() : (value as SQLInputValue));
    }
    if (sets.length > 0) this.db.prepare(`UPDATE epochs SET ${sets.join(", ")} WHERE epoch = ?`).run(...values, epoch);
    return this.requireEpoch(epoch);
  }

  async latestEpochWith(statuses: readonly EpochStatus[]): Promise<EpochRecord | undefined> {
    const marks = statuses.map(() => "?").join(", ");
    const row = this.db
      .prepare(`SELECT * FROM epochs WHERE status IN (${marks}) ORDER BY epoch DESC LIMIT 1`)
      .get(...statuses);
    return row ? toEpoch(row) : undefined;
  }

  async stats(now: number): Promise<NetworkStats> {
    const nodes = num(this.sql("SELECT COUNT(*) AS n FROM nodes").get()?.n ?? 0);
    const banned = num(this.sql("SELECT COUNT(*) AS n FROM nodes WHERE banned_until > ?").get(now)?.n ?? 0);
    const completed = num(this.sql("SELECT COUNT(*) AS n FROM tasks WHERE status = 'validated'").get()?.n ?? 0);
    const queued = num(
      this.sql("SELECT COUNT(*) AS n FROM tasks WHERE status IN ('queued', 'assigned')").get()?.n ?? 0,
    );
    // Fraud blocked: results that lost against the quorum or failed a known-answer challenge.
    const fraud = num(this.sql("SELECT COUNT(*) AS n FROM assignments WHERE status = 'wrong'").get()?.n ?? 0);
    const perCountry: Record<string, number> = {};
    for (const row of this.sql(
      "SELECT COALESCE(country, 'XX') AS country, COUNT(*) AS n FROM nodes GROUP BY COALESCE(country, 'XX')",
    ).all()) {
      perCountry[str(row.country)] = num(row.n);
    }
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
    const row = this.sql("SELECT value FROM meta WHERE key = ?").get(key);
    return row ? str(row.value) : undefined;
  }

  async setMeta(key: string, value: string): Promise<void> {
    this.sql("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(
      key,
      value,
    );
  }
}
