import { isBanned } from "../economics/reputation.ts";
import type { Presence } from "../presence/registry.ts";

/**
 * Picks `count` nodes for a task on `model`: ready, serving the model, with free capacity, not banned, and of
 * distinct operators. Ranked by load first (spread work), then reputation (trusted nodes verify more), then latency.
 * Returns fewer than `count` when not enough qualify; the task then waits in the queue.
 */
export function selectNodes(
  candidates: Iterable<Presence>,
  model: string,
  count: number,
  now: number,
  exclude: ReadonlySet<string> = new Set(),
  distinctOperators = true,
): Presence[] {
  const eligible: Array<{ presence: Presence; score: number }> = [];
  for (const presence of candidates) {
    const ready = presence.ready;
    if (!ready?.models.has(model) || presence.inflight.size >= ready.capacity) continue;
    if (isBanned(presence.record, now) || exclude.has(presence.address)) continue;
    const load = presence.inflight.size / ready.capacity;
    const distrust = 1 - presence.record.reputationBps / 10_000;
    const latency = Math.min(presence.latencyMs, 5_000) / 5_000;
    eligible.push({ presence, score: load * 4 + distrust * 2 + latency });
  }
  eligible.sort((a, b) => a.score - b.score || (a.presence.address < b.presence.address ? -1 : 1));
  const chosen: Presence[] = [];
  const operators = new Set<string>();
  for (const { presence } of eligible) {
    if (distinctOperators) {
      if (operators.has(presence.record.operator)) continue;
      operators.add(presence.record.operator);
    }
    chosen.push(presence);
    if (chosen.length === count) break;
  }
  return chosen;
}

/**
 * Node choice for a whole dispatch pass: candidates for one model ranked once, then handed out round-robin, so a
 * pass over many tasks costs O(tasks × redundancy) instead of re-ranking every node for every task.
 */
export class CandidatePool {
  private readonly ranked: Presence[];
  private cursor = 0;

  constructor(candidates: Iterable<Presence>, model: string, now: number) {
    this.ranked = selectNodes(candidates, model, Number.POSITIVE_INFINITY, now, new Set(), false);
  }

  /** Up to `count` nodes of distinct operators with free capacity, or fewer when the pool runs dry. */
  take(count: number): Presence[] {
    const chosen: Presence[] = [];
    const operators = new Set<string>();
    const n = this.ranked.length;
    for (let step = 0; step < n && chosen.length < count; step++) {
      const presence = this.ranked[(this.cursor + step) % n] as Presence;
      const ready = presence.ready;
      if (!ready || presence.inflight.size >= ready.capacity || operators.has(presence.record.operator)) continue;
      operators.add(presence.record.operator);
      chosen.push(presence);
    }
    if (n > 0) this.cursor = (this.cursor + Math.max(1, chosen.length)) % n;
    return chosen;
  }
}
