import type { RelayerEventMap, RelayerEvents } from "../events.ts";
import type { NatsBus } from "./nats-bus.ts";

/** The events dashboards push: each instance's reach every instance's dashboard sockets. */
const RELAYED = ["verdict", "task", "balance", "epoch"] as const satisfies ReadonlyArray<keyof RelayerEventMap>;

interface RelayedEvent {
  origin: string;
  name: (typeof RELAYED)[number];
  payload: unknown;
}

/**
 * Fans this instance's dashboard events out to the other instances and replays theirs here, so a dashboard socket on
 * any instance gets every push (a verdict judged on another instance, an epoch the leader closed). Plain NATS: a
 * push missed while an instance restarts is what a dashboard reconnect re-reads anyway.
 */
export function relayEvents(bus: NatsBus, events: RelayerEvents): void {
  let replaying = false;
  for (const name of RELAYED) {
    events.on(name, (payload: unknown) => {
      if (!replaying) bus.publish(bus.names.events, { origin: bus.instance, name, payload } satisfies RelayedEvent);
    });
  }
  bus.subscribe(bus.names.events, (message) => {
    const event = message as RelayedEvent;
    if (event.origin === bus.instance || !RELAYED.includes(event.name)) return;
    // emit is synchronous: the flag covers exactly the listeners this replay runs.
    replaying = true;
    try {
      (events.emit as (name: string, payload: unknown) => boolean)(event.name, event.payload);
    } finally {
      replaying = false;
    }
  });
}
