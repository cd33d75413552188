import type { Address, Hex } from "viem";
import { applyOutcome, type Outcome, votingWeight } from "../economics/reputation.ts";
import { taskReward } from "../economics/rewards.ts";
import {
  type AssignmentStatus,
  type LedgerEntry,
  NETWORK_ACCOUNT,
  type NodeRecord,
  type TaskJudgement,
  type TaskSnapshot,
} from "../store/types.ts";
import { weightedConsensus } from "./consensus.ts";

export interface JudgementParams {
  quorumBps: number;
  ratePerTokenWei: bigint;
  now: number;
}

/** What one node is told about a judged task. */
export interface NodeVerdict {
  node: Address;
  /** On the wire a failed challenge reads "wrong", so challenges stay indistinguishable. */
  outcome: "correct" | "wrong" | "timeout" | "inconclusive";
  internalOutcome: Outcome;
  rewardWei: bigint;
  reputationBps: number;
  strikes: number;
  bannedUntil: number | null;
  newlyBanned: boolean;
}

export interface Judgement extends TaskJudgement {
  verdicts: NodeVerdict[];
}

/**
 * The token count a validated task pays for. The same hash means the same token ids, so honest nodes report the
 * same count, but the relayer sees only the hash and cannot count the tokens itself: it takes the count reported
 * by the most agreeing voting weight (a tie goes to the smaller count), so one agreeing node cannot zero everyone's
 * pay (as the minimum let it) nor raise it (as the maximum would), and never more than the task's `maxTokens`.
 */
export function paidTokenCount(reports: ReadonlyArray<{ tokens: number; weight: number }>, maxTokens: number): number {
  const weightByCount = new Map<number, number>();
  for (const { tokens, weight } of reports) {
    const count = Math.max(0, Math.min(Math.trunc(tokens), maxTokens));
    weightByCount.set(count, (weightByCount.get(count) ?? 0) + weight);
  }
  let best: { count: number; weight: number } | null = null;
  for (const [count, weight] of weightByCount) {
    if (!best || weight > best.weight || (weight === best.weight && count < best.count)) best = { count, weight };
  }
  return best?.count ?? 0;
}

const ASSIGNMENT_STATUS: Record<Outcome, AssignmentStatus> = {
  correct: "correct",
  wrong: "wrong",
  failed_challenge: "wrong",
  timeout: "timeout",
  inconclusive: "inconclusive",
};

/**
 * Judges a task from its snapshot: pure, so it is unit-tested alone and runs inside the store's
 * transaction. Ordinary tasks: weighted consensus over every assigned node. Known-answer challenges: each result is
 * compared with the known answer. Correct nodes earn tokens × rate (75% node, 25% network, +10% bonus on the node's
 * share above 70% reputation, judged on the reputation the node had when it answered).
 */
export function judgeTask(snapshot: TaskSnapshot, params: JudgementParams): Judgement {
  const { task, assignments, nodes, openEpoch } = snapshot;
  const node = (address: string): NodeRecord => {
    const record = nodes.get(address);
    if (!record) throw new Error(`judgement snapshot lacks node ${address}`);
    return record;
  };

  let reference: Hex | null;
  let status: TaskJudgement["task"]["status"];
  if (task.kind === "challenge" && task.expectedHash) {
    reference = task.expectedHash.toLowerCase() as Hex;
    status = "validated";
  } else {
    const consensus = weightedConsensus(
      assignments.map((a) => ({
        node: a.node,
        outputHash: a.status === "submitted" ? a.outputHash : null,
        weight: votingWeight(node(a.node)),
      })),
      params.quorumBps,
    );
    reference = consensus.kind === "agreed" ? consensus.outputHash : null;
    status = consensus.kind === "agreed" ? "validated" : "inconclusive";
  }

  const outcomes = assignments.map((a): { a: typeof a; outcome: Outcome } => {
    if (a.status !== "submitted" || a.outputHash === null) return { a, outcome: "timeout" };
    if (reference === null) return { a, outcome: "inconclusive" };
    if (a.outputHash.toLowerCase() === reference) return { a, outcome: "correct" };
    return { a, outcome: task.kind === "challenge" ? "failed_challenge" : "wrong" };
  });
  const correct = outcomes.filter((o) => o.outcome === "correct");
  if (task.kind === "challenge" && correct.length === 0) status = "rejected";
  const tokensGenerated =
    correct.length > 0
      ? paidTokenCount(
          correct.map((o) => ({ tokens: o.a.tokensGenerated ?? 0, weight: votingWeight(node(o.a.node)) })),
          task.maxTokens,
        )
      : null;

  const ledger: LedgerEntry[] = [];
  const updatedNodes: NodeRecord[] = [];
  const verdicts: NodeVerdict[] = [];
  const assignmentUpdates: TaskJudgement["assignments"] = [];
  let networkWei = 0n;
  for (const { a, outcome } of outcomes) {
    const before = node(a.node);
    let after = applyOutcome(before, outcome, params.now);
    let rewardWei = 0n;
    if (outcome === "correct" && tokensGenerated !== null) {
      const reward = taskReward(tokensGenerated, params.ratePerTokenWei, before.reputationBps);
      rewardWei = reward.node + reward.bonus;
      // One ledger row per credited node (its share plus bonus) and one for the network's share of the task.
      if (rewardWei > 0n) {
        ledger.push({
          epoch: openEpoch,
          createdAt: params.now,
          account: a.node,
          kind: "task",
          ref: task.id,
          amountWei: rewardWei,
          bonusWei: reward.bonus,
        });
      }
      networkWei += reward.network;
      after = { ...after, confirmedWei: after.confirmedWei + rewardWei };
    }
    updatedNodes.push(after);
    assignmentUpdates.push({ node: a.node, status: ASSIGNMENT_STATUS[outcome], rewardWei });
    verdicts.push({
      node: a.node,
      outcome: outcome === "failed_challenge" ? "wrong" : outcome,
      internalOutcome: outcome,
      rewardWei,
      reputationBps: after.reputationBps,
      strikes: after.strikes,
      bannedUntil: after.bannedUntil,
      newlyBanned: after.bannedUntil !== before.bannedUntil && after.bannedUntil !== null,
    });
  }

  if (networkWei > 0n) {
    ledger.push({
      epoch: openEpoch,
      createdAt: params.now,
      account: NETWORK_ACCOUNT,
      kind: "network",
      ref: task.id,
      amountWei: networkWei,
      bonusWei: 0n,
    });
  }

  return {
    task: {
      status,
      outputHash: reference,
      tokensGenerated,
      judgedAt: params.now,
      epoch: status === "validated" ? openEpoch : null,
    },
    assignments: assignmentUpdates,
    nodes: updatedNodes,
    ledger,
    verdicts,
  };
}
