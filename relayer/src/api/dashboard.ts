import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { DASHBOARD_SOCKET_PATH, type DashboardMessage, type NodeProfile, toJson } from "@gitblock/sdk";
import { type Address, getAddress, isAddress } from "viem";
import { type WebSocket, WebSocketServer } from "ws";
import type { RelayerConfig } from "../config/schema.ts";
import type { RelayerEventMap, RelayerEvents } from "../events.ts";
import { requestClientKey } from "../gateway/client-address.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import { DashboardSubscriber } from "./dashboard-subscriber.ts";
import { ProfileCoalescer } from "./profile-coalescer.ts";
import { type SubscriberLimit, SubscriberLimits } from "./subscriber-limits.ts";

const REFUSALS: Record<SubscriberLimit, string> = {
  total: "too many dashboard subscribers",
  ip: "too many dashboard subscribers from this network address",
  address: "too many dashboard subscribers for this wallet",
};

/**
 * Push channel for the dApp: `/ws/dashboard?address=0x…` streams that node's verdicts and its fresh profile
 * (balances, reputation) whenever one changed it; without an address it streams the network's task verdicts. Every
 * socket gets the epochs. Pushes are sent as events happen (well under a second), never polled.
 *
 * Anyone may subscribe to any address, so the channel carries final verdicts, final credits and epochs only: a
 * `verdict` event is emitted once a task is final (TaskJudgement), and a profile is pushed only when it differs from
 * the last one this socket got, so not even the timing of a push tells that a node committed, revealed or reported.
 *
 * Anyone may also subscribe as often as the caps in `dashboard` allow (over a cap the upgrade is refused with 429),
 * and what a subscriber costs does not grow with its number: each event is serialised once, a profile is computed
 * once per change for all of an address's subscribers (ProfileCoalescer), and a subscriber that stops reading is
 * dropped once `maxBufferedBytes` wait for it (DashboardSubscriber).
 */
export class DashboardChannel {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 1024 });
  private readonly events: RelayerEvents;
  private readonly config: RelayerConfig["dashboard"];
  private readonly trustProxy: boolean;
  private readonly metrics: Metrics;
  private readonly limits: SubscriberLimits;
  private readonly profiles: ProfileCoalescer;
  /** Subscribers without an address: the network's verdicts. */
  private readonly network = new Set<DashboardSubscriber>();
  private readonly byAddress = new Map<Address, Set<DashboardSubscriber>>();

  constructor(options: {
    events: RelayerEvents;
    profile: (address: Address) => Promise<NodeProfile | undefined>;
    config: RelayerConfig["dashboard"];
    /** `admission.trustProxy`: per-IP caps count the forwarded client, as the node gateway's do. */
    trustProxy: boolean;
    metrics: Metrics;
    log: Logger;
  }) {
    this.events = options.events;
    this.config = options.config;
    this.trustProxy = options.trustProxy;
    this.metrics = options.metrics;
    this.limits = new SubscriberLimits(options.config);
    this.profiles = new ProfileCoalescer({
      compute: options.profile,
      deliver: (address, json) => {
        for (const subscriber of this.byAddress.get(address) ?? []) subscriber.pushProfile(json);
      },
      coalesceMs: options.config.profileCoalesceMs,
      log: options.log,
    });
    this.events.on("verdict", this.onVerdict);
    this.events.on("balance", this.onBalance);
    this.events.on("epoch", this.onEpoch);
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(request.url ?? "/", "http://relayer");
    if (url.pathname !== DASHBOARD_SOCKET_PATH) return false;
    const raw = url.searchParams.get("address");
    const address = raw && isAddress(raw, { strict: false }) ? getAddress(raw) : null;
    const client = requestClientKey(request, this.trustProxy);
    const refused = this.limits.admit(client, address);
    if (refused) {
      this.metrics.dashboardRefused.inc({ limit: refused });
      const body = toJson({ error: REFUSALS[refused] });
      socket.end(
        "HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nContent-Type: application/json\r\n" +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      return true;
    }
    this.metrics.dashboardSubscribers.inc();
    // The TCP socket's close, not the WebSocket's: a handshake that fails frees its place too.
    socket.once("close", () => {
      this.limits.release(client, address);
      this.metrics.dashboardSubscribers.dec();
    });
    this.wss.handleUpgrade(request, socket, head, (ws) => this.onConnection(ws, address));
    return true;
  }

  private onConnection(ws: WebSocket, address: Address | null): void {
    const subscriber = new DashboardSubscriber(ws, {
      maxBufferedBytes: this.config.maxBufferedBytes,
      onDrop: () => this.metrics.dashboardDropped.inc(),
    });
    const group = address ? this.subscribersOf(address) : this.network;
    group.add(subscriber);
    ws.on("close", () => {
      group.delete(subscriber);
      if (address && group.size === 0) {
        this.byAddress.delete(address);
        this.profiles.forget(address);
      }
    });
    ws.on("error", () => ws.terminate());
    // Incoming frames are ignored: this channel only pushes. A new subscriber counts as a change: its first profile
    // comes with the next computation for the address, shared with whoever else subscribed meanwhile.
    if (address) this.profiles.changed(address);
  }

  private subscribersOf(address: Address): Set<DashboardSubscriber> {
    let group = this.byAddress.get(address);
    if (!group) {
      group = new Set();
      this.byAddress.set(address, group);
    }
    return group;
  }

  private readonly onVerdict = (event: RelayerEventMap["verdict"][0]): void => {
    const watchers = this.byAddress.get(event.node);
    if (this.network.size === 0 && !watchers) return;
    const json = toJson({ type: "verdict", ...event } satisfies DashboardMessage);
    for (const subscriber of this.network) subscriber.pushEvent(json);
    if (!watchers) return;
    for (const subscriber of watchers) subscriber.pushEvent(json);
    this.profiles.changed(event.node);
  };

  private readonly onBalance = (event: RelayerEventMap["balance"][0]): void => {
    if (this.byAddress.has(event.node)) this.profiles.changed(event.node);
  };

  private readonly onEpoch = (event: RelayerEventMap["epoch"][0]): void => {
    const json = toJson({ type: "epoch", ...event } satisfies DashboardMessage);
    for (const subscriber of this.network) subscriber.pushEvent(json);
    for (const group of this.byAddress.values()) for (const subscriber of group) subscriber.pushEvent(json);
  };

  async close(): Promise<void> {
    this.events.off("verdict", this.onVerdict);
    this.events.off("balance", this.onBalance);
    this.events.off("epoch", this.onEpoch);
    for (const client of this.wss.clients) client.terminate();
    await this.profiles.close();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
