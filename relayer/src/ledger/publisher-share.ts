import type { LedgerEntry } from "../store/types.ts";

/** The placement a generator's session runs in, when its domain is verified now. */
export interface ActivePlacement {
  placement: string;
  publisher: string;
  /** The publisher's part of the node's task reward, bps (≤ 3000: publishers/placement-rules.ts). */
  shareBps: number;
}

/** One publisher credit taken out of a generator's task credit. */
export interface PublisherCredit {
  taskId: string;
  node: string;
  publisher: string;
  placement: string;
  amountWei: bigint;
}

/**
 * The publisher's share (issue 15): a generator's task credit (`kind: "task"`, the node's 75% with its bonus) earned
 * in a session with an active placement gives `shareBps` of itself to the placement's publisher, as a `publisher`
 * credit on the same task. Only the node's credit is split, so the network's 25% is unchanged and every task still
 * reconciles: node + publisher + network = its rewards. Verifier pay is not shared (the placement ran no check).
 * The share rounds down; the node keeps the remainder. Pure: the store applies it inside the judging transaction.
 */
export function splitPublisherShares(
  ledger: readonly LedgerEntry[],
  placementOf: (node: string) => ActivePlacement | undefined,
): { ledger: LedgerEntry[]; credits: PublisherCredit[] } {
  const out: LedgerEntry[] = [];
  const credits: PublisherCredit[] = [];
  for (const entry of ledger) {
    const active = entry.kind === "task" ? placementOf(entry.account) : undefined;
    const share = active ? (entry.amountWei * BigInt(active.shareBps)) / 10_000n : 0n;
    if (!active || share === 0n) {
      out.push(entry);
      continue;
    }
    out.push({ ...entry, amountWei: entry.amountWei - share });
    out.push({ ...entry, account: active.publisher, kind: "publisher", amountWei: share, bonusWei: 0n });
    credits.push({
      taskId: entry.ref,
      node: entry.account,
      publisher: active.publisher,
      placement: active.placement,
      amountWei: share,
    });
  }
  return { ledger: out, credits };
}
