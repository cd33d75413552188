import type { Address } from "viem";
import { isBanned } from "../economics/reputation.ts";
import { busySlots, type Presence } from "../presence/registry.ts";

/**
 * The queue is read by lane: the unpinned tasks of one model, and the tasks pinned to a node (liveness probes). A
 * dispatch pass reads only the lanes some node can take from now, a model lane as deep as its free slots. Read as one list,
 * oldest first, the queue stalled behind its head: a pass read as many tasks as free capacity could take, and when
 * those were all for a model nobody serves, or whose only nodes were busy, nothing behind them was ever read while
 * nodes sat idle. A lane nobody can take from now is not read at all: its tasks wait, and when nobody serves their
 * model they expire after `verification.queueTimeoutMs` (`Scheduler`).
 */
export interface QueueLanes {
  /** Free generator slots per model, over the nodes that may generate it: the model lanes to read, and how deep. */
  freeByModel: Map<string, number>;
  /** Free slots in all, each node counted once. */
  freeSlots: number;
  /** Models some node that may generate serves, busy or not: their tasks wait for a slot and never expire. */
  servedModels: Set<string>;
  /** Nodes that may generate, busy or not: the tasks pinned to them wait. */
  readyNodes: Address[];
}

/** Whether a node may generate now: ready, not banned, not the dispute tier (its capacity stays for disputes). */
export function mayGenerate(presence: Presence, now: number, references: ReadonlySet<string>): boolean {
  return presence.ready !== null && !isBanned(presence.record, now) && !references.has(presence.address.toLowerCase());
}

/**
 * Whether this instance may hand the node a task to generate: it may generate, and its socket is here. With several
 * instances each places tasks on its own nodes only (it alone knows their free slots at once); tasks meet nodes
 * through the shared queue in PostgreSQL, which every instance reads.
 */
export const mayGenerateHere = (presence: Presence, now: number, references: ReadonlySet<string>): boolean =>
  presence.instance === null && mayGenerate(presence, now, references);

/** The lanes of the queue as the connected nodes can serve them now. */
export function queueLanes(presences: Iterable<Presence>, now: number, references: ReadonlySet<string>): QueueLanes {
  const lanes: QueueLanes = {
    freeByModel: new Map(),
    freeSlots: 0,
    servedModels: new Set(),
    readyNodes: [],
  };
  for (const presence of presences) {
    const ready = presence.ready;
    if (!ready || !mayGenerate(presence, now, references)) continue;
    lanes.readyNodes.push(presence.address);
    for (const model of ready.models) lanes.servedModels.add(model);
    // Another instance's node keeps its model's tasks from expiring, but its slots are its instance's to fill.
    if (presence.instance !== null) continue;
    const free = ready.capacity - busySlots(presence);
    if (free <= 0) continue;
    lanes.freeSlots += free;
    for (const model of ready.models) lanes.freeByModel.set(model, (lanes.freeByModel.get(model) ?? 0) + free);
  }
  return lanes;
}
