/**
 * The dashboard's live channel: the relayer's `/ws/dashboard?address=0x…` push socket. It reports "live" while the
 * socket is open; on a drop it goes "offline", retries every `retryMs` (5 s), and the data hooks fall back to HTTP
 * polling while it is offline. Latency is the socket's opening handshake round trip, measured on every (re)connect.
 */
import type { Address } from "viem";
import { type DashboardMessage, type DashboardVerdict, parseDashboardMessage } from "./sdk.ts";

export type FeedStatus = "connecting" | "live" | "offline";

/** A dashboard channel message (sdk/src/api), stamped with when the browser received it (ms). */
export type FeedEvent = DashboardMessage & { receivedAt: number };
export type VerdictEvent = DashboardVerdict & { receivedAt: number };

/** What the feed needs of a WebSocket (the browser's, or a fake in tests). */
export interface SocketLike {
  onopen: ((event: unknown) => void) | null;
  onclose: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  close(): void;
}

export interface FeedOptions {
  url: string;
  retryMs?: number;
  createSocket?: (url: string) => SocketLike;
  now?: () => number;
  schedule?: (fn: () => void, ms: number) => unknown;
  cancel?: (handle: unknown) => void;
}

/** Decodes one pushed frame; unknown or malformed frames are ignored (null). */
export function decodeFeedFrame(data: unknown, receivedAt: number): FeedEvent | null {
  if (typeof data !== "string") return null;
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return null;
  }
  const message = parseDashboardMessage(json);
  return message && { ...message, receivedAt };
}

/** `ws(s)://<host>/ws/dashboard?address=…` for a relayer base URL ("" = this page's origin). */
export function dashboardSocketUrl(base: string, address: Address | undefined, location?: { origin: string }): string {
  const origin = base || location?.origin || "http://127.0.0.1:8080";
  const url = new URL("/ws/dashboard", origin);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  if (address) url.searchParams.set("address", address);
  return url.toString();
}

export class LiveFeed {
  status: FeedStatus = "connecting";
  latencyMs: number | null = null;
  /** Reconnect attempts since the last time the socket was live. */
  retries = 0;
  private socket: SocketLike | null = null;
  private timer: unknown = null;
  private stopped = true;
  private readonly listeners = new Set<(event: FeedEvent) => void>();
  private readonly statusListeners = new Set<() => void>();
  private readonly options: Required<FeedOptions>;

  constructor(options: FeedOptions) {
    this.options = {
      retryMs: 5_000,
      createSocket: (url) => new WebSocket(url) as unknown as SocketLike,
      now: () => performance.now(),
      schedule: (fn, ms) => setTimeout(fn, ms),
      cancel: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
      ...options,
    };
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.options.cancel(this.timer);
    this.timer = null;
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onclose = null;
      socket.onerror = null;
      socket.onmessage = null;
      socket.close();
    }
  }

  onEvent(listener: (event: FeedEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onStatus(listener: () => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  private setStatus(status: FeedStatus): void {
    if (this.status === status) return;
    this.status = status;
    for (const listener of this.statusListeners) listener();
  }

  private connect(): void {
    if (this.stopped) return;
    const started = this.options.now();
    let socket: SocketLike;
    try {
      socket = this.options.createSocket(this.options.url);
    } catch {
      this.dropped();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      this.latencyMs = Math.round(this.options.now() - started);
      this.retries = 0;
      this.setStatus("live");
    };
    socket.onmessage = (message) => {
      const event = decodeFeedFrame(message.data, Date.now());
      if (!event) return;
      for (const listener of this.listeners) listener(event);
    };
    socket.onerror = () => {};
    socket.onclose = () => {
      if (this.socket === socket) this.socket = null;
      this.dropped();
    };
  }

  private dropped(): void {
    if (this.stopped) return;
    this.setStatus("offline");
    this.retries++;
    this.timer = this.options.schedule(() => {
      this.timer = null;
      this.connect();
    }, this.options.retryMs);
  }
}
