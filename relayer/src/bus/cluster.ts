import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { RelayerMessage, StreamMessage } from "@gitblock/sdk";
import type { Address } from "viem";
import type { Clock } from "../clock.ts";
import type { RelayerConfig } from "../config/schema.ts";
import type { RelayerEvents } from "../events.ts";
import type { Logger } from "../log.ts";
import type { NodeRegistry } from "../presence/registry.ts";
import type { Store } from "../store/types.ts";
import { relayEvents } from "./event-relay.ts";
import { FrameRelay } from "./frame-relay.ts";
import { NatsBus } from "./nats-bus.ts";
import { PresenceSync } from "./presence-sync.ts";

/** How often an instance looks for frame queues of instances gone quiet. */
const ADOPT_CHECK_MS = 1_000;

/** An instance's name on the bus when the config gives none: readable, and unique per process. */
export const defaultInstanceId = (port: number) =>
  `${hostname()
    .replace(/[^A-Za-z0-9_-]/g, "-")
    .slice(0, 40)}-${port}-${randomBytes(3).toString("hex")}`;

/**
 * This relayer instance as one of several sharing the work (config `bus`): presence mirrored both ways, frames to
 * other instances' nodes through their durable queues, served-request streams back to where the user waits,
 * dashboard events everywhere, and dead instances' queues adopted. See ./README.md.
 */
export class Cluster {
  readonly bus: NatsBus;
  readonly presence: PresenceSync;
  readonly frames: FrameRelay;
  private readonly log: Logger;
  private adoptTimer: NodeJS.Timeout | null = null;

  private constructor(bus: NatsBus, presence: PresenceSync, frames: FrameRelay, log: Logger) {
    this.bus = bus;
    this.presence = presence;
    this.frames = frames;
    this.log = log;
  }

  get instance(): string {
    return this.bus.instance;
  }

  /** Tells the other instances jobs were queued here. */
  announceWork(): void {
    this.bus.publish(this.bus.names.work, { origin: this.bus.instance });
  }

  static async join(options: {
    config: NonNullable<RelayerConfig["bus"]>;
    instance: string;
    registry: NodeRegistry;
    store: Store;
    events: RelayerEvents;
    clock: Clock;
    log: Logger;
    /** Takes a stream frame relayed back for a request this instance holds (the user gateway). */
    onStream: (account: Address, message: StreamMessage) => RelayerMessage | null;
    /** Another instance queued jobs: look at the queue now. */
    onWork: () => void;
  }): Promise<Cluster> {
    const bus = await NatsBus.connect({
      url: options.config.url,
      prefix: options.config.prefix,
      instance: options.instance,
      presenceTtlMs: options.config.presenceTtlMs,
      log: options.log,
    });
    const frames = new FrameRelay({ bus, registry: options.registry, log: options.log, onStream: options.onStream });
    const presence = new PresenceSync({
      bus,
      registry: options.registry,
      store: options.store,
      clock: options.clock,
      log: options.log,
      ttlMs: options.config.presenceTtlMs,
      channelTo: (instance, address) => frames.channelTo(instance, address),
    });
    const cluster = new Cluster(bus, presence, frames, options.log);
    try {
      frames.start();
      relayEvents(bus, options.events);
      bus.subscribe(bus.names.work, (message) => {
        if ((message as { origin?: string }).origin !== options.instance) options.onWork();
      });
      await presence.start();
    } catch (error) {
      await bus.close();
      throw error;
    }
    let adopting = false;
    cluster.adoptTimer = setInterval(() => {
      // Not before this instance has seen a TTL of refreshes: until then every other instance looks dead.
      if (adopting || !presence.settled) return;
      adopting = true;
      const live = presence.liveInstances();
      frames
        .adoptQueuesOf((instance) => !live.has(instance))
        .catch((error: unknown) => options.log.error({ err: error }, "adopting a frame queue failed"))
        .finally(() => {
          adopting = false;
        });
    }, ADOPT_CHECK_MS);
    cluster.adoptTimer.unref();
    options.log.info({ instance: options.instance, bus: options.config.url }, "joined the relayer cluster");
    return cluster;
  }

  async leave(): Promise<void> {
    if (this.adoptTimer) clearInterval(this.adoptTimer);
    this.adoptTimer = null;
    await this.presence.stop().catch((error: unknown) => this.log.warn({ err: error }, "withdrawing presence failed"));
    await this.bus.close();
  }
}
