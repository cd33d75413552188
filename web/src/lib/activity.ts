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

/** Tasks per hour over the window covered by `points` (at most `windowMs` back from `now`). */
export function tasksPerHour(points: readonly ActivityPoint[], now: number, windowMs = 3_600_000): number {
  const inWindow = points.filter((p) => p.at > now - windowMs && p.at <= now);
  if (inWindow.length === 0) return 0;
  const oldest = Math.min(...inWindow.map((p) => p.at));
  const span = Math.max(60_000, now - oldest);
  return Math.round((inWindow.length * 3_600_000) / span);
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
