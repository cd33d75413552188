/**
 * When the next passive reward comes. The relayer pays it per aligned window (every 5 minutes by default) to a node
 * connected and ready for the whole window, and its profile tells when the current window ends (`passive.nextAt`).
 * The profile is fetched now and then, so a `nextAt` already past is rolled forward by whole windows.
 */
export function nextPassiveAt(nextAt: number | null | undefined, intervalMs: number, now: number): number | null {
  if (nextAt === null || nextAt === undefined || !(intervalMs > 0)) return null;
  if (nextAt > now) return nextAt;
  return nextAt + Math.ceil((now - nextAt + 1) / intervalMs) * intervalMs;
}
