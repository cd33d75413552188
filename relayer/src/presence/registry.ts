import type { RelayerMessage } from "@gitblock/sdk";
import type { Address } from "viem";
import type { NodeRecord } from "../store/types.ts";

/** A way to reach a node: its WebSocket, the mailbox its HTTP polls drain, or the bus to the instance holding it. */
export interface Channel {
  readonly kind: "ws" | "http" | "bus";
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
  /**
   * Where the node's socket lives: null here; otherwise the relayer instance holding it (relayer/src/bus), whose
   * presence entry this mirrors. A remote node is reached through the bus; only its own instance gives it tasks.
   */
  instance: string | null;
  /** A remote node's busy slots as its instance last published them (0 for a local node). */
  remoteBusy: number;
}

/**
 * Work a node holds now: tasks and verifications sent and not answered, and served requests streaming. For a remote
 * node, what its instance last published plus what this instance reserved on it since.
 */
export const busySlots = (presence: Presence): number =>
  presence.inflight.size + presence.streams.size + presence.remoteBusy;

/** What an instance publishes of a node it holds, for the other instances' registries (relayer/src/bus). */
export interface RemoteState {
  ready: { models: string[]; capacity: number; verify: boolean } | null;
  serves: Array<{ model: string; contextLength: number; priceFloorWei: string }>;
  busy: number;
  latencyMs: number;
  connectedSince: number;
}

/**
 * Who is connected, on which channels, ready for what. Memory only: rebuilt as nodes reconnect. With several
 * instances (relayer/src/bus) it also mirrors the nodes the other instances hold, each behind one bus channel.
 */
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
    // A node that moved here (its instance died, or it reconnected through the load balancer) is ours from now on.
    if (presence && presence.instance !== null) {
      this.nodes.delete(record.address);
      presence = undefined;
    }
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
        instance: null,
        remoteBusy: 0,
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

  /**
   * Mirrors a node another instance holds (its presence entry). A node connected here stays local: a second channel
   * on another instance (two tabs, two load-balancer routes) does not take it away.
   */
  mirror(record: NodeRecord, instance: string, state: RemoteState, channel: Channel, now: number): void {
    let presence = this.nodes.get(record.address);
    if (presence && presence.instance === null) return;
    if (!presence || presence.instance !== instance) {
      if (presence) this.forget(record.address);
      presence = {
        address: record.address,
        record,
        channels: new Set([channel]),
        ready: null,
        serves: new Map(),
        inflight: new Set(),
        streams: new Set(),
        connectedSince: state.connectedSince,
        lastHeartbeat: now,
        latencyMs: 0,
        lastTimeoutAt: null,
        instance,
        remoteBusy: 0,
      };
      this.nodes.set(record.address, presence);
    }
    presence.ready = state.ready
      ? { models: new Set(state.ready.models), capacity: state.ready.capacity, verify: state.ready.verify }
      : null;
    presence.serves = new Map(
      state.serves.map((s) => [s.model, { contextLength: s.contextLength, priceFloorWei: BigInt(s.priceFloorWei) }]),
    );
    presence.latencyMs = state.latencyMs;
    presence.lastHeartbeat = now;
    // The instance's count is the truth; what this instance reserved before it was published is in it now.
    presence.remoteBusy = state.busy;
    presence.inflight.clear();
    presence.streams.clear();
  }

  /** Drops the mirror of a remote node (it left its instance, or the instance stopped publishing). */
  forget(address: Address, instance?: string): void {
    const presence = this.nodes.get(address);
    if (!presence || presence.instance === null || (instance !== undefined && presence.instance !== instance)) return;
    this.nodes.delete(address);
    for (const listener of this.departures) listener(address);
  }

  /** The nodes whose sockets this instance holds. */
  *local(): IterableIterator<Presence> {
    for (const presence of this.nodes.values()) if (presence.instance === null) yield presence;
  }

  /** How many nodes this instance holds. */
  get localSize(): number {
    let count = 0;
    for (const presence of this.nodes.values()) if (presence.instance === null) count++;
    return count;
  }

  get(address: Address): Presence | undefined {
    return this.nodes.get(address);
  }

  /** Every node of the network: this instance's and, with several instances, the mirrors of the others'. */
  all(): IterableIterator<Presence> {
    return this.nodes.values();
  }

  /** Nodes connected anywhere in the network (see `localSize`). */
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
