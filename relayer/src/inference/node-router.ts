import type { Address } from "viem";
import { busySlots, type NodeRegistry } from "../presence/registry.ts";
import { drawWeighted } from "../verification/draw.ts";
import { servesAt } from "./catalogue.ts";

/** Heartbeat round trip at which a node's weight halves: a far node still gets work, a near one more. */
const LATENCY_HALF_MS = 250;

/**
 * Picks the node a user's request goes to: among connected nodes serving the model at its price, with a free slot,
 * not banned and not tried for this request yet, a random draw weighted by reputation × free share of capacity ×
 * nearness (heartbeat latency). Random, so load spreads and no node starves; weighted, so trusted, idle, near nodes
 * get most. The prompt must fit the node's context.
 */
export function pickServingNode(
  registry: NodeRegistry,
  request: { model: string; priceWei: bigint; contextNeeded: number },
  exclude: ReadonlySet<string>,
  now: number,
  random: () => number,
): Address | null {
  const candidates = [];
  for (const presence of registry.all()) {
    if (exclude.has(presence.address) || !presence.ready) continue;
    if (!servesAt(presence, request.model, request.priceWei, now)) continue;
    const context = presence.serves.get(request.model)?.contextLength ?? 0;
    if (context < request.contextNeeded) continue;
    const capacity = presence.ready.capacity;
    const free = capacity - busySlots(presence);
    if (free <= 0) continue;
    const weight =
      (presence.record.reputationBps / 10_000) *
      (free / capacity) *
      (LATENCY_HALF_MS / (LATENCY_HALF_MS + Math.max(0, presence.latencyMs)));
    candidates.push({ item: presence.address, weight: Math.max(weight, 1e-6), operator: presence.address });
  }
  return drawWeighted(candidates, 1, random)[0] ?? null;
}
