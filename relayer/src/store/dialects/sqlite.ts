import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import {
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
import type { Dialect } from "../dialect.ts";
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
  // Hot indexes stay in memory (64 MiB page cache, reads through mmap): settling touches many scattered pages.
  raw.exec("PRAGMA cache_size = -65536");
  raw.exec("PRAGMA mmap_size = 268435456");
  raw.exec("PRAGMA foreign_keys = ON");
  migrate(raw);
  const db = new Kysely<Database>({ dialect: new NodeSqliteDialect({ database: nodeSqliteDatabase(raw) }) });
  return {
    kind: "sqlite",
    db,
    rowLocks: false,
    transaction: (work) => db.transaction().execute(work),
    exclusive: async () => {},
    inList: (column, values) => sql<boolean>`${sql.ref(column)} IN (SELECT value FROM json_each(${JSON.stringify(values)}))`,
    rows: (columns, rows) => {
      const names = Object.keys(columns);
      const json = JSON.stringify(rows.map((row) => names.map((name) => row[name])));
      const select = names.map((name, i) => sql`value ->> ${sql.lit(i)} AS ${sql.id(name)}`);
      return sql`(SELECT ${sql.join(select)} FROM json_each(${json}))`;
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

/** Prepared statements kept per SQL text; the store's statements are a fixed set of shapes, so this stays small. */
const STATEMENT_CACHE = 512;

/** `DatabaseSync` as the better-sqlite3-like object Kysely's SQLite driver expects. */
function nodeSqliteDatabase(raw: DatabaseSync): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  const wrap = (statement: StatementSync): SqliteStatement => {
    const args = (parameters: ReadonlyArray<unknown>) => parameters as SQLInputValue[];
    return {
      // A statement that returns columns (a SELECT, or a write with RETURNING) is read with `all`.
      reader: statement.columns().length > 0,
      all: (parameters) => statement.all(...args(parameters)),
      run: (parameters) => statement.run(...args(parameters)),
      iterate: (parameters) => statement.iterate(...args(parameters)),
    };
  };
  return {
    close: () => raw.close(),
    prepare(text) {
      let statement = cache.get(text);
      if (!statement) {
        if (cache.size >= STATEMENT_CACHE) cache.delete(cache.keys().next().value as string);
        statement = wrap(raw.prepare(text));
        cache.set(text, statement);
      }
      return statement;
    },
  };
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
