import type { NodeState } from "@gitblock/sdk";
import type { Hex } from "viem";
import { EpochFileError } from "../settlement/epoch-file.ts";
import { EpochFileReader } from "./epoch-file-reader.ts";

/** An epoch as the vault records it (`getEpoch`), with its number. */
export interface OnChainEpoch {
  epoch: number;
  root: Hex;
  contentHash: Hex;
  cumulativeTotal: bigint;
  networkShare: bigint;
}

/** Every check the watcher makes; each names one way a proposal can be wrong. */
export type CheckName =
  /** The relayer did not publish the file within the grace period (the watcher decides this, not the check). */
  | "published"
  /** The file is not a canonical epoch file (format, order, leaf count). */
  | "format"
  /** The file's header is not the proposal (epoch, root, totals). */
  | "header"
  /** The file's bytes do not hash to the proposal's contentHash. */
  | "contentHash"
  /** The root rebuilt from the leaves is not the proposed root. */
  | "root"
  /** The leaves' amounts do not add up to the proposed cumulative total. */
  | "total"
  /** The leaves' increases over the previous final epoch do not add up to the declared emission. */
  | "emission"
  /** An account's cumulative amount, tasksValidated, tasksFailed or strikes is lower than in the previous final epoch. */
  | "backwards"
  /** An account of the previous final epoch has no leaf. */
  | "disappeared"
  /** The previous final epoch's file does not match that epoch on-chain, so nothing can be checked against it. */
  | "baseline";

export interface Finding {
  check: CheckName;
  detail: string;
}

export type Verdict = "pass" | "mismatch" | "unavailable";

export interface CheckResult {
  verdict: Verdict;
  /** What failed (mismatch), at most `EXAMPLES_PER_CHECK` per check plus a count of the rest. */
  findings: Finding[];
  /** Why the files could not be read (unavailable). */
  unavailable?: string;
  leaves?: number;
}

/** Where the watcher gets an epoch's file; throws (anything) when it cannot be had. */
export type OpenEpochFile = (epoch: number) => Promise<AsyncIterable<Uint8Array>>;

const EXAMPLES_PER_CHECK = 5;

/** Findings, with a bounded number of examples per check (a million bad leaves must not make a million lines). */
class Findings {
  readonly list: Finding[] = [];
  private readonly counts = new Map<CheckName, number>();

  add(check: CheckName, detail: string): void {
    const count = (this.counts.get(check) ?? 0) + 1;
    this.counts.set(check, count);
    if (count <= EXAMPLES_PER_CHECK) this.list.push({ check, detail });
  }

  all(): Finding[] {
    const more = [...this.counts].filter(([, count]) => count > EXAMPLES_PER_CHECK);
    return [
      ...this.list,
      ...more.map(([check, count]) => ({ check, detail: `and ${count - EXAMPLES_PER_CHECK} more` })),
    ];
  }
}

/** The counters a leaf may never lower: cumulative by construction in the relayer (see ./README.md). */
const MONOTONE = ["cumulativeAmount", "tasksValidated", "tasksFailed", "strikes"] as const;

function compareHeader(findings: Findings, file: EpochFileReader, expected: OnChainEpoch, check: CheckName): void {
  const h = file.header;
  const fields: Array<[string, unknown, unknown]> = [
    ["epoch", h.epoch, expected.epoch],
    ["root", h.root, expected.root.toLowerCase()],
    ["cumulativeTotal", h.cumulativeTotal, expected.cumulativeTotal],
    ["networkShare", h.networkShare, expected.networkShare],
  ];
  for (const [field, got, want] of fields) {
    if (got !== want) findings.add(check, `epoch ${expected.epoch}: the file's ${field} is ${got}, on-chain ${want}`);
  }
}

/**
 * Checks a proposal against its file and the previous final epoch's file (null for epoch 1: everything is new).
 * Both files are read side by side, once, in leaf order (a merge join on the account), so memory stays at the two
 * leaf layers however large the tree.
 *
 * `mismatch` when any check fails, including a file that is not canonical; `unavailable` when a file could not be
 * fetched or its transfer broke off (the caller retries, then acts once its grace period is over).
 */
export async function checkProposal(
  proposal: OnChainEpoch,
  previous: OnChainEpoch | null,
  open: OpenEpochFile,
): Promise<CheckResult> {
  const findings = new Findings();
  const opened: EpochFileReader[] = [];
  // Which file a format error belongs to: the proposal's is a `format` failure, the previous one's a `baseline` one.
  let reading: "proposal" | "baseline" = "proposal";
  try {
    const file = await EpochFileReader.open(await open(proposal.epoch));
    opened.push(file);
    let base: EpochFileReader | null = null;
    if (previous) {
      reading = "baseline";
      base = await EpochFileReader.open(await open(previous.epoch));
      opened.push(base);
      reading = "proposal";
    }
    compareHeader(findings, file, proposal, "header");
    if (base && previous) compareHeader(findings, base, previous, "baseline");

    const before = base?.leaves()[Symbol.asyncIterator]() ?? null;
    const nextBefore = async (): Promise<NodeState | null> => {
      if (!before) return null;
      reading = "baseline";
      const next = await before.next();
      reading = "proposal";
      return next.done ? null : next.value;
    };
    // Each leaf's growth over its previous final leaf (all of it for a new account); a vanished account counts as
    // a finding of its own, not here.
    let increase = 0n;
    let count = 0;
    let old = await nextBefore();
    for await (const leaf of file.leaves()) {
      count++;
      while (old && old.account < leaf.account) {
        findings.add("disappeared", `${old.account} (had ${old.cumulativeAmount}) has no leaf`);
        old = await nextBefore();
      }
      if (old && old.account === leaf.account) {
        for (const field of MONOTONE) {
          if (leaf[field] < old[field]) {
            findings.add("backwards", `${leaf.account}: ${field} ${old[field]} → ${leaf[field]}`);
          }
        }
        increase += leaf.cumulativeAmount - old.cumulativeAmount;
        old = await nextBefore();
      } else {
        increase += leaf.cumulativeAmount;
      }
    }
    while (old) {
      findings.add("disappeared", `${old.account} (had ${old.cumulativeAmount}) has no leaf`);
      old = await nextBefore();
    }

    const digest = await file.digest();
    if (digest.contentHash !== proposal.contentHash.toLowerCase()) {
      findings.add(
        "contentHash",
        `the file hashes to ${digest.contentHash}, the proposal says ${proposal.contentHash}`,
      );
    }
    if (digest.root !== proposal.root.toLowerCase()) {
      findings.add("root", `the leaves rebuild root ${digest.root}, the proposal says ${proposal.root}`);
    }
    if (digest.total !== proposal.cumulativeTotal) {
      findings.add("total", `the leaves add up to ${digest.total}, the proposal says ${proposal.cumulativeTotal}`);
    }
    if (base && previous) {
      const baseline = await base.digest();
      const committed = previous.contentHash.toLowerCase();
      // An epoch proposed before epoch files were published committed to its leaf layer instead: as binding.
      if (baseline.contentHash !== committed && baseline.leafLayerHash !== committed) {
        findings.add(
          "baseline",
          `epoch ${previous.epoch}'s file hashes to ${baseline.contentHash}, on-chain ${committed}`,
        );
      }
      if (baseline.root !== previous.root.toLowerCase()) {
        findings.add(
          "baseline",
          `epoch ${previous.epoch}'s leaves rebuild ${baseline.root}, on-chain ${previous.root}`,
        );
      }
    }
    // The increase has to be what finality lets claims pay out: cumulativeTotal − the previous final total.
    const declared = proposal.cumulativeTotal - (previous?.cumulativeTotal ?? 0n);
    if (increase !== declared) {
      findings.add("emission", `the leaves grew by ${increase} in all, the proposal declares ${declared}`);
    }
    const all = findings.all();
    return { verdict: all.length === 0 ? "pass" : "mismatch", findings: all, leaves: count };
  } catch (error) {
    return failure(error, reading, findings);
  } finally {
    // Stops a transfer left half-read (a format error in the other file, or a broken one).
    await Promise.all(opened.map((reader) => reader.close()));
  }
}

function failure(error: unknown, reading: "proposal" | "baseline", findings: Findings): CheckResult {
  if (error instanceof EpochFileError) {
    findings.add(reading === "proposal" ? "format" : "baseline", error.message);
    return { verdict: "mismatch", findings: findings.all() };
  }
  return { verdict: "unavailable", findings: [], unavailable: error instanceof Error ? error.message : String(error) };
}
