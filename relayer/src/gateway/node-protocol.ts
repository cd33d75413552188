import {
  type ErrorCode,
  type HeartbeatMessage,
  PROTOCOL_VERSION,
  type ReadyMessage,
  type RelayerMessage,
  type ResultMessage,
} from "@gitblock/sdk";
import type { Address } from "viem";
import type { Clock } from "../clock.ts";
import { isBanned } from "../economics/reputation.ts";
import type { RelayerEvents } from "../events.ts";
import type { Channel, NodeRegistry } from "../presence/registry.ts";
import type { Scheduler } from "../scheduler/scheduler.ts";
import { taskMessage } from "../scheduler/scheduler.ts";
import type { Store } from "../store/types.ts";
import type { ResultIngest } from "./result-ingest.ts";

export const errorFrame = (code: ErrorCode, message: string, taskId?: string): RelayerMessage => ({
  type: "error",
  v: PROTOCOL_VERSION,
  code,
  message,
  ...(taskId ? { taskId } : {}),
});

/**
 * What an authenticated node can say (ready, result, heartbeat) and what the relayer answers: one implementation
 * behind both the WebSocket gateway and the HTTP polling fallback, so both have the same semantics.
 */
export class NodeProtocol {
  private readonly store: Store;
  private readonly registry: NodeRegistry;
  private readonly scheduler: Scheduler;
  private readonly ingest: ResultIngest;
  private readonly clock: Clock;
  private readonly events: RelayerEvents;

  constructor(options: {
    store: Store;
    registry: NodeRegistry;
    scheduler: Scheduler;
    ingest: ResultIngest;
    clock: Clock;
    events: RelayerEvents;
  }) {
    this.store = options.store;
    this.registry = options.registry;
    this.scheduler = options.scheduler;
    this.ingest = options.ingest;
    this.clock = options.clock;
    this.events = options.events;
  }

  /** A signed-in node opened a channel. */
  async connect(account: Address, channel: Channel): Promise<void> {
    const record = await this.store.touchNode(account, this.clock.now());
    this.registry.attach(record, channel, this.clock.now());
  }

  disconnect(account: Address, channel: Channel): void {
    this.registry.detach(account, channel);
  }

  /**
   * The node takes work. On a channel's first `ready`, tasks it still owes (a reconnect before their deadline)
   * are sent again; a later `ready` on the same channel only updates models and capacity.
   */
  async ready(account: Address, message: ReadyMessage, resend = true): Promise<RelayerMessage[]> {
    const now = this.clock.now();
    const record = await this.store.touchNode(account, now, { country: message.country ?? null });
    const presence = this.registry.get(account);
    if (!presence) return [errorFrame("unauthenticated", "sign in before sending ready")];
    presence.record = record;
    if (isBanned(record, now)) {
      presence.ready = null;
      return [
        errorFrame(
          "banned",
          `node ${account} is banned until ${new Date(record.bannedUntil ?? 0).toISOString()} (3 strikes); it gets no tasks until then`,
        ),
      ];
    }
    presence.ready = { models: new Set(message.models), capacity: message.capacity };
    const replies: RelayerMessage[] = [];
    for (const { task } of resend ? await this.store.openAssignments(account) : []) {
      if (task.deadline !== null && task.deadline < now) continue;
      presence.inflight.add(task.id);
      replies.push(taskMessage(task));
    }
    this.scheduler.kick();
    return replies;
  }

  /** Stores the result durably, then acknowledges it. */
  async result(account: Address, message: ResultMessage): Promise<RelayerMessage> {
    const outcome = await this.ingest.submit(account, message);
    switch (outcome) {
      case "stored": {
        const presence = this.registry.get(account);
        if (presence?.inflight.delete(message.taskId)) this.scheduler.kick();
        this.events.emit("balance", { node: account });
        return { type: "ack", v: PROTOCOL_VERSION, taskId: message.taskId };
      }
      case "duplicate":
        // Already stored: acknowledging again lets a node that missed the first ack (reconnect) forget the result.
        return { type: "ack", v: PROTOCOL_VERSION, taskId: message.taskId };
      case "late":
        return errorFrame("late_result", `task ${message.taskId} passed its deadline; result refused`, message.taskId);
      case "unknown":
        return errorFrame("unknown_task", `task ${message.taskId} was not assigned to ${account}`, message.taskId);
    }
  }

  heartbeat(account: Address, message: HeartbeatMessage, latencyMs?: number): RelayerMessage {
    const presence = this.registry.get(account);
    if (presence) {
      presence.lastHeartbeat = this.clock.now();
      if (latencyMs !== undefined) presence.latencyMs = presence.latencyMs * 0.8 + latencyMs * 0.2;
    }
    return { type: "heartbeat", v: PROTOCOL_VERSION, t: message.t };
  }
}
