/**
 * The WebSocket session: the relayer greets with `hello`, the node signs in (or resumes with its session token),
 * announces `ready`, sends results again that were not acknowledged, and heartbeats; a socket silent for three
 * heartbeats is treated as dropped.
 */

import { AuthRejectedError } from "../errors.ts";
import { decodeRelayerMessage, type NodeMessage } from "../protocol/messages.ts";
import { PROTOCOL_VERSION } from "../protocol/version.ts";
import type { Session, SessionEnd, SessionHost } from "./session.ts";
import type { WebSocketConstructor } from "./types.ts";

export interface WebSocketSessionOptions {
  url: string;
  WebSocket: WebSocketConstructor;
  heartbeatMs: number;
  /** The `ready` frame announced after every sign-in. */
  ready: () => NodeMessage;
}

/** A socket that opens but never gets as far as a session (no hello, no auth_ok) is given up after this. */
const SIGN_IN_TIMEOUT_MS = 30_000;

/** Runs one WebSocket session; resolves when the socket closes, goes silent or the client stops. */
export function webSocketSession(host: SessionHost, options: WebSocketSessionOptions): Promise<SessionEnd> {
  return new Promise<SessionEnd>((resolve) => {
    let opened = false;
    let authenticated = false;
    let retryNow = false;
    let fatal: AuthRejectedError | null = null;
    let resumed = false;
    let lastSeen = Date.now();
    let heartbeat: ReturnType<typeof setInterval> | null = null;
    let finished = false;
    let socket: WebSocket;
    try {
      socket = new options.WebSocket(options.url);
    } catch (error) {
      resolve({ opened: false, authenticated: false, reason: (error as Error).message });
      return;
    }
    const finish = (reason: string) => {
      if (finished) return;
      finished = true;
      clearTimeout(authTimer);
      if (heartbeat) clearInterval(heartbeat);
      host.signal.removeEventListener("abort", onStop);
      try {
        socket.close(1000, reason.slice(0, 100));
      } catch {}
      resolve({ opened, authenticated, reason, retryNow, ...(fatal ? { fatal } : {}) });
    };
    const onStop = () => finish("client stopped");
    host.signal.addEventListener("abort", onStop, { once: true });
    const authTimer = setTimeout(() => {
      if (!authenticated) finish(`no sign-in within ${SIGN_IN_TIMEOUT_MS / 1000} s`);
    }, SIGN_IN_TIMEOUT_MS);
    const send = (message: NodeMessage) => {
      if (socket.readyState === 1) socket.send(JSON.stringify(message));
    };
    const session: Session = { transport: "websocket", send, close: (reason) => finish(reason) };

    socket.addEventListener("message", (event: MessageEvent) => {
      lastSeen = Date.now();
      if (typeof event.data !== "string") return;
      const decoded = decodeRelayerMessage(event.data);
      if (!decoded.ok) {
        host.error(new Error(`relayer sent an invalid frame: ${decoded.reason}`));
        return;
      }
      const message = decoded.message;
      if (message.type === "hello") {
        opened = true;
        if (host.token) {
          resumed = true;
          send({ type: "auth", v: PROTOCOL_VERSION, session: host.token });
        } else {
          host.signIn(message).then(
            (auth) => {
              // Signed after this socket went away: kept for the next one (SessionHost.signIn).
              if (finished || socket.readyState !== 1) return;
              send(auth);
              host.signInSent();
            },
            (error: unknown) => {
              host.error(error as Error);
              finish("signing failed");
            },
          );
        }
        return;
      }
      if (message.type === "auth_ok") {
        authenticated = true;
        host.authenticated(message, session);
        send(options.ready());
        for (const frame of host.unacked()) send(frame);
        heartbeat = setInterval(() => {
          if (Date.now() - lastSeen > 3 * options.heartbeatMs) finish("no traffic from the relayer for 3 heartbeats");
          else send({ type: "heartbeat", v: PROTOCOL_VERSION, t: Date.now() });
        }, options.heartbeatMs);
        return;
      }
      if (message.type === "error" && message.code === "auth_failed") {
        if (resumed) {
          // The session expired or is unknown: forget it and sign in again right away.
          host.token = null;
          retryNow = true;
          finish(`session refused: ${message.message}`);
          return;
        }
        fatal = new AuthRejectedError(`sign-in refused: ${message.message}`);
        finish(fatal.message);
        return;
      }
      host.handle(message);
    });
    socket.addEventListener("open", () => {
      lastSeen = Date.now();
    });
    socket.addEventListener("error", () => {});
    socket.addEventListener("close", (event: CloseEvent) => {
      finish(`socket closed (${event.code}${event.reason ? ` ${event.reason}` : ""})`);
    });
  });
}
