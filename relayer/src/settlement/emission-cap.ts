/** What an epoch owes, before the vault's limit is applied. */
export interface OwedEmission {
  /** Each leaf's uncapped cumulative earnings (the snapshot at close), in leaf order. */
  earned: readonly bigint[];
  /** Each leaf's amount in the previous epoch's tree (0 for a node new to the tree), in the same order. */
  previous: readonly bigint[];
  /** The network's credits of the epoch plus what the previous epoch carried of the network's. */
  networkOwed: bigint;
  /** The most the epoch may emit (increase of all leaves + network share); null: no limit known (no chain). */
  budget: bigint | null;
}

export interface CappedEmission {
  /** Each leaf's cumulative amount for the tree, in leaf order: never below `previous`, never above `earned`. */
  amounts: bigint[];
  networkShare: bigint;
  /** Owed but not emitted (nodes' and the network's), carried into the next epoch. */
  carryWei: bigint;
  /** The network's part of `carryWei`. */
  networkCarryWei: bigint;
}

/**
 * Caps an epoch's emission to `budget`: when everything owed fits, every leaf is its earnings and the network
 * gets all it is owed; otherwise each node's increase and the network's share are scaled by budget / owed,
 * rounded down, so the total never exceeds the budget and the rest carries over. Leaves are cumulative, so the
 * next epoch owes the carry again without any bookkeeping of its own; a node's increase grows with each epoch
 * it is carried, so rounding down never starves it. Pure: rebuilding with the same inputs gives the same tree.
 */
export function capEmission({ earned, previous, networkOwed, budget }: OwedEmission): CappedEmission {
  // A leaf never goes down (the vault pays the difference to what was claimed): an increase is at least zero.
  const floor = earned.map((_, i) => previous[i] ?? 0n);
  const increases = earned.map((amount, i) => (amount > (floor[i] ?? 0n) ? amount - (floor[i] ?? 0n) : 0n));
  const owed = increases.reduce((sum, increase) => sum + increase, networkOwed);
  const limit = budget === null || budget >= owed ? owed : budget > 0n ? budget : 0n;
  const scale = (amount: bigint) => (limit === owed ? amount : (amount * limit) / owed);
  const amounts = increases.map((increase, i) => (floor[i] ?? 0n) + scale(increase));
  const networkShare = scale(networkOwed);
  let carryWei = networkOwed - networkShare;
  for (let i = 0; i < earned.length; i++) carryWei += (earned[i] ?? 0n) - (amounts[i] ?? 0n);
  return { amounts, networkShare, carryWei, networkCarryWei: networkOwed - networkShare };
}

/** The leaves' total: the vault's `cumulativeTotal`. */
export const totalOf = (amounts: readonly bigint[]): bigint => amounts.reduce((sum, amount) => sum + amount, 0n);
