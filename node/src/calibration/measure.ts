// Calibration of the agreement rule for one model artifact: how far apart honest engines are, measured.
//
// One configuration (the generator) generates every task greedily: the reference output. Each pairing generates the
// same task too (does its output differ? that is the honest disagreement p an exact-hash vote would strike) and
// scores the reference output teacher-forced (the verifier's pass). The generator also scores its own output: the
// floor of the noise, and the score time the verification cost ratio is taken from.
//
// What δ is built from, and why:
// - A verifier's gap on an honest claim is non-zero only where rounding flipped a near-tie: the generator's top-1 c
//   and another token t with lp_G(c) ≥ lp_G(t), while lp_V(t) > lp_V(c). Then gap_V = lp_V(t) − lp_V(c) ≤
//   (lp_V(t) − lp_G(t)) − (lp_V(c) − lp_G(c)): the gap is bounded by how much the two engines move the *difference*
//   between the claimed token and a competitor (the margin drift). A flip is rare (a few per thousand positions on
//   the fixture), so the largest gap measured is a poor sample of its own tail; the margin drift is measured at
//   every position (over the competitors in both engines' top-K) and bounds every gap a flip could produce.
// - recommended δ = max(floor, safetyFactor × max(largest honest gap, largest honest margin drift)). The factor
//   (default 2) covers hardware the measurement did not include: a maximum over a few hundred positions on a few
//   configurations understates the next machine's. The floor (default 0.05 nats, the relayer's `defaultDelta`)
//   keeps δ above zero when every measured configuration is bit-identical (thread and batch changes on one CPU
//   often are): δ = 0 would strike the first honest GPU whose rounding flips a near-tie.
// - δ stays far below what a substituted model shows (gaps of whole nats), which the optional dishonest pairings
//   measure: the report says whether the rule at δ rejects every one of their tasks.
import type { AgreementRule, Engine, ScoreRequest, TokenScore, TokenScores } from "@gitblock/sdk";
import { allowedNonTop1, judgeScores } from "@gitblock/sdk";

/** An engine that can verify: generate and score teacher-forced. */
export type ScoringEngine = Engine & { score: (request: ScoreRequest, signal?: AbortSignal) => Promise<TokenScores> };

export interface CalibrationConfiguration {
  /** Shown in the table, e.g. "threads 2" or "Q8_0 artifact". */
  name: string;
  engine: ScoringEngine;
  /** false: a control that must fail (another model); it never enters δ. Default true. */
  honest?: boolean;
}

export interface MeasureAgreementOptions {
  /** The model id the tasks name; every engine must serve it. */
  model: string;
  prompts: readonly string[];
  maxTokens: number;
  /** The tasks' seed (greedy decoding does not use it; it is part of a task). Default 1. */
  seed?: number;
  /** Generates the reference output of every task, and scores it itself. */
  generator: CalibrationConfiguration;
  /** Other configurations: each generates the task and scores the reference output. The generator's own row, named
   * "self (the generator)", comes first in the result. */
  pairings: readonly CalibrationConfiguration[];
  /** Competitors per position the margin drift looks at (default 4). */
  topK?: number;
  /** δ = max(floor, safetyFactor × largest honest bound); defaults 2 and 0.05 (see the top of this file). */
  safetyFactor?: number;
  floor?: number;
  /** M's parameters (defaults: the agreement rule's, 2% and at least 2). */
  rule?: Pick<AgreementRule, "nonTop1Share" | "minNonTop1">;
}

/** max, 99th percentile and median of a set of values (0 for an empty set). */
export interface Spread {
  max: number;
  p99: number;
  median: number;
}

export interface TaskMeasurement {
  prompt: number;
  /** Whether the pairing's own greedy output equals the reference's. */
  sameOutput: boolean;
  /** Scored positions (claimed tokens, plus the end when the reference stopped early), non-top-1 among them. */
  scored: number;
  nonTop1: number;
  maxGap: number;
  /** Largest margin drift against the reference's own scores at any position of this task. */
  maxDrift: number;
  /** judgeScores at the recommended δ. */
  pass: boolean;
  generateMs: number;
  scoreMs: number;
}

export interface PairingMeasurement {
  name: string;
  honest: boolean;
  /** Share of tasks whose own greedy token ids differ from the reference's: honest disagreement p. */
  disagreement: number;
  /** histogram[k] = tasks with k non-top-1 positions under teacher forcing; max = the largest k. */
  nonTop1: { histogram: number[]; max: number; total: number; scored: number };
  /** Gaps at the non-top-1 positions (top-1 positions have none). `positions`: how many there were. */
  gaps: Spread & { positions: number };
  /** Margin drift against the reference's own scores, over every scored position. */
  drift: Spread;
  /** Share of tasks the rule passes at the recommended δ (honest: should be 1; a control: 0). */
  passRate: number;
  /** The smallest per-task largest gap: a control is separated when this exceeds δ on every task. */
  minTaskMaxGap: number;
  medianGenerateMs: number;
  medianScoreMs: number;
  tasks: TaskMeasurement[];
}

export interface AgreementMeasurement {
  model: string;
  /** The generator's configuration name. */
  generator: string;
  /** When the measurement ran (ISO 8601). */
  measuredAt: string;
  prompts: number;
  maxTokens: number;
  /** Tokens the reference generated per task (shorter than maxTokens where it ended early). */
  referenceTokens: number[];
  /** M at maxTokens scored positions. */
  allowedNonTop1: number;
  pairings: PairingMeasurement[];
  delta: number;
  deltaBasis: {
    largestHonestGap: number;
    largestHonestDrift: number;
    safetyFactor: number;
    floor: number;
    /** "floor" when the floor set δ, "measured" when the safety factor × the largest bound did. */
    setBy: "floor" | "measured";
  };
  /** median(score time) / median(generate time) of the generator on the same tasks: verification in generations. */
  costRatio: number;
  medianGenerateMs: number;
  medianScoreMs: number;
}

export function spread(values: readonly number[]): Spread {
  if (values.length === 0) return { max: 0, p99: 0, median: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
  const mid = sorted.length / 2;
  const median =
    sorted.length % 2
      ? (sorted[Math.floor(mid)] as number)
      : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { max: sorted[sorted.length - 1] as number, p99: at(0.99), median };
}

const median = (values: readonly number[]) => spread(values).median;

/** The largest value, 0 for none (without spreading: a long calibration has more positions than arguments fit). */
const maxOf = (values: readonly number[]) => values.reduce((m, v) => Math.max(m, v), 0);

/** Every scored position, the end of sequence included. */
const positionsOf = (scores: TokenScores): TokenScore[] =>
  scores.end ? [...scores.tokens, scores.end] : scores.tokens;

/**
 * The margin drift at one position: for every competitor x in both engines' top-K, how much the verifier moved
 * lp(x) − lp(claimed) away from the reference's value. Bounds the gap a near-tie flip can produce here.
 */
function marginDrift(verifier: TokenScore, reference: TokenScore): number {
  const referenceLogprobs = new Map((reference.top ?? []).map((t) => [t.tokenId, t.logprob]));
  const claimedShift = verifier.logprob - reference.logprob;
  let drift = 0;
  for (const competitor of verifier.top ?? []) {
    if (competitor.tokenId === verifier.tokenId) continue;
    const before = referenceLogprobs.get(competitor.tokenId);
    if (before === undefined) continue;
    drift = Math.max(drift, Math.abs(competitor.logprob - before - claimedShift));
  }
  return drift;
}

const roundUp = (value: number) => Math.ceil(value * 1e4) / 1e4;

/** One pairing's scores of one task, before the rule is applied. */
interface ScoredTask {
  prompt: number;
  sameOutput: boolean;
  scores: TokenScores;
  positions: TokenScore[];
  drifts: number[];
  generateMs: number;
  scoreMs: number;
}

/** Measures how far honest configurations are from the generator on `prompts`, and recommends δ from it. */
export async function measureAgreement(options: MeasureAgreementOptions): Promise<AgreementMeasurement> {
  const { model, prompts, maxTokens } = options;
  if (prompts.length === 0) throw new Error("calibration needs at least one prompt");
  const seed = options.seed ?? 1;
  const topK = options.topK ?? 4;
  const safetyFactor = options.safetyFactor ?? 2;
  const floor = options.floor ?? 0.05;
  const task = (input: string) => ({ model, input, maxTokens, seed });
  const configurations = [
    { ...options.generator, name: "self (the generator)", self: true },
    ...options.pairings.map((p) => ({ ...p, self: false })),
  ];

  // One throwaway task per engine first: the first evaluation of a fresh context pays for allocations, not inference.
  for (const { engine } of [options.generator, ...options.pairings]) {
    const warm = await engine.generate(task(prompts[0] as string));
    await engine.score({ model, input: prompts[0] as string, tokenIds: warm.tokenIds, maxTokens, topK });
  }

  const references: Array<{ tokenIds: number[]; generateMs: number; scores: TokenScores }> = [];
  for (const input of prompts) {
    const generated = await options.generator.engine.generate(task(input));
    const request = { model, input, tokenIds: generated.tokenIds, maxTokens, topK };
    const scores = await options.generator.engine.score(request);
    references.push({ tokenIds: generated.tokenIds, generateMs: generated.timings.inferenceMs, scores });
  }

  const raw: Array<{ configuration: CalibrationConfiguration; tasks: ScoredTask[] }> = [];
  for (const configuration of configurations) {
    const { self } = configuration;
    const tasks: ScoredTask[] = [];
    for (const [i, input] of prompts.entries()) {
      const reference = references[i] as (typeof references)[number];
      const own = self
        ? { tokenIds: reference.tokenIds, timings: { inferenceMs: reference.generateMs } }
        : await configuration.engine.generate(task(input));
      const scores = self
        ? reference.scores
        : await configuration.engine.score({ model, input, tokenIds: reference.tokenIds, maxTokens, topK });
      const referencePositions = positionsOf(reference.scores);
      const positions = positionsOf(scores);
      const drifts = positions.map((p, j) => marginDrift(p, referencePositions[j] as TokenScore));
      tasks.push({
        prompt: i,
        sameOutput: own.tokenIds.join() === reference.tokenIds.join(),
        scores,
        positions,
        drifts,
        generateMs: own.timings.inferenceMs,
        scoreMs: scores.timings.inferenceMs,
      });
    }
    raw.push({ configuration, tasks });
  }

  const honest = raw.filter((r) => r.configuration.honest !== false);
  const gapsOf = (r: { tasks: ScoredTask[] }) =>
    r.tasks.flatMap((t) => t.positions.filter((p) => !p.top1).map((p) => Math.max(0, p.gap)));
  const largestHonestGap = maxOf(honest.flatMap(gapsOf));
  const largestHonestDrift = maxOf(honest.flatMap((r) => r.tasks.flatMap((t) => t.drifts)));
  const measured = safetyFactor * Math.max(largestHonestGap, largestHonestDrift);
  const delta = roundUp(Math.max(floor, measured));
  const rule: AgreementRule = { delta, ...options.rule };

  const pairings: PairingMeasurement[] = raw.map(({ configuration, tasks }) => {
    const judged: TaskMeasurement[] = tasks.map((t) => {
      const report = judgeScores(t.scores, rule);
      return {
        prompt: t.prompt,
        sameOutput: t.sameOutput,
        scored: report.scored,
        nonTop1: report.nonTop1,
        maxGap: report.maxGap,
        maxDrift: maxOf(t.drifts),
        pass: report.pass,
        generateMs: t.generateMs,
        scoreMs: t.scoreMs,
      };
    });
    const histogram: number[] = [];
    for (const t of judged) {
      while (histogram.length <= t.nonTop1) histogram.push(0);
      histogram[t.nonTop1] = (histogram[t.nonTop1] as number) + 1;
    }
    const gaps = gapsOf({ tasks });
    return {
      name: configuration.name,
      honest: configuration.honest !== false,
      disagreement: judged.filter((t) => !t.sameOutput).length / judged.length,
      nonTop1: {
        histogram,
        max: histogram.length - 1,
        total: judged.reduce((n, t) => n + t.nonTop1, 0),
        scored: judged.reduce((n, t) => n + t.scored, 0),
      },
      gaps: { ...spread(gaps), positions: gaps.length },
      drift: spread(tasks.flatMap((t) => t.drifts)),
      passRate: judged.filter((t) => t.pass).length / judged.length,
      minTaskMaxGap: Math.min(...judged.map((t) => t.maxGap)),
      medianGenerateMs: median(judged.map((t) => t.generateMs)),
      medianScoreMs: median(judged.map((t) => t.scoreMs)),
      tasks: judged,
    };
  });

  const medianGenerateMs = median(references.map((r) => r.generateMs));
  const medianScoreMs = median(references.map((r) => r.scores.timings.inferenceMs));
  return {
    model,
    generator: options.generator.name,
    measuredAt: new Date().toISOString(),
    prompts: prompts.length,
    maxTokens,
    referenceTokens: references.map((r) => r.tokenIds.length),
    allowedNonTop1: allowedNonTop1(maxTokens, options.rule ?? {}),
    pairings,
    delta,
    deltaBasis: {
      largestHonestGap,
      largestHonestDrift,
      safetyFactor,
      floor,
      setBy: measured > floor ? "measured" : "floor",
    },
    costRatio: medianGenerateMs > 0 ? medianScoreMs / medianGenerateMs : Number.NaN,
    medianGenerateMs,
    medianScoreMs,
  };
}
