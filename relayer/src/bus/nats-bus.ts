import {
  AckPolicy,
  connect,
  type JetStreamClient,
  type JetStreamManager,
  type KV,
  type KvEntry,
  type NatsConnection,
  nanos,
  RetentionPolicy,
  StorageType,
} from "nats";
import type { Logger } from "../log.ts";
import { decodeBusJson, encodeBusJson } from "./bus-json.ts";

/** Frames for an instance's nodes wait this long for it (or an instance adopting its queue) before NATS drops them. */
const FRAME_MAX_AGE_MS = 10 * 60_000;
/** A frame delivered and not acknowledged (its instance died holding it) is delivered again after this. */
const FRAME_ACK_WAIT_MS = 30_000;

/** The names one network uses on a NATS server: several networks (or test runs) can share one server. */
export interface BusNames {
  /** Subject of the frames for one instance's nodes (the durable work queue). */
  frames(instance: string): string;
  /** The JetStream stream holding every instance's frame queue. */
  framesStream: string;
  /** The durable consumer an instance reads its frame queue through. */
  framesConsumer(instance: string): string;
  /** Served-request stream frames going back to the instance holding the user's request. */
  streams(instance: string): string;
  /** Events every instance's dashboards push. */
  events: string;
  /** "Jobs were queued": wakes every instance's scheduler. */
  work: string;
  /** The key-value bucket of presence: who is connected where, with what capacity; and which instances live. */
  presenceBucket: string;
}

export function busNames(prefix: string): BusNames {
  return {
    frames: (instance) => `${prefix}.frames.${instance}`,
    framesStream: `${prefix.toUpperCase()}_FRAMES`,
    framesConsumer: (instance) => `frames-${instance}`,
    streams: (instance) => `${prefix}.streams.${instance}`,
    events: `${prefix}.events`,
    work: `${prefix}.work`,
    presenceBucket: `${prefix}-presence`,
  };
}

/**
 * One relayer instance's connection to NATS (the official `nats` client) and what it needs there: the JetStream
 * work queue of frames (one subject per instance, file storage, explicit acks), the presence bucket (a key-value
 * bucket whose entries expire after `presenceTtlMs` unless refreshed), and plain subjects for what needs no
 * durability (events, served-request streams: their receiver is a live process or nobody).
 */
export class NatsBus {
  readonly names: BusNames;
  readonly instance: string;
  private readonly nc: NatsConnection;
  private readonly js: JetStreamClient;
  private readonly jsm: JetStreamManager;
  readonly presence: KV;
  private readonly log: Logger;

  private constructor(parts: {
    nc: NatsConnection;
    js: JetStreamClient;
    jsm: JetStreamManager;
    presence: KV;
    names: BusNames;
    instance: string;
    log: Logger;
  }) {
    this.nc = parts.nc;
    this.js = parts.js;
    this.jsm = parts.jsm;
    this.presence = parts.presence;
    this.names = parts.names;
    this.instance = parts.instance;
    this.log = parts.log;
  }

  static async connect(options: {
    url: string;
    prefix: string;
    instance: string;
    presenceTtlMs: number;
    log: Logger;
  }): Promise<NatsBus> {
    const names = busNames(options.prefix);
    let nc: NatsConnection;
    try {
      nc = await connect({
        servers: options.url.split(","),
        name: `gitblock-relayer-${options.instance}`,
        // Reconnect forever: the bus going away for a while must not end the relayer; frames wait in JetStream.
        maxReconnectAttempts: -1,
        reconnectTimeWait: 500,
      });
    } catch (error) {
      throw new Error(`cannot reach NATS at ${options.url} (bus.url): ${(error as Error).message}`);
    }
    try {
      const jsm = await nc.jetstreamManager();
      await ensureStream(jsm, {
        name: names.framesStream,
        subjects: [names.frames("*")],
        retention: RetentionPolicy.Workqueue,
        storage: StorageType.File,
        max_age: nanos(FRAME_MAX_AGE_MS),
      });
      await ensureConsumer(jsm, names.framesStream, {
        durable_name: names.framesConsumer(options.instance),
        filter_subject: names.frames(options.instance),
        ack_policy: AckPolicy.Explicit,
        ack_wait: nanos(FRAME_ACK_WAIT_MS),
        max_ack_pending: 10_000,
      });
      const js = nc.jetstream();
      const presence = await js.views.kv(names.presenceBucket, { history: 1, ttl: options.presenceTtlMs });
      return new NatsBus({ nc, js, jsm, presence, names, instance: options.instance, log: options.log });
    } catch (error) {
      await nc.close();
      throw new Error(`NATS at ${options.url} has no usable JetStream (start nats-server with -js): ${error}`);
    }
  }

  /** Queues a frame for a node held by `instance`; resolves once JetStream stored it. */
  async sendFrame(instance: string, payload: unknown): Promise<void> {
    await this.js.publish(this.names.frames(instance), encodeBusJson(payload));
  }

  /**
   * Reads `instance`'s frame queue, one message at a time, acknowledging each after `handle` returned. Runs until
   * the connection closes; `handle` throwing leaves the frame to be delivered again.
   */
  async consumeFrames(instance: string, handle: (payload: unknown) => Promise<void> | void): Promise<void> {
    const consumer = await this.js.consumers.get(this.names.framesStream, this.names.framesConsumer(instance));
    const messages = await consumer.consume({ max_messages: 256 });
    for await (const message of messages) {
      try {
        await handle(decodeBusJson(message.data));
        message.ack();
      } catch (error) {
        this.log.error({ err: error }, "relaying a frame failed; NATS delivers it again");
        message.nak(1_000);
      }
    }
  }

  /**
   * Drains what is left in a dead instance's frame queue through `handle`, then removes the queue. Two survivors
   * draining one queue at once is harmless: each message goes to one of them.
   */
  async adoptFrames(instance: string, handle: (payload: unknown) => Promise<void> | void): Promise<number> {
    const consumer = await this.js.consumers.get(this.names.framesStream, this.names.framesConsumer(instance));
    let moved = 0;
    for (;;) {
      const batch = await consumer.fetch({ max_messages: 256, expires: 1_000 });
      let got = 0;
      for await (const message of batch) {
        got++;
        await handle(decodeBusJson(message.data));
        message.ack();
        moved++;
      }
      if (got === 0) break;
    }
    await this.jsm.consumers.delete(this.names.framesStream, this.names.framesConsumer(instance)).catch(() => false);
    return moved;
  }

  /** The instances that have a frame queue on the bus (alive or not). */
  async frameQueues(): Promise<string[]> {
    const prefix = this.names.framesConsumer("");
    const names: string[] = [];
    for await (const info of this.jsm.consumers.list(this.names.framesStream)) {
      if (info.name.startsWith(prefix)) names.push(info.name.slice(prefix.length));
    }
    return names;
  }

  publish(subject: string, payload: unknown): void {
    this.nc.publish(subject, encodeBusJson(payload));
  }

  subscribe(subject: string, handle: (payload: unknown) => void): void {
    this.nc.subscribe(subject, {
      callback: (error, message) => {
        if (error) {
          this.log.error({ err: error, subject }, "bus subscription failed");
          return;
        }
        try {
          handle(decodeBusJson(message.data));
        } catch (caught) {
          this.log.error({ err: caught, subject }, "handling a bus message failed");
        }
      },
    });
  }

  async putPresence(key: string, value: unknown): Promise<void> {
    await this.presence.put(key, encodeBusJson(value));
  }

  async deletePresence(key: string): Promise<void> {
    await this.presence.delete(key);
  }

  /** Every presence entry now, then each change, until the connection closes. */
  async watchPresence(handle: (key: string, value: unknown | null) => void, initialized: () => void): Promise<void> {
    const watch = await this.presence.watch({ key: ">", initializedFn: initialized });
    for await (const entry of watch) {
      handle(entry.key, isRemoval(entry) ? null : decodeBusJson(entry.value));
    }
  }

  /** Flushes what was published, then closes. */
  async close(): Promise<void> {
    if (this.nc.isClosed()) return;
    await this.nc.drain().catch(() => this.nc.close());
  }
}

const isRemoval = (entry: KvEntry) => entry.operation === "DEL" || entry.operation === "PURGE";

async function ensureStream(jsm: JetStreamManager, config: Parameters<JetStreamManager["streams"]["add"]>[0]) {
  const name = config.name as string;
  try {
    await jsm.streams.info(name);
  } catch {
    // Two instances starting at once both find no stream: the second add answers "already in use", which is fine.
    await jsm.streams.add(config).catch(async (error: unknown) => {
      await jsm.streams.info(name).catch(() => {
        throw error;
      });
    });
  }
}

async function ensureConsumer(
  jsm: JetStreamManager,
  stream: string,
  config: Parameters<JetStreamManager["consumers"]["add"]>[1],
) {
  try {
    await jsm.consumers.info(stream, config.durable_name as string);
  } catch {
    await jsm.consumers.add(stream, config);
  }
}
