// What `gitblock-node calibrate` prints: the measurement as a table, and the relayer config entry
// (`verification.models`) that stores δ together with the measurement that produced it.
import type { AgreementMeasurement, PairingMeasurement } from "./measure.ts";

/** The relayer's `verification.models` entry for the measured model. */
export type CalibrationConfig = Record<string, { delta: number; calibration: CalibrationEvidence }>;

/** The measurement, without per-task rows: what the relayer keeps as evidence for δ. */
export interface CalibrationEvidence {
  tool: "gitblock-node calibrate";
  measuredAt: string;
  generator: string;
  prompts: number;
  maxTokens: number;
  allowedNonTop1: number;
  deltaBasis: AgreementMeasurement["deltaBasis"];
  costRatio: number;
  pairings: Array<
    Pick<PairingMeasurement, "name" | "honest" | "disagreement" | "passRate"> & {
      nonTop1Max: number;
      nonTop1: string;
      maxGap: number;
      p99Gap: number;
      medianGap: number;
      maxDrift: number;
    }
  >;
}

const round = (value: number, digits = 6) => Number(value.toFixed(digits));

export function calibrationConfig(measurement: AgreementMeasurement): CalibrationConfig {
  const m = measurement;
  return {
    [m.model]: {
      delta: m.delta,
      calibration: {
        tool: "gitblock-node calibrate",
        measuredAt: m.measuredAt,
        generator: m.generator,
        prompts: m.prompts,
        maxTokens: m.maxTokens,
        allowedNonTop1: m.allowedNonTop1,
        deltaBasis: {
          ...m.deltaBasis,
          largestHonestGap: round(m.deltaBasis.largestHonestGap),
          largestHonestDrift: round(m.deltaBasis.largestHonestDrift),
        },
        costRatio: round(m.costRatio, 3),
        pairings: m.pairings.map((p) => ({
          name: p.name,
          honest: p.honest,
          disagreement: round(p.disagreement, 4),
          passRate: round(p.passRate, 4),
          nonTop1Max: p.nonTop1.max,
          nonTop1: `${p.nonTop1.total}/${p.nonTop1.scored}`,
          maxGap: round(p.gaps.max),
          p99Gap: round(p.gaps.p99),
          medianGap: round(p.gaps.median),
          maxDrift: round(p.drift.max),
        })),
      },
    },
  };
}

const gap = (value: number) => (value === 0 ? "0" : value >= 10 ? value.toFixed(1) : value.toFixed(4));

/** The measurement as a plain-text table, then how δ and the cost ratio came out. */
export function formatAgreementTable(measurement: AgreementMeasurement): string {
  const m = measurement;
  const tasks = m.prompts;
  const header = [
    "pairing",
    "honest",
    "p (ids differ)",
    "non-top-1 (max/task)",
    "gap max",
    "p99",
    "median",
    "drift max",
    "pass at δ",
    "score ms",
  ];
  const rows = m.pairings.map((p) => [
    p.name,
    p.honest ? "yes" : "no",
    `${Math.round(p.disagreement * tasks)}/${tasks}`,
    `${p.nonTop1.total}/${p.nonTop1.scored} (${p.nonTop1.max})`,
    gap(p.gaps.max),
    gap(p.gaps.p99),
    gap(p.gaps.median),
    gap(p.drift.max),
    `${Math.round(p.passRate * tasks)}/${tasks}`,
    p.medianScoreMs.toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] as number))
      .join("  ")
      .trimEnd();
  const b = m.deltaBasis;
  const bound = Math.max(b.largestHonestGap, b.largestHonestDrift);
  return [
    `model ${m.model}: ${m.prompts} prompts × up to ${m.maxTokens} tokens (generated ${m.referenceTokens.join(", ")}); generator ${m.generator}`,
    "",
    line(header),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map(line),
    "",
    `gaps: at the non-top-1 positions (nats); drift: how far a pairing moves lp(competitor) − lp(claimed) from the generator's own scores`,
    `recommended δ = ${m.delta} nats: max(floor ${b.floor}, ${b.safetyFactor} × largest honest gap or drift ${gap(bound)}) — set by the ${b.setBy === "floor" ? "floor" : "measurement"}`,
    `M = ${m.allowedNonTop1} non-top-1 positions at ${m.maxTokens} tokens`,
    `verification cost: ${m.costRatio.toFixed(2)} generations (median score ${m.medianScoreMs.toFixed(1)} ms / median generate ${m.medianGenerateMs.toFixed(1)} ms)`,
  ].join("\n");
}
