import type { Hex } from "viem";

export interface Vote {
  node: string;
  /** Null: the node did not answer before the deadline. Silent nodes still count in the total weight. */
  outputHash: Hex | null;
  weight: number;
}

export type ConsensusResult =
  | { kind: "agreed"; outputHash: Hex; agreeingWeight: number; totalWeight: number }
  | { kind: "no_quorum"; leadingHash: Hex | null; leadingWeight: number; totalWeight: number };

/**
 * Weighted agreement: the task is validated when the nodes reporting one hash hold at least `quorumBps` of the
 * voting weight of every node the task went to (silent ones included, so withholding cannot shrink the quorum).
 */
export function weightedConsensus(votes: readonly Vote[], quorumBps: number): ConsensusResult {
  const totalWeight = votes.reduce((sum, vote) => sum + vote.weight, 0);
  const byHash = new Map<Hex, number>();
  for (const vote of votes) {
    if (vote.outputHash === null) continue;
    const key = vote.outputHash.toLowerCase() as Hex;
    byHash.set(key, (byHash.get(key) ?? 0) + vote.weight);
  }
  let leadingHash: Hex | null = null;
  let leadingWeight = 0;
  for (const [hash, weight] of byHash) {
    if (weight > leadingWeight) {
      leadingHash = hash;
      leadingWeight = weight;
    }
  }
  // weight / total ≥ quorumBps / 10 000, in integers.
  if (leadingHash !== null && totalWeight > 0 && leadingWeight * 10_000 >= quorumBps * totalWeight) {
    return { kind: "agreed", outputHash: leadingHash, agreeingWeight: leadingWeight, totalWeight };
  }
  return { kind: "no_quorum", leadingHash, leadingWeight, totalWeight };
}
