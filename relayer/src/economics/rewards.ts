import { BONUS_THRESHOLD_BPS } from "./reputation.ts";

/** Integer-wei reward math. All shares round down; the network's share takes the remainder so nothing is lost. */
export const NODE_SHARE_BPS = 7_500n;
export const BONUS_BPS = 1_000n;
const BPS = 10_000n;

export interface TaskReward {
  /** tokensGenerated × rate: what one correct result earns before the split. */
  gross: bigint;
  /** 75% of gross. */
  node: bigint;
  /** gross − node: the network's 25%. */
  network: bigint;
  /** +10% of the node's share when its reputation is above 70%, paid on top of gross. */
  bonus: bigint;
}

export function taskReward(tokensGenerated: number, ratePerTokenWei: bigint, reputationBps: number): TaskReward {
  const gross = BigInt(tokensGenerated) * ratePerTokenWei;
  const node = (gross * NODE_SHARE_BPS) / BPS;
  const network = gross - node;
  const bonus = reputationBps > BONUS_THRESHOLD_BPS ? (node * BONUS_BPS) / BPS : 0n;
  return { gross, node, network, bonus };
}
