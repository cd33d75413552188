/**
 * The network's model catalogue as the relayer states it (`GET /api/gateway/models`): every model with its price per
 * message, the nodes serving it now, and the active-node count that unlocks it (the dashboard's tiers). Nothing
 * about the models is hard-coded in the dApp.
 */
import { formatGbt, toWei } from "./format.ts";

export interface GatewayModel {
  id: string;
  label: string;
  /** GBT wei per message (one completion), decimal; "0": free. */
  priceWei: string;
  free: boolean;
  /** Nodes serving it now. */
  nodes: number;
  contextLength: number | null;
  /** Active nodes the network needs before the model opens. */
  minActiveNodes: number;
  unlocked: boolean;
}

export interface Catalogue {
  activeNodes: number;
  models: GatewayModel[];
}

const count = (value: unknown): number =>
  typeof value === "number" && Number.isFinite(value) && value >= 0 ? Math.floor(value) : 0;

/** The relayer's answer, checked field by field: a malformed entry is left out, not shown half. */
export function parseCatalogue(body: unknown): Catalogue {
  const raw = typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
  const models = Array.isArray(raw.models) ? raw.models : [];
  return {
    activeNodes: count(raw.activeNodes),
    models: models.flatMap((entry): GatewayModel[] => {
      if (typeof entry !== "object" || entry === null) return [];
      const m = entry as Record<string, unknown>;
      if (typeof m.id !== "string" || !m.id) return [];
      const priceWei = typeof m.priceWei === "string" && /^\d+$/.test(m.priceWei) ? m.priceWei : "0";
      return [
        {
          id: m.id,
          label: typeof m.label === "string" && m.label ? m.label : m.id,
          priceWei,
          free: typeof m.free === "boolean" ? m.free : priceWei === "0",
          nodes: count(m.nodes),
          contextLength: typeof m.contextLength === "number" ? m.contextLength : null,
          minActiveNodes: count(m.minActiveNodes),
          unlocked: m.unlocked === true,
        },
      ];
    }),
  };
}

/** "free" or "0.002 GBT/msg" (rounded down to 6 decimals; a price below that shows as "< 0.000001"). */
export function formatPrice(priceWei: string | bigint): string {
  const wei = toWei(priceWei);
  return wei === 0n ? "free" : `${formatGbt(wei, 6)} GBT/msg`;
}

/** Whole messages `availableWei` pays for at `priceWei` (null for a free model). */
export function messagesAffordable(availableWei: bigint, priceWei: string | bigint): bigint | null {
  const price = toWei(priceWei);
  if (price === 0n) return null;
  return availableWei > 0n ? availableWei / price : 0n;
}

export function unlockProgress(
  activeNodes: number,
  threshold: number,
): { unlocked: boolean; share: number; missing: number } {
  return {
    unlocked: activeNodes >= threshold,
    share: threshold > 0 ? Math.min(1, Math.max(0, activeNodes / threshold)) : 1,
    missing: Math.max(0, threshold - activeNodes),
  };
}

export interface LockedTier {
  threshold: number;
  models: GatewayModel[];
  /** Active nodes still missing, and the share of the way there. */
  missing: number;
  share: number;
}

/** The chat can use these now: unlocked, serving ones first (most nodes first), then those no node serves. */
export function openModels(catalogue: Catalogue): GatewayModel[] {
  return catalogue.models
    .filter((m) => m.unlocked)
    .sort((a, b) => Number(b.nodes > 0) - Number(a.nodes > 0) || b.nodes - a.nodes || a.label.localeCompare(b.label));
}

/** Locked models grouped by the active-node count that opens them, nearest tier first. */
export function lockedTiers(catalogue: Catalogue): LockedTier[] {
  const byThreshold = new Map<number, GatewayModel[]>();
  for (const model of catalogue.models) {
    if (model.unlocked) continue;
    byThreshold.set(model.minActiveNodes, [...(byThreshold.get(model.minActiveNodes) ?? []), model]);
  }
  return [...byThreshold.entries()]
    .sort(([a], [b]) => a - b)
    .map(([threshold, models]) => ({ threshold, models, ...unlockProgress(catalogue.activeNodes, threshold) }));
}
