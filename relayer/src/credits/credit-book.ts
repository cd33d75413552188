import type { CreditBalance } from "@gitblock/sdk";
import {
  type Account,
  type Address,
  type Chain,
  getAddress,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import type { Clock } from "../clock.ts";
import { RelayerError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import type { Dialect } from "../store/dialect.ts";
import { lockBookRows, readBookRow, writeBookRow } from "./book-rows.ts";
import { CreditSettlement, type CreditSettlementRound } from "./credit-settlement.ts";
import { OnChainCredits } from "./on-chain-credits.ts";
import { availableCredit, EMPTY_BOOK, type OnChainAccount, unsettledDebits } from "./spendable.ts";

/** A debit's answer: `ok` when it was recorded (now or by an earlier call with the same ref). */
export type DebitOutcome = { ok: true; availableWei: bigint } | { ok: false; availableWei: bigint };

export interface CreditBookOptions {
  /** The store's dialect (`store.dialect`): the book keeps its tables beside the store's. */
  dialect: Dialect;
  /** InferenceCredits and the clients to reach it; null: no contract (nothing is available, nothing settles). */
  credits: {
    publicClient: PublicClient;
    address: Address;
    /** The relayer's key (RELAYER_ROLE on InferenceCredits); null: this relayer debits but does not settle. */
    walletClient: WalletClient<Transport, Chain, Account> | null;
  } | null;
  clock: Clock;
  log: Logger;
  metrics?: Metrics;
  /** How long an account's on-chain credit is reused (`credits.cacheTtlMs`). */
  cacheTtlMs?: number;
  /** Accounts per `settle` transaction (`credits.maxAccountsPerSettlement`). */
  maxAccountsPerSettlement?: number;
  confirmations?: number;
  /** How long a settlement waits for its receipt before the round stops (the next round looks again). */
  receiptTimeoutMs?: number;
}

/**
 * The relayer's credit book for premium `/v1` models: each message is debited here, off-chain, against the account's
 * credit in InferenceCredits, and what was debited is settled on-chain once per epoch (`credit-settlement.ts`).
 *
 * A debit is one transaction that locks the account's row (PostgreSQL; SQLite's write lock does the same), so
 * relayers sharing a database never spend one credit twice, and it is recorded once per request (`ref`). The
 * contract's side is read through a short cache, which can only be behind by what happened within its TTL: a
 * deposit (the book reads again before it refuses) or a withdrawal request (which the contract's withdrawal delay,
 * at least an hour, exists to absorb: the debits made before the relayer saw it settle before it can be withdrawn).
 * A withdrawal itself only pays out a request older than that delay, so no debit exceeds the unspent credit.
 */
export class CreditBook {
  /** InferenceCredits' address; null when this relayer has none. */
  readonly contract: Address | null;
  private readonly dialect: Dialect;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly onChain: OnChainCredits | null;
  private readonly settlement: CreditSettlement | null;
  private busy: Promise<unknown> = Promise.resolve();

  constructor(options: CreditBookOptions) {
    this.dialect = options.dialect;
    this.clock = options.clock;
    this.log = options.log;
    const credits = options.credits;
    this.contract = credits ? getAddress(credits.address) : null;
    this.onChain = credits
      ? new OnChainCredits({
          publicClient: credits.publicClient,
          address: getAddress(credits.address),
          clock: options.clock,
          ttlMs: options.cacheTtlMs ?? 2_000,
        })
      : null;
    this.settlement =
      credits?.walletClient && this.onChain
        ? new CreditSettlement({
            dialect: options.dialect,
            contract: this.onChain,
            publicClient: credits.publicClient,
            walletClient: credits.walletClient,
            clock: options.clock,
            log: options.log,
            metrics: options.metrics,
            maxAccounts: options.maxAccountsPerSettlement ?? 200,
            confirmations: options.confirmations ?? 1,
            receiptTimeoutMs: options.receiptTimeoutMs ?? 30_000,
          })
        : null;
  }

  /**
   * What the relayer may still debit `account` for: funded, less the pending withdrawal, less everything debited and
   * not written off (0 without a contract). Throws `CreditsUnavailableError` when the contract cannot be read.
   */
  async available(account: Address): Promise<bigint> {
    if (!this.onChain) return 0n;
    const key = getAddress(account);
    const { account: chain } = await this.onChain.account(key);
    return availableCredit(chain, (await readBookRow(this.dialect.db, key)) ?? EMPTY_BOOK);
  }

  /**
   * Debits `amountWei` for request `ref` if the credit covers it; the answer says what is left (or, refused, what is
   * available). A second call with the same `ref` debits nothing more and answers `ok` (after a refund it debits
   * again). Throws `CreditsUnavailableError` when the contract cannot be read: nothing was debited.
   */
  async debit(account: Address, amountWei: bigint, ref: string): Promise<DebitOutcome> {
    if (amountWei <= 0n) throw new RangeError(`a debit is a positive amount, not ${amountWei}`);
    if (ref.length === 0) throw new RangeError("a debit needs the request's ref");
    if (!this.onChain) return { ok: false, availableWei: 0n };
    const key = getAddress(account);
    const read = await this.onChain.account(key);
    const outcome = await this.record(key, amountWei, ref, read.account);
    if (outcome.ok || !read.cached) return outcome;
    // Refused on a cached figure: the account may have deposited since. Read again before saying no.
    return this.record(key, amountWei, ref, (await this.onChain.account(key, { fresh: true })).account);
  }

  private record(account: Address, amountWei: bigint, ref: string, chain: OnChainAccount): Promise<DebitOutcome> {
    return this.dialect.transaction(async (trx): Promise<DebitOutcome> => {
      const now = this.clock.now();
      const row = (await lockBookRows(this.dialect, trx, [account], now)).get(account);
      if (!row) throw new RelayerError(`credit book: no row for ${account}`);
      const existing = await trx
        .selectFrom("credit_debits")
        .select(["account", "refunded_at"])
        .where("ref", "=", ref)
        .executeTakeFirst();
      if (existing && existing.account !== account) {
        throw new RelayerError(`debit ${ref} was made for another account (${existing.account})`);
      }
      const available = availableCredit(chain, row);
      if (existing && existing.refunded_at === null) return { ok: true, availableWei: available };
      if (amountWei > available) return { ok: false, availableWei: available };
      if (existing) {
        await trx
          .updateTable("credit_debits")
          .set({ amount_wei: amountWei.toString(), created_at: now, refunded_at: null, settlement: null })
          .where("ref", "=", ref)
          .execute();
      } else {
        await trx
          .insertInto("credit_debits")
          .values({ ref, account, amount_wei: amountWei.toString(), created_at: now })
          .execute();
      }
      await writeBookRow(trx, { ...row, debited: row.debited + amountWei }, now);
      return { ok: true, availableWei: available - amountWei };
    });
  }

  /**
   * Gives request `ref`'s debit back (it produced nothing). Only while no settlement covers it: a settled debit
   * stays (logged). An unknown or already refunded ref is left as it is.
   */
  async refund(ref: string): Promise<void> {
    const debit = await this.dialect.db
      .selectFrom("credit_debits")
      .select("account")
      .where("ref", "=", ref)
      .executeTakeFirst();
    if (!debit) return;
    const account = debit.account as Address;
    const refused = await this.dialect.transaction(async (trx) => {
      const now = this.clock.now();
      const row = (await lockBookRows(this.dialect, trx, [account], now)).get(account);
      const current = await trx
        .selectFrom("credit_debits")
        .select(["amount_wei", "refunded_at", "settlement"])
        .where("ref", "=", ref)
        .executeTakeFirst();
      if (!row || !current || current.refunded_at !== null) return false;
      if (current.settlement !== null) return true;
      await trx.updateTable("credit_debits").set({ refunded_at: now }).where("ref", "=", ref).execute();
      await writeBookRow(trx, { ...row, debited: row.debited - BigInt(current.amount_wei) }, now);
      return false;
    });
    if (refused) this.log.warn({ ref, account }, "refund refused: a settlement already covers the debit");
  }

  /** The account's credit, on-chain and in the book. Throws `CreditsUnavailableError` when the contract cannot be read. */
  async balance(account: Address): Promise<CreditBalance> {
    const key = getAddress(account);
    const chain: OnChainAccount = this.onChain
      ? (await this.onChain.account(key)).account
      : { funded: 0n, spent: 0n, pendingWithdrawal: 0n, unlockAt: 0n };
    const book = (await readBookRow(this.dialect.db, key)) ?? EMPTY_BOOK;
    return {
      account: key,
      contract: this.contract,
      fundedWei: chain.funded.toString(),
      settledSpentWei: chain.spent.toString(),
      pendingWithdrawalWei: chain.pendingWithdrawal.toString(),
      unlockAt: Number(chain.unlockAt),
      debitedWei: book.debited.toString(),
      unsettledWei: unsettledDebits(chain, book).toString(),
      writtenOffWei: book.writtenOff.toString(),
      availableWei: (this.onChain ? availableCredit(chain, book) : 0n).toString(),
    };
  }

  /**
   * Moves spent credit on-chain: finishes a settlement a crash or an outage interrupted, then settles every account
   * whose debits rose (none: no transaction). One round at a time in this process; see `credit-settlement.ts` for
   * relayers sharing a database. Throws `CreditsUnavailableError` (chain down) or `SettlementError` (the contract
   * refused); what was debited stays in the book for the next round either way.
   */
  settle(): Promise<CreditSettlementRound> {
    const settlement = this.settlement;
    if (!settlement) return Promise.resolve({ settled: [], stopped: "unconfigured" });
    const run = this.busy.then(
      () => settlement.round(),
      () => settlement.round(),
    );
    this.busy = run.catch(() => undefined);
    return run;
  }
}
