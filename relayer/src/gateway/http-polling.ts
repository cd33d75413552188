import {
  authMessage,
  NODE_HTTP_ROUTES,
  PROTOCOL_VERSION,
  type RelayerMessage,
  readyMessage,
  routerPath,
  streamMessage,
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
import type { Admission } from "./admission.ts";
import { errorFrame, type NodeProtocol } from "./node-protocol.ts";
import type { WalletLimits } from "./wallet-limits.ts";

/** Messages waiting for a polling node's next `GET /api/inference/job`. */
class Mailbox implements Channel {
  readonly kind = "http" as const;
  readonly account: Address;
  messages: RelayerMessage[] = [];
  lastPoll: number;
  /** Polls waiting on this mailbox: their answers drain it, so what arrives meanwhile is not held against the bound. */
  openPolls = 0;
  /** Size of `messages` as the poll will send them. */
  private queuedBytes = 0;
  private overflowed = false;
  private waiter: (() => void) | null = null;
  private readonly maxQueuedBytes: number;
  private readonly onOverflow: (mailbox: Mailbox) => void;

  constructor(account: Address, now: number, maxQueuedBytes: number, onOverflow: (mailbox: Mailbox) => void) {
    this.account = account;
    this.lastPoll = now;
    this.maxQueuedBytes = maxQueuedBytes;
    this.onOverflow = onOverflow;
  }

  send(message: RelayerMessage): void {
    if (this.overflowed) return;
    // Bounded like a socket's send buffer: a node that stopped polling is disconnected, not queued for without end.
    if (this.openPolls === 0 && this.queuedBytes > this.maxQueuedBytes) {
      this.overflowed = true;
      this.messages = [];
      this.queuedBytes = 0;
      this.onOverflow(this);
      this.waiter?.();
      return;
    }
    this.messages.push(message);
    this.queuedBytes += Buffer.byteLength(JSON.stringify(message));
    this.waiter?.();
  }

  close(): void {
    this.waiter?.();
  }

  /** Waits up to `ms` for a message (long polling). */
  wait(ms: number): Promise<void> {
    if (this.messages.length > 0 || this.overflowed || ms <= 0) return Promise.resolve();
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
    this.queuedBytes = 0;
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
  unknown_request: 404,
  late_result: 409,
  duplicate_result: 409,
  rate_limited: 429,
};

/**
 * The HTTP polling fallback, for nodes behind proxies that break WebSockets. Same messages, same validation,
 * same session tokens (`Authorization: Bearer <session>`), same NodeProtocol behind it:
 * `POST /api/auth/challenge`, `POST /api/auth/session`, `GET /api/inference/job`, `POST /api/inference/result` (commit, reveal and report frames, and a served request's stream frames).
 * Same limits too: challenges and session requests spend the address's sign-in budget, every request the wallet's
 * frame budget (shared with its sockets), and a polling session counts as one of the wallet's channels.
 */
export function httpPollingRouter(options: {
  auth: AuthService;
  protocol: NodeProtocol;
  clock: Clock;
  config: RelayerConfig["gateway"];
  admissionConfig: RelayerConfig["admission"];
  admission: Admission;
  walletLimits: WalletLimits;
  metrics: Metrics;
}): { router: Router; sweep: () => void } {
  const { auth, protocol, clock, config, admissionConfig, admission, walletLimits, metrics } = options;
  const mailboxes = new Map<Address, Mailbox>();
  const disconnect = (mailbox: Mailbox) => {
    if (mailboxes.get(mailbox.account) !== mailbox) return;
    mailboxes.delete(mailbox.account);
    walletLimits.close(mailbox.account);
    protocol.disconnect(mailbox.account, mailbox);
  };
  const overflow = (mailbox: Mailbox) => {
    metrics.sendBufferOverflows.inc({ channel: "http" });
    disconnect(mailbox);
  };
  const router = express.Router();
  // Only this channel's routes: the API's routes under the same base set their own body limits.
  router.use(Object.values(NODE_HTTP_ROUTES).map(routerPath), express.json({ limit: config.maxFrameBytes }));

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
      if (!walletLimits.take(session.account)) {
        fail(
          res,
          errorFrame(
            "rate_limited",
            `more than ${config.messagesPerSecond} requests/s from this wallet (all its channels together); slow down`,
          ),
        );
        return undefined;
      }
      return session;
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      fail(res, errorFrame("auth_failed", `${error.reason}: ${error.message}`));
      return undefined;
    }
  }

  /** Challenges write a nonce and sessions recover a signature: both spend the address's sign-in budget. */
  const withinSignInBudget = (req: Request, res: Response): boolean => {
    if (admission.takeSignIn(admission.clientOf(req))) return true;
    res.setHeader("Retry-After", String(Math.ceil(1 / admissionConfig.signInsPerSecond)));
    fail(res, errorFrame("rate_limited", "sign-in budget of your address spent; retry later"));
    return false;
  };

  router.post(routerPath(NODE_HTTP_ROUTES.challenge), async (req, res) => {
    if (!withinSignInBudget(req, res)) return;
    res.json({ type: "hello", v: PROTOCOL_VERSION, ...(await auth.issueChallenge()) });
  });

  router.post(routerPath(NODE_HTTP_ROUTES.session), async (req, res) => {
    if (!withinSignInBudget(req, res)) return;
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
   * `?models=a,b&capacity=1[&verify=1][&country=DE][&placement=pl_…][&wait=ms]`: doubles as `ready` and heartbeat; returns queued
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
      ...(req.query.placement ? { placement: String(req.query.placement) } : {}),
    });
    if (!ready.success) {
      const detail = ready.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
      fail(
        res,
        errorFrame(
          "bad_frame",
          `query needs models=<id,...> and capacity=<1..64> (optional verify=1, country=XX, placement=pl_…): ${detail}`,
        ),
      );
      return;
    }
    const now = clock.now();
    let mailbox = mailboxes.get(account);
    let first = false;
    if (!mailbox) {
      if (!walletLimits.open(account)) {
        admission.refuse(admission.clientOf(req), "channels_per_wallet");
        fail(
          res,
          errorFrame(
            "rate_limited",
            `wallet ${account} already holds ${walletLimits.maxChannels} channels (WebSockets and HTTP polling); close one first`,
          ),
        );
        return;
      }
      mailbox = new Mailbox(account, now, admissionConfig.maxSendBufferBytes, overflow);
      mailboxes.set(account, mailbox);
      first = true;
    }
    const polled = mailbox;
    polled.lastPoll = now;
    polled.openPolls++;
    try {
      if (first) await protocol.connect(account, polled);
      // A first poll gets the node's open tasks again (a reconnect); later ones only refresh what it serves.
      for (const reply of await protocol.ready(account, ready.data, first)) polled.send(reply);
      protocol.heartbeat(account, { type: "heartbeat", v: PROTOCOL_VERSION, t: now });
      await polled.wait(Math.min(Number(req.query.wait ?? 0) || 0, 25_000));
    } finally {
      polled.openPolls--;
    }
    const messages = polled.drain();
    if (messages.length === 0) {
      res.status(204).end();
      return;
    }
    res.json({ messages });
  });

  router.post(routerPath(NODE_HTTP_ROUTES.result), async (req, res) => {
    const session = await authenticate(req, res);
    if (!session) return;
    const streamed = streamMessage.safeParse(req.body);
    if (streamed.success) {
      const reply = protocol.stream(session.account, streamed.data);
      if (reply) fail(res, reply);
      else res.status(204).end();
      return;
    }
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
    for (const mailbox of mailboxes.values()) {
      if (now - mailbox.lastPoll > config.heartbeatTimeoutMs) disconnect(mailbox);
    }
  };
  return { router, sweep };
}
