import type { RelayerMessage, StreamMessage } from "@gitblock/sdk";
import type { Address } from "viem";
import type { Logger } from "../log.ts";
import type { Channel, NodeRegistry } from "../presence/registry.ts";
import type { NatsBus } from "./nats-bus.ts";

/** A frame on its way to a node another instance holds: a message, or a request to close its channels. */
interface RelayedFrame {
  to: Address;
  /** The instance that sent it (where a served request's stream goes back to). */
  origin: string;
  message?: RelayerMessage;
  close?: { code: number; reason: string };
}

/** A node's stream frame going back to the instance holding the user's request. */
interface RelayedStream {
  account: Address;
  message: StreamMessage;
}

/**
 * Frames between instances. A frame for a node whose socket another instance holds (a verification, a verdict, a
 * served request) goes into that instance's durable queue in JetStream and is acknowledged only once written to
 * the socket; an instance that dies holding frames leaves them in its queue, and a survivor adopts the queue and
 * passes each frame on to wherever its node reconnected. What a node owes is also in PostgreSQL and is sent again when
 * it reconnects anywhere (NodeProtocol.ready), so a frame lost with its node's connection costs a resend, not the
 * task. Served-request streams (chunks, ends, failures) go back to the requesting instance on a plain subject.
 */
export class FrameRelay {
  private readonly bus: NatsBus;
  private readonly registry: NodeRegistry;
  private readonly log: Logger;
  /** Served requests this instance's nodes run for another instance: request id → that instance and the node. */
  private readonly origins = new Map<string, { origin: string; node: Address }>();
  /** Takes a stream frame for a request this instance holds; answers what the node must be told (if anything). */
  private readonly onStream: (account: Address, message: StreamMessage) => RelayerMessage | null;

  constructor(options: {
    bus: NatsBus;
    registry: NodeRegistry;
    log: Logger;
    onStream: (account: Address, message: StreamMessage) => RelayerMessage | null;
  }) {
    this.bus = options.bus;
    this.registry = options.registry;
    this.log = options.log;
    this.onStream = options.onStream;
    // A node that leaves ends its streams; the requesting instance learns it from presence and fails them over.
    this.registry.onDeparture((address) => {
      for (const [id, held] of this.origins) if (held.node === address) this.origins.delete(id);
    });
  }

  start(): void {
    this.bus
      .consumeFrames(this.bus.instance, (payload) => this.deliver(payload as RelayedFrame))
      .catch((error: unknown) => this.log.error({ err: error }, "frame queue ended"));
    this.bus.subscribe(this.bus.names.streams(this.bus.instance), (payload) => {
      const { account, message } = payload as RelayedStream;
      const reply = this.onStream(account, message);
      if (reply) this.registry.send(account, reply);
    });
  }

  /** The channel through which this instance reaches a node `instance` holds. */
  channelTo(instance: string, address: Address): Channel {
    const send = (frame: RelayedFrame) =>
      this.bus
        .sendFrame(instance, frame)
        .catch((error: unknown) => this.log.error({ err: error, node: address, instance }, "relaying a frame failed"));
    return {
      kind: "bus",
      send: (message) => void send({ to: address, origin: this.bus.instance, message }),
      close: (code, reason) => void send({ to: address, origin: this.bus.instance, close: { code, reason } }),
    };
  }

  /**
   * A stream frame from a node here for a request another instance holds: sent back there. False when no other
   * instance asked for it (the caller answers as for any unknown request).
   */
  streamBack(account: Address, message: StreamMessage): boolean {
    const origin = this.origins.get(message.requestId)?.origin;
    if (origin === undefined) return false;
    if (message.type !== "chunk") {
      this.origins.delete(message.requestId);
      this.registry.get(account)?.streams.delete(message.requestId);
    }
    this.bus.publish(this.bus.names.streams(origin), { account, message } satisfies RelayedStream);
    return true;
  }

  /** Drains the frame queues of instances gone quiet (killed), passing each frame on; returns how many moved. */
  async adoptQueuesOf(dead: (instance: string) => boolean): Promise<number> {
    let moved = 0;
    for (const instance of await this.bus.frameQueues()) {
      if (instance === this.bus.instance || !dead(instance)) continue;
      const count = await this.bus.adoptFrames(instance, (payload) => this.deliver(payload as RelayedFrame));
      this.log.warn({ instance, frames: count }, "adopted the frame queue of an instance that stopped");
      moved += count;
    }
    return moved;
  }

  /** Writes a relayed frame to the node's socket here, or passes it on to the instance that holds the node now. */
  private async deliver(frame: RelayedFrame): Promise<void> {
    const presence = this.registry.get(frame.to);
    if (!presence) return; // gone: what it owes is sent again from the store when it reconnects
    if (presence.instance !== null) {
      if (presence.instance !== frame.origin) await this.bus.sendFrame(presence.instance, frame);
      return;
    }
    if (frame.close) {
      for (const channel of [...presence.channels]) channel.close(frame.close.code, frame.close.reason);
      return;
    }
    const message = frame.message;
    if (!message) return;
    // This instance's count of the node's busy slots (what it publishes) includes work other instances gave it.
    switch (message.type) {
      case "task":
      case "verify":
        presence.inflight.add(message.taskId);
        break;
      case "verdict":
        presence.inflight.delete(message.taskId);
        break;
      case "serve":
        presence.streams.add(message.requestId);
        this.origins.set(message.requestId, { origin: frame.origin, node: frame.to });
        break;
      case "cancel":
        presence.streams.delete(message.requestId);
        this.origins.delete(message.requestId);
        break;
    }
    this.registry.send(frame.to, message);
  }
}
