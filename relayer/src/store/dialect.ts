import type { Expression, RawBuilder, SqlBool } from "kysely";
import type { Db } from "./schema.ts";

/** Column types of a row-set parameter (see `Dialect.rows`). */
export type ColumnKind = "text" | "int" | "bigint" | "real";
export type Columns = Record<string, ColumnKind>;
/** The JavaScript row a `Columns` spec describes (BIGINT as a number: ms timestamps, never wei). */
export type RowOf<C extends Columns> = { [K in keyof C]: (C[K] extends "text" ? string : number) | null };

/**
 * What differs between SQLite and PostgreSQL, and nothing else: the store (`store.ts`) is written once over
 * Kysely against this. Upserts (`ON CONFLICT … DO UPDATE`, `excluded.`) and `RETURNING` are the same in both, so
 * they are not here.
 */
export interface Dialect {
  readonly kind: "sqlite" | "postgres";
  readonly db: Db;
  /**
   * Runs `work` as one transaction. SQLite: `BEGIN IMMEDIATE` (the one write lock is taken up front, so a
   * transaction never fails half-way on a busy database) on the single connection, serialised with every other
   * query. PostgreSQL: retried from the start on a deadlock or serialization failure (`work` only reads and
   * writes the database and runs pure callbacks, so running it again is safe).
   */
  transaction<T>(work: (trx: Db) => Promise<T>): Promise<T>;
  /**
   * Whether rows are locked by `SELECT … FOR UPDATE / FOR SHARE` (PostgreSQL, where relayers share a database).
   * SQLite has no row locks and needs none: a write transaction holds the database's write lock from its BEGIN.
   */
  readonly rowLocks: boolean;
  /** Takes a transaction-scoped lock on `key` (PostgreSQL advisory lock); nothing on SQLite (see `rowLocks`). */
  exclusive(trx: Db, key: number): Promise<void>;
  /** `column IN (…values)` with the whole list bound as one parameter, so the SQL is the same for any length. */
  inList(column: string, values: readonly string[]): Expression<SqlBool>;
  /**
   * Many rows as one parameter, usable as a table (`.from(dialect.rows(…).as("r"))`): a batch is one statement
   * whatever its size. SQLite: a JSON array read with `json_each`; PostgreSQL: one typed array per column,
   * `unnest`ed.
   */
  rows<C extends Columns>(columns: C, rows: ReadonlyArray<RowOf<C>>): RawBuilder<RowOf<C>>;
  /** Text ordered by its bytes, whatever the database's locale (the epoch tree's leaf order must be fixed). */
  byteOrder(text: Expression<string>): Expression<string>;
  close(): Promise<void>;
}
