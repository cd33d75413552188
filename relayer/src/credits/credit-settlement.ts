import { randomUUID } from "node:crypto";
import { inferenceCreditsAbi } from "@gitblock/sdk";
import {
  type Account,
  type Address,
  type Chain,
  encodeFunctionData,
  type Hex,
  keccak256,
  type PublicClient,
  parseTransaction,
  recoverTransactionAddress,
  TransactionReceiptNotFoundError,
  type TransactionSerialized,
  type Transport,
  type WalletClient,
} from "viem";
import type { Clock } from "../clock.ts";
import { CreditsUnavailableError, SettlementError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import { revertName, revertReason } from "../settlement/revert-reason.ts";
import type { Dialect } from "../store/dialect.ts";
import type { Db } from "../store/schema.ts";
import { type BookRow, lockBookRows, writeBookRow } from "./book-rows.ts";
import { creditsCall, type OnChainCredits } from "./on-chain-credits.ts";
import { settlementFigure } from "./spendable.ts";

/** One account's line of a stored settlement, wei as decimal strings. */
export interface SettlementEntry {
  account: Address;
  /** What `settle` records as the account's spending (cumulative). */
  cumulativeSpent: string;
  /** The contract's `spent` when the figures were taken: the entry moves `cumulativeSpent − spentBefore`. */
  spentBefore: string;
  /** Debited beyond the account's funded credit, written off once the settlement lands. */
  writeOff: string;
}

/** prepared: figures stored, debits marked · signed: transaction stored (maybe sent) · settled · abandoned. */
export type CreditSettlementStatus = "prepared" | "signed" | "settled" | "abandoned";

interface SettlementRecord {
  id: string;
  epoch: number | null;
  status: CreditSettlementStatus;
  entries: SettlementEntry[];
  rawTx: Hex | null;
  txHash: Hex | null;
}

/** A settlement that landed (or, with `epoch` null, one that had nothing to move and only wrote debits off). */
export interface SettledCredits {
  epoch: number | null;
  txHash: Hex | null;
  /** Accounts whose settled spending rose. */
  accounts: number;
  /** GBT moved, 75% to the rewards vault and 25% to the treasury. */
  spentWei: bigint;
  writtenOffWei: bigint;
}

/**
 * What one round did, and why it stopped: `done` (no account's debits rose since), `pending` (a settlement is sent
 * but not mined yet; the next round finishes it), `more` (the round's batch limit; the next round goes on),
 * `unconfigured` (no InferenceCredits or no relayer key).
 */
export interface CreditSettlementRound {
  settled: SettledCredits[];
  stopped: "done" | "pending" | "more" | "unconfigured";
}

/** Transaction-scoped advisory lock (PostgreSQL) under which one relayer at a time stores a new settlement. */
const SETTLEMENT_LOCK = 7201;
/** Settlements one round drives at most (each up to `maxAccounts` accounts). */
const SETTLEMENTS_PER_ROUND = 50;
const OPEN: CreditSettlementStatus[] = ["prepared", "signed"];

const moves = (entry: SettlementEntry) => BigInt(entry.cumulativeSpent) > BigInt(entry.spentBefore);

function summary(record: SettlementRecord): SettledCredits {
  const moving = record.entries.filter(moves);
  return {
    epoch: record.epoch,
    txHash: record.txHash,
    accounts: moving.length,
    spentWei: moving.reduce((sum, e) => sum + BigInt(e.cumulativeSpent) - BigInt(e.spentBefore), 0n),
    writtenOffWei: record.entries.reduce((sum, e) => sum + BigInt(e.writeOff), 0n),
  };
}

/**
 * Moves spent credit on-chain: `settle(epoch, accounts, cumulativeSpent)` for every account whose debits rose, as a
 * state machine stored in the database, each step safe to repeat:
 *
 *   prepared (figures stored and the debits they cover marked, one transaction) → signed (the signed transaction
 *   stored *before* it is sent) → settled (receipt seen: settled figures and write-offs applied) | abandoned (it can
 *   never land: the marks are lifted and the debits wait for the next settlement)
 *
 * A restart resumes the open settlement: a prepared one is signed, a signed one is looked up (receipt) or sent again,
 * the very same transaction, so it cannot land twice; and the contract takes epochs only in sequence
 * (`UnexpectedEpoch`). Figures are cumulative, so even a settlement repeated with the same figures moves nothing.
 * One settlement is open at a time across relayers sharing PostgreSQL (an advisory lock and a check while storing).
 */
export class CreditSettlement {
  private readonly dialect: Dialect;
  private readonly contract: OnChainCredits;
  private readonly publicClient: PublicClient;
  private readonly walletClient: WalletClient<Transport, Chain, Account>;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly metrics: Metrics | undefined;
  private readonly maxAccounts: number;
  private readonly confirmations: number;
  private readonly receiptTimeoutMs: number;

  constructor(options: {
    dialect: Dialect;
    contract: OnChainCredits;
    publicClient: PublicClient;
    walletClient: WalletClient<Transport, Chain, Account>;
    clock: Clock;
    log: Logger;
    metrics?: Metrics | undefined;
    maxAccounts: number;
    confirmations: number;
    receiptTimeoutMs: number;
  }) {
    this.dialect = options.dialect;
    this.contract = options.contract;
    this.publicClient = options.publicClient;
    this.walletClient = options.walletClient;
    this.clock = options.clock;
    this.log = options.log;
    this.metrics = options.metrics;
    this.maxAccounts = options.maxAccounts;
    this.confirmations = options.confirmations;
    this.receiptTimeoutMs = options.receiptTimeoutMs;
  }

  /** Finishes the open settlement, if any, then settles new debits batch by batch until none are left. */
  async round(): Promise<CreditSettlementRound> {
    const settled: SettledCredits[] = [];
    for (let n = 0; n < SETTLEMENTS_PER_ROUND; n++) {
      const record = (await this.open(this.dialect.db)) ?? (await this.prepare());
      if (!record) return { settled, stopped: "done" };
      const outcome = await this.drive(record);
      if (outcome === "pending") return { settled, stopped: "pending" };
      if (outcome !== "abandoned") settled.push(outcome);
    }
    return { settled, stopped: "more" };
  }

  private async drive(initial: SettlementRecord): Promise<SettledCredits | "pending" | "abandoned"> {
    let record = initial;
    if (record.status === "prepared") record = await this.sign(record);
    if (record.status === "signed") return this.send(record);
    if (record.status !== "settled") return "abandoned";
    // Stored settled: nothing to move on-chain, applied as it was stored. (Else another relayer confirmed it.)
    if (initial.status === "settled") this.reportWriteOffs(record.entries);
    return summary(record);
  }

  /** Accounts with debits no settlement covers yet, in address order. */
  private async candidates(): Promise<Address[]> {
    const rows = await this.dialect.db
      .selectFrom("credit_debits")
      .select("account")
      .distinct()
      .where("settlement", "is", null)
      .where("refunded_at", "is", null)
      .orderBy("account")
      .limit(this.maxAccounts)
      .execute();
    return rows.map((row) => row.account as Address);
  }

  /**
   * Stores the next settlement: each account's figure from the contract's `funded` and `spent`, read first, and the
   * book's debits, read under the accounts' locks, which are then marked as covered (no refund from here on). With
   * nothing to move on-chain (every rise written off) it is applied at once, without a transaction.
   */
  private async prepare(): Promise<SettlementRecord | null> {
    const candidates = await this.candidates();
    if (candidates.length === 0) return null;
    const epoch = Number(await this.contract.lastSettledEpoch()) + 1;
    const onChain = await this.contract.accounts(candidates);
    const chainOf = new Map(candidates.map((account, i) => [account, onChain[i]]));
    return this.dialect.transaction(async (trx) => {
      await this.dialect.exclusive(trx, SETTLEMENT_LOCK);
      const open = await this.open(trx);
      if (open) return open;
      const now = this.clock.now();
      const rows = await lockBookRows(this.dialect, trx, candidates, now);
      // Another relayer may have settled some of them between the read above and the locks.
      const still = (
        await trx
          .selectFrom("credit_debits")
          .select("account")
          .distinct()
          .where(this.dialect.inList("account", candidates))
          .where("settlement", "is", null)
          .where("refunded_at", "is", null)
          .orderBy("account")
          .execute()
      ).map((row) => row.account as Address);
      if (still.length === 0) return null;
      const entries = still.map((account): SettlementEntry => {
        const chain = chainOf.get(account);
        const row = rows.get(account);
        if (!chain || !row) throw new SettlementError(`credit settlement: no figures for ${account}`);
        const figure = settlementFigure(chain, row);
        return {
          account,
          cumulativeSpent: figure.cumulativeSpent.toString(),
          spentBefore: chain.spent.toString(),
          writeOff: figure.writeOff.toString(),
        };
      });
      const id = randomUUID();
      await trx
        .updateTable("credit_debits")
        .set({ settlement: id })
        .where(this.dialect.inList("account", still))
        .where("settlement", "is", null)
        .where("refunded_at", "is", null)
        .execute();
      const onChainToo = entries.some(moves);
      const record: SettlementRecord = {
        id,
        epoch: onChainToo ? epoch : null,
        status: onChainToo ? "prepared" : "settled",
        entries,
        rawTx: null,
        txHash: null,
      };
      await trx
        .insertInto("credit_settlements")
        .values({
          id,
          epoch: record.epoch,
          status: record.status,
          entries: JSON.stringify(entries),
          created_at: now,
          settled_at: onChainToo ? null : now,
        })
        .execute();
      if (!onChainToo) await this.apply(trx, rows, entries, now);
      return record;
    });
  }

  private settleArgs(record: SettlementRecord) {
    const moving = record.entries.filter(moves);
    return [
      BigInt(record.epoch ?? 0),
      moving.map((e) => e.account),
      moving.map((e) => BigInt(e.cumulativeSpent)),
    ] as const;
  }

  /**
   * Dry-runs, signs and stores the transaction. A settlement the contract refuses (paused, role revoked, a figure
   * above `funded` after a withdrawal, an epoch someone else settled) is abandoned, so the next round takes fresh
   * figures.
   */
  private async sign(record: SettlementRecord): Promise<SettlementRecord> {
    const wallet = this.walletClient;
    const args = this.settleArgs(record);
    const what = `settle(${record.epoch})`;
    try {
      await this.publicClient.simulateContract({
        address: this.contract.address,
        abi: inferenceCreditsAbi,
        functionName: "settle",
        args,
        account: wallet.account,
      });
    } catch (error) {
      const name = revertName(error);
      if (name === null) {
        throw new CreditsUnavailableError(`dry run of ${what}: ${revertReason(error)}`, { cause: error });
      }
      this.metrics?.creditSettlements.inc({ outcome: "refused" });
      await this.abandon(record, revertReason(error));
      throw new SettlementError(
        `InferenceCredits refuses ${what}: ${revertReason(error)}; its debits wait for the next round`,
      );
    }
    const request = await creditsCall(`preparing ${what}`, () =>
      wallet.prepareTransactionRequest({
        to: this.contract.address,
        data: encodeFunctionData({ abi: inferenceCreditsAbi, functionName: "settle", args }),
        account: wallet.account,
        chain: wallet.chain,
      }),
    );
    const rawTx = await wallet.signTransaction(request);
    const txHash = keccak256(rawTx);
    // Stored before it is sent: from here a restart sends this transaction again, never a second one. Another
    // relayer may have signed first: then its transaction is the one.
    await this.dialect.db
      .updateTable("credit_settlements")
      .set({ status: "signed", raw_tx: rawTx, tx_hash: txHash })
      .where("id", "=", record.id)
      .where("status", "=", "prepared")
      .execute();
    const stored = await this.byId(record.id);
    if (!stored) throw new SettlementError(`credit settlement ${record.id} vanished`);
    return stored;
  }

  /**
   * Sends the stored transaction (again, after a restart) and waits for its receipt. What is known on-chain comes
   * first: a receipt means it landed; no receipt while the epoch is settled or the nonce used means it never will.
   */
  private async send(record: SettlementRecord): Promise<SettledCredits | "pending" | "abandoned"> {
    const { rawTx, txHash, epoch } = record;
    if (!rawTx || !txHash || epoch === null)
      throw new SettlementError(`credit settlement ${record.id} has no transaction`);
    const nonce = parseTransaction(rawTx).nonce ?? 0;
    // Its signer's, which is another relayer's key when that relayer signed first.
    const signer = await recoverTransactionAddress({ serializedTransaction: rawTx as TransactionSerialized });
    // Read before the receipt: if the epoch is settled or the nonce used already, and the receipt is still missing,
    // it was another transaction.
    const [lastEpoch, usedNonces] = await Promise.all([
      this.contract.lastSettledEpoch(),
      creditsCall("getTransactionCount", () =>
        this.publicClient.getTransactionCount({ address: signer, blockTag: "latest" }),
      ),
    ]);
    const landed = await this.receipt(txHash);
    if (landed) return this.afterReceipt(record, landed.status);
    if (lastEpoch >= BigInt(epoch) || usedNonces > nonce) {
      await this.abandon(record, `never landed: epoch ${lastEpoch} settled, nonce ${usedNonces} used`);
      return "abandoned";
    }
    try {
      await this.publicClient.sendRawTransaction({ serializedTransaction: rawTx });
    } catch (error) {
      // Already known, or the chain is down: either way it is stored and the next round looks again.
      const receipt = await this.receipt(txHash);
      if (receipt) return this.afterReceipt(record, receipt.status);
      throw new CreditsUnavailableError(
        `sending settle(${epoch}) (${txHash}) failed: ${revertReason(error)}; it is stored and sent again next round`,
        { cause: error },
      );
    }
    const receipt = await this.publicClient
      .waitForTransactionReceipt({ hash: txHash, confirmations: this.confirmations, timeout: this.receiptTimeoutMs })
      .catch(() => null);
    if (!receipt) return "pending";
    return this.afterReceipt(record, receipt.status);
  }

  private async receipt(hash: Hex) {
    try {
      return await this.publicClient.getTransactionReceipt({ hash });
    } catch (error) {
      if (error instanceof TransactionReceiptNotFoundError) return null;
      throw new CreditsUnavailableError(`receipt of ${hash}: ${revertReason(error)}`, { cause: error });
    }
  }

  private async afterReceipt(record: SettlementRecord, status: "success" | "reverted"): Promise<SettledCredits> {
    if (status === "reverted") {
      this.metrics?.creditSettlements.inc({ outcome: "reverted" });
      await this.abandon(record, `reverted (${record.txHash})`);
      throw new SettlementError(
        `settle(${record.epoch}) reverted (tx ${record.txHash}); its debits wait for the next round`,
      );
    }
    await this.confirm(record);
    return summary(record);
  }

  /** The receipt is in: settled figures and write-offs go into the book, once (whoever confirms first). */
  private async confirm(record: SettlementRecord): Promise<void> {
    const applied = await this.dialect.transaction(async (trx) => {
      const now = this.clock.now();
      const rows = await lockBookRows(
        this.dialect,
        trx,
        record.entries.map((e) => e.account),
        now,
      );
      const changed = await trx
        .updateTable("credit_settlements")
        .set({ status: "settled", settled_at: now })
        .where("id", "=", record.id)
        .where("status", "in", OPEN)
        .executeTakeFirst();
      if (Number(changed.numUpdatedRows) === 0) return false;
      await this.apply(trx, rows, record.entries, now);
      return true;
    });
    this.contract.forget(record.entries.map((e) => e.account));
    if (!applied) return;
    const done = summary(record);
    this.metrics?.creditSettlements.inc({ outcome: "settled" });
    this.log.info(
      { epoch: record.epoch, tx: record.txHash, accounts: done.accounts, spentWei: done.spentWei.toString() },
      "credit settled on-chain",
    );
    this.reportWriteOffs(record.entries);
  }

  /** After the commit (a PostgreSQL transaction may run twice): each write-off counted and logged once. */
  private reportWriteOffs(entries: SettlementEntry[]): void {
    for (const entry of entries) {
      if (BigInt(entry.writeOff) === 0n) continue;
      this.metrics?.creditWriteOffs.inc();
      this.log.warn(
        { account: entry.account, writtenOffWei: entry.writeOff, settledWei: entry.cumulativeSpent },
        "debits above the account's funded credit written off (it withdrew before they settled)",
      );
    }
  }

  /** Records settled figures and write-offs in the accounts' rows (locked by the caller). */
  private async apply(trx: Db, rows: Map<Address, BookRow>, entries: SettlementEntry[], now: number): Promise<void> {
    for (const entry of entries) {
      const row = rows.get(entry.account);
      if (!row) continue;
      const settled = BigInt(entry.cumulativeSpent);
      const writeOff = BigInt(entry.writeOff);
      await writeBookRow(
        trx,
        { ...row, settled: settled > row.settled ? settled : row.settled, writtenOff: row.writtenOff + writeOff },
        now,
      );
    }
  }

  /** The settlement will never land: its debits are uncovered again (refundable, and in the next settlement). */
  private async abandon(record: SettlementRecord, reason: string): Promise<void> {
    await this.dialect.transaction(async (trx) => {
      await lockBookRows(
        this.dialect,
        trx,
        record.entries.map((e) => e.account),
        this.clock.now(),
      );
      const changed = await trx
        .updateTable("credit_settlements")
        .set({ status: "abandoned", error: reason })
        .where("id", "=", record.id)
        .where("status", "in", OPEN)
        .executeTakeFirst();
      if (Number(changed.numUpdatedRows) === 0) return;
      await trx.updateTable("credit_debits").set({ settlement: null }).where("settlement", "=", record.id).execute();
    });
    this.log.warn({ epoch: record.epoch, tx: record.txHash, reason }, "credit settlement abandoned");
  }

  private async open(db: Db): Promise<SettlementRecord | null> {
    const row = await db
      .selectFrom("credit_settlements")
      .selectAll()
      .where("status", "in", OPEN)
      .orderBy("created_at")
      .limit(1)
      .executeTakeFirst();
    return row ? recordOf(row) : null;
  }

  private async byId(id: string): Promise<SettlementRecord | null> {
    const row = await this.dialect.db
      .selectFrom("credit_settlements")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    return row ? recordOf(row) : null;
  }
}

function recordOf(row: {
  id: string;
  epoch: number | null;
  status: string;
  entries: string;
  raw_tx: string | null;
  tx_hash: string | null;
}): SettlementRecord {
  return {
    id: row.id,
    epoch: row.epoch === null ? null : Number(row.epoch),
    status: row.status as CreditSettlementStatus,
    entries: JSON.parse(row.entries) as SettlementEntry[],
    rawTx: row.raw_tx as Hex | null,
    txHash: row.tx_hash as Hex | null,
  };
}
