/** Rolling GPU-activity series for the dashboard chart, built from verdicts as they arrive. */

export interface ActivityPoint {
  at: number;
  /** Tokens generated (or 1 per task when unknown). */
  weight: number;
  ok: boolean;
}

/**
 * Buckets points into `count` buckets of `bucketMs` ending at `now` (oldest first): tasks and the weight per bucket.
 * Points outside the window are dropped.
 */
export function bucketize(points: readonly ActivityPoint[], now: number, bucketMs: number, count: number) {
  const start = now - bucketMs * count;
  const buckets = Array.from({ length: count }, (_, i) => ({
    start: start + i * bucketMs,
    tasks: 0,
    weight: 0,
    failed: 0,
  }));
  for (const point of points) {
    if (point.at <= start || point.at > now) continue;
    const index = Math.min(count - 1, Math.floor((point.at - start) / bucketMs));
    const bucket = buckets[index];
    if (!bucket) continue;
    bucket.tasks++;
    bucket.weight += point.weight;
    if (!point.ok) bucket.failed++;
  }
  return buckets;
}

/**
 * Tasks within the last `windowMs` and the span they were measured over (from the oldest of them to `now`, at least
 * a minute): what `formatRate` needs to show an hourly rate only over a meaningful window.
 */
export function activityRate(
  points: readonly ActivityPoint[],
  now: number,
  windowMs = 3_600_000,
): { count: number; spanMs: number } {
  const inWindow = points.filter((p) => p.at > now - windowMs && p.at <= now);
  if (inWindow.length === 0) return { count: 0, spanMs: 0 };
  const oldest = Math.min(...inWindow.map((p) => p.at));
  return { count: inWindow.length, spanMs: Math.max(60_000, now - oldest) };
}

/**
 * The chart's points: the relayer's final tasks (what happened before this page opened, so the chart is full on
 * load and on connecting a wallet) merged with the verdicts pushed since, one point per task (a pushed verdict
 * wins: it carries the node's own outcome).
 */
export function mergeActivity(
  history: ReadonlyArray<{ id: string; status: string; judgedAt: number | null }>,
  verdicts: ReadonlyArray<{ taskId: string; outcome: string; receivedAt: number }>,
): ActivityPoint[] {
  const byTask = new Map<string, ActivityPoint>();
  for (const task of history) {
    if (task.judgedAt !== null) byTask.set(task.id, { at: task.judgedAt, weight: 1, ok: task.status === "validated" });
  }
  for (const v of verdicts) byTask.set(v.taskId, { at: v.receivedAt, weight: 1, ok: v.outcome === "correct" });
  return [...byTask.values()].sort((a, b) => a.at - b.at);
}

/** Share of the daily GPU-seconds allowance used (0..1). */
export function utilization(gpuSecondsToday: number, dailyLimitSeconds: number): number {
  if (dailyLimitSeconds <= 0) return 0;
  return Math.min(1, Math.max(0, gpuSecondsToday / dailyLimitSeconds));
}

/** Keeps the newest `max` points (the array is append-only, oldest first). */
export function trim<T>(points: T[], max: number): T[] {
  return points.length > max ? points.slice(points.length - max) : points;
}
