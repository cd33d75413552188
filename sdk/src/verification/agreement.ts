/**
 * The agreement rule: how a verifier decides, from its own teacher-forced scores of a generator's claimed tokens,
 * whether the claim is what an honest node on other hardware could have produced.
 *
 * A claimed token passes when it is the verifier's top-1 or its log-probability is within `delta` of the top-1's
 * (honest rounding across GPUs, kernels and batch sizes moves near-ties, not clear choices). At most
 * `allowedNonTop1(n)` = max(2, ⌈2% of n⌉) claimed tokens may be non-top-1 at all, so a steerer cannot replace many
 * tokens by near-ties. An early end of sequence (a claim shorter than max tokens) is one more position, tested the
 * same way. `delta` belongs to a model artifact and is calibrated from measured cross-engine gaps (relayer config).
 *
 * The same function judges in real verifiers (the node SDK), in simulated ones (the fleet simulator and the integrity
 * benchmark) and, from a report's `nonTop1` and `maxGap`, in the relayer's dispute tier (`passesAt`).
 */
import type { TokenScore, TokenScores } from "../engines/engine.ts";

export interface AgreementRule {
  /** Largest accepted log-probability gap to the verifier's top-1 (nats). */
  delta: number;
  /** Share of positions that may be non-top-1 (default 0.02) … */
  nonTop1Share?: number;
  /** … but never fewer than this many (default 2). */
  minNonTop1?: number;
}

/** What a verifier reports about a claim (the `report` frame carries it, signed). */
export interface AgreementReport {
  pass: boolean;
  /** First position (0-based; the end-of-sequence check is position `tokens.length`) that fails the rule, if any. */
  firstFailingPosition: number | null;
  /** Positions whose claimed token is not the verifier's top-1 (end of sequence included). */
  nonTop1: number;
  /** Largest gap over every scored position (0 when all are top-1). */
  maxGap: number;
  /** Positions scored: the claimed tokens, plus one for an early end of sequence. */
  scored: number;
}

/** M: how many scored positions may be non-top-1. */
export function allowedNonTop1(scored: number, rule: Pick<AgreementRule, "nonTop1Share" | "minNonTop1">): number {
  return Math.max(rule.minNonTop1 ?? 2, Math.ceil((rule.nonTop1Share ?? 0.02) * scored));
}

/** Applies the rule to a verifier's scores of a claim. */
export function judgeScores(scores: Pick<TokenScores, "tokens" | "end">, rule: AgreementRule): AgreementReport {
  const positions: TokenScore[] = scores.end ? [...scores.tokens, scores.end] : scores.tokens;
  const allowed = allowedNonTop1(positions.length, rule);
  let nonTop1 = 0;
  let maxGap = 0;
  let firstFailingPosition: number | null = null;
  positions.forEach((score, position) => {
    const gap = score.top1 ? 0 : Math.max(0, score.gap);
    if (!score.top1) nonTop1++;
    if (gap > maxGap) maxGap = gap;
    if (firstFailingPosition === null && (gap > rule.delta || nonTop1 > allowed)) firstFailingPosition = position;
  });
  return { pass: firstFailingPosition === null, firstFailingPosition, nonTop1, maxGap, scored: positions.length };
}

/**
 * Whether a report's figures pass the rule at `delta` (the dispute tier reads a reference verifier's report at δ and
 * at 2δ): the same decision `judgeScores` makes, from the two numbers it depends on.
 */
export function passesAt(report: Pick<AgreementReport, "nonTop1" | "maxGap" | "scored">, rule: AgreementRule): boolean {
  return report.maxGap <= rule.delta && report.nonTop1 <= allowedNonTop1(report.scored, rule);
}
