import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import {
  type Compilable,
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  type SqliteDatabase,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
  type SqliteStatement,
  sql,
} from "kysely";
import { RelayerError } from "../../errors.ts";
import { type Batch, type BatchRows, type Columns, type Dialect, Slot, slotsOf } from "../dialect.ts";
import { MIGRATIONS, MIGRATIONS_TABLE } from "../migrations.ts";
import type { Database } from "../schema.ts";
import { SqlStore } from "../store.ts";

/**
 * SQLite through `node:sqlite` (no native addon), driven by Kysely's own `SqliteDialect`.
 *
 * Why not a registry dialect: `kysely-sqlite` (node:sqlite) prepares every statement again on each query and
 * begins transactions with a plain `BEGIN`; `kysely-generic-sqlite` hands its one connection to concurrent
 * callers without a lock and also begins with `BEGIN`. Kysely's built-in dialect already serialises the single
 * connection (its SQLite adapter reports no multiple connections, so the runtime driver holds a mutex), and all
 * it needs is a better-sqlite3-shaped database: `nodeSqliteDatabase` below adapts `DatabaseSync` to it with a
 * cache of prepared statements, and `ImmediateDriver` begins transactions with `BEGIN IMMEDIATE`.
 */
export class SqliteStore extends SqlStore {
  readonly path: string;

  /** `synchronous`: FULL fsyncs every commit (survives power loss); NORMAL survives a process crash only. */
  constructor(path: string, synchronous: "FULL" | "NORMAL" = "FULL") {
    super(sqliteDialect(path, synchronous));
    this.path = path;
  }
}

export function sqliteDialect(path: string, synchronous: "FULL" | "NORMAL" = "FULL"): Dialect {
  const raw = new DatabaseSync(path);
  // WAL with synchronous=FULL: a committed transaction is on disk, which "durable before acknowledged" needs.
  raw.exec("PRAGMA journal_mode = WAL");
  raw.exec(`PRAGMA synchronous = ${synchronous}`);
  // Checkpoint less often than every 1000 pages: checkpoints run inside commits, on the event loop.
  raw.exec("PRAGMA wal_autocheckpoint = 8000");
  raw.exec("PRAGMA busy_timeout = 5000");
  // Hot indexes stay in memory (64 MiB page cache, reads through mmap): judging touches many scattered pages.
  raw.exec("PRAGMA cache_size = -65536");
  raw.exec("PRAGMA mmap_size = 268435456");
  // A statement that writes many rows keeps a statement journal (to undo just that statement on a constraint
  // error): in memory, not in a temporary file per statement. Batches are set-based, so every hot write is one.
  raw.exec("PRAGMA temp_store = MEMORY");
  raw.exec("PRAGMA foreign_keys = ON");
  migrate(raw);
  const statements = new Statements(raw);
  const db = new Kysely<Database>({ dialect: new NodeSqliteDialect({ database: kyselyDatabase(raw, statements) }) });
  return {
    kind: "sqlite",
    db,
    rowLocks: false,
    transaction: (work, options) =>
      options?.durable === false && synchronous === "FULL"
        ? // On the one connection, held for the whole exchange, so no other commit runs with NORMAL in between.
          db.connection().execute(async (connection) => {
            await sql`PRAGMA synchronous = NORMAL`.execute(connection);
            try {
              return await connection.transaction().execute(work);
            } finally {
              await sql`PRAGMA synchronous = FULL`.execute(connection);
            }
          })
        : db.transaction().execute(work),
    exclusive: async () => {},
    inList: (column, values) =>
      sql<boolean>`${sql.ref(column)} IN (SELECT value FROM json_each(${JSON.stringify(values)}))`,
    batch: <C extends Columns, O>(_columns: C, build: (rows: BatchRows<C>) => unknown): Batch<C, O> => {
      // One row's statement: each column a parameter; `update`/`insert` add nothing but the row's values.
      const rows: BatchRows<C> = {
        col: (name) => sql`${new Slot(name)}`,
        update: (query) => query,
        insert: (query, values) => query.values(values as never),
      };
      const compiled = (build(rows) as Compilable<O>).compile();
      const slots = slotsOf(compiled.parameters);
      const parameters = [...compiled.parameters] as SQLInputValue[];
      const each = (list: ReadonlyArray<Record<string, unknown>>, step: (statement: Prepared) => void) => {
        // The statement runs on the connection directly, which is only safe inside the store's transaction
        // (the transaction holds the connection; nothing else can run in between these synchronous calls).
        if (!raw.isTransaction) throw new RelayerError("a batch statement runs inside a transaction");
        const statement = statements.get(compiled.sql);
        for (const row of list) {
          for (const { index, column } of slots) parameters[index] = row[column] as SQLInputValue;
          step(statement);
        }
      };
      return {
        async run(_trx, list) {
          const returned: O[] = [];
          each(list, (statement) => {
            if (statement.reader) for (const row of statement.raw.all(...parameters)) returned.push(row as O);
            else statement.raw.run(...parameters);
          });
          return returned;
        },
        async changed(_trx, list) {
          const changed: boolean[] = [];
          each(list, (statement) => {
            changed.push(
              statement.reader
                ? statement.raw.all(...parameters).length > 0
                : Number(statement.raw.run(...parameters).changes) > 0,
            );
          });
          return changed;
        },
      };
    },
    // BINARY, SQLite's default collation, already compares bytes.
    byteOrder: (text) => text,
    close: async () => {
      if (raw.isOpen) await db.destroy();
    },
  };
}

/**
 * Applies pending migrations, each in one `BEGIN IMMEDIATE` transaction, before Kysely is in use: synchronously,
 * so a SQLite store is ready when its constructor returns. (`exec` runs a whole multi-statement migration.)
 */
function migrate(raw: DatabaseSync): void {
  raw.exec(MIGRATIONS_TABLE);
  const applied = new Set(
    raw
      .prepare("SELECT version FROM schema_migrations")
      .all()
      .map((row) => Number(row.version)),
  );
  for (const migration of MIGRATIONS) {
    if (applied.has(migration.version)) continue;
    raw.exec("BEGIN IMMEDIATE");
    try {
      raw.exec(migration.sql);
      raw
        .prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)")
        .run(migration.version, migration.name, Date.now());
      raw.exec("COMMIT");
    } catch (error) {
      raw.exec("ROLLBACK");
      throw error;
    }
  }
}

interface Prepared {
  raw: StatementSync;
  /** A statement that returns columns (a SELECT, or a write with RETURNING) is read with `all`. */
  reader: boolean;
  /** The same statement as Kysely's SQLite driver calls it (better-sqlite3's shape). */
  kysely: SqliteStatement;
}

/** Prepared statements kept per SQL text; the store's statements are a fixed set of shapes, so this stays small. */
class Statements {
  private static readonly LIMIT = 512;
  private readonly db: DatabaseSync;
  private readonly cache = new Map<string, Prepared>();
  constructor(db: DatabaseSync) {
    this.db = db;
  }
  get(text: string): Prepared {
    let statement = this.cache.get(text);
    if (!statement) {
      if (this.cache.size >= Statements.LIMIT) this.cache.delete(this.cache.keys().next().value as string);
      const raw = this.db.prepare(text);
      const args = (parameters: ReadonlyArray<unknown>) => parameters as SQLInputValue[];
      const reader = raw.columns().length > 0;
      statement = {
        raw,
        reader,
        kysely: {
          reader,
          all: (parameters) => raw.all(...args(parameters)),
          run: (parameters) => raw.run(...args(parameters)),
          iterate: (parameters) => raw.iterate(...args(parameters)),
        },
      };
      this.cache.set(text, statement);
    }
    return statement;
  }
}

/** `DatabaseSync` as the better-sqlite3-like object Kysely's SQLite driver expects. */
function kyselyDatabase(raw: DatabaseSync, statements: Statements): SqliteDatabase {
  return { close: () => raw.close(), prepare: (text) => statements.get(text).kysely };
}

/** Kysely's SQLite driver, beginning write transactions `IMMEDIATE` (the write lock up front, never half-way). */
class ImmediateDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("BEGIN IMMEDIATE"));
  }
}

class NodeSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }
  override createDriver(): Driver {
    return new ImmediateDriver(this.#config);
  }
}
