import type { Address } from "viem";
import type { Clock } from "../clock.ts";
import type { Logger } from "../log.ts";
import { busySlots, type Channel, type NodeRegistry, type Presence, type RemoteState } from "../presence/registry.ts";
import type { Store } from "../store/types.ts";
import type { NatsBus } from "./nats-bus.ts";

/** How often this instance publishes what changed about its nodes (and looks for stale mirrors). */
const PUBLISH_MS = 200;

const NODE_KEY = "node.";
const INSTANCE_KEY = "instance.";

/** A presence entry: a node, the instance holding its socket, and what it takes. */
interface NodeEntry extends RemoteState {
  instance: string;
}

/**
 * Presence across instances through the bus's key-value bucket. Each instance publishes an entry per node it holds
 * (models, capacity, busy slots, what it serves) when it changes and at least every third of the TTL, plus one entry
 * for itself; the bucket drops entries nobody refreshes. Each instance mirrors the others' nodes into its registry,
 * so the judge draws verifiers and the user gateway picks serving nodes from the whole network, and forgets a mirror
 * once its entry or its instance goes quiet for a TTL (an instance killed without a word).
 */
export class PresenceSync {
  private readonly bus: NatsBus;
  private readonly registry: NodeRegistry;
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly ttlMs: number;
  private readonly channelTo: (instance: string, address: Address) => Channel;
  /** What this instance last published per node it holds: the entry as JSON, when, and its bucket revision. */
  private readonly published = new Map<Address, { json: string; at: number; revision: number }>();
  /** When each other instance last refreshed its own entry (this instance's clock). */
  private readonly instancesSeen = new Map<string, number>();
  /** Entries of nodes not mirrored yet: their records are read from the store first. */
  private readonly pending = new Map<Address, NodeEntry>();
  private instancePublishedAt = Number.NEGATIVE_INFINITY;
  private readonly startedAt: number;
  private timer: NodeJS.Timeout | null = null;
  private ticking = false;
  private initialized!: Promise<void>;

  constructor(options: {
    bus: NatsBus;
    registry: NodeRegistry;
    store: Store;
    clock: Clock;
    log: Logger;
    ttlMs: number;
    channelTo: (instance: string, address: Address) => Channel;
  }) {
    this.bus = options.bus;
    this.registry = options.registry;
    this.store = options.store;
    this.clock = options.clock;
    this.log = options.log;
    this.ttlMs = options.ttlMs;
    this.channelTo = options.channelTo;
    this.startedAt = this.clock.now();
  }

  /** Publishes this instance, starts mirroring the others; resolves once the bucket's current entries are read. */
  async start(): Promise<void> {
    this.initialized = new Promise((resolve) => {
      this.bus
        .watchPresence((key, value) => this.observe(key, value), resolve)
        .catch((error: unknown) => this.log.error({ err: error }, "presence watch ended"));
    });
    await this.tick();
    await this.initialized;
    await this.mirrorPending();
    this.timer = setInterval(() => {
      if (this.ticking) return;
      this.ticking = true;
      this.tick()
        .catch((error: unknown) => this.log.error({ err: error }, "presence sync failed"))
        .finally(() => {
          this.ticking = false;
        });
    }, PUBLISH_MS);
    this.timer.unref();
  }

  /** Instances that refreshed their entry within a TTL (this one included). */
  liveInstances(): Set<string> {
    const now = this.clock.now();
    const live = new Set([this.bus.instance]);
    for (const [instance, at] of this.instancesSeen) if (now - at <= this.ttlMs) live.add(instance);
    return live;
  }

  /** Whether this instance has run long enough to have seen every live instance refresh its entry. */
  get settled(): boolean {
    return this.clock.now() - this.startedAt > this.ttlMs;
  }

  /** Withdraws this instance's entries (a clean stop; a kill leaves them to expire). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const removals = [...this.published].map(([address, { revision }]) =>
      this.bus.presence.delete(`${NODE_KEY}${address}`, { previousSeq: revision }).catch(() => {}),
    );
    removals.push(this.bus.deletePresence(`${INSTANCE_KEY}${this.bus.instance}`).catch(() => {}));
    await Promise.all(removals);
    this.published.clear();
  }

  private observe(key: string, value: unknown | null): void {
    const now = this.clock.now();
    if (key.startsWith(INSTANCE_KEY)) {
      const instance = key.slice(INSTANCE_KEY.length);
      if (instance === this.bus.instance) return;
      if (value === null) this.instancesSeen.delete(instance);
      else this.instancesSeen.set(instance, now);
      return;
    }
    if (!key.startsWith(NODE_KEY)) return;
    const address = key.slice(NODE_KEY.length) as Address;
    if (value === null) {
      this.pending.delete(address);
      // Whoever held it let it go; a mirror of another instance's entry would have been replaced by a put instead.
      this.registry.forget(address);
      return;
    }
    const entry = value as NodeEntry;
    if (entry.instance === this.bus.instance) return;
    // Seeing an instance's node entry is also a sign of that instance's life.
    this.instancesSeen.set(entry.instance, Math.max(this.instancesSeen.get(entry.instance) ?? 0, now));
    const presence = this.registry.get(address);
    if (presence)
      this.registry.mirror(presence.record, entry.instance, entry, this.channelTo(entry.instance, address), now);
    else this.pending.set(address, entry);
  }

  private async tick(): Promise<void> {
    const now = this.clock.now();
    if (now - this.instancePublishedAt >= this.ttlMs / 3) {
      await this.bus.putPresence(`${INSTANCE_KEY}${this.bus.instance}`, { at: now, startedAt: this.startedAt });
      this.instancePublishedAt = now;
    }
    await this.publishLocal(now);
    await this.mirrorPending();
    this.forgetStale(now);
  }

  private async publishLocal(now: number): Promise<void> {
    const held = new Set<Address>();
    const puts: Promise<void>[] = [];
    for (const presence of this.registry.local()) {
      held.add(presence.address);
      const json = JSON.stringify(entryOf(presence, this.bus.instance));
      const last = this.published.get(presence.address);
      if (last && last.json === json && now - last.at < this.ttlMs / 3) continue;
      puts.push(
        this.bus.presence
          .put(`${NODE_KEY}${presence.address}`, json)
          .then((revision) => void this.published.set(presence.address, { json, at: now, revision })),
      );
    }
    for (const [address, { revision }] of this.published) {
      if (held.has(address)) continue;
      this.published.delete(address);
      // Only if nobody else published it since: a node that moved to another instance keeps that one's entry.
      puts.push(this.bus.presence.delete(`${NODE_KEY}${address}`, { previousSeq: revision }).catch(() => {}));
    }
    await Promise.all(puts);
  }

  private async mirrorPending(): Promise<void> {
    if (this.pending.size === 0) return;
    const entries = new Map(this.pending);
    this.pending.clear();
    const now = this.clock.now();
    for (const record of await this.store.getNodes([...entries.keys()])) {
      const entry = entries.get(record.address);
      if (!entry) continue;
      this.registry.mirror(record, entry.instance, entry, this.channelTo(entry.instance, record.address), now);
    }
  }

  /** Mirrors whose entry or instance stayed quiet for a TTL: that instance is gone, or the node left it. */
  private forgetStale(now: number): void {
    const live = this.liveInstances();
    const stale: Presence[] = [];
    for (const presence of this.registry.all()) {
      if (presence.instance === null) continue;
      if (!live.has(presence.instance) || now - presence.lastHeartbeat > this.ttlMs) stale.push(presence);
    }
    for (const presence of stale) this.registry.forget(presence.address, presence.instance ?? undefined);
  }
}

function entryOf(presence: Presence, instance: string): NodeEntry {
  return {
    instance,
    ready: presence.ready
      ? { models: [...presence.ready.models], capacity: presence.ready.capacity, verify: presence.ready.verify }
      : null,
    serves: [...presence.serves].map(([model, s]) => ({
      model,
      contextLength: s.contextLength,
      priceFloorWei: s.priceFloorWei.toString(),
    })),
    busy: busySlots(presence),
    // Rounded: a heartbeat's jitter alone must not republish the entry.
    latencyMs: Math.round(presence.latencyMs / 10) * 10,
    connectedSince: presence.connectedSince,
  };
}
