import express, { type Request, type Response, type Router } from "express";
import type { Address } from "viem";
import type { AuthService } from "../auth/sign-in.ts";
import type { Clock } from "../clock.ts";
import { requestClientKey } from "../gateway/client-address.ts";
import type { Logger } from "../log.ts";
import { type ApiKeys, KeyLimitError } from "./api-keys.ts";
import type { ModelCatalogue } from "./catalogue.ts";
import type { Caller, InferenceGateway } from "./inference-gateway.ts";
import { GatewayError, invalidRequest, sendGatewayError, unauthorized } from "./openai-error.ts";
import {
  chatCompletionRequest,
  textCompletionRequest,
  type Usage,
  type WireRequest,
  wireFormat,
} from "./openai-wire.ts";
import type { AnswerSink, ServedRequest } from "./served-request.ts";
import type { UsageQuota } from "./usage-quota.ts";

/** Request bodies: the longest prompt (32,768 characters) in JSON, with room for escaping and the other fields. */
const BODY_LIMIT = "512kb";
/** Characters per token, to estimate `usage.prompt_tokens` where no node reported the real count. */
const CHARS_PER_TOKEN = 4;

export const GATEWAY_ROUTES = {
  models: "/v1/models",
  chat: "/v1/chat/completions",
  completions: "/v1/completions",
  /** The dApp's view: the catalogue with prices, unlock tiers and live node counts. */
  catalogue: "/api/gateway/models",
  usage: "/api/gateway/usage",
  keys: "/api/keys",
  key: "/api/keys/:id",
} as const;

const bearer = (req: Request): string | null => {
  const header = req.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1] ?? "";
};

/**
 * The user gateway's HTTP surface: the OpenAI-compatible `/v1` API (models, chat and text completions, streaming over
 * server-sent events) and the dApp's routes around it (catalogue, usage, API keys). Mounted at the root.
 */
export function gatewayRouter(deps: {
  gateway: InferenceGateway;
  catalogue: ModelCatalogue;
  keys: ApiKeys;
  quota: UsageQuota;
  auth: AuthService;
  clock: Clock;
  log: Logger;
  trustProxy: boolean;
}): Router {
  const { gateway, catalogue, keys, quota, auth, clock, log } = deps;
  const router = express.Router();
  router.use(["/v1", "/api/keys", "/api/gateway"], express.json({ limit: BODY_LIMIT }));

  /** An API key or a session token: the wallet behind it. No token: anonymous. A token that is neither: 401. */
  async function identify(req: Request): Promise<Caller> {
    const token = bearer(req);
    if (token === null) return { kind: "anonymous", client: requestClientKey(req, deps.trustProxy) };
    const key = await keys.resolve(token);
    if (key) return { kind: "wallet", account: key.account, via: "key" };
    try {
      const session = await auth.resume(token);
      return { kind: "wallet", account: session.account, via: "session" };
    } catch {
      throw unauthorized("Incorrect API key provided: use a key made in the dApp, or a wallet session token");
    }
  }

  /** The wallet behind a session token (keys cannot make or list keys). */
  async function sessionWallet(req: Request): Promise<Address> {
    const token = bearer(req);
    if (!token) throw unauthorized("sign in with your wallet: Authorization: Bearer <session token>");
    try {
      return (await auth.resume(token)).account;
    } catch {
      throw unauthorized("the session is unknown or expired: sign in with your wallet again");
    }
  }

  const handle =
    (work: (req: Request, res: Response) => Promise<void>) =>
    (req: Request, res: Response): void => {
      work(req, res).catch((error: unknown) => {
        if (res.headersSent) return;
        if (error instanceof GatewayError) sendGatewayError(res, error);
        else {
          log.error({ err: error }, "gateway request failed");
          sendGatewayError(res, new GatewayError(500, "server_error", "internal_error", "internal error"));
        }
      });
    };

  router.get(GATEWAY_ROUTES.models, (_req, res) => {
    const now = clock.now();
    res.json({
      object: "list",
      data: catalogue
        .list(now)
        .filter((m) => m.unlocked && m.nodes > 0)
        .map((m) => ({
          id: m.id,
          object: "model",
          created: 0,
          owned_by: "gitblock-network",
          gitblock: {
            label: m.label,
            priceWei: m.priceWei.toString(),
            nodes: m.nodes,
            contextLength: m.contextLength,
          },
        })),
    });
  });

  router.get(GATEWAY_ROUTES.catalogue, (_req, res) => {
    const now = clock.now();
    res.json({
      activeNodes: catalogue.activeNodes(now),
      models: catalogue.list(now).map((m) => ({
        id: m.id,
        label: m.label,
        priceWei: m.priceWei.toString(),
        free: m.priceWei === 0n,
        nodes: m.nodes,
        contextLength: m.contextLength,
        minActiveNodes: m.minActiveNodes,
        unlocked: m.unlocked,
      })),
    });
  });

  router.get(
    GATEWAY_ROUTES.usage,
    handle(async (req, res) => {
      const caller = await identify(req);
      const { subject, limits } = gateway.limitsOf(caller);
      res.json({ ...(await quota.usage(subject, clock.now())), ...limits });
    }),
  );

  const completion = (kind: "chat" | "text") =>
    handle(async (req, res) => {
      const wire: WireRequest = kind === "chat" ? chatCompletionRequest(req.body) : textCompletionRequest(req.body);
      const caller = await identify(req);
      const meta = { id: "", model: wire.params.model, created: Math.floor(clock.now() / 1000) };
      const format = () => wireFormat(kind, meta);
      let served: ServedRequest | null = null;
      const usage = (): Usage => {
        const completionTokens = served?.tokenIds.length ?? 0;
        const reported = served?.segments.find((s) => s.promptTokens !== null)?.promptTokens;
        const input = wire.params.prompt ?? wire.params.messages?.map((m) => m.content).join("\n") ?? "";
        const promptTokens = reported ?? Math.ceil(input.length / CHARS_PER_TOKEN);
        return {
          prompt_tokens: promptTokens,
          completion_tokens: completionTokens,
          total_tokens: promptTokens + completionTokens,
        };
      };
      const sink = wire.stream ? streamSink(res, format, usage, wire.includeUsage) : wholeSink(res, format, usage);
      res.on("close", () => {
        if (!res.writableFinished) served?.cancel();
      });
      served = await gateway.open(caller, wire.params, sink);
      meta.id = served.id;
    });

  router.post(GATEWAY_ROUTES.chat, completion("chat"));
  router.post(GATEWAY_ROUTES.completions, completion("text"));

  router.post(
    GATEWAY_ROUTES.keys,
    handle(async (req, res) => {
      const account = await sessionWallet(req);
      const name = typeof req.body?.name === "string" ? req.body.name.trim() : "";
      if (name.length === 0 || name.length > 64) throw invalidRequest("name the key (1–64 characters)");
      try {
        res.status(201).json(await keys.create(account, name));
      } catch (error) {
        if (error instanceof KeyLimitError) throw invalidRequest(error.message, "too_many_keys");
        throw error;
      }
    }),
  );
  router.get(
    GATEWAY_ROUTES.keys,
    handle(async (req, res) => {
      res.json({ keys: await keys.list(await sessionWallet(req)) });
    }),
  );
  router.delete(
    GATEWAY_ROUTES.key,
    handle(async (req, res) => {
      const account = await sessionWallet(req);
      const id = String(req.params.id ?? "");
      if (!(await keys.revoke(account, id))) {
        throw new GatewayError(404, "invalid_request_error", "key_not_found", `no key ${id} of this wallet`);
      }
      res.status(204).end();
    }),
  );
  return router;
}

type Format = () => ReturnType<typeof wireFormat>;

/**
 * Server-sent events, OpenAI's way: one `data:` event per chunk, a last chunk with the finish reason, the usage chunk
 * when asked for, then `data: [DONE]`. Headers go out with the first token, so a request no node could start still
 * gets a proper error status; an answer that breaks off after tokens were sent ends with an `error` event (the
 * official client raises it), never with a silent `[DONE]`.
 */
function streamSink(res: Response, format: Format, usage: () => Usage, includeUsage: boolean): AnswerSink {
  let first = true;
  const open = () => {
    if (res.headersSent) return;
    res.status(200);
    res.setHeader("Content-Type", "text/event-stream; charset=utf-8");
    res.setHeader("Cache-Control", "no-cache, no-transform");
    res.setHeader("Connection", "keep-alive");
    // No flushHeaders(): the first write carries the headers and the first token in one packet.
    res.setHeader("X-Accel-Buffering", "no");
  };
  const event = (data: unknown) => res.write(`data: ${JSON.stringify(data)}\n\n`);
  return {
    text(delta) {
      open();
      event(format().chunk(delta, null, first));
      first = false;
    },
    finish(reason) {
      if (res.writableEnded) return;
      open();
      if (first) event(format().chunk("", null, true));
      event(format().chunk(null, reason, false));
      if (includeUsage) event(format().usageChunk(usage()));
      res.end("data: [DONE]\n\n");
    },
    fail(error) {
      if (res.writableEnded) return;
      if (!res.headersSent) {
        sendGatewayError(res, error);
        return;
      }
      event(error.toJSON());
      res.end();
    },
    buffered: () => res.writableLength,
  };
}

/** The whole answer in one JSON response, sent when it is complete. */
function wholeSink(res: Response, format: Format, usage: () => Usage): AnswerSink {
  let text = "";
  return {
    text(delta) {
      text += delta;
    },
    finish(reason) {
      if (!res.headersSent) res.json(format().whole(text, reason, usage()));
    },
    fail(error) {
      if (!res.headersSent) sendGatewayError(res, error);
    },
    buffered: () => 0,
  };
}
