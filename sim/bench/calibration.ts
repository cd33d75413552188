// Calibration for the integrity bench: the class noise that gives a fleet a target honest disagreement p, and the δ
// that fleet's measured honest cross-class gaps call for — computed the way `gitblock-node calibrate` computes it
// (node/src/calibration/measure.ts): δ = max(0.05, 2 × max(largest honest gap, largest honest margin drift)).
import type { TokenScore } from "@gitblock/sdk";
import {
  type HardwareClass,
  honestTokens,
  type SimulationMemo,
  simulatedScores,
} from "@gitblock/sdk/engines/simulation";
import { hardwareClasses, referenceHardware } from "./network.ts";

export interface CalibrationTask {
  model: string;
  input: string;
  maxTokens: number;
}

const calibrationTasks = (model: string, maxTokens: number, count: number, salt: string): CalibrationTask[] =>
  Array.from({ length: count }, (_, i) => ({ model, input: `calibration ${salt} ${i}`, maxTokens }));

/** Mean over every pair of distinct classes of the share of tasks on which their greedy ids differ. */
export function measureDisagreement(classes: readonly HardwareClass[], tasks: readonly CalibrationTask[]): number {
  let differing = 0;
  let pairs = 0;
  for (const task of tasks) {
    const outputs = classes.map((c) => honestTokens(task, c).join(","));
    for (let a = 0; a < outputs.length; a++) {
      for (let b = a + 1; b < outputs.length; b++) {
        pairs++;
        if (outputs[a] !== outputs[b]) differing++;
      }
    }
  }
  return pairs > 0 ? differing / pairs : 0;
}

/** The class noise (nats) whose fleet disagrees on `target` of the tasks: bisection in log scale. */
export function noiseFor(
  target: number,
  options: { classes: number; model: string; maxTokens: number; tasks: number },
): { noise: number; measured: number } {
  if (target <= 0) return { noise: 0, measured: 0 };
  const tasks = calibrationTasks(options.model, options.maxTokens, options.tasks, "noise");
  const at = (noise: number) => measureDisagreement(hardwareClasses(options.classes, noise), tasks);
  let lo = Math.log(target / 200);
  let hi = Math.log(target / 2);
  let best = { noise: Math.exp(hi), measured: at(Math.exp(hi)) };
  for (let i = 0; i < 14; i++) {
    const mid = (lo + hi) / 2;
    const measured = at(Math.exp(mid));
    if (Math.abs(measured - target) < Math.abs(best.measured - target)) best = { noise: Math.exp(mid), measured };
    if (measured < target) lo = mid;
    else hi = mid;
  }
  return best;
}

export interface DeltaCalibration {
  delta: number;
  largestGap: number;
  largestDrift: number;
  /** Non-top-1 positions seen (where a gap was measured) and positions scored. */
  gapPositions: number;
  positions: number;
  setBy: "floor" | "measured";
}

const positionsOf = (s: { tokens: TokenScore[]; end?: TokenScore }) => (s.end ? [...s.tokens, s.end] : s.tokens);

/** The margin drift at a position (measure.ts `marginDrift`): how far the verifier moved lp(x) − lp(claimed). */
function marginDrift(verifier: TokenScore, reference: TokenScore): number {
  const before = new Map((reference.top ?? []).map((t) => [t.tokenId, t.logprob]));
  const claimedShift = verifier.logprob - reference.logprob;
  let drift = 0;
  for (const competitor of verifier.top ?? []) {
    if (competitor.tokenId === verifier.tokenId) continue;
    const was = before.get(competitor.tokenId);
    if (was === undefined) continue;
    drift = Math.max(drift, Math.abs(competitor.logprob - was - claimedShift));
  }
  return drift;
}

/**
 * δ for a fleet of `classes` hardware classes plus the reference verifiers' class: every ordered pair generates and
 * scores calibration tasks (teacher-forced, top-4), as a calibration over those machines would.
 */
export function calibrateDelta(
  noise: number,
  options: { classes: number; model: string; maxTokens: number; tasks: number; memo?: SimulationMemo },
): DeltaCalibration {
  const classes = [...hardwareClasses(options.classes, noise), referenceHardware(noise)];
  const tasks = calibrationTasks(options.model, options.maxTokens, options.tasks, "delta");
  let largestGap = 0;
  let largestDrift = 0;
  let gapPositions = 0;
  let positions = 0;
  for (const task of tasks) {
    for (const generator of classes) {
      const tokenIds = honestTokens(task, generator, options.memo);
      const own = positionsOf(simulatedScores({ ...task, tokenIds, topK: 4 }, generator));
      for (const verifier of classes) {
        if (verifier === generator) continue;
        const seen = positionsOf(simulatedScores({ ...task, tokenIds, topK: 4 }, verifier));
        seen.forEach((p, i) => {
          positions++;
          if (!p.top1) {
            gapPositions++;
            largestGap = Math.max(largestGap, p.gap);
          }
          largestDrift = Math.max(largestDrift, marginDrift(p, own[i] as TokenScore));
        });
      }
    }
  }
  const measured = 2 * Math.max(largestGap, largestDrift);
  const floor = 0.05;
  return {
    delta: Math.ceil(Math.max(floor, measured) * 1e4) / 1e4,
    largestGap,
    largestDrift,
    gapPositions,
    positions,
    setBy: measured > floor ? "measured" : "floor",
  };
}
