import {
  type ChunkMessage,
  PROTOCOL_VERSION,
  type RelayerMessage,
  type ServeEndMessage,
  type ServeMessage,
} from "@gitblock/sdk";
import type { Address } from "viem";
import { type GatewayError, incomplete, noNode } from "./openai-error.ts";

/** Why an answer ended: OpenAI's finish reasons, plus the user hanging up. */
export type FinishReason = "stop" | "length" | "cancelled";

/** Where an answer goes: the HTTP response (streamed or collected, see routes.ts). */
export interface AnswerSink {
  /** Text for the user, in order. */
  text(delta: string): void;
  finish(reason: Exclude<FinishReason, "cancelled">): void;
  /** The answer cannot be completed: the user is told so (an error event on a stream, an error status otherwise). */
  fail(error: GatewayError): void;
  /** Bytes written and not yet taken by the client: a slow reader's backlog. */
  buffered(): number;
}

/** One node's part of the answer: the tokens it streamed, continuing from `start` tokens others streamed first. */
export interface Segment {
  node: Address;
  start: number;
  tokenIds: number[];
  /** Set by its `serve_end`. */
  timings: { queueMs: number; inferenceMs: number } | null;
  promptTokens: number | null;
}

export interface ServedRequestSpec {
  id: string;
  model: string;
  priceWei: bigint;
  input: string;
  maxTokens: number;
  temperature: number;
  seed: number;
  stop: readonly string[];
  /** Tokens of context a node needs (an estimate of the prompt plus max tokens). */
  contextNeeded: number;
}

/** What a served request needs from the gateway around it. */
export interface ServedRequestDeps {
  /** A node to try next, or null when none is left. */
  pick(spec: ServedRequestSpec, exclude: ReadonlySet<string>): Address | null;
  /** Sends a frame to a node; false when it is not connected. */
  send(node: Address, frame: RelayerMessage): boolean;
  /** A node takes the request (its slot is busy) or gives it back. */
  hold(node: Address, id: string): void;
  release(node: Address, id: string): void;
  /** The request is over: record pay, usage, credits (served-record.ts). */
  done(request: ServedRequest, outcome: FinishReason | "failed"): void;
  limits: { firstTokenTimeoutMs: number; requestTimeoutMs: number; maxAttempts: number; maxBufferedBytes: number };
  now(): number;
}

/**
 * One user request while it is served: sent to a node, streamed back chunk by chunk, moved to another node from the
 * tokens already sent when its node fails, drops, stalls before its first token or breaks the order of its chunks,
 * and ended by the node (`serve_end`), a stop sequence, `max_tokens`, the user hanging up, or a deadline. The user gets
 * each token once, in order, or an error: never a silent truncation.
 */
export class ServedRequest {
  readonly spec: ServedRequestSpec;
  readonly segments: Segment[] = [];
  /** Every token streamed so far, across segments. */
  readonly tokenIds: number[] = [];
  readonly startedAt: number;
  firstTokenAt: number | null = null;
  /** The text streamed so far (up to a matched stop sequence), and how much of it the user was sent. */
  private text = "";
  private sent = 0;
  private readonly tried = new Set<string>();
  private current: Segment | null = null;
  private ended = false;
  private firstTokenTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly totalTimer: ReturnType<typeof setTimeout>;
  private readonly deps: ServedRequestDeps;
  private readonly sink: AnswerSink;
  /** The longest stop sequence less one: text that could still begin one is held back until it cannot. */
  private readonly holdBack: number;

  constructor(spec: ServedRequestSpec, sink: AnswerSink, deps: ServedRequestDeps) {
    this.spec = spec;
    this.sink = sink;
    this.deps = deps;
    this.startedAt = deps.now();
    this.holdBack = Math.max(0, ...spec.stop.map((s) => s.length - 1));
    this.totalTimer = setTimeout(
      () => this.fail(incomplete(`the answer was not done within ${deps.limits.requestTimeoutMs} ms`, "timeout")),
      deps.limits.requestTimeoutMs,
    );
  }

  get id(): string {
    return this.spec.id;
  }

  get node(): Address | null {
    return this.current?.node ?? null;
  }

  get isOver(): boolean {
    return this.ended;
  }

  /** Sends the request to a first node; false (and nothing sent) when no node serves it now. */
  start(): boolean {
    return this.dispatch();
  }

  /** A chunk from a node: appended when it is the next in order, ignored when repeated, a failover when out of order. */
  chunk(node: Address, message: ChunkMessage): "ok" | "stale" {
    const segment = this.current;
    if (this.ended || !segment || segment.node !== node) return "stale";
    const expected = this.tokenIds.length;
    if (message.index + message.tokenIds.length <= expected) return "ok"; // sent again: already streamed
    if (message.index !== expected) {
      this.failover(`node ${node} sent tokens from ${message.index}, expected ${expected}`);
      return "ok";
    }
    if (this.firstTokenAt === null) this.firstTokenAt = this.deps.now();
    // A node that goes silent mid-answer (or whose end frame was lost) is treated like one that never started.
    this.armSilenceTimer(node);
    const room = this.spec.maxTokens - expected;
    const taken = message.tokenIds.slice(0, room);
    segment.tokenIds.push(...taken);
    this.tokenIds.push(...taken);
    this.text += message.text;
    const stopAt = this.matchStop();
    if (stopAt !== null) {
      this.text = this.text.slice(0, stopAt);
      this.flush(this.text.length);
      this.finish("stop");
      return "ok";
    }
    if (this.tokenIds.length >= this.spec.maxTokens) {
      this.flush(this.text.length);
      this.finish("length");
      return "ok";
    }
    this.flush(this.text.length - this.holdBack);
    if (this.sink.buffered() > this.deps.limits.maxBufferedBytes) {
      this.fail(incomplete("the client did not read the stream fast enough; the answer was stopped", "slow_client"));
    }
    return "ok";
  }

  end(node: Address, message: ServeEndMessage): "ok" | "stale" {
    const segment = this.current;
    if (this.ended || !segment || segment.node !== node) return "stale";
    segment.timings = message.timings;
    segment.promptTokens = message.promptTokens ?? null;
    // The node is done: its slot frees without a cancel.
    this.deps.release(node, this.id);
    this.current = null;
    this.flush(this.text.length);
    this.finish(message.finish);
    return "ok";
  }

  /** The node could not serve it (`serve_failed`), or its last channel closed: the next node continues. */
  nodeFailed(node: Address, reason: string): "ok" | "stale" {
    if (this.ended || this.current?.node !== node) return "stale";
    this.failover(reason);
    return "ok";
  }

  /** The user hung up: the node stops generating; what it streamed is still its work. */
  cancel(): void {
    if (this.ended) return;
    this.close("cancelled", "the client disconnected");
  }

  private dispatch(): boolean {
    const node = this.deps.pick(this.spec, this.tried);
    if (!node) return false;
    this.tried.add(node);
    const segment: Segment = { node, start: this.tokenIds.length, tokenIds: [], timings: null, promptTokens: null };
    this.current = segment;
    this.segments.push(segment);
    this.deps.hold(node, this.id);
    const frame: ServeMessage = {
      type: "serve",
      v: PROTOCOL_VERSION,
      requestId: this.id,
      model: this.spec.model,
      input: this.spec.input,
      prefix: [...this.tokenIds],
      maxTokens: this.spec.maxTokens - this.tokenIds.length,
      temperature: this.spec.temperature,
      seed: this.spec.seed,
      deadline: this.startedAt + this.deps.limits.requestTimeoutMs,
    };
    if (!this.deps.send(node, frame)) {
      this.deps.release(node, this.id);
      return this.dispatch();
    }
    this.armSilenceTimer(node);
    return true;
  }

  /** The node must send its next chunk (or its end) within `firstTokenTimeoutMs`, else the next node continues. */
  private armSilenceTimer(node: Address): void {
    this.clearFirstTokenTimer();
    this.firstTokenTimer = setTimeout(
      () => this.failover(`node ${node} sent nothing for ${this.deps.limits.firstTokenTimeoutMs} ms`),
      this.deps.limits.firstTokenTimeoutMs,
    );
  }

  private failover(reason: string): void {
    const segment = this.current;
    if (this.ended || !segment) return;
    this.stopNode(segment.node, reason);
    this.current = null;
    const attempts = this.segments.length;
    if (attempts < this.deps.limits.maxAttempts && this.dispatch()) return;
    const streamed = this.tokenIds.length;
    this.fail(
      streamed === 0 && attempts === 1
        ? noNode(`no node could serve ${this.spec.model}: ${reason}`)
        : incomplete(
            `the network could not finish the answer after ${attempts} node(s) (${streamed} tokens streamed): ${reason}`,
          ),
    );
  }

  /** Index where the first stop sequence begins in the text, or null. */
  private matchStop(): number | null {
    let found: number | null = null;
    // Only the new text (and a stop sequence's length before it) can hold a new match.
    const from = Math.max(0, this.sent - this.holdBack);
    for (const stop of this.spec.stop) {
      if (stop.length === 0) continue;
      const at = this.text.indexOf(stop, from);
      if (at >= 0 && (found === null || at < found)) found = at;
    }
    return found;
  }

  private flush(upTo: number): void {
    if (upTo <= this.sent) return;
    this.sink.text(this.text.slice(this.sent, upTo));
    this.sent = upTo;
  }

  private finish(reason: "stop" | "length"): void {
    if (this.ended) return;
    this.close(reason, reason === "stop" ? "a stop sequence matched" : "max tokens reached");
    this.sink.finish(reason);
  }

  private fail(error: GatewayError): void {
    if (this.ended) return;
    if (this.current) this.stopNode(this.current.node, error.message);
    this.current = null;
    this.settle("failed");
    this.sink.fail(error);
  }

  private close(outcome: FinishReason, reason: string): void {
    if (this.current) this.stopNode(this.current.node, reason);
    this.settle(outcome);
  }

  private stopNode(node: Address, reason: string): void {
    this.deps.release(node, this.id);
    this.deps.send(node, { type: "cancel", v: PROTOCOL_VERSION, requestId: this.id, reason: reason.slice(0, 256) });
  }

  private settle(outcome: FinishReason | "failed"): void {
    this.ended = true;
    this.clearFirstTokenTimer();
    clearTimeout(this.totalTimer);
    this.deps.done(this, outcome);
  }

  private clearFirstTokenTimer(): void {
    if (this.firstTokenTimer) clearTimeout(this.firstTokenTimer);
    this.firstTokenTimer = null;
  }
}
