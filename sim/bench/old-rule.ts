// The rule the staged verification replaced, for comparison on the same fleet: R nodes generate the same task and
// exact output hashes vote, weighted by reputation; the hash holding ≥ 66% of the voting weight wins and every node
// that answered otherwise is wrong (−5 and a strike); a known-answer challenge compares each answer with the answer
// registered for it (−15 and a strike). Taken from relayer/src/verification/consensus.ts and judge-task.ts as they
// were before the change (git show 0e90ff0:relayer/src/verification/consensus.ts), reduced to the decision.
import type { Outcome } from "./relayer-rules.ts";

export interface OldVote {
  node: string;
  /** The answer's identity (its token ids, as the hash would be); null: no answer before the deadline. */
  answer: string | null;
  tokens: number;
  /** Voting weight: the node's reputation in bps. */
  weight: number;
}

export interface OldDecision {
  status: "validated" | "inconclusive" | "rejected";
  agreed: string | null;
  /** Tokens paid to every correct node: the count the most agreeing weight reported, capped at max tokens. */
  tokens: number | null;
  outcomes: Map<string, Outcome>;
}

/** Weighted consensus (silent nodes count in the total), or the known answer for a challenge. */
export function judgeOldRule(
  votes: readonly OldVote[],
  options: { quorumBps: number; maxTokens: number; knownAnswer: string | null },
): OldDecision {
  let reference: string | null;
  let status: OldDecision["status"];
  if (options.knownAnswer !== null) {
    reference = options.knownAnswer;
    status = "validated";
  } else {
    const total = votes.reduce((sum, v) => sum + v.weight, 0);
    const byAnswer = new Map<string, number>();
    for (const v of votes) if (v.answer !== null) byAnswer.set(v.answer, (byAnswer.get(v.answer) ?? 0) + v.weight);
    let leading: string | null = null;
    let leadingWeight = 0;
    for (const [answer, weight] of byAnswer) {
      if (weight > leadingWeight) {
        leading = answer;
        leadingWeight = weight;
      }
    }
    const agreed = leading !== null && total > 0 && leadingWeight * 10_000 >= options.quorumBps * total;
    reference = agreed ? leading : null;
    status = agreed ? "validated" : "inconclusive";
  }
  const outcomes = new Map<string, Outcome>();
  for (const v of votes) {
    let outcome: Outcome;
    if (v.answer === null) outcome = "timeout";
    else if (reference === null) outcome = "inconclusive";
    else if (v.answer === reference) outcome = "correct";
    else outcome = options.knownAnswer !== null ? "failed_challenge" : "wrong";
    outcomes.set(v.node, outcome);
  }
  const correct = votes.filter((v) => outcomes.get(v.node) === "correct");
  if (options.knownAnswer !== null && correct.length === 0) status = "rejected";
  let tokens: number | null = null;
  if (correct.length > 0) {
    // paidTokenCount: the count reported by the most agreeing weight (ties to the smaller), never above max tokens.
    const byCount = new Map<number, number>();
    for (const v of correct) {
      const count = Math.max(0, Math.min(v.tokens, options.maxTokens));
      byCount.set(count, (byCount.get(count) ?? 0) + v.weight);
    }
    let best: { count: number; weight: number } | null = null;
    for (const [count, weight] of byCount) {
      if (!best || weight > best.weight || (weight === best.weight && count < best.count)) best = { count, weight };
    }
    tokens = best?.count ?? 0;
  }
  return { status, agreed: reference, tokens, outcomes };
}
