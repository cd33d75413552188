import type {
  Compilable,
  Expression,
  InsertQueryBuilder,
  InsertResult,
  SqlBool,
  UpdateQueryBuilder,
  UpdateResult,
} from "kysely";
import type { Database, Db } from "./schema.ts";

/** Column types of a batch's rows (see `Dialect.batch`); a trailing `?` allows NULL. */
export type ColumnType = "text" | "int" | "bigint" | "real";
export type ColumnKind = ColumnType | `${ColumnType}?`;
export type Columns = Record<string, ColumnKind>;
type JsOf<K extends ColumnKind> =
  | (K extends `text${string}` ? string : number)
  | (K extends `${string}?` ? null : never);
/** The JavaScript row a `Columns` spec describes (BIGINT as a number: ms timestamps, never wei). */
export type RowOf<C extends Columns> = { [K in keyof C]: JsOf<C[K]> };

/**
 * The rows a batch statement runs over, as the statement is built: `col` is the current row's value of a column;
 * `update` and `insert` put the rows into the statement.
 */
export interface BatchRows<C extends Columns> {
  col<K extends keyof C & string>(name: K): Expression<JsOf<C[K]>>;
  /** An UPDATE that runs for every row (`… FROM unnest(…) AS r` on PostgreSQL, nothing to add on SQLite). */
  update<T extends keyof Database & string, O>(
    query: UpdateQueryBuilder<Database, T, T, O>,
  ): UpdateQueryBuilder<Database, T, T, O>;
  /** An INSERT of one row per row, its columns given as expressions (usually `col(…)`). */
  insert<T extends keyof Database & string, O>(
    query: InsertQueryBuilder<Database, T, O>,
    values: Record<string, Expression<unknown>>,
  ): InsertQueryBuilder<Database, T, O>;
}

/** A statement built and compiled once, run for a whole batch of rows inside a transaction. */
export interface Batch<C extends Columns, O> {
  /** Runs it for every row; returns the rows its RETURNING clause gave, all rows together. */
  run(trx: Db, rows: ReadonlyArray<RowOf<C>>): Promise<O[]>;
  /**
   * Runs it for every row; returns, row by row, whether the statement changed anything (an UPDATE's WHERE
   * matched). SQLite reads each row's change count; PostgreSQL returns the ordinal of each row that matched.
   */
  changed(trx: Db, rows: ReadonlyArray<RowOf<C>>): Promise<boolean[]>;
}

/** What a batch statement is before it runs: a Kysely INSERT or UPDATE. */
export type BatchStatement<O> = Compilable<O> | Compilable<InsertResult> | Compilable<UpdateResult>;

/**
 * What differs between SQLite and PostgreSQL, and nothing else: the store (`store.ts`) is written once over
 * Kysely against this. Upserts (`ON CONFLICT … DO UPDATE`, `excluded.`) and `RETURNING` are the same in both, so
 * they are not here.
 */
export interface TransactionOptions {
  /** Default true: the commit is on disk before the transaction resolves. */
  durable?: boolean;
}

export interface Dialect {
  readonly kind: "sqlite" | "postgres";
  readonly db: Db;
  /**
   * Runs `work` as one transaction. SQLite: `BEGIN IMMEDIATE` (the one write lock is taken up front, so a
   * transaction never fails half-way on a busy database) on the single connection, serialised with every other
   * query. PostgreSQL: retried from the start on a deadlock or serialization failure (`work` only reads and
   * writes the database and runs pure callbacks, so running it again is safe).
   *
   * `durable: false` is for writes whose last few may be lost to a power cut or a server crash (never to a relayer
   * crash) without harm, such as usage counters: the commit does not wait for the disk. SQLite: that commit runs with
   * `synchronous = NORMAL` (WAL: safe against a process crash; the next durable commit syncs it too). PostgreSQL:
   * `SET LOCAL synchronous_commit = off`. Either way nothing is reordered or torn, only the last commits may vanish.
   */
  transaction<T>(work: (trx: Db) => Promise<T>, options?: TransactionOptions): Promise<T>;
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
   * A write run for many rows: built once with `build` (through Kysely, over `BatchRows`), compiled once, then
   * run per batch without building SQL again. SQLite runs the compiled statement once per row on its cached
   * prepared statement (an in-process call, cheaper than any set-based form: SQLite's `UPDATE … FROM` costs more
   * per row than a keyed `UPDATE`). PostgreSQL runs it once for the whole batch, the rows bound as one array per
   * column and `unnest`ed (one round trip whatever the batch size).
   */
  batch<C extends Columns, O = never>(columns: C, build: (rows: BatchRows<C>) => BatchStatement<O>): Batch<C, O>;
  /** Text ordered by its bytes, whatever the database's locale (the epoch tree's leaf order must be fixed). */
  byteOrder(text: Expression<string>): Expression<string>;
  close(): Promise<void>;
}

/**
 * Where a column's value goes in a compiled batch statement: statements are built with a `Slot` as the value,
 * which the compiler turns into a numbered parameter like any other, and each run puts the row's value (SQLite)
 * or the column's array (PostgreSQL) there.
 */
export class Slot {
  readonly column: string;
  constructor(column: string) {
    this.column = column;
  }
}

/** Parameters of a compiled batch statement: fixed values, and the slots to fill from the rows. */
export function slotsOf(parameters: readonly unknown[]): Array<{ index: number; column: string }> {
  return parameters.flatMap((value, index) => (value instanceof Slot ? [{ index, column: value.column }] : []));
}
