import { type AliasedRawBuilder, type Compilable, type CompiledQuery, Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { type Batch, type BatchRows, type Columns, type ColumnType, type Dialect, Slot, slotsOf } from "../dialect.ts";
import { MIGRATIONS, MIGRATIONS_TABLE } from "../migrations.ts";
import type { Database, Db } from "../schema.ts";
import { SqlStore } from "../store.ts";

/** Array types for `unnest`: a row-set parameter is one typed array per column. */
const ARRAY_OF: Record<ColumnType, string> = { text: "text[]", int: "int4[]", bigint: "int8[]", real: "float8[]" };
/** deadlock_detected, serialization_failure: PostgreSQL aborted the transaction; running it again is the fix. */
const RETRYABLE = new Set(["40P01", "40001"]);
const ATTEMPTS = 5;
/** An UPDATE as `changed` extends it. */
type Returning = { returning(column: AliasedRawBuilder<string, "ord">): Compilable<{ ord: string }> };

/**
 * PostgreSQL, for several relayers sharing one database: Kysely's `PostgresDialect` over a `pg` pool. Same
 * store, same migrations as SQLite; what differs is here (row locks, advisory lock, `= ANY`/`unnest` parameters,
 * byte-order collation, retry of a transaction PostgreSQL aborted).
 */
export class PostgresStore extends SqlStore {
  static async connect(url: string): Promise<PostgresStore> {
    const dialect = postgresDialect(url);
    try {
      await migrate(dialect.db);
    } catch (error) {
      await dialect.close();
      throw error;
    }
    return new PostgresStore(dialect);
  }
}

export function postgresDialect(url: string): Dialect {
  const pool = new pg.Pool({ connectionString: url, max: 8 });
  // An idle connection the server closes (restart, failover) must not crash the relayer; the pool reconnects.
  pool.on("error", () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    kind: "postgres",
    db,
    rowLocks: true,
    transaction: async (work, options) => {
      const run =
        options?.durable === false
          ? async (trx: Db) => {
              await sql`SET LOCAL synchronous_commit = off`.execute(trx);
              return work(trx);
            }
          : work;
      for (let attempt = 1; ; attempt++) {
        try {
          return await db.transaction().execute(run);
        } catch (error) {
          const code = (error as { code?: unknown }).code;
          if (attempt >= ATTEMPTS || typeof code !== "string" || !RETRYABLE.has(code)) throw error;
        }
      }
    },
    exclusive: async (trx, key) => {
      await sql`SELECT pg_advisory_xact_lock(${sql.lit(key)})`.execute(trx);
    },
    inList: (column, values) => sql<boolean>`${sql.ref(column)} = ANY(${[...values]}::text[])`,
    batch: <C extends Columns, O>(columns: C, build: (rows: BatchRows<C>) => unknown): Batch<C, O> => {
      // The whole batch as a table `r`: one array per column, `unnest`ed side by side, numbered from 1.
      const names = Object.keys(columns);
      const arrays = names.map((name) => {
        const type = ARRAY_OF[columns[name]?.replace("?", "") as ColumnType];
        return sql`${new Slot(name)}::${sql.raw(type)}`;
      });
      const r = sql`(SELECT * FROM unnest(${sql.join(arrays)}) WITH ORDINALITY AS t(${sql.join(
        [...names, "ord"].map((n) => sql.id(n)),
      )}))`.as("r");
      const rows: BatchRows<C> = {
        col: (name) => sql.ref(`r.${name}`),
        update: (query) => query.from(r) as never,
        insert: (query, values) =>
          query
            .columns(Object.keys(values) as never)
            .expression(db.selectFrom(r).select(Object.entries(values).map(([name, value]) => sql`${value}`.as(name)))),
      };
      const statement = build(rows) as Compilable<O>;
      const compiled = statement.compile();
      // `changed` (UPDATEs only): the same statement returning the number of each row it matched.
      let numbered: CompiledQuery<{ ord: string }> | undefined;
      const execute = async <R>(trx: Db, query: CompiledQuery<R>, list: ReadonlyArray<Record<string, unknown>>) => {
        const parameters = [...query.parameters];
        for (const { index, column } of slotsOf(query.parameters)) parameters[index] = list.map((row) => row[column]);
        return (await trx.executeQuery<R>({ ...query, parameters })).rows;
      };
      return {
        run: async (trx, list) => (list.length === 0 ? [] : execute(trx, compiled, list)),
        async changed(trx, list) {
          const changed = list.map(() => false);
          if (list.length === 0) return changed;
          numbered ??= (statement as unknown as Returning).returning(sql<string>`r.ord`.as("ord")).compile();
          for (const { ord } of await execute(trx, numbered, list)) changed[Number(ord) - 1] = true;
          return changed;
        },
      };
    },
    byteOrder: (text) => sql<string>`${text} COLLATE "C"`,
    close: () => db.destroy(),
  };
}

/** Advisory lock key held by every migration step, so relayers starting together on one database take turns. */
const MIGRATION_LOCK = 7100;

/**
 * Applies pending migrations, each in one transaction, all under one advisory lock: relayers starting together on one
 * database apply each once, and never race on DDL (even `CREATE TABLE IF NOT EXISTS` fails in one of two sessions
 * that both find the table missing, on the catalog's unique index).
 */
async function migrate(db: Db): Promise<void> {
  const locked = <T>(work: (trx: Db) => Promise<T>) =>
    db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(${sql.lit(MIGRATION_LOCK)})`.execute(trx);
      return work(trx);
    });
  const applied = await locked(async (trx) => {
    await sql.raw(MIGRATIONS_TABLE).execute(trx);
    const rows = await trx.selectFrom("schema_migrations").select("version").execute();
    return new Set(rows.map((r) => r.version));
  });
  for (const migration of MIGRATIONS) {
    if (applied.has(migration.version)) continue;
    await locked(async (trx) => {
      // Another relayer may have applied it between the read above and this lock.
      const again = await trx
        .selectFrom("schema_migrations")
        .select("version")
        .where("version", "=", migration.version)
        .executeTakeFirst();
      if (again) return;
      // No parameters: pg sends it as a simple query, which may hold several statements.
      await sql.raw(migration.sql.replace(/\bBLOB\b/g, "BYTEA").replace(/\bREAL\b/g, "DOUBLE PRECISION")).execute(trx);
      await trx
        .insertInto("schema_migrations")
        .values({ version: migration.version, name: migration.name, applied_at: Date.now() })
        .execute();
    });
  }
}
