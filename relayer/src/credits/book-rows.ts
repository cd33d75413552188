import type { Address } from "viem";
import type { Dialect } from "../store/dialect.ts";
import type { Db } from "../store/schema.ts";
import type { BookAccount } from "./spendable.ts";

/** An account's row of the book, wei as bigints. */
export interface BookRow extends BookAccount {
  account: Address;
  /** The cumulative spending last settled for it. */
  settled: bigint;
}

type Stored = { account: string; debited_wei: string; written_off_wei: string; settled_wei: string };

const bookRow = (row: Stored): BookRow => ({
  account: row.account as Address,
  debited: BigInt(row.debited_wei),
  writtenOff: BigInt(row.written_off_wei),
  settled: BigInt(row.settled_wei),
});

const COLUMNS = ["account", "debited_wei", "written_off_wei", "settled_wei"] as const;

/** The account's row as it is now, without a lock (reads); null when it was never debited. */
export async function readBookRow(db: Db, account: Address): Promise<BookRow | null> {
  const row = await db.selectFrom("credit_accounts").select(COLUMNS).where("account", "=", account).executeTakeFirst();
  return row ? bookRow(row) : null;
}

/**
 * Locks the accounts' rows for the rest of the transaction, creating those that do not exist yet, and answers them.
 * Every writer of the book locks accounts this way, in address order, before it touches their debits: relayers
 * sharing PostgreSQL then serialise per account and never deadlock. (SQLite: the transaction's write lock does it.)
 */
export async function lockBookRows(
  dialect: Dialect,
  trx: Db,
  accounts: readonly Address[],
  now: number,
): Promise<Map<Address, BookRow>> {
  const sorted = [...new Set(accounts)].sort();
  if (sorted.length === 0) return new Map();
  await trx
    .insertInto("credit_accounts")
    .values(sorted.map((account) => ({ account, updated_at: now })))
    .onConflict((oc) => oc.column("account").doNothing())
    .execute();
  const rows = await trx
    .selectFrom("credit_accounts")
    .select(COLUMNS)
    .where(dialect.inList("account", sorted))
    .orderBy("account")
    .$if(dialect.rowLocks, (q) => q.forUpdate())
    .execute();
  return new Map(rows.map((row) => [row.account as Address, bookRow(row)]));
}

/** Writes an account's figures (inside the transaction that locked it). */
export async function writeBookRow(trx: Db, row: BookRow, now: number): Promise<void> {
  await trx
    .updateTable("credit_accounts")
    .set({
      debited_wei: row.debited.toString(),
      written_off_wei: row.writtenOff.toString(),
      settled_wei: row.settled.toString(),
      updated_at: now,
    })
    .where("account", "=", row.account)
    .execute();
}
