/**
 * The serve pump: runs the relayer's `serve` frames (users' requests through its `/v1` gateway) on `engine.stream`, in
 * the node's capacity slots shared with tasks (./capacity-slots.ts), and streams each output back:
 * - `chunk` frames in order, `index` counting the whole output (the prefix included). The first token goes out at once
 *   (it is what the user waits for); the rest are coalesced into at most one frame per `CHUNK_INTERVAL_MS` (20 ms) per
 *   request, an interval widened while many requests stream at once so that the node's streams together send at most
 *   `STREAM_FRAMES_PER_SECOND`: half the relayer's budget of 200 frames/s per wallet, the rest left to task frames and
 *   heartbeats; what is pending when the generation ends goes out at once;
 * - then `serve_end`, or `serve_failed` when the engine cannot serve or fails (after the tokens it did produce, which a
 *   failover continues from), or when the deadline passes (the generation is aborted there).
 * A `cancel` aborts its request at once, waiting or running, and nothing more is sent for it. A stream belongs to one
 * session: when the session ends, running requests are abandoned and never resent (the relayer fails over to another
 * node instead, which continues from the tokens it got).
 */
import type { Engine, StreamChunk } from "../engines/engine.ts";
import type { ChunkMessage, ServeMessage, StreamMessage } from "../protocol/messages.ts";
import { PROTOCOL_VERSION } from "../protocol/version.ts";
import type { CapacitySlots } from "./capacity-slots.ts";
import type { EmitEvent, ServedRequest } from "./types.ts";

export interface ServePumpOptions {
  engine: Engine;
  /** The node's capacity, shared with tasks: one slot per request generating. */
  slots: CapacitySlots;
  /** Aborted when the client stops: every request is abandoned. */
  signal: AbortSignal;
  /** Sends a frame on the current session. */
  send: (frame: StreamMessage) => void;
  emit: EmitEvent;
}

/** What all streams of the node send together at most (frames per second). */
export const STREAM_FRAMES_PER_SECOND = 100;
/** Least time between two chunk frames of one request, after its first. */
export const CHUNK_INTERVAL_MS = 20;
/** The `chunk` frame's limits (../protocol/messages.ts). */
const MAX_CHUNK_TOKENS = 1_024;
const MAX_CHUNK_TEXT = 65_536;
const MAX_FAILURE_MESSAGE = 1_024;
/** setTimeout's largest delay; a longer one fires at once. */
const MAX_TIMER_MS = 2_147_483_647;

const clampMs = (ms: number) => Math.min(86_400_000, Math.max(0, ms));

/** A request taken, from its arrival until this node is done with it. */
interface Serving {
  serve: ServeMessage;
  controller: AbortController;
  receivedAt: number;
  /** Nothing more goes out for it (ended, failed, cancelled or abandoned). */
  closed: boolean;
  /** Index of the next token to send, in the whole output. */
  next: number;
  /** Tokens generated and not sent yet, with their text. */
  pending: StreamChunk[];
  pendingTokens: number;
  lastSentAt: number | null;
  flushTimer: ReturnType<typeof setTimeout> | null;
  deadlineTimer: ReturnType<typeof setTimeout> | null;
}

export class ServePump {
  private readonly options: ServePumpOptions;
  private readonly requests = new Map<string, Serving>();
  private readonly queue: Serving[] = [];
  private readonly wake: () => void;
  private streaming = 0;

  constructor(options: ServePumpOptions) {
    this.options = options;
    this.wake = options.slots.lane(() => {
      const serving = this.queue.shift();
      return serving ? () => this.run(serving) : null;
    });
    options.signal.addEventListener("abort", () => this.abandon("client stopped"), { once: true });
  }

  /** Whether the request is being served or waits for a slot. */
  has(requestId: string): boolean {
    return this.requests.has(requestId);
  }

  /** Takes a request; one already taken is ignored (the relayer sends a request to a node once). */
  accept(serve: ServeMessage): void {
    if (this.options.signal.aborted || this.requests.has(serve.requestId)) return;
    this.options.emit("serve", serve);
    if (!this.options.engine.stream) {
      this.options.send(this.failedFrame(serve.requestId, `engine ${this.options.engine.name} cannot serve requests`));
      this.options.emit("served", { serve, outcome: "failed", tokens: 0, message: "the engine cannot serve" });
      return;
    }
    const serving: Serving = {
      serve,
      controller: new AbortController(),
      receivedAt: performance.now(),
      closed: false,
      next: serve.prefix.length,
      pending: [],
      pendingTokens: 0,
      lastSentAt: null,
      flushTimer: null,
      deadlineTimer: null,
    };
    serving.deadlineTimer = setTimeout(
      () => this.fail(serving, "the deadline passed"),
      Math.min(MAX_TIMER_MS, Math.max(0, serve.deadline - Date.now())),
    );
    this.requests.set(serve.requestId, serving);
    this.queue.push(serving);
    this.wake();
  }

  /** The relayer cancelled the request: stop generating at once and send nothing more for it. */
  cancel(requestId: string, reason: string): void {
    const serving = this.requests.get(requestId);
    if (serving) this.close(serving, "cancelled", reason);
  }

  /** The session ended: every request is abandoned (the relayer fails over; a stream is never resent). */
  abandon(reason: string): void {
    for (const serving of [...this.requests.values()]) this.close(serving, "cancelled", reason);
  }

  private async run(serving: Serving): Promise<void> {
    if (serving.closed) return;
    const { engine } = this.options;
    const stream = engine.stream?.bind(engine);
    if (!stream) return;
    const { serve } = serving;
    const queueMs = performance.now() - serving.receivedAt;
    this.streaming++;
    try {
      const result = await stream(
        {
          model: serve.model,
          input: serve.input,
          prefix: serve.prefix,
          maxTokens: serve.maxTokens,
          temperature: serve.temperature,
          seed: serve.seed,
        },
        (chunk) => this.take(serving, chunk),
        serving.controller.signal,
      );
      if (serving.closed) return;
      this.flush(serving);
      const tokens = serving.next - serve.prefix.length;
      this.options.send({
        type: "serve_end",
        v: PROTOCOL_VERSION,
        requestId: serve.requestId,
        finish: result.finish,
        tokens,
        timings: {
          queueMs: clampMs(queueMs + result.timings.queueMs),
          inferenceMs: clampMs(result.timings.inferenceMs),
        },
      });
      this.close(serving, "ended", undefined, result.finish);
    } catch (error) {
      if (serving.closed) return;
      // What was generated before the failure is good: the relayer's failover continues from it.
      this.flush(serving);
      this.fail(serving, (error as Error).message || String(error));
    } finally {
      this.streaming--;
    }
  }

  /** Tokens from the engine: the first goes out at once, later ones at most once per interval. */
  private take(serving: Serving, chunk: StreamChunk): void {
    if (serving.closed) return;
    serving.pending.push(chunk);
    serving.pendingTokens += chunk.tokenIds.length;
    if (serving.pendingTokens === 0 || serving.flushTimer) return;
    const wait = serving.lastSentAt === null ? 0 : serving.lastSentAt + this.interval() - performance.now();
    if (wait <= 0) this.flush(serving);
    else {
      serving.flushTimer = setTimeout(() => {
        serving.flushTimer = null;
        this.flush(serving);
      }, Math.ceil(wait));
    }
  }

  /** The least time between two frames of one request now: wider while many requests stream at once. */
  private interval(): number {
    return Math.max(CHUNK_INTERVAL_MS, (this.streaming * 1_000) / STREAM_FRAMES_PER_SECOND);
  }

  /** Sends what is pending, in as few frames as the chunk frame's limits allow. */
  private flush(serving: Serving): void {
    if (serving.flushTimer) clearTimeout(serving.flushTimer);
    serving.flushTimer = null;
    if (serving.closed || serving.pendingTokens === 0) return;
    const requestId = serving.serve.requestId;
    const frames: ChunkMessage[] = [];
    const open = (): ChunkMessage => {
      const frame: ChunkMessage = { type: "chunk", v: PROTOCOL_VERSION, requestId, index: 0, tokenIds: [], text: "" };
      frames.push(frame);
      return frame;
    };
    let frame = open();
    for (const piece of serving.pending) {
      // Text without tokens (an engine's text running ahead of its ids) rides with the frame being filled.
      let text = piece.text;
      if (piece.tokenIds.length === 0) frame.text += text;
      for (let at = 0; at < piece.tokenIds.length; at += MAX_CHUNK_TOKENS) {
        const ids = piece.tokenIds.slice(at, at + MAX_CHUNK_TOKENS);
        const tooMany = frame.tokenIds.length + ids.length > MAX_CHUNK_TOKENS;
        if (frame.tokenIds.length > 0 && (tooMany || frame.text.length + text.length > MAX_CHUNK_TEXT)) frame = open();
        frame.tokenIds.push(...ids);
        frame.text += text;
        text = "";
      }
    }
    serving.pending = [];
    serving.pendingTokens = 0;
    for (const f of frames) {
      f.index = serving.next;
      serving.next += f.tokenIds.length;
      // Only a single token's text can outgrow a frame; the ids are what counts.
      f.text = f.text.slice(0, MAX_CHUNK_TEXT);
      this.options.send(f);
    }
    serving.lastSentAt = performance.now();
  }

  private fail(serving: Serving, message: string): void {
    if (serving.closed) return;
    this.options.send(this.failedFrame(serving.serve.requestId, message));
    this.close(serving, "failed", message);
  }

  /** This node is done with the request: the engine stops, timers go, nothing more is sent. */
  private close(
    serving: Serving,
    outcome: ServedRequest["outcome"],
    message?: string,
    finish?: ServedRequest["finish"],
  ): void {
    if (serving.closed) return;
    serving.closed = true;
    if (serving.flushTimer) clearTimeout(serving.flushTimer);
    if (serving.deadlineTimer) clearTimeout(serving.deadlineTimer);
    serving.flushTimer = null;
    serving.deadlineTimer = null;
    serving.pending = [];
    serving.pendingTokens = 0;
    serving.controller.abort(new Error(message ?? outcome));
    const waiting = this.queue.indexOf(serving);
    if (waiting >= 0) this.queue.splice(waiting, 1);
    this.requests.delete(serving.serve.requestId);
    this.options.emit("served", {
      serve: serving.serve,
      outcome,
      tokens: serving.next - serving.serve.prefix.length,
      ...(finish ? { finish } : {}),
      ...(message !== undefined && outcome !== "ended" ? { message } : {}),
    });
  }

  private failedFrame(requestId: string, message: string): StreamMessage {
    return { type: "serve_failed", v: PROTOCOL_VERSION, requestId, message: message.slice(0, MAX_FAILURE_MESSAGE) };
  }
}
