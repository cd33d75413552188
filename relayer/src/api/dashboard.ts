import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { DASHBOARD_SOCKET_PATH, type DashboardMessage, type NodeProfile, toJson } from "@gitblock/sdk";
import { type Address, getAddress, isAddress } from "viem";
import { WebSocket, WebSocketServer } from "ws";
import type { RelayerEventMap, RelayerEvents } from "../events.ts";
import type { Logger } from "../log.ts";

/**
 * Push channel for the dApp: `/ws/dashboard?address=0x…` streams that node's verdicts and its fresh profile
 * (balances, reputation) whenever one changed it; without an address it streams the network's task verdicts.
 * Pushes are sent as events happen (well under a second), never polled.
 *
 * Anyone may subscribe to any address, so the channel carries final verdicts, final credits and epochs only: a
 * `verdict` event is emitted once a task is final (TaskJudgement), and a profile is pushed only when it differs from
 * the last one this socket got, so not even the timing of a push tells that a node committed, revealed or reported.
 */
export class DashboardChannel {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 1024 });
  private readonly events: RelayerEvents;
  private readonly profile: (address: Address) => Promise<NodeProfile | undefined>;
  private readonly log: Logger;

  constructor(options: {
    events: RelayerEvents;
    profile: (address: Address) => Promise<NodeProfile | undefined>;
    log: Logger;
  }) {
    this.events = options.events;
    this.profile = options.profile;
    this.log = options.log;
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(request.url ?? "/", "http://relayer");
    if (url.pathname !== DASHBOARD_SOCKET_PATH) return false;
    const raw = url.searchParams.get("address");
    const address = raw && isAddress(raw, { strict: false }) ? getAddress(raw) : null;
    this.wss.handleUpgrade(request, socket, head, (ws) => this.onConnection(ws, address));
    return true;
  }

  private onConnection(ws: WebSocket, address: Address | null): void {
    const send = (payload: DashboardMessage) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(toJson(payload));
    };
    let lastProfile: string | null = null;
    const pushProfile = () => {
      if (!address) return;
      this.profile(address)
        .then((profile) => {
          if (!profile) return;
          const json = toJson(profile);
          if (json === lastProfile) return;
          lastProfile = json;
          send({ type: "profile", profile });
        })
        .catch((error: unknown) => this.log.warn({ err: error }, "dashboard profile failed"));
    };
    const onVerdict = (event: RelayerEventMap["verdict"][0]) => {
      if (address && event.node !== address) return;
      send({ type: "verdict", ...event });
      pushProfile();
    };
    const onBalance = (event: RelayerEventMap["balance"][0]) => {
      if (address && event.node === address) pushProfile();
    };
    const onEpoch = (event: RelayerEventMap["epoch"][0]) => send({ type: "epoch", ...event });
    this.events.on("verdict", onVerdict);
    this.events.on("balance", onBalance);
    this.events.on("epoch", onEpoch);
    ws.on("close", () => {
      this.events.off("verdict", onVerdict);
      this.events.off("balance", onBalance);
      this.events.off("epoch", onEpoch);
    });
    ws.on("error", () => ws.terminate());
    // Incoming frames are ignored: this channel only pushes.
    pushProfile();
  }

  async close(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
