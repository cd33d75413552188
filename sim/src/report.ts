import { formatEther } from "viem";
import type { FleetProgress, FleetReport } from "./fleet.ts";

const pct = (share: number) => `${(share * 100).toFixed(share > 0 && share < 0.01 ? 3 : 1)}%`;
const gbt = (wei: bigint) => `${Number(formatEther(wei)).toFixed(4)} GBT`;

export function formatProgress(p: FleetProgress): string {
  return `[${(p.elapsedMs / 1000).toFixed(1)} s] settled ${p.settled} (jobs submitted ${p.submitted}) · validated ${p.validated} · accepted-wrong ${p.acceptedWrong} · bans ${p.bans} · credited ${gbt(p.creditedWei)}`;
}

export function formatReport(r: FleetReport): string {
  const mix = Object.entries(r.mix)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(", ");
  const bans = Object.entries(r.bansByBehaviour)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(", ");
  const rows: Array<[string, string]> = [
    ["nodes", `${r.nodes} (${mix})`],
    ["jobs submitted", String(r.submitted)],
    ["tasks (incl. hidden challenges)", String(r.tasks)],
    ["validated", String(r.validated)],
    ["inconclusive", String(r.inconclusive)],
    ["rejected (claims proven wrong)", String(r.rejected)],
    ["revoked (their generator proven wrong later)", String(r.revoked)],
    ["unfinished jobs", String(r.unfinished)],
    ["accepted-wrong results", `${r.acceptedWrong} (${pct(r.acceptedWrongShare)} of validated)`],
    [
      "honest nodes wrongly struck",
      `${r.honestWronglyStruck} of ${r.honestNodes} (${pct(r.honestWronglyStruckShare)})`,
    ],
    ["wrong verdicts / timeouts", `${r.wrongVerdicts} / ${r.timeouts}`],
    ["bans", `${r.bans}${bans ? ` (${bans})` : ""}`],
    ["dishonest nodes banned", `${r.dishonestBanned} of ${r.dishonestNodes}`],
    [
      "time to ban a liar (median)",
      r.medianMsToBan === null ? "–" : `${(r.medianMsToBan / 1000).toFixed(1)} s, ${r.medianTasksToBan} tasks`,
    ],
    ["GBT credited", gbt(r.creditedWei)],
    ["run time", `${(r.elapsedMs / 1000).toFixed(1)} s`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  return [
    "SIMULATED FLEET REPORT (simulation engine: no real model)",
    ...rows.map(([k, v]) => `  ${k.padEnd(width)}${v}`),
  ].join("\n");
}

export const reportJson = (r: FleetReport) =>
  JSON.stringify(r, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2);
