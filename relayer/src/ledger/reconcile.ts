import { taskReward } from "../economics/rewards.ts";
import { type EpochRecord, NETWORK_ACCOUNT, type Store } from "../store/types.ts";

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
  /** Owed but left for later epochs by the vault's emission cap: carried in from the previous epoch, and out. */
  carriedIn: bigint;
  carriedOut: bigint;
  ok: boolean;
  problems: string[];
}

/**
 * Checks an epoch's books: node credits + network credits = validated task rewards + passive rewards, and, once
 * the epoch is closed, that what it proposes accounts for every credit: the growth of the on-chain cumulative
 * total plus what it carries out less what it carried in equals the node credits, and the same for the network
 * share and the network credits. (Until settlement caps the epoch it carries nothing out and its network share is
 * its own credits, so only the nodes' carry from the previous epoch counts.)
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
  const out = carryOf(record);
  let into: Carry = { nodes: 0n, network: 0n };
  if (record?.cumulativeTotal != null) {
    const previous = epoch > 1 ? await store.getEpoch(epoch - 1) : undefined;
    into = carryOf(previous);
    // Until settlement caps the epoch its network share is its own credits: the network's carry is not in it yet.
    if (record.carryWei === null) into = { nodes: into.nodes, network: 0n };
    cumulativeIncrease = record.cumulativeTotal - (previous?.cumulativeTotal ?? 0n);
    if (cumulativeIncrease + out.nodes - into.nodes !== nodeCredits) {
      problems.push(
        `cumulative total grew by ${cumulativeIncrease}, carrying ${out.nodes} out and ${into.nodes} in; node credits are ${nodeCredits}`,
      );
    }
    const networkShare = record.networkShare ?? 0n;
    if (networkShare + out.network - into.network !== networkCredits) {
      problems.push(
        `network share ${networkShare}, carrying ${out.network} out and ${into.network} in ≠ network credits ${networkCredits}`,
      );
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
    carriedIn: into.nodes + into.network,
    carriedOut: out.nodes + out.network,
    ok: problems.length === 0,
    problems,
  };
}

interface Carry {
  nodes: bigint;
  network: bigint;
}

/** What an epoch carried into the next, split as the checks need it (nothing before it is capped). */
function carryOf(record: EpochRecord | undefined): Carry {
  const total = record?.carryWei ?? 0n;
  const network = record?.networkCarryWei ?? 0n;
  return { nodes: total - network, network };
}
