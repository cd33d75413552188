import type { RelayerConfig } from "../config/schema.ts";
import { isBanned } from "../economics/reputation.ts";
import type { NodeRegistry, Presence } from "../presence/registry.ts";
import type { ChatTemplate } from "./chat-template.ts";

/** A model as the gateway offers it: its price, its unlock tier, and who serves it now. */
export interface OfferedModel {
  id: string;
  label: string;
  /** GBT wei per message; 0: free (the free tier's quota applies). */
  priceWei: bigint;
  template: ChatTemplate;
  /** Active nodes the network needs before the model opens. */
  minActiveNodes: number;
  unlocked: boolean;
  /** Nodes connected now that serve it at its price. */
  nodes: number;
  /** The largest context among them (null: nobody serves it). */
  contextLength: number | null;
}

/** Whether a connected node serves `model` to users at `priceWei` now (not banned, price floor met). */
export function servesAt(presence: Presence, model: string, priceWei: bigint, now: number): boolean {
  const offer = presence.serves.get(model);
  return offer !== undefined && offer.priceFloorWei <= priceWei && !isBanned(presence.record, now);
}

/**
 * The models on offer: the configured catalogue (priced models and unlock tiers, shown even while nobody serves them or
 * they are locked), and every other model a connected node serves, free. Live: computed from who is connected.
 */
export class ModelCatalogue {
  private readonly config: RelayerConfig["inference"];
  private readonly registry: NodeRegistry;

  constructor(config: RelayerConfig["inference"], registry: NodeRegistry) {
    this.config = config;
    this.registry = registry;
  }

  /** Nodes connected, ready for work and not banned: what the unlock tiers count. */
  activeNodes(now: number): number {
    let count = 0;
    for (const presence of this.registry.all()) if (presence.ready && !isBanned(presence.record, now)) count++;
    return count;
  }

  list(now: number): OfferedModel[] {
    const active = this.activeNodes(now);
    const configured = new Map(this.config.catalogue.map((entry) => [entry.id, entry]));
    const ids = new Set(configured.keys());
    for (const presence of this.registry.all()) for (const model of presence.serves.keys()) ids.add(model);
    return [...ids].sort().map((id) => {
      const entry = configured.get(id);
      const priceWei = entry?.priceWei ?? 0n;
      let nodes = 0;
      let contextLength: number | null = null;
      for (const presence of this.registry.all()) {
        if (!servesAt(presence, id, priceWei, now)) continue;
        nodes++;
        const context = presence.serves.get(id)?.contextLength ?? 0;
        contextLength = Math.max(contextLength ?? 0, context);
      }
      const minActiveNodes = entry?.minActiveNodes ?? 0;
      return {
        id,
        label: entry?.label ?? id,
        priceWei,
        template: entry?.template ?? this.config.defaultTemplate,
        minActiveNodes,
        unlocked: active >= minActiveNodes,
        nodes,
        contextLength,
      };
    });
  }

  find(id: string, now: number): OfferedModel | undefined {
    return this.list(now).find((model) => model.id === id);
  }
}
