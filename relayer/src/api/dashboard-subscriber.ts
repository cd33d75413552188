import { WebSocket } from "ws";

/**
 * One dashboard socket's outbox. A frame goes straight to the socket while the socket keeps up (nothing of ours is
 * left in its userland buffer); once a write is left waiting, the outbox holds what comes next until the socket's
 * buffer has drained:
 * - the profile is state, so the latest replaces one still waiting (a reader that falls behind skips the profiles in
 *   between, never the newest), and one equal to the last sent is not sent;
 * - verdicts and epochs are events, each shown in the dApp's feed, so they are queued in order, not coalesced.
 * Whatever is waiting — the socket's buffer, the queue and the profile — is bounded by `maxBufferedBytes`: past it
 * the reader has stopped reading (the kernel's buffers are full before anything waits here), and it is dropped
 * rather than buffered for; the dApp reconnects and reads the API again.
 */
export class DashboardSubscriber {
  private readonly ws: WebSocket;
  private readonly maxBufferedBytes: number;
  private readonly onDrop: () => void;
  private readonly events: string[] = [];
  private eventBytes = 0;
  private pendingProfile: string | null = null;
  private lastProfile: string | null = null;
  /** A frame sits in the socket's buffer: wait for its write before sending more. */
  private waiting = false;

  constructor(ws: WebSocket, options: { maxBufferedBytes: number; onDrop: () => void }) {
    this.ws = ws;
    this.maxBufferedBytes = options.maxBufferedBytes;
    this.onDrop = options.onDrop;
  }

  /** A `verdict` or `epoch` message, serialised once for every subscriber it goes to. */
  pushEvent(json: string): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.events.push(json);
    this.eventBytes += Buffer.byteLength(json);
    this.flush();
  }

  /** A `profile` message: sent only if it differs from the last one this socket got. */
  pushProfile(json: string): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.pendingProfile = json === this.lastProfile ? null : json;
    this.flush();
  }

  private flush(): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    while (!this.waiting) {
      const next = this.takeNext();
      if (next === undefined) break;
      this.ws.send(next, this.written);
      // A socket that keeps up hands the frame to the kernel at once; one that does not keeps it buffered.
      if (this.ws.bufferedAmount > 0) this.waiting = true;
    }
    if (this.waitingBytes() > this.maxBufferedBytes) this.drop();
  }

  /** Events first, in order; then the profile, which was computed after them. */
  private takeNext(): string | undefined {
    const event = this.events.shift();
    if (event !== undefined) {
      this.eventBytes -= Buffer.byteLength(event);
      return event;
    }
    const profile = this.pendingProfile;
    if (profile === null) return undefined;
    this.pendingProfile = null;
    this.lastProfile = profile;
    return profile;
  }

  private readonly written = (): void => {
    if (!this.waiting || this.ws.bufferedAmount > 0) return;
    this.waiting = false;
    this.flush();
  };

  private waitingBytes(): number {
    const profile = this.pendingProfile === null ? 0 : Buffer.byteLength(this.pendingProfile);
    return this.ws.bufferedAmount + this.eventBytes + profile;
  }

  private drop(): void {
    this.events.length = 0;
    this.eventBytes = 0;
    this.pendingProfile = null;
    this.ws.terminate();
    this.onDrop();
  }
}
