import pg from "pg";
import type { Address, Hex } from "viem";
import { NotFoundError, RelayerError } from "../errors.ts";
import { MIGRATIONS } from "./migrations.ts";
import {
  DAY_MS,
  EPOCH_COLUMNS,
  INITIAL_REPUTATION_BPS,
  num,
  type Row,
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

// BIGINT columns come back as strings; the row converters turn them into numbers or bigints.
type Param = string | number | bigint | null | Uint8Array | boolean;
type Client = pg.PoolClient | pg.Pool;

/** `?` placeholders (the SQLite store's) → `$1, $2, …`. None of the statements has a `?` inside a literal. */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

const toParam = (value: Param): unknown => (typeof value === "bigint" ? value.toString() : value);

/**
 * The PostgreSQL store: the same `Store` contract and the same migrations as SQLite (BLOB becomes BYTEA), for
 * several relayer processes sharing one database. Writes that decide from current rows lock them first
 * (`SELECT … FOR UPDATE`), so two relayers cannot settle one task twice.
 */
export class PostgresStore implements Store {
  readonly kind = "postgres";
  private readonly pool: pg.Pool;

  private constructor(pool: pg.Pool) {
    this.pool = pool;
  }

  static async connect(url: string): Promise<PostgresStore> {
    const pool = new pg.Pool({ connectionString: url, max: 8 });
    // An idle connection the server closes (restart, failover) must not crash the relayer; the pool reconnects.
    pool.on("error", () => {});
    const store = new PostgresStore(pool);
    await store.migrate();
    return store;
  }

  private async rows(client: Client, sql: string, params: Param[] = []): Promise<Row[]> {
    const result = await client.query(numbered(sql), params.map(toParam));
    return result.rows as Row[];
  }

  private async one(client: Client, sql: string, params: Param[] = []): Promise<Row | undefined> {
    return (await this.rows(client, sql, params))[0];
  }

  private async run(client: Client, sql: string, params: Param[] = []): Promise<number> {
    const result = await client.query(numbered(sql), params.map(toParam));
    return result.rowCount ?? 0;
  }

  private async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      const result = await work(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      await client.query("ROLLBACK");
      throw error;
    } finally {
      client.release();
    }
  }

  private async migrate(): Promise<void> {
    await this.pool.query(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at BIGINT)",
    );
    const applied = new Set(
      (await this.rows(this.pool, "SELECT version FROM schema_migrations")).map((r) => num(r.version)),
    );
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      await this.transaction(async (client) => {
        await client.query("LOCK TABLE schema_migrations IN EXCLUSIVE MODE");
        const again = await this.one(client, "SELECT 1 AS x FROM schema_migrations WHERE version = ?", [
          migration.version,
        ]);
        if (again) return;
        await client.query(migration.sql.replace(/\bBLOB\b/g, "BYTEA").replace(/\bREAL\b/g, "DOUBLE PRECISION"));
        await this.run(client, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", [
          migration.version,
          migration.name,
          Date.now(),
        ]);
      });
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  // --- nodes ---

  async touchNode(address: Address, now: number, fields: { country?: string | null } = {}): Promise<NodeRecord> {
    const existing = await this.one(this.pool, "SELECT * FROM nodes WHERE address = ?", [address]);
    if (existing) {
      const node = toNode(existing);
      if ((!fields.country || fields.country === node.country) && now - node.lastSeenAt < 60_000) return node;
    }
    const row = await this.one(
      this.pool,
      `INSERT INTO nodes (address, operator, country, reputation_bps, created_at, last_seen_at)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (address) DO UPDATE SET last_seen_at = excluded.last_seen_at,
         country = COALESCE(excluded.country, nodes.country)
       RETURNING *`,
      [address, address, fields.country ?? null, INITIAL_REPUTATION_BPS, now, now],
    );
    if (!row) throw new RelayerError(`could not record node ${address}`);
    return toNode(row);
  }

  private async requireNode(client: Client, address: string, lock = false): Promise<NodeRecord> {
    const row = await this.one(client, `SELECT * FROM nodes WHERE address = ?${lock ? " FOR UPDATE" : ""}`, [address]);
    if (!row) throw new NotFoundError(`No node ${address}; a node appears once it has signed in`);
    return toNode(row);
  }

  async getNode(address: Address): Promise<NodeRecord | undefined> {
    const row = await this.one(this.pool, "SELECT * FROM nodes WHERE address = ?", [address]);
    return row ? toNode(row) : undefined;
  }

  async getNodes(addresses: readonly Address[]): Promise<NodeRecord[]> {
    if (addresses.length === 0) return [];
    const result = await this.pool.query("SELECT * FROM nodes WHERE address = ANY($1)", [addresses]);
    return (result.rows as Row[]).map(toNode);
  }

  async listNodes({ limit, offset }: { limit: number; offset: number }): Promise<NodeRecord[]> {
    return (
      await this.rows(this.pool, "SELECT * FROM nodes ORDER BY created_at, address LIMIT ? OFFSET ?", [limit, offset])
    ).map(toNode);
  }

  private async writeNode(client: Client, node: NodeRecord): Promise<void> {
    await this.run(
      client,
      `UPDATE nodes SET operator = ?, country = ?, reputation_bps = ?, strikes = ?, active_strikes = ?,
         tasks_validated = ?, tasks_failed = ?, banned_until = ?, confirmed_wei = ?, last_seen_at = ?
       WHERE address = ?`,
      [
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
      ],
    );
  }

  async updateNode(address: Address, decide: (node: NodeRecord) => NodeRecord): Promise<NodeRecord> {
    return this.transaction(async (client) => {
      const next = decide(await this.requireNode(client, address, true));
      await this.writeNode(client, next);
      return next;
    });
  }

  async nodeActivity(address: Address, now: number): Promise<NodeActivity> {
    const dayStart = now - (now % DAY_MS);
    const gpu = await this.one(
      this.pool,
      "SELECT COALESCE(SUM(inference_ms), 0) AS ms FROM assignments WHERE node = ? AND assigned_at >= ? AND submitted_at >= ?",
      [address, dayStart - DAY_MS, dayStart],
    );
    const hour = await this.one(
      this.pool,
      "SELECT COUNT(*) AS n FROM assignments WHERE node = ? AND assigned_at >= ? AND submitted_at >= ?",
      [address, now - 2 * 3_600_000, now - 3_600_000],
    );
    const pending = await this.rows(
      this.pool,
      "SELECT tokens_generated AS tokens FROM assignments WHERE node = ? AND status = 'submitted'",
      [address],
    );
    return {
      pendingTokens: pending.reduce((sum, row) => sum + num(row.tokens ?? 0), 0),
      gpuMsToday: num(gpu?.ms ?? 0),
      tasksLastHour: num(hour?.n ?? 0),
    };
  }

  // --- auth ---

  async saveNonce(nonce: Hex, expiresAt: number): Promise<void> {
    await this.run(this.pool, "INSERT INTO auth_nonces (nonce, expires_at) VALUES (?, ?)", [nonce, expiresAt]);
  }

  async consumeNonce(nonce: Hex, now: number): Promise<"ok" | "unknown" | "used" | "expired"> {
    return this.transaction(async (client) => {
      const row = await this.one(client, "SELECT expires_at, used_at FROM auth_nonces WHERE nonce = ? FOR UPDATE", [
        nonce,
      ]);
      if (!row) return "unknown";
      if (row.used_at !== null) return "used";
      if (num(row.expires_at) <= now) return "expired";
      await this.run(client, "UPDATE auth_nonces SET used_at = ? WHERE nonce = ?", [now, nonce]);
      return "ok";
    });
  }

  async saveSession(tokenHash: string, account: Address, expiresAt: number): Promise<void> {
    await this.run(this.pool, "INSERT INTO sessions (token_hash, account, expires_at) VALUES (?, ?, ?)", [
      tokenHash,
      account,
      expiresAt,
    ]);
  }

  async getSession(tokenHash: string, now: number): Promise<Address | undefined> {
    const row = await this.one(this.pool, "SELECT account, expires_at FROM sessions WHERE token_hash = ?", [tokenHash]);
    if (!row || num(row.expires_at) <= now) return undefined;
    return str(row.account) as Address;
  }

  // --- tasks ---

  private async insertTaskRow(client: Client, task: TaskRecord): Promise<void> {
    await this.run(
      client,
      `INSERT INTO tasks (id, kind, status, model, input, max_tokens, seed, expected_hash, challenge_id, redundancy,
         created_at, assigned_at, deadline, output_hash, tokens_generated, settled_at, epoch)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
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
      ],
    );
    if (task.challengeId)
      await this.run(client, "UPDATE challenges SET uses = uses + 1 WHERE id = ?", [task.challengeId]);
  }

  async insertTask(task: TaskRecord): Promise<void> {
    await this.transaction((client) => this.insertTaskRow(client, task));
  }

  async insertTasks(tasks: readonly TaskRecord[]): Promise<void> {
    await this.transaction(async (client) => {
      for (const task of tasks) await this.insertTaskRow(client, task);
    });
  }

  async getTask(id: string): Promise<TaskRecord | undefined> {
    const row = await this.one(this.pool, "SELECT * FROM tasks WHERE id = ?", [id]);
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
      return (
        await this.rows(
          this.pool,
          `SELECT t.* FROM tasks t JOIN assignments a ON a.task_id = t.id WHERE a.node = ?
           ORDER BY t.created_at DESC LIMIT ?`,
          [node, limit],
        )
      ).map(toTask);
    }
    if (status) {
      return (
        await this.rows(this.pool, "SELECT * FROM tasks WHERE status = ? ORDER BY created_at DESC LIMIT ?", [
          status,
          limit,
        ])
      ).map(toTask);
    }
    return (await this.rows(this.pool, "SELECT * FROM tasks ORDER BY created_at DESC, id DESC LIMIT ?", [limit])).map(
      toTask,
    );
  }

  async queuedTasks(limit: number): Promise<TaskRecord[]> {
    return (
      await this.rows(this.pool, "SELECT * FROM tasks WHERE status = 'queued' ORDER BY created_at, id LIMIT ?", [limit])
    ).map(toTask);
  }

  async assignTasks(
    assignments: ReadonlyArray<{ taskId: string; nodes: readonly Address[]; now: number; deadline: number }>,
  ): Promise<void> {
    await this.transaction(async (client) => {
      for (const { taskId, nodes, now, deadline } of assignments) {
        const changed = await this.run(
          client,
          "UPDATE tasks SET status = 'assigned', assigned_at = ?, deadline = ?, open_assignments = ? WHERE id = ? AND status = 'queued'",
          [now, deadline, nodes.length, taskId],
        );
        if (changed !== 1) throw new RelayerError(`Task ${taskId} is not queued; cannot assign it`);
        for (const node of nodes) {
          await this.run(
            client,
            "INSERT INTO assignments (task_id, node, status, assigned_at) VALUES (?, ?, 'assigned', ?)",
            [taskId, node, now],
          );
        }
      }
    });
  }

  async getAssignments(taskId: string): Promise<AssignmentRecord[]> {
    return (await this.rows(this.pool, "SELECT * FROM assignments WHERE task_id = ? ORDER BY node", [taskId])).map(
      toAssignment,
    );
  }

  async openAssignments(node: Address): Promise<Array<{ task: TaskRecord; assignment: AssignmentRecord }>> {
    const rows = await this.rows(
      this.pool,
      `SELECT t.* FROM assignments a JOIN tasks t ON t.id = a.task_id
       WHERE a.node = ? AND a.status = 'assigned' AND t.status = 'assigned'`,
      [node],
    );
    const result: Array<{ task: TaskRecord; assignment: AssignmentRecord }> = [];
    for (const row of rows) {
      const task = toTask(row);
      const assignment = (await this.getAssignments(task.id)).find((a) => a.node === node);
      if (assignment) result.push({ task, assignment });
    }
    return result;
  }

  async recordResults(
    results: readonly ResultWrite[],
  ): Promise<{ outcomes: ResultWriteOutcome[]; completed: string[] }> {
    return this.transaction(async (client) => {
      const completed: string[] = [];
      const outcomes: ResultWriteOutcome[] = [];
      for (const result of results) {
        const changed = await this.run(
          client,
          `UPDATE assignments SET status = 'submitted', output_hash = ?, tokens_generated = ?, queue_ms = ?,
             inference_ms = ?, submitted_at = ?
           WHERE task_id = ? AND node = ? AND status = 'assigned'
             AND EXISTS (SELECT 1 FROM tasks t WHERE t.id = assignments.task_id AND t.status = 'assigned' AND t.deadline >= ?)`,
          [
            result.outputHash,
            result.tokensGenerated,
            result.queueMs,
            result.inferenceMs,
            result.submittedAt,
            result.taskId,
            result.node,
            result.submittedAt,
          ],
        );
        if (changed === 1) {
          const left = await this.one(
            client,
            "UPDATE tasks SET open_assignments = open_assignments - 1 WHERE id = ? RETURNING open_assignments",
            [result.taskId],
          );
          if (left && num(left.open_assignments) === 0) completed.push(result.taskId);
          outcomes.push("stored");
          continue;
        }
        const row = await this.one(client, "SELECT status FROM assignments WHERE task_id = ? AND node = ?", [
          result.taskId,
          result.node,
        ]);
        if (!row) outcomes.push("unknown");
        else if (row.status === "assigned" || row.status === "timeout") outcomes.push("late");
        else outcomes.push("duplicate");
      }
      return { outcomes, completed };
    });
  }

  async dueTasks(now: number, limit: number): Promise<string[]> {
    return (
      await this.rows(
        this.pool,
        "SELECT id FROM tasks WHERE status = 'assigned' AND (deadline < ? OR open_assignments <= 0) ORDER BY deadline LIMIT ?",
        [now, limit],
      )
    ).map((row) => str(row.id));
  }

  async settleTasks<T extends TaskSettlement>(
    taskIds: readonly string[],
    decide: (snapshot: TaskSnapshot) => T,
  ): Promise<Array<{ taskId: string; settlement: T }>> {
    return this.transaction(async (client) => {
      const settled: Array<{ taskId: string; settlement: T }> = [];
      const openEpoch = await this.requireOpenEpoch(client, Date.now(), "FOR SHARE");
      for (const taskId of taskIds) {
        const taskRow = await this.one(client, "SELECT * FROM tasks WHERE id = ? FOR UPDATE", [taskId]);
        if (taskRow?.status !== "assigned") continue;
        const task = toTask(taskRow);
        const assignments = (await this.rows(client, "SELECT * FROM assignments WHERE task_id = ?", [taskId])).map(
          toAssignment,
        );
        const nodes = new Map<string, NodeRecord>();
        // Locked in address order, so two settling relayers cannot deadlock on the same nodes.
        for (const a of [...assignments].sort((x, y) => (x.node < y.node ? -1 : 1))) {
          nodes.set(a.node, await this.requireNode(client, a.node, true));
        }
        const plan = decide({ task, assignments, nodes, openEpoch: openEpoch.epoch });
        await this.run(
          client,
          "UPDATE tasks SET status = ?, output_hash = ?, tokens_generated = ?, settled_at = ?, epoch = ?, open_assignments = 0 WHERE id = ?",
          [
            plan.task.status,
            plan.task.outputHash,
            plan.task.tokensGenerated,
            plan.task.settledAt,
            plan.task.epoch,
            taskId,
          ],
        );
        for (const a of plan.assignments) {
          await this.run(client, "UPDATE assignments SET status = ?, reward_wei = ? WHERE task_id = ? AND node = ?", [
            a.status,
            a.rewardWei.toString(),
            taskId,
            a.node,
          ]);
        }
        for (const node of plan.nodes) await this.writeNode(client, node);
        await this.insertLedger(client, plan.ledger);
        settled.push({ taskId, settlement: plan });
      }
      return settled;
    });
  }

  private async insertLedger(client: Client, entries: readonly LedgerEntry[]): Promise<void> {
    for (const e of entries) {
      await this.run(
        client,
        "INSERT INTO ledger (epoch, account, kind, ref, amount_wei, bonus_wei, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [e.epoch, e.account, e.kind, e.ref, e.amountWei.toString(), e.bonusWei.toString(), e.createdAt],
      );
    }
  }

  // --- challenges ---

  async insertChallenge(challenge: ChallengeRecord): Promise<void> {
    await this.run(
      this.pool,
      "INSERT INTO challenges (id, model, input, max_tokens, seed, expected_hash, created_at, uses) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      [
        challenge.id,
        challenge.model,
        challenge.input,
        challenge.maxTokens,
        challenge.seed,
        challenge.expectedHash,
        challenge.createdAt,
        challenge.uses,
      ],
    );
  }

  async listChallenges(): Promise<ChallengeRecord[]> {
    return (await this.rows(this.pool, "SELECT * FROM challenges ORDER BY created_at, id")).map(toChallenge);
  }

  async pickChallenge(model: string | undefined, random: number): Promise<ChallengeRecord | undefined> {
    const rows = model
      ? await this.rows(this.pool, "SELECT * FROM challenges WHERE model = ? ORDER BY id", [model])
      : await this.rows(this.pool, "SELECT * FROM challenges ORDER BY id");
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
    return this.transaction(async (client) => {
      const epoch = (await this.requireOpenEpoch(client, now, "FOR SHARE")).epoch;
      const credited: Address[] = [];
      for (const account of accounts) {
        const node = await this.requireNode(client, account, true);
        const rows = await this.rows(
          client,
          "SELECT amount_wei, ref FROM ledger WHERE kind = 'passive' AND account = ? AND created_at >= ?",
          [account, dayStart],
        );
        if (rows.some((row) => row.ref === windowRef)) continue;
        const earned = rows.reduce((sum, row) => sum + BigInt(str(row.amount_wei)), 0n);
        const amount = amountWei < capPerDayWei - earned ? amountWei : capPerDayWei - earned;
        if (amount <= 0n) continue;
        await this.insertLedger(client, [
          { epoch, account, kind: "passive", ref: windowRef, amountWei: amount, bonusWei: 0n, createdAt: now },
        ]);
        await this.writeNode(client, { ...node, confirmedWei: node.confirmedWei + amount });
        credited.push(account);
      }
      return credited;
    });
  }

  async ledgerEntries(epoch: number): Promise<LedgerEntry[]> {
    return (
      await this.rows(this.pool, "SELECT * FROM ledger WHERE epoch = ? ORDER BY created_at, account, kind, ref", [
        epoch,
      ])
    ).map(toLedger);
  }

  async validatedTasksInEpoch(epoch: number): Promise<Array<{ id: string; tokensGenerated: number; correct: number }>> {
    return (
      await this.rows(
        this.pool,
        `SELECT t.id, t.tokens_generated,
           (SELECT COUNT(*) FROM assignments a WHERE a.task_id = t.id AND a.status = 'correct') AS correct
         FROM tasks t WHERE t.epoch = ? AND t.status = 'validated' ORDER BY t.id`,
        [epoch],
      )
    ).map((row) => ({ id: str(row.id), tokensGenerated: num(row.tokens_generated), correct: num(row.correct) }));
  }

  // --- epochs ---

  /** The open epoch, created when none is; the advisory lock keeps two relayers from opening two. */
  private async requireOpenEpoch(client: Client, now: number, lock = ""): Promise<EpochRecord> {
    // Credits take FOR SHARE and closing takes FOR UPDATE on the open epoch's row: a credit lands wholly before
    // the snapshot or wholly in the next epoch.
    const row = await this.one(
      client,
      `SELECT * FROM epochs WHERE status = 'open' ORDER BY epoch DESC LIMIT 1 ${lock}`,
    );
    if (row) return toEpoch(row);
    await client.query("SELECT pg_advisory_xact_lock(7101)");
    const again = await this.one(client, "SELECT * FROM epochs WHERE status = 'open' ORDER BY epoch DESC LIMIT 1");
    if (again) return toEpoch(again);
    const last = await this.one(client, "SELECT MAX(epoch) AS e FROM epochs");
    const epoch = num(last?.e ?? 0) + 1;
    const inserted = await this.one(
      client,
      "INSERT INTO epochs (epoch, status, opened_at) VALUES (?, 'open', ?) RETURNING *",
      [epoch, now],
    );
    if (!inserted) throw new RelayerError("could not open an epoch");
    return toEpoch(inserted);
  }

  private async requireEpoch(client: Client, epoch: number): Promise<EpochRecord> {
    const row = await this.one(client, "SELECT * FROM epochs WHERE epoch = ?", [epoch]);
    if (!row) throw new NotFoundError(`No epoch ${epoch}`);
    return toEpoch(row);
  }

  async openEpoch(now: number): Promise<EpochRecord> {
    return this.transaction((client) => this.requireOpenEpoch(client, now));
  }

  async getEpoch(epoch: number): Promise<EpochRecord | undefined> {
    const row = await this.one(this.pool, "SELECT * FROM epochs WHERE epoch = ?", [epoch]);
    return row ? toEpoch(row) : undefined;
  }

  async listEpochs(limit: number): Promise<EpochRecord[]> {
    return (await this.rows(this.pool, "SELECT * FROM epochs ORDER BY epoch DESC LIMIT ?", [limit])).map(toEpoch);
  }

  async closeEpoch(now: number): Promise<EpochRecord> {
    return this.transaction(async (client) => {
      const open = await this.requireOpenEpoch(client, now, "FOR UPDATE");
      await this.run(
        client,
        `INSERT INTO epoch_leaves (epoch, idx, account, cumulative_amount, reputation_bps, tasks_validated, tasks_failed, strikes)
         SELECT ?::int, ROW_NUMBER() OVER (ORDER BY lower(address) COLLATE "C") - 1, address, confirmed_wei,
           reputation_bps, tasks_validated, tasks_failed, strikes
         FROM nodes`,
        [open.epoch],
      );
      let total = 0n;
      let count = 0;
      for (const row of await this.rows(client, "SELECT cumulative_amount FROM epoch_leaves WHERE epoch = ?", [
        open.epoch,
      ])) {
        total += BigInt(str(row.cumulative_amount));
        count++;
      }
      let networkShare = 0n;
      for (const row of await this.rows(client, "SELECT amount_wei FROM ledger WHERE epoch = ? AND kind = 'network'", [
        open.epoch,
      ])) {
        networkShare += BigInt(str(row.amount_wei));
      }
      await this.run(
        client,
        "UPDATE epochs SET status = 'closed', closed_at = ?, leaf_count = ?, cumulative_total = ?, network_share = ? WHERE epoch = ?",
        [now, count, total.toString(), networkShare.toString(), open.epoch],
      );
      await this.run(client, "INSERT INTO epochs (epoch, status, opened_at) VALUES (?, 'open', ?)", [
        open.epoch + 1,
        now,
      ]);
      return this.requireEpoch(client, open.epoch);
    });
  }

  async epochLeaves(epoch: number): Promise<LeafRecord[]> {
    return (await this.rows(this.pool, "SELECT * FROM epoch_leaves WHERE epoch = ? ORDER BY idx", [epoch])).map(toLeaf);
  }

  async epochLeaf(epoch: number, account: Address): Promise<LeafRecord | undefined> {
    const row = await this.one(this.pool, "SELECT * FROM epoch_leaves WHERE epoch = ? AND account = ?", [
      epoch,
      account,
    ]);
    return row ? toLeaf(row) : undefined;
  }

  async saveEpochTree(epoch: number, root: Hex, contentHash: Hex, tree: Uint8Array): Promise<void> {
    await this.transaction(async (client) => {
      await this.run(
        client,
        "INSERT INTO epoch_trees (epoch, layers) VALUES (?, ?) ON CONFLICT (epoch) DO UPDATE SET layers = excluded.layers",
        [epoch, Buffer.from(tree.buffer, tree.byteOffset, tree.byteLength)],
      );
      await this.run(
        client,
        "UPDATE epochs SET root = ?, content_hash = ?, status = 'built' WHERE epoch = ? AND status = 'closed'",
        [root, contentHash, epoch],
      );
    });
  }

  async epochTree(epoch: number): Promise<Uint8Array | undefined> {
    const row = await this.one(this.pool, "SELECT layers FROM epoch_trees WHERE epoch = ?", [epoch]);
    return row ? new Uint8Array(row.layers as Buffer) : undefined;
  }

  async updateEpoch(epoch: number, fields: Partial<Omit<EpochRecord, "epoch" | "openedAt">>): Promise<EpochRecord> {
    const sets: string[] = [];
    const values: Param[] = [];
    for (const [key, value] of Object.entries(fields)) {
      const column = EPOCH_COLUMNS[key];
      if (!column) throw new RelayerError(`Unknown epoch field ${key}`);
      sets.push(`${column} = ?`);
      values.push(typeof value === "bigint" ? value.toString() : (value as Param));
    }
    if (sets.length > 0)
      await this.run(this.pool, `UPDATE epochs SET ${sets.join(", ")} WHERE epoch = ?`, [...values, epoch]);
    return this.requireEpoch(this.pool, epoch);
  }

  async latestEpochWith(statuses: readonly EpochStatus[]): Promise<EpochRecord | undefined> {
    const result = await this.pool.query("SELECT * FROM epochs WHERE status = ANY($1) ORDER BY epoch DESC LIMIT 1", [
      [...statuses],
    ]);
    const row = result.rows[0] as Row | undefined;
    return row ? toEpoch(row) : undefined;
  }

  async stats(now: number): Promise<NetworkStats> {
    const count = async (sql: string, params: Param[] = []) => num((await this.one(this.pool, sql, params))?.n ?? 0);
    const perCountry: Record<string, number> = {};
    for (const row of await this.rows(
      this.pool,
      "SELECT COALESCE(country, 'XX') AS country, COUNT(*) AS n FROM nodes GROUP BY COALESCE(country, 'XX')",
    )) {
      perCountry[str(row.country)] = num(row.n);
    }
    return {
      nodes: await count("SELECT COUNT(*) AS n FROM nodes"),
      bannedNodes: await count("SELECT COUNT(*) AS n FROM nodes WHERE banned_until > ?", [now]),
      tasksCompleted: await count("SELECT COUNT(*) AS n FROM tasks WHERE status = 'validated'"),
      tasksQueued: await count("SELECT COUNT(*) AS n FROM tasks WHERE status IN ('queued', 'assigned')"),
      fraudBlocked: await count("SELECT COUNT(*) AS n FROM assignments WHERE status = 'wrong'"),
      nodesPerCountry: perCountry,
    };
  }

  async getMeta(key: string): Promise<string | undefined> {
    const row = await this.one(this.pool, "SELECT value FROM meta WHERE key = ?", [key]);
    return row ? str(row.value) : undefined;
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.run(
      this.pool,
      "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      [key, value],
    );
  }
}
