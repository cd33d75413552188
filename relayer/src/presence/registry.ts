import type { RelayerMessage } from "@gitblock/sdk";
import type { Address } from "viem";
import type { NodeRecord } from "../store/types.ts";

/** A way to reach a node: its WebSocket, or the mailbox its HTTP polls drain. */
export interface Channel {
  readonly kind: "ws" | "http";
  send(message: RelayerMessage): void;
  /** Ends the channel (ban, shutdown); HTTP mailboxes just stop. */
  close(code: number, reason: string): void;
}

/** A connected node as the scheduler sees it. */
export interface Presence {
  address: Address;
  record: NodeRecord;
  channels: Set<Channel>;
  /** What the node takes: models, tasks at once, and whether its engine can verify (score teacher-forced). */
  ready: { models: Set<string>; capacity: number; verify: boolean } | null;
  /** The models it serves to users (`/v1`), by model id: context length and lowest price per message it serves for. */
  serves: Map<string, { contextLength: number; priceFloorWei: bigint }>;
  /** Tasks sent and not yet answered. */
  inflight: Set<string>;
  /** Served requests streaming on it now: they take capacity like tasks. */
  streams: Set<string>;
  connectedSince: number;
  lastHeartbeat: number;
  /** Smoothed heartbeat round trip reported by the node, ms. */
  latencyMs: number;
  lastTimeoutAt: number | null;
  /** The placement this process last recorded for the node (`Store.setSessionPlacement`); undefined: none yet. */
  placement?: string | null;
}

/** Work a node holds now: tasks and verifications sent and not answered, and served requests streaming. */
export const busySlots = (presence: Presence): number => presence.inflight.size + presence.streams.size;

/** Who is connected, on which channels, ready for what. Memory only: rebuilt as nodes reconnect. */
export class NodeRegistry {
  private readonly nodes = new Map<Address, Presence>();
  private readonly departures = new Set<(address: Address) => void>();

  /** Called with a node's address when its last channel closes (served requests on it fail over). */
  onDeparture(listener: (address: Address) => void): () => void {
    this.departures.add(listener);
    return () => this.departures.delete(listener);
  }

  attach(record: NodeRecord, channel: Channel, now: number): Presence {
    let presence = this.nodes.get(record.address);
    if (!presence) {
      presence = {
        address: record.address,
        record,
        channels: new Set(),
        ready: null,
        serves: new Map(),
        inflight: new Set(),
        streams: new Set(),
        connectedSince: now,
        lastHeartbeat: now,
        latencyMs: 0,
        lastTimeoutAt: null,
      };
      this.nodes.set(record.address, presence);
    }
    presence.record = record;
    presence.channels.add(channel);
    presence.lastHeartbeat = now;
    return presence;
  }

  detach(address: Address, channel: Channel): void {
    const presence = this.nodes.get(address);
    if (!presence) return;
    presence.channels.delete(channel);
    if (presence.channels.size === 0) {
      this.nodes.delete(address);
      for (const listener of this.departures) listener(address);
    }
  }

  get(address: Address): Presence | undefined {
    return this.nodes.get(address);
  }

  all(): IterableIterator<Presence> {
    return this.nodes.values();
  }

  get size(): number {
    return this.nodes.size;
  }

  /** Sends to the node's newest channel; false when it is not connected (it will get open tasks on reconnect). */
  send(address: Address, message: RelayerMessage): boolean {
    const presence = this.nodes.get(address);
    if (!presence) return false;
    let last: Channel | undefined;
    for (const channel of presence.channels) last = channel;
    if (!last) return false;
    last.send(message);
    return true;
  }

  updateRecord(record: NodeRecord): void {
    const presence = this.nodes.get(record.address);
    if (presence) presence.record = record;
  }
}
