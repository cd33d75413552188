import {
  type AgreementRule,
  type ErrorCode,
  type HeartbeatMessage,
  PROTOCOL_VERSION,
  type ReadyMessage,
  type RelayerMessage,
  reportHash,
  revealedCommitment,
  type StreamMessage,
  type WorkMessage,
} from "@gitblock/sdk";
import type { Address, Hex } from "viem";
import type { Clock } from "../clock.ts";
import { isBanned } from "../economics/reputation.ts";
import type { Channel, NodeRegistry } from "../presence/registry.ts";
import type { Scheduler } from "../scheduler/scheduler.ts";
import { taskMessage, verifyMessage } from "../scheduler/task-frames.ts";
import type { Store, TaskRecord } from "../store/types.ts";
import { sessionSigned } from "./session-signature.ts";
import type { WorkIngest } from "./work-ingest.ts";

export const errorFrame = (code: ErrorCode, message: string, taskId?: string): RelayerMessage => ({
  type: "error",
  v: PROTOCOL_VERSION,
  code,
  message,
  ...(taskId ? { taskId } : {}),
});

/** Where a node's stream frames go: the user gateway's served requests (inference/served-requests.ts). */
export interface StreamSink {
  /** Takes a chunk, end or failure of a served request; answers an error frame for a request the node does not hold. */
  frame(account: Address, message: StreamMessage): RelayerMessage | null;
}

/**
 * What an authenticated node can say (ready, commit, reveal, report, heartbeat) and what the relayer answers: one
 * implementation behind both the WebSocket gateway and the HTTP polling fallback, so both have the same semantics.
 */
export class NodeProtocol {
  private readonly store: Store;
  private readonly registry: NodeRegistry;
  private readonly scheduler: Scheduler;
  private readonly ingest: WorkIngest;
  private readonly ruleOf: (task: TaskRecord) => AgreementRule;
  private readonly clock: Clock;
  /** Set by the user gateway once it exists; without it stream frames are answered `unknown_request`. */
  streamSink: StreamSink | null = null;

  constructor(options: {
    store: Store;
    registry: NodeRegistry;
    scheduler: Scheduler;
    ingest: WorkIngest;
    clock: Clock;
    ruleOf: (task: TaskRecord) => AgreementRule;
  }) {
    this.ruleOf = options.ruleOf;
    this.store = options.store;
    this.registry = options.registry;
    this.scheduler = options.scheduler;
    this.ingest = options.ingest;
    this.clock = options.clock;
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
    presence.ready = { models: new Set(message.models), capacity: message.capacity, verify: message.verify ?? false };
    // The placement (an embedded widget's) its claims pay a publisher's share through, from now on. Written when it
    // changes, not on every `ready` (an HTTP poll is one).
    const placement = message.placement ?? null;
    if (presence.placement !== placement) {
      await this.store.setSessionPlacement(account, placement, now);
      presence.placement = placement;
    }
    presence.serves = new Map(
      (message.serves ?? []).map((s) => [
        s.model,
        { contextLength: s.contextLength, priceFloorWei: BigInt(s.priceFloorWei) },
      ]),
    );
    const replies: RelayerMessage[] = [];
    for (const { task, assignment, claim } of resend ? await this.store.openAssignments(account) : []) {
      if (assignment.deadline < now) continue;
      presence.inflight.add(task.id);
      if (assignment.role === "generate") replies.push(taskMessage(task, assignment.deadline));
      else if (claim) {
        replies.push(verifyMessage(task, claim, this.ruleOf(task), assignment.role === "dispute", assignment.deadline));
      }
    }
    this.scheduler.kick();
    return replies;
  }

  /** A served request's chunk, end or failure, passed to the user gateway. */
  stream(account: Address, message: StreamMessage): RelayerMessage | null {
    if (!this.streamSink) {
      return errorFrame("unknown_request", `no served request ${message.requestId}: this relayer serves no /v1`);
    }
    return this.streamSink.frame(account, message);
  }

  /**
   * Checks a commitment's or report's signature by the session key, stores the frame durably, then acknowledges
   * it. A reveal is checked against the stored commitment inside the write (a reveal that does not open it is
   * stored as a mismatch: a wrong result).
   */
  async work(account: Address, sessionKey: Address, message: WorkMessage): Promise<RelayerMessage> {
    const { taskId } = message;
    let outcome: Awaited<ReturnType<WorkIngest["submit"]>>;
    switch (message.type) {
      case "commit": {
        if (!(await sessionSigned(message.commitment as Hex, message.signature as Hex, sessionKey))) {
          return errorFrame("bad_frame", "commitment is not signed by this session's key", taskId);
        }
        outcome = await this.ingest.submit({
          kind: "commit",
          taskId,
          node: account,
          commitment: message.commitment as Hex,
          signature: message.signature as Hex,
        });
        break;
      }
      case "reveal": {
        const salt = message.salt as Hex;
        const tokenIds = message.tokenIds;
        outcome = await this.ingest.submit({
          kind: "reveal",
          taskId,
          node: account,
          tokenIds,
          opens: (commitment) => revealedCommitment(taskId, account, tokenIds, salt) === commitment.toLowerCase(),
          queueMs: message.timings.queueMs,
          inferenceMs: message.timings.inferenceMs,
        });
        break;
      }
      case "report": {
        const signed = reportHash({
          taskId,
          node: account,
          claimHash: message.claimHash as Hex,
          pass: message.pass,
          firstFailingPosition: message.firstFailingPosition,
          nonTop1: message.nonTop1,
          maxGapMicros: message.maxGapMicros,
          scored: message.scored,
        });
        if (!(await sessionSigned(signed, message.signature as Hex, sessionKey))) {
          return errorFrame("bad_frame", "report is not signed by this session's key", taskId);
        }
        outcome = await this.ingest.submit({
          kind: "report",
          taskId,
          node: account,
          report: {
            claimHash: message.claimHash.toLowerCase() as Hex,
            pass: message.pass,
            firstFailingPosition: message.firstFailingPosition,
            nonTop1: message.nonTop1,
            maxGapMicros: message.maxGapMicros,
            scored: message.scored,
            signature: message.signature as Hex,
          },
          queueMs: message.timings.queueMs,
          inferenceMs: message.timings.inferenceMs,
        });
        break;
      }
    }
    switch (outcome) {
      case "stored":
      case "duplicate": {
        // Acknowledging a duplicate again lets a node that missed the first ack (reconnect) move on.
        if (message.type !== "commit") {
          const presence = this.registry.get(account);
          if (presence?.inflight.delete(taskId)) this.scheduler.kick();
        }
        return { type: "ack", v: PROTOCOL_VERSION, taskId, of: message.type };
      }
      case "late":
        return errorFrame("late_result", `task ${taskId} passed its deadline; ${message.type} refused`, taskId);
      case "no_commitment":
        return errorFrame("no_commitment", `task ${taskId}: commit before revealing`, taskId);
      case "unknown":
        return errorFrame(
          "unknown_task",
          `task ${taskId} was not assigned to ${account} for a ${message.type}`,
          taskId,
        );
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
