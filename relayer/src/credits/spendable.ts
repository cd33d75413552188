/**
 * The credit book's arithmetic, pure: what an account may still spend and what a settlement records for it, from the
 * contract's view of the account and the relayer's own. Everything is cumulative, like the contract's `spent`.
 */

/** `InferenceCredits.getAccount`: what the contract knows. */
export interface OnChainAccount {
  /** Deposits minus withdrawals. */
  funded: bigint;
  /** Spending settled so far (cumulative). */
  spent: bigint;
  pendingWithdrawal: bigint;
  /** Unix seconds; 0 without a pending withdrawal. */
  unlockAt: bigint;
}

/** What the relayer's book knows. */
export interface BookAccount {
  /** Every debit not refunded (cumulative). */
  debited: bigint;
  /** Debits settlement could not move (the account withdrew that credit first). */
  writtenOff: bigint;
}

export const EMPTY_BOOK: BookAccount = { debited: 0n, writtenOff: 0n };

const max = (a: bigint, b: bigint) => (a > b ? a : b);

/**
 * Spending so far: the debits that count against the credit. The on-chain figure is a floor, so a book that lags the
 * contract (another book settled the same account) never lets the account spend twice.
 */
export function spentSoFar(chain: OnChainAccount, book: BookAccount): bigint {
  return max(chain.spent, book.debited - book.writtenOff);
}

/**
 * What the relayer may still debit: funded, less the pending withdrawal, less spending so far. This is the contract's
 * `availableCreditOf` (funded − spent − pending) minus the debits not settled yet, in one read of `getAccount`.
 */
export function availableCredit(chain: OnChainAccount, book: BookAccount): bigint {
  return max(0n, chain.funded - chain.pendingWithdrawal - spentSoFar(chain, book));
}

/** Debits not on-chain yet. */
export function unsettledDebits(chain: OnChainAccount, book: BookAccount): bigint {
  return max(0n, book.debited - book.writtenOff - chain.spent);
}

/** One account's line of a settlement. */
export interface SettlementFigure {
  /** `settle`'s `cumulativeSpent` for the account. */
  cumulativeSpent: bigint;
  /** Debited beyond what the account funded: written off when the settlement lands. */
  writeOff: bigint;
}

/**
 * The figure a settlement records: spending so far, capped at what the account funded (a withdrawal that matured
 * before its debits settled took that credit; the contract refuses more) and never below what was settled.
 */
export function settlementFigure(chain: OnChainAccount, book: BookAccount): SettlementFigure {
  const spending = book.debited - book.writtenOff;
  // biome-ignore lint/complexity/useMathMinMax: bigints (Math.min takes numbers)
  const capped = spending > chain.funded ? chain.funded : spending;
  return { cumulativeSpent: max(capped, chain.spent), writeOff: max(0n, spending - chain.funded) };
}
