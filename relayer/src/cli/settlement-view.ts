import type { ProposalDiagnosis } from "../settlement/settler.ts";
import type { EpochRecord, Store } from "../store/types.ts";
import { gbt } from "./format.ts";

/** Where settlement stands: the oldest closed epoch not final yet (later ones wait behind it), or null. */
export async function waitingEpoch(store: Store): Promise<EpochRecord | null> {
  const epochs = await store.listEpochs(1_000);
  return epochs.filter((e) => e.status !== "open" && e.status !== "final").at(-1) ?? null;
}

/** The settlement state in a few words, for `status`. */
export function settlementLine(waiting: EpochRecord | null): string {
  if (!waiting) return "up to date";
  const carry = waiting.carryWei ? `, ${gbt(waiting.carryWei)} GBT carried by the emission cap` : "";
  if (waiting.proposalError) {
    return `STUCK at epoch ${waiting.epoch} (${waiting.status}): the vault refuses its proposal with ${waiting.proposalError}; see \`epoch resolve ${waiting.epoch} --check\``;
  }
  if (waiting.status === "vetoed")
    return `epoch ${waiting.epoch} vetoed; \`epoch resolve ${waiting.epoch}\` re-proposes it`;
  return `epoch ${waiting.epoch} ${waiting.status}${carry}`;
}

/** `epoch resolve`'s account of an epoch's proposal, as the vault sees it now. */
export function diagnosisLines(d: ProposalDiagnosis): string {
  return [
    `epoch     ${d.epoch} (${d.status})`,
    `vault     ${dryRun(d)}`,
    `emission  ${gbt(d.emission)} GBT; cap ${gbt(d.cap)} GBT, pool ${gbt(d.available)} GBT unowed`,
    `carried   ${gbt(d.carryWei)} GBT into the next epoch`,
  ].join("\n");
}

function dryRun(d: ProposalDiagnosis): string {
  if (d.status !== "built" && d.status !== "proposing" && d.status !== "vetoed")
    return `nothing to dry-run (${d.status})`;
  return d.refusal ? `refuses the proposal: ${d.refusal}` : "would accept the proposal";
}
