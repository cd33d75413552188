import type { Address } from "viem";
import type { Clock } from "../clock.ts";
import type { RelayerConfig } from "../config/schema.ts";
import { isBanned } from "../economics/reputation.ts";
import type { RelayerEvents } from "../events.ts";
import type { Logger } from "../log.ts";
import { busySlots, type NodeRegistry, type Presence } from "../presence/registry.ts";
import type { Store } from "../store/types.ts";

const DAY_MS = 86_400_000;

/**
 * A node earns the passive reward for a window when it was connected for the whole window, ready for work,
 * heard from within the heartbeat timeout, not banned, did not let a task time out during the window, and — what
 * "active" means — its engine ran: it has a correct verdict on a task judged in the window. A node that got no work
 * gets one anyway: at the start of every window each idle node is sent a liveness probe (a short task it alone
 * generates, verified like any other), so the product's promise holds (a reward every 5 minutes while the node is
 * active, even without tasks) and a socket that merely stays open earns nothing. One reward per wallet per window
 * however many sockets it holds, and at most the daily cap per wallet.
 */
export function eligibleForPassive(
  presence: Presence,
  windowStart: number,
  now: number,
  heartbeatTimeoutMs: number,
): boolean {
  return (
    presence.ready !== null &&
    presence.connectedSince <= windowStart &&
    now - presence.lastHeartbeat <= heartbeatTimeoutMs &&
    !isBanned(presence.record, now) &&
    (presence.lastTimeoutAt === null || presence.lastTimeoutAt < windowStart)
  );
}

/**
 * When a connected node's next passive reward falls due: the end of the first whole aligned window it has been
 * connected for (a node that connected mid-window cannot earn that window). `tick` credits it on its first round
 * after that, so it lands within one more interval. Null for a node that is not connected.
 */
export function nextPassiveAt(connectedSince: number | null, now: number, intervalMs: number): number | null {
  if (connectedSince === null) return null;
  const currentEnd = now - (now % intervalMs) + intervalMs;
  const firstWholeStart = Math.ceil(connectedSince / intervalMs) * intervalMs;
  return Math.max(currentEnd, firstWholeStart + intervalMs);
}

export class PassiveRewards {
  private readonly store: Store;
  private readonly registry: NodeRegistry;
  private readonly clock: Clock;
  private readonly config: RelayerConfig["rewards"];
  private readonly heartbeatTimeoutMs: number;
  private readonly events: RelayerEvents;
  private readonly log: Logger;
  private readonly probe: (node: Address, model: string) => Promise<unknown>;

  constructor(options: {
    store: Store;
    registry: NodeRegistry;
    clock: Clock;
    config: RelayerConfig["rewards"];
    heartbeatTimeoutMs: number;
    events: RelayerEvents;
    log: Logger;
    /** Sends a liveness probe to a node for a model it serves. */
    probe: (node: Address, model: string) => Promise<unknown>;
  }) {
    this.probe = options.probe;
    this.store = options.store;
    this.registry = options.registry;
    this.clock = options.clock;
    this.config = options.config;
    this.heartbeatTimeoutMs = options.heartbeatTimeoutMs;
    this.events = options.events;
    this.log = options.log;
  }

  /**
   * Credits the window that just ended (windows are aligned to multiples of the interval, so ids are stable), then
   * probes the nodes idle now, for the window that starts.
   */
  async tick(): Promise<Address[]> {
    const now = this.clock.now();
    const interval = this.config.passiveIntervalMs;
    const windowEnd = now - (now % interval);
    const windowStart = windowEnd - interval;
    const active = new Set(await this.store.nodesCorrectBetween(windowStart, windowEnd));
    const eligible: Address[] = [];
    for (const presence of this.registry.local()) {
      if (active.has(presence.address) && eligibleForPassive(presence, windowStart, now, this.heartbeatTimeoutMs)) {
        eligible.push(presence.address);
      }
    }
    await this.probeIdle(now);
    if (eligible.length === 0) return [];
    const credited = await this.store.creditPassive(
      eligible,
      `passive:${windowStart}`,
      now - (now % DAY_MS),
      this.config.passiveRewardWei,
      this.config.passiveCapPerDayWei,
      now,
    );
    for (const node of credited) this.events.emit("balance", { node });
    if (credited.length > 0) this.log.info({ window: windowStart, nodes: credited.length }, "passive rewards credited");
    return credited;
  }

  /** One probe per idle, ready, unbanned node, for the first model it serves. */
  private async probeIdle(now: number): Promise<void> {
    for (const presence of this.registry.local()) {
      const model = presence.ready ? [...presence.ready.models][0] : undefined;
      if (!model || busySlots(presence) > 0 || isBanned(presence.record, now)) continue;
      await this.probe(presence.address, model);
    }
  }
}
