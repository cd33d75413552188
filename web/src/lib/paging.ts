/**
 * "Show the latest N, then more": a list that grows with the network (epochs every 30 s locally) is asked for one
 * row more than is shown, so the page knows whether a "show more" button has anything behind it, without a count.
 */
export const FIRST_PAGE = 5;
export const PAGE_STEP = 10;

/** How many rows to ask for when `shown` are to be shown. */
export const rowsToFetch = (shown: number): number => shown + 1;

/** The rows to show of what came back, and whether more exist. */
export function visiblePage<T>(rows: readonly T[] | undefined, shown: number): { rows: T[]; more: boolean } {
  const all = rows ?? [];
  return { rows: all.slice(0, shown), more: all.length > shown };
}
