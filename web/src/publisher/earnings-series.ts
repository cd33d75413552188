/**
 * The dashboard's earnings chart from `GET /api/publishers/me/earnings` (`perPlacementPerDay`: wei as decimal
 * strings, days as YYYY-MM-DD): one bar per day over the last `days` days (gaps are zero days, so the axis is time),
 * stacked by placement, plus each placement's total.
 */
export interface DayBar {
  day: string;
  totalWei: bigint;
  byPlacement: Record<string, bigint>;
}

export function dayKey(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function earningsByDay(
  rows: ReadonlyArray<{ placementId: string; day: string; wei: string }>,
  nowMs: number,
  days = 14,
): DayBar[] {
  const bars: DayBar[] = [];
  const index = new Map<string, DayBar>();
  for (let i = days - 1; i >= 0; i--) {
    const bar: DayBar = { day: dayKey(nowMs - i * 86_400_000), totalWei: 0n, byPlacement: {} };
    bars.push(bar);
    index.set(bar.day, bar);
  }
  for (const row of rows) {
    const bar = index.get(row.day);
    if (!bar) continue;
    const wei = BigInt(row.wei);
    bar.totalWei += wei;
    bar.byPlacement[row.placementId] = (bar.byPlacement[row.placementId] ?? 0n) + wei;
  }
  return bars;
}

export function totalsByPlacement(rows: ReadonlyArray<{ placementId: string; wei: string }>): Map<string, bigint> {
  const totals = new Map<string, bigint>();
  for (const row of rows) totals.set(row.placementId, (totals.get(row.placementId) ?? 0n) + BigInt(row.wei));
  return totals;
}

/** The chart's scale: the largest day (at least 1 wei, so an empty chart divides by something). */
export function tallestDay(bars: readonly DayBar[]): bigint {
  let max = 1n;
  for (const bar of bars) if (bar.totalWei > max) max = bar.totalWei;
  return max;
}
