import type { RelayerConfig } from "../config/schema.ts";
import type { NodeRecord } from "../store/types.ts";

/**
 * The share of a node's served answers that verifiers re-score (DESIGN.md: sampled, adaptive per node trust). A node
 * without tenure or below the trusted reputation is checked at `maxVerifyShare`; with tenure the share falls linearly
 * to `minVerifyShare` at full tenure. Trusted nodes are still checked: a node never knows which answers are.
 */
export function verifyShare(node: NodeRecord, config: Pick<RelayerConfig, "inference" | "verification">): number {
  const { minVerifyShare, maxVerifyShare } = config.inference;
  const { tenureTasks, trustedReputationBps } = config.verification;
  if (node.reputationBps < trustedReputationBps) return maxVerifyShare;
  const tenure = tenureTasks > 0 ? Math.min(1, Number(node.tasksValidated) / tenureTasks) : 1;
  return maxVerifyShare - (maxVerifyShare - minVerifyShare) * tenure;
}
