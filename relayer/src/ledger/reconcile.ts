import { taskReward } from "../economics/rewards.ts";
import { NETWORK_ACCOUNT, type Store } from "../store/types.ts";

export interface EpochReconciliation {
  epoch: number;
  /** Credits to nodes: task shares, bonuses, passive rewards. */
  nodeCredits: bigint;
  networkCredits: bigint;
  /**
   * Recomputed from tasks and assignments: tokens × (correct generators of validated tasks × rate + correct
   * verifiers × the verification rate), plus bonuses.
   */
  validatedTaskRewards: bigint;
  passiveRewards: bigint;
  /** Growth of the epoch's cumulative total over the previous epoch's (what goes on-chain). */
  cumulativeIncrease: bigint | null;
  networkShare: bigint | null;
  ok: boolean;
  problems: string[];
}

/**
 * Checks an epoch's books: node credits + network credits = validated task rewards + passive rewards, and, once
 * the epoch is closed, that node credits are exactly the growth of the on-chain cumulative total and network
 * credits exactly the network share proposed with it.
 */
export async function reconcileEpoch(
  store: Store,
  epoch: number,
  ratePerTokenWei: bigint,
  verifyRateBps: number,
): Promise<EpochReconciliation> {
  const entries = await store.ledgerEntries(epoch);
  let nodeCredits = 0n;
  let networkCredits = 0n;
  let passiveRewards = 0n;
  let bonuses = 0n;
  for (const entry of entries) {
    if (entry.account === NETWORK_ACCOUNT) networkCredits += entry.amountWei;
    else nodeCredits += entry.amountWei;
    if (entry.kind === "passive") passiveRewards += entry.amountWei;
    bonuses += entry.bonusWei;
  }
  const verifyRate = (ratePerTokenWei * BigInt(verifyRateBps)) / 10_000n;
  let gross = 0n;
  for (const task of await store.paidTasksInEpoch(epoch)) {
    const tokens = BigInt(task.tokens);
    if (task.status === "validated") gross += BigInt(task.correctGenerators) * tokens * ratePerTokenWei;
    // A revoked claim's generator forfeited its share; the network kept its own.
    if (task.status === "revoked") gross += taskReward(task.tokens, ratePerTokenWei, 0).network;
    gross += BigInt(task.correctVerifiers) * tokens * verifyRate;
  }
  const validatedTaskRewards = gross + bonuses;
  const problems: string[] = [];
  if (nodeCredits + networkCredits !== validatedTaskRewards + passiveRewards) {
    problems.push(
      `credits ${nodeCredits + networkCredits} ≠ validated task rewards ${validatedTaskRewards} + passive ${passiveRewards}`,
    );
  }
  const record = await store.getEpoch(epoch);
  let cumulativeIncrease: bigint | null = null;
  if (record?.cumulativeTotal != null) {
    const previous = epoch > 1 ? ((await store.getEpoch(epoch - 1))?.cumulativeTotal ?? 0n) : 0n;
    cumulativeIncrease = record.cumulativeTotal - previous;
    if (cumulativeIncrease !== nodeCredits) {
      problems.push(`cumulative total grew by ${cumulativeIncrease}, node credits are ${nodeCredits}`);
    }
    if (record.networkShare !== networkCredits) {
      problems.push(`network share ${record.networkShare} ≠ network credits ${networkCredits}`);
    }
  }
  return {
    epoch,
    nodeCredits,
    networkCredits,
    validatedTaskRewards,
    passiveRewards,
    cumulativeIncrease,
    networkShare: record?.networkShare ?? null,
    ok: problems.length === 0,
    problems,
  };
}
