/**
 * The HTTP polling session, for networks that break WebSockets: the same frames over `NODE_HTTP_ROUTES`. The node
 * signs in with a challenge and a session request, long-polls for its frames (the poll carries models and capacity,
 * so it doubles as `ready` and heartbeat) and POSTs its work (commitments, reveals, reports), handling each reply
 * as a frame.
 */
import { NODE_HTTP_ROUTES } from "../api/routes.ts";
import { AuthRejectedError } from "../errors.ts";
import { type AuthOkMessage, relayerMessage } from "../protocol/messages.ts";
import { PROTOCOL_VERSION } from "../protocol/version.ts";
import type { Session, SessionEnd, SessionHost } from "./session.ts";

export interface HttpSessionOptions {
  /** The relayer's base URL, without a trailing slash. */
  base: string;
  fetch: typeof fetch;
  /** The node's address: the account of a resumed session. */
  account: string;
  models: string[];
  capacity: number;
  /** The engine can verify: the poll says so (`verify=1`). */
  verify: boolean;
  country?: string;
  /** The publisher placement this node runs in (an embedded widget): the poll says so (`placement=`). */
  placement?: string;
  /** How long one long-poll waits for work. */
  pollWaitMs: number;
}

/** Runs one polling session; resolves when the client stops, the session is closed or the relayer fails. */
export async function httpSession(host: SessionHost, options: HttpSessionOptions): Promise<SessionEnd> {
  const http = (path: string, init: RequestInit = {}, signal?: AbortSignal): Promise<Response> => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (host.token) headers.authorization = `Bearer ${host.token}`;
    return options.fetch(`${options.base}${path}`, { ...init, headers, ...(signal ? { signal } : {}) });
  };

  const signIn = async (): Promise<AuthOkMessage> => {
    const helloResponse = await http(NODE_HTTP_ROUTES.challenge, { method: "POST", body: "{}" });
    const hello = relayerMessage.safeParse(await helloResponse.json());
    if (!hello.success || hello.data.type !== "hello") throw new Error("relayer sent no challenge");
    const auth = await host.signIn(hello.data);
    host.signInSent();
    const response = await http(NODE_HTTP_ROUTES.session, { method: "POST", body: JSON.stringify(auth) });
    const reply = relayerMessage.safeParse(await response.json());
    if (reply.success && reply.data.type === "auth_ok") return reply.data;
    const reason = reply.success && reply.data.type === "error" ? reply.data.message : `HTTP ${response.status}`;
    // 429: the relayer's sign-in budget for this address is spent, which says nothing about the wallet: retry later.
    if (response.status === 429) throw new Error(`sign-in deferred: ${reason}`);
    throw new AuthRejectedError(`sign-in refused: ${reason}`);
  };

  const controller = new AbortController();
  const abort = () => controller.abort();
  host.signal.addEventListener("abort", abort, { once: true });
  let closedReason: string | null = null;
  const session: Session = {
    transport: "http",
    send: (message) => {
      // ready and heartbeat ride on the polls
      if (message.type !== "commit" && message.type !== "reveal" && message.type !== "report") return;
      http(NODE_HTTP_ROUTES.result, { method: "POST", body: JSON.stringify(message) })
        .then(async (response) => {
          const reply = relayerMessage.safeParse(await response.json());
          if (reply.success) host.handle(reply.data);
        })
        .catch((error: unknown) => host.error(error as Error));
    },
    close: (reason) => {
      closedReason = reason;
      controller.abort();
    },
  };
  let opened = false;
  let authenticated = false;
  try {
    if (!host.token) {
      const ok = await signIn();
      opened = true;
      authenticated = true;
      host.authenticated(ok, session);
    }
    for (const frame of host.unacked()) session.send(frame);
    const query = new URLSearchParams({
      models: options.models.join(","),
      capacity: String(options.capacity),
      ...(options.verify ? { verify: "1" } : {}),
      wait: String(options.pollWaitMs),
      ...(options.country ? { country: options.country } : {}),
      ...(options.placement ? { placement: options.placement } : {}),
    });
    for (;;) {
      if (controller.signal.aborted) break;
      const response = await http(`${NODE_HTTP_ROUTES.job}?${query}`, {}, controller.signal);
      opened = true;
      if (response.status === 401) {
        // Unknown or expired session: sign in again.
        await response.body?.cancel();
        host.token = null;
        const ok = await signIn();
        authenticated = true;
        host.authenticated(ok, session);
        continue;
      }
      if (!authenticated) {
        // The resumed session's token was accepted.
        authenticated = true;
        host.authenticated(
          { type: "auth_ok", v: PROTOCOL_VERSION, account: options.account, session: host.token ?? "", expiresAt: 0 },
          session,
        );
      }
      if (response.status === 204) continue;
      const body = (await response.json()) as { messages?: unknown[] } | unknown;
      const messages =
        typeof body === "object" && body !== null && "messages" in body && Array.isArray(body.messages)
          ? body.messages
          : [body];
      for (const raw of messages) {
        const parsed = relayerMessage.safeParse(raw);
        if (parsed.success) host.handle(parsed.data);
        else host.error(new Error("relayer sent an invalid message"));
      }
      if (response.status >= 500) break;
    }
    return { opened, authenticated, reason: closedReason ?? "stopped" };
  } catch (error) {
    if (error instanceof AuthRejectedError) throw error;
    return { opened, authenticated, reason: closedReason ?? `HTTP polling failed: ${(error as Error).message}` };
  } finally {
    host.signal.removeEventListener("abort", abort);
  }
}
