import type { NodeRecord } from "../store/types.ts";

/**
 * Sybil resistance without shutting newcomers out. A node's weight = reputation × tenure ramp × bond:
 * - tenure: a new wallet starts at `tenureFloor` and reaches full weight after `tenureTasks` validated tasks (every
 *   generated task is audited by verifiers, so these are audited tasks), so a banned node that returns as a new
 *   wallet starts over instead of at full weight;
 * - bond: GBT bonded in `NodeBond` (slashable, unbonding slower than the challenge window). Where bonds are required,
 *   an unbonded node generates but never verifies, and a larger bond (up to 2× the minimum) weighs more.
 * Only bonded nodes with full tenure verify. A claim by a node that is not trusted (unbonded, new, or below the
 * trusted reputation) gets more verifiers: adaptive replication in the manner of BOINC; trusted nodes are still
 * audited by challenges at random.
 */
export interface TrustPolicy {
  tenureTasks: number;
  tenureFloor: number;
  bond: { required: boolean; minWei: bigint };
  trustedReputationBps: number;
  verifiers: { trusted: number; untrusted: number };
}

export function tenure(node: Pick<NodeRecord, "tasksValidated">, policy: TrustPolicy): number {
  if (policy.tenureTasks <= 0) return 1;
  return Math.max(policy.tenureFloor, Math.min(1, node.tasksValidated / policy.tenureTasks));
}

/** 0: may not verify (bonds required and this one is below the minimum); otherwise 1 … 2. */
export function bondFactor(bondWei: bigint, policy: TrustPolicy): number {
  if (!policy.bond.required) return 1;
  if (policy.bond.minWei <= 0n) return bondWei > 0n ? 1 : 0;
  if (bondWei < policy.bond.minWei) return 0;
  return Math.min(2, Number((bondWei * 1_000n) / policy.bond.minWei) / 1_000);
}

/** Weight when drawing a generator: every unbanned node with reputation gets work, newcomers less of it. */
export function generatorWeight(node: Pick<NodeRecord, "reputationBps" | "tasksValidated">, policy: TrustPolicy) {
  return (node.reputationBps / 10_000) * tenure(node, policy);
}

/** Weight as a verifier, in the draw and in the quorum: 0 for nodes that may not verify. */
export function verifierWeight(
  node: Pick<NodeRecord, "reputationBps" | "tasksValidated">,
  bondWei: bigint,
  policy: TrustPolicy,
): number {
  if (tenure(node, policy) < 1) return 0;
  return (node.reputationBps / 10_000) * bondFactor(bondWei, policy);
}

/** k: how many verifiers a claim by this generator gets. */
export function verifierCount(
  node: Pick<NodeRecord, "reputationBps" | "tasksValidated">,
  bondWei: bigint,
  policy: TrustPolicy,
): number {
  const trusted = verifierWeight(node, bondWei, policy) > 0 && node.reputationBps >= policy.trustedReputationBps;
  return trusted ? policy.verifiers.trusted : policy.verifiers.untrusted;
}
