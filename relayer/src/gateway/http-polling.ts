import {
  authMessage,
  NODE_HTTP_ROUTES,
  PROTOCOL_VERSION,
  type RelayerMessage,
  readyMessage,
  routerPath,
  workMessage,
} from "@gitblock/sdk";
import express, { type Request, type Response, type Router } from "express";
import type { Address } from "viem";
import type { AuthService } from "../auth/sign-in.ts";
import type { Clock } from "../clock.ts";
import type { RelayerConfig } from "../config/schema.ts";
import { AuthError } from "../errors.ts";
import type { Metrics } from "../metrics.ts";
import type { Channel } from "../presence/registry.ts";
import { errorFrame, type NodeProtocol } from "./node-protocol.ts";
import { TokenBucket } from "./rate-limit.ts";

/** Messages waiting for a polling node's next `GET /api/inference/job`. */
class Mailbox implements Channel {
  readonly kind = "http" as const;
  readonly account: Address;
  messages: RelayerMessage[] = [];
  lastPoll: number;
  private waiter: (() => void) | null = null;

  constructor(account: Address, now: number) {
    this.account = account;
    this.lastPoll = now;
  }

  send(message: RelayerMessage): void {
    // Bounded: a node that stopped polling must not grow memory without end.
    if (this.messages.length < 1_000) this.messages.push(message);
    this.waiter?.();
  }

  close(): void {
    this.waiter?.();
  }

  /** Waits up to `ms` for a message (long polling). */
  wait(ms: number): Promise<void> {
    if (this.messages.length > 0 || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.waiter = () => {
        this.waiter = null;
        done();
      };
    });
  }

  drain(): RelayerMessage[] {
    const out = this.messages;
    this.messages = [];
    return out;
  }
}

const statusFor: Record<string, number> = {
  bad_frame: 400,
  frame_too_large: 413,
  unsupported_version: 400,
  unauthenticated: 401,
  auth_failed: 401,
  banned: 403,
  unknown_task: 404,
  late_result: 409,
  duplicate_result: 409,
  rate_limited: 429,
};

/**
 * The HTTP polling fallback, for nodes behind proxies that break WebSockets. Same messages, same validation,
 * same session tokens (`Authorization: Bearer <session>`), same NodeProtocol behind it:
 * `POST /api/auth/challenge`, `POST /api/auth/session`, `GET /api/inference/job`, `POST /api/inference/result` (commit, reveal and report frames).
 */
export function httpPollingRouter(options: {
  auth: AuthService;
  protocol: NodeProtocol;
  clock: Clock;
  config: RelayerConfig["gateway"];
  metrics: Metrics;
}): { router: Router; sweep: () => void } {
  const { auth, protocol, clock, config, metrics } = options;
  const mailboxes = new Map<Address, Mailbox>();
  // The same per-node token bucket as a socket gets, keyed by the session's account.
  const buckets = new Map<Address, TokenBucket>();
  const allowed = (account: Address): boolean => {
    let bucket = buckets.get(account);
    if (!bucket) {
      bucket = new TokenBucket(config.messagesPerSecond, config.burst, clock.now());
      buckets.set(account, bucket);
    }
    return bucket.take(clock.now());
  };
  const router = express.Router();
  router.use(express.json({ limit: config.maxFrameBytes }));

  const fail = (res: Response, message: RelayerMessage) => {
    if (message.type === "error") metrics.framesRejected.inc({ code: message.code });
    res.status(message.type === "error" ? (statusFor[message.code] ?? 400) : 200).json(message);
  };

  async function authenticate(
    req: Request,
    res: Response,
  ): Promise<{ account: Address; sessionKey: Address } | undefined> {
    const header = req.header("authorization") ?? "";
    const token = header.startsWith("Bearer ") ? header.slice(7) : "";
    if (!token) {
      fail(res, errorFrame("unauthenticated", "missing `Authorization: Bearer <session>`; sign in first"));
      return undefined;
    }
    try {
      const session = await auth.resume(token);
      if (!allowed(session.account)) {
        fail(res, errorFrame("rate_limited", `more than ${config.messagesPerSecond} requests/s; slow down`));
        return undefined;
      }
      return session;
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      fail(res, errorFrame("auth_failed", `${error.reason}: ${error.message}`));
      return undefined;
    }
  }

  router.post(routerPath(NODE_HTTP_ROUTES.challenge), async (_req, res) => {
    res.json({ type: "hello", v: PROTOCOL_VERSION, ...(await auth.issueChallenge()) });
  });

  router.post(routerPath(NODE_HTTP_ROUTES.session), async (req, res) => {
    const parsed = authMessage.safeParse(req.body);
    if (!parsed.success || !parsed.data.signIn) {
      fail(res, errorFrame("bad_frame", "expected an auth message with `signIn`"));
      return;
    }
    const signIn = parsed.data.signIn;
    try {
      const session = await auth.signIn({
        ...signIn,
        account: signIn.account as Address,
        nonce: signIn.nonce as `0x${string}`,
        sessionKey: signIn.sessionKey as Address,
        signature: signIn.signature as `0x${string}`,
      });
      res.json({
        type: "auth_ok",
        v: PROTOCOL_VERSION,
        account: session.account,
        session: session.token,
        expiresAt: session.expiresAt,
      });
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      metrics.authFailures.inc({ reason: error.reason });
      fail(res, errorFrame("auth_failed", `${error.reason}: ${error.message}`));
    }
  });

  /**
   * `?models=a,b&capacity=1[&verify=1][&country=DE][&wait=ms]`: doubles as `ready` and heartbeat; returns queued
   * messages.
   */
  router.get(routerPath(NODE_HTTP_ROUTES.job), async (req, res) => {
    const session = await authenticate(req, res);
    if (!session) return;
    const { account } = session;
    const ready = readyMessage.safeParse({
      type: "ready",
      v: PROTOCOL_VERSION,
      models: String(req.query.models ?? "")
        .split(",")
        .filter(Boolean),
      capacity: Number(req.query.capacity ?? 1),
      verify: req.query.verify === "1",
      ...(req.query.country ? { country: String(req.query.country) } : {}),
    });
    if (!ready.success) {
      fail(res, errorFrame("bad_frame", "query needs models=<id,...> and capacity=<1..64>"));
      return;
    }
    const now = clock.now();
    let mailbox = mailboxes.get(account);
    if (!mailbox) {
      mailbox = new Mailbox(account, now);
      mailboxes.set(account, mailbox);
      await protocol.connect(account, mailbox);
      for (const reply of await protocol.ready(account, ready.data)) mailbox.send(reply);
    } else {
      // Later polls refresh what the node serves, without resending its open tasks.
      for (const reply of await protocol.ready(account, ready.data, false)) mailbox.send(reply);
    }
    mailbox.lastPoll = now;
    protocol.heartbeat(account, { type: "heartbeat", v: PROTOCOL_VERSION, t: now });
    await mailbox.wait(Math.min(Number(req.query.wait ?? 0) || 0, 25_000));
    const messages = mailbox.drain();
    if (messages.length === 0) {
      res.status(204).end();
      return;
    }
    res.json({ messages });
  });

  router.post(routerPath(NODE_HTTP_ROUTES.result), async (req, res) => {
    const session = await authenticate(req, res);
    if (!session) return;
    const parsed = workMessage.safeParse(req.body);
    if (!parsed.success) {
      fail(res, errorFrame("bad_frame", `invalid work frame: ${parsed.error.issues[0]?.message ?? "unknown"}`));
      return;
    }
    fail(res, await protocol.work(session.account, session.sessionKey, parsed.data));
  });

  /** A polling node that stops polling is disconnected after the heartbeat timeout. */
  const sweep = () => {
    const now = clock.now();
    for (const [account, mailbox] of mailboxes) {
      if (now - mailbox.lastPoll > config.heartbeatTimeoutMs) {
        mailboxes.delete(account);
        buckets.delete(account);
        protocol.disconnect(account, mailbox);
      }
    }
  };
  return { router, sweep };
}
