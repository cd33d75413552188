import { randomBytes } from "node:crypto";
import type { RelayerMessage, StreamMessage } from "@gitblock/sdk";
import type { Address } from "viem";
import type { Clock } from "../clock.ts";
import type { RelayerConfig } from "../config/schema.ts";
import { taskReward } from "../economics/rewards.ts";
import { errorFrame, type StreamSink } from "../gateway/node-protocol.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import type { NodeRegistry } from "../presence/registry.ts";
import { newTaskId } from "../scheduler/scheduler.ts";
import { GroupCommit } from "../store/group-commit.ts";
import type { NodeRecord, ServedOutcome, ServedWork, Store } from "../store/types.ts";
import type { ModelCatalogue, OfferedModel } from "./catalogue.ts";
import { type ChatMessage, renderChat } from "./chat-template.ts";
import { pickServingNode } from "./node-router.ts";
import {
  invalidRequest,
  noCredit,
  noNode,
  overQuota,
  unauthorized,
  unavailable,
  unknownModel,
} from "./openai-error.ts";
import { type AnswerSink, type FinishReason, ServedRequest } from "./served-request.ts";
import type { DailyLimits, UsageQuota } from "./usage-quota.ts";
import { verifyShare } from "./verify-share.ts";

/** Who is calling `/v1`: a wallet (by API key or by the dApp's session), or nobody (an anonymous address). */
export type Caller =
  | { kind: "wallet"; account: Address; via: "key" | "session" }
  | { kind: "anonymous"; client: string };

/** The credit book (credits/credit-book.ts) as the gateway uses it: debits per premium message, refunds. */
export interface CreditDebits {
  debit(account: Address, amountWei: bigint, ref: string): Promise<{ ok: boolean; availableWei: bigint }>;
  refund(ref: string): Promise<void>;
}

/** A completion request, after the wire format (openai-wire.ts) was checked. */
export interface CompletionParams {
  model: string;
  /** Chat messages (rendered with the model's template) or a raw prompt. */
  messages?: ChatMessage[];
  prompt?: string;
  maxTokens?: number;
  temperature?: number;
  seed?: number;
  stop: string[];
}

/**
 * Ended requests are recorded (pay, sampled verification, token usage) in batches gathered over this long: one commit
 * per burst instead of three per request. A relayer that crashes loses at most this window of served records, the
 * same kind of loss as an answer cut off mid-stream (the user got it, the node is not paid for it).
 */
const RECORD_GATHER_MS = 25;
const RECORD_MAX_BATCH = 500;

/** A rough upper bound of prompt tokens from its characters (the node checks the real count against its context). */
const CHARS_PER_TOKEN = 4;

/**
 * The user gateway's engine room, behind the `/v1` routes: admits a request (model offered and unlocked, the caller's
 * free-tier quota or GBT credit), renders it, serves it on a node with failover (served-request.ts), takes the
 * nodes' stream frames (it is the node protocol's stream sink), and records what was served for pay and sampled
 * verification (`Store.recordServed`). Nothing of a prompt or an answer is kept beyond that record.
 */
export class InferenceGateway implements StreamSink {
  private readonly config: RelayerConfig;
  private readonly store: Store;
  private readonly registry: NodeRegistry;
  private readonly catalogue: ModelCatalogue;
  private readonly quota: UsageQuota;
  private readonly credits: CreditDebits | null;
  private readonly clock: Clock;
  private readonly metrics: Metrics;
  private readonly log: Logger;
  private readonly random: () => number;
  /** A sampled answer is handed to the judge, which draws its verifiers. */
  private readonly verify: (taskIds: string[]) => void;
  private readonly requests = new Map<string, ServedRequest>();
  /** Which request each node serves now, for its departure. */
  private readonly byNode = new Map<Address, Set<string>>();
  private readonly recording = new Set<Promise<unknown>>();
  /** Served parts, written a burst at a time: no answer waits on them, and each commit blocks every live stream. */
  private readonly served: GroupCommit<ServedWork, ServedOutcome>;

  constructor(options: {
    config: RelayerConfig;
    store: Store;
    registry: NodeRegistry;
    catalogue: ModelCatalogue;
    quota: UsageQuota;
    credits: CreditDebits | null;
    clock: Clock;
    metrics: Metrics;
    log: Logger;
    verify: (taskIds: string[]) => void;
    random?: () => number;
  }) {
    this.config = options.config;
    this.store = options.store;
    this.registry = options.registry;
    this.catalogue = options.catalogue;
    this.quota = options.quota;
    this.credits = options.credits;
    this.clock = options.clock;
    this.metrics = options.metrics;
    this.log = options.log;
    this.verify = options.verify;
    this.random = options.random ?? Math.random;
    this.served = new GroupCommit({
      gatherMs: RECORD_GATHER_MS,
      maxBatch: RECORD_MAX_BATCH,
      write: (works) => this.store.recordServed(works),
      isolateFailures: true,
    });
    this.registry.onDeparture((address) => {
      for (const id of [...(this.byNode.get(address) ?? [])]) {
        this.requests.get(id)?.nodeFailed(address, `node ${address} disconnected`);
      }
    });
  }

  /** Requests being served now. */
  get serving(): number {
    return this.requests.size;
  }

  /** The caller's daily free-tier limits and its quota subject. */
  limitsOf(caller: Caller): { subject: string; limits: DailyLimits } {
    const c = this.config.inference;
    return caller.kind === "wallet"
      ? {
          subject: `wallet:${caller.account.toLowerCase()}`,
          limits: { requestsPerDay: c.freeRequestsPerDay, tokensPerDay: c.freeTokensPerDay },
        }
      : {
          subject: `ip:${caller.client}`,
          limits: { requestsPerDay: c.anonymousRequestsPerDay, tokensPerDay: c.anonymousTokensPerDay },
        };
  }

  /**
   * Admits and starts a request; throws a GatewayError (nothing streamed, nothing charged) when it cannot be served.
   * The returned request streams into `sink`; `cancel()` it when the client hangs up.
   */
  async open(caller: Caller, params: CompletionParams, sink: AnswerSink): Promise<ServedRequest> {
    const now = this.clock.now();
    const c = this.config.inference;
    const model = this.catalogue.find(params.model, now);
    if (!model?.unlocked) {
      this.refuse("model_not_found");
      throw unknownModel(params.model);
    }
    const maxTokens = params.maxTokens ?? c.defaultMaxTokens;
    if (maxTokens > c.maxTokens) {
      this.refuse("invalid_request");
      throw invalidRequest(`max_tokens is ${maxTokens}; this gateway serves at most ${c.maxTokens}`, "max_tokens");
    }
    if (model.nodes === 0) {
      this.refuse("no_node_available");
      throw noNode(`no node serves ${model.id} right now`);
    }
    if (this.requests.size >= c.maxConcurrentRequests) {
      this.refuse("unavailable");
      throw unavailable(`the gateway serves ${c.maxConcurrentRequests} requests at once; try again shortly`);
    }
    const input = params.messages ? renderChat(params.messages, model.template) : (params.prompt ?? "");
    const id = `gb-${randomBytes(12).toString("hex")}`;
    await this.admit(caller, model, id, now);
    const request = new ServedRequest(
      {
        id,
        model: model.id,
        priceWei: model.priceWei,
        input,
        maxTokens,
        temperature: params.temperature ?? 0,
        seed: params.seed ?? Math.floor(this.random() * 2 ** 31),
        stop: params.stop,
        contextNeeded: Math.ceil(input.length / CHARS_PER_TOKEN) + maxTokens,
      },
      sink,
      {
        pick: (spec, exclude) => pickServingNode(this.registry, spec, exclude, this.clock.now(), this.random),
        send: (node, frame) => this.registry.send(node, frame),
        hold: (node, requestId) => {
          this.registry.get(node)?.streams.add(requestId);
          const held = this.byNode.get(node) ?? new Set<string>();
          held.add(requestId);
          this.byNode.set(node, held);
        },
        release: (node, requestId) => {
          this.registry.get(node)?.streams.delete(requestId);
          const held = this.byNode.get(node);
          held?.delete(requestId);
          if (held?.size === 0) this.byNode.delete(node);
        },
        done: (served, outcome) => this.done(caller, model, served, outcome),
        limits: {
          firstTokenTimeoutMs: c.firstTokenTimeoutMs,
          requestTimeoutMs: c.requestTimeoutMs,
          maxAttempts: c.maxAttempts,
          maxBufferedBytes: c.maxBufferedBytes,
        },
        now: () => this.clock.now(),
      },
    );
    this.requests.set(id, request);
    this.metrics.servingRequests.set(this.requests.size);
    if (!request.start()) {
      this.requests.delete(id);
      this.metrics.servingRequests.set(this.requests.size);
      await this.giveBack(model, id);
      this.refuse("no_node_available");
      throw noNode(`no node serving ${model.id} has a free slot right now`);
    }
    return request;
  }

  /** Whether this instance holds the user's request `requestId` (with several instances, another may). */
  holds(requestId: string): boolean {
    return this.requests.has(requestId);
  }

  /** A node's chunk, end or failure (the node protocol's stream sink). */
  frame(account: Address, message: StreamMessage): RelayerMessage | null {
    const request = this.requests.get(message.requestId);
    const outcome =
      request === undefined
        ? "stale"
        : message.type === "chunk"
          ? request.chunk(account, message)
          : message.type === "serve_end"
            ? request.end(account, message)
            : request.nodeFailed(account, `node ${account} could not serve it: ${message.message}`);
    if (outcome === "ok") return null;
    return errorFrame("unknown_request", `request ${message.requestId} is not yours to serve (ended or moved)`);
  }

  /** Waits for the records of ended requests to be written (shutdown, tests). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.recording]);
    await Promise.all([this.served.drain(), this.quota.drain()]);
  }

  private refuse(code: string): void {
    this.metrics.gatewayRefusals.inc({ code });
  }

  /** The free tier for a free model, one message's price in credit for a priced one. */
  private async admit(caller: Caller, model: OfferedModel, id: string, now: number): Promise<void> {
    if (model.priceWei === 0n) {
      const { subject, limits } = this.limitsOf(caller);
      const admission = await this.quota.admit(subject, limits, now);
      if (!admission.ok) {
        this.refuse("rate_limit_exceeded");
        const who = caller.kind === "wallet" ? "this wallet's free tier" : "the free tier without an API key";
        throw overQuota(
          `${who} allows ${limits.requestsPerDay} requests and ${limits.tokensPerDay} tokens per day (used: ${admission.usage.requests} requests, ${admission.usage.tokens} tokens)`,
          admission.retryAfterSec,
        );
      }
      return;
    }
    if (caller.kind !== "wallet") {
      this.refuse("invalid_api_key");
      throw unauthorized(`${model.id} is paid per message in GBT credit: call it with an API key or a wallet session`);
    }
    if (!this.credits) {
      this.refuse("unavailable");
      throw unavailable("this relayer has no InferenceCredits contract: priced models are not available");
    }
    let debit: { ok: boolean; availableWei: bigint };
    try {
      debit = await this.credits.debit(caller.account, model.priceWei, id);
    } catch (error) {
      this.log.warn({ err: error }, "credit check failed");
      this.refuse("unavailable");
      throw unavailable("credit balances cannot be read right now (chain unreachable); try again shortly");
    }
    if (!debit.ok) {
      this.refuse("insufficient_credit");
      throw noCredit(
        `${model.id} costs ${model.priceWei} wei GBT per message; your available credit is ${debit.availableWei} wei. Deposit GBT to InferenceCredits`,
      );
    }
  }

  private async giveBack(model: OfferedModel, id: string): Promise<void> {
    if (model.priceWei > 0n)
      await this.credits?.refund(id).catch((error: unknown) => this.log.error({ err: error }, "refund failed"));
  }

  /** A request ended: its usage counted, an unserved message refunded, each node's part recorded. */
  private done(caller: Caller, model: OfferedModel, request: ServedRequest, outcome: FinishReason | "failed"): void {
    this.requests.delete(request.id);
    this.metrics.servingRequests.set(this.requests.size);
    this.metrics.servedRequests.inc({ outcome });
    this.metrics.servedTokens.inc(request.tokenIds.length);
    if (request.segments.length > 1) this.metrics.servedFailovers.inc(request.segments.length - 1);
    if (request.firstTokenAt !== null) {
      this.metrics.timeToFirstToken.observe((request.firstTokenAt - request.startedAt) / 1000);
    }
    const work = this.record(caller, model, request).catch((error: unknown) =>
      this.log.error({ err: error, request: request.id }, "recording a served request failed"),
    );
    this.recording.add(work);
    void work.finally(() => this.recording.delete(work));
  }

  private async record(caller: Caller, model: OfferedModel, request: ServedRequest): Promise<void> {
    const now = this.clock.now();
    const charged =
      model.priceWei === 0n
        ? this.quota.charge(
            this.limitsOf(caller).subject,
            (request.segments.find((s) => s.promptTokens !== null)?.promptTokens ?? 0) + request.tokenIds.length,
            now,
          )
        : Promise.resolve();
    if (request.tokenIds.length === 0) await this.giveBack(model, request.id);
    const parts: Array<Promise<{ id: string; outcome: ServedOutcome }>> = [];
    for (const segment of request.segments) {
      if (segment.tokenIds.length === 0) continue;
      const record = this.registry.get(segment.node)?.record ?? (await this.store.getNode(segment.node));
      const sampled = record ? this.random() < verifyShare(record, this.config) : true;
      const id = newTaskId(now);
      const work: ServedWork = {
        id,
        node: segment.node,
        model: request.spec.model,
        input: request.spec.input,
        prefix: request.tokenIds.slice(0, segment.start),
        tokenIds: segment.tokenIds,
        maxTokens: request.spec.maxTokens - segment.start,
        temperature: request.spec.temperature,
        seed: request.spec.seed,
        queueMs: segment.timings?.queueMs ?? null,
        inferenceMs: segment.timings?.inferenceMs ?? null,
        sampled,
        reward: (node: NodeRecord, tokens: number) =>
          taskReward(tokens, this.config.rewards.ratePerTokenWei, node.reputationBps),
        now,
      };
      parts.push(this.served.submit(work).then((outcome) => ({ id, outcome })));
    }
    const [, recorded] = await Promise.all([charged, Promise.all(parts)]);
    const sampledIds = recorded.filter((r) => r.outcome.status === "assigned").map((r) => r.id);
    if (sampledIds.length > 0) this.verify(sampledIds);
  }
}
