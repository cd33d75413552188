import * as z from "zod/v4";
import { PROTOCOL_VERSION } from "./version.ts";

/**
 * Every frame of the node ↔ relayer protocol, one zod schema per message. Frames are JSON objects with a `type`
 * and the protocol version `v`; both sides validate each frame on arrival. The same schemas serve the WebSocket
 * gateway and the HTTP polling fallback (`GET /api/inference/job`, `POST /api/inference/result`).
 */

const version = z.literal(PROTOCOL_VERSION);
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "expected a 0x-prefixed 20-byte address");
const bytes32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "expected a 0x-prefixed 32-byte hex string");
const hex = z.string().regex(/^0x([0-9a-fA-F]{2})*$/, "expected 0x-prefixed hex bytes");
const taskId = z.string().min(1).max(64);
const modelId = z.string().min(1).max(128);
/** A publisher placement id as the relayer issues it (`POST /api/publishers/placements`). */
const placementId = z.string().regex(/^pl_[0-9a-f]{24}$/, "expected a placement id (pl_ and 24 hex digits)");
const seconds = z.number().int().nonnegative();
/** Token ids: uint32, at most a task's max tokens. */
const tokenIds = z.array(z.number().int().min(0).max(0xffff_ffff)).max(8_192);

// --- node → relayer ---

/** Sign in with a signed challenge (first connection of a session) or resume with a session token. */
export const authMessage = z.strictObject({
  type: z.literal("auth"),
  v: version,
  /** Resume a session: no signature needed (a browser node signs once per session). */
  session: z.string().min(16).max(128).optional(),
  /** Sign-in: the challenge fields as signed, and the EIP-712 signature. */
  signIn: z
    .strictObject({
      relayer: z.string().min(1).max(253),
      chainId: z.number().int().positive(),
      account: address,
      nonce: bytes32,
      issuedAt: seconds,
      expiresAt: seconds,
      /** The session key the node signs commitments and reports with (see ./commitment.ts). */
      sessionKey: address,
      signature: hex.max(1024),
    })
    .optional(),
});

/** The node can take tasks: which models it serves and how many tasks it runs at once. */
export const readyMessage = z.strictObject({
  type: z.literal("ready"),
  v: version,
  models: z.array(modelId).min(1).max(32),
  capacity: z.number().int().min(1).max(64),
  /** The engine can score claimed tokens teacher-forced, so the node may be drawn as a verifier. */
  verify: z.boolean().optional(),
  /** ISO 3166-1 alpha-2 country, self-declared, for network statistics only. */
  country: z
    .string()
    .regex(/^[A-Z]{2}$/)
    .optional(),
  /**
   * The publisher placement this session runs in (an embedded widget): while its domain is verified, the publisher
   * earns its share of this node's task rewards. Absent: no placement.
   */
  placement: placementId.optional(),
  /**
   * The models this node serves to users through the relayer's `/v1` gateway (`serve` frames), each with the context
   * it fits and the lowest price per message it serves for (GBT wei, decimal; "0" serves free models too). Absent: the
   * node runs tasks only.
   */
  serves: z
    .array(
      z.strictObject({
        model: modelId,
        contextLength: z.number().int().min(1).max(1_048_576),
        priceFloorWei: z.string().regex(/^\d{1,40}$/),
      }),
    )
    .max(32)
    .optional(),
});

export const timings = z.strictObject({
  /** Time spent before inference started (model load, queue). */
  queueMs: z.number().nonnegative().max(86_400_000),
  /** Inference time: what "GPU seconds" counts. */
  inferenceMs: z.number().nonnegative().max(86_400_000),
});

/**
 * A generator's signed commitment to its output (`commitmentHash`, signed by the session key), sent before it reveals.
 * Verifiers are drawn only after the relayer stored it.
 */
export const commitMessage = z.strictObject({
  type: z.literal("commit"),
  v: version,
  taskId,
  commitment: bytes32,
  signature: hex.max(1024),
});

/** The generator opens its commitment after the relayer acked it: the token ids and the salt. */
export const revealMessage = z.strictObject({
  type: z.literal("reveal"),
  v: version,
  taskId,
  tokenIds,
  salt: bytes32,
  timings,
});

/** A verifier's signed report on a claim (see ../verification/agreement.ts and `reportHash`). */
export const reportMessage = z.strictObject({
  type: z.literal("report"),
  v: version,
  taskId,
  /** `outputHash` of the claim scored: binds the signature to the tokens the verifier was sent. */
  claimHash: bytes32,
  pass: z.boolean(),
  /** -1 when nothing failed. */
  firstFailingPosition: z.number().int().min(-1).max(8_193),
  nonTop1: z.number().int().min(0).max(8_193),
  maxGapMicros: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  scored: z.number().int().min(0).max(8_193),
  signature: hex.max(1024),
  timings,
});

export const heartbeatMessage = z.strictObject({
  type: z.literal("heartbeat"),
  v: version,
  /** Sender's clock in ms; echoed back so the node can measure round-trip latency. */
  t: z.number().nonnegative(),
});

const requestId = z.string().min(1).max(64);

/**
 * Part of a served request's output, in order: `index` is the position of its first token in the whole output (a
 * continuation after a failover counts the prefix it was given), so the relayer drops a repeated chunk and refuses a
 * gap. `text` is the decoded text of these tokens (what the user sees).
 */
export const chunkMessage = z.strictObject({
  type: z.literal("chunk"),
  v: version,
  requestId,
  index: z.number().int().min(0).max(65_536),
  tokenIds: z.array(z.number().int().min(0).max(0xffff_ffff)).min(1).max(1_024),
  text: z.string().max(65_536),
});

/** A served request's generation ended: at an end token (`stop`) or at its max tokens (`length`). */
export const serveEndMessage = z.strictObject({
  type: z.literal("serve_end"),
  v: version,
  requestId,
  finish: z.enum(["stop", "length"]),
  /** Tokens generated by this node for the request (without the prefix it was given). */
  tokens: z.number().int().min(0).max(65_536),
  /** The prompt's length in the model's tokens (the `usage` the user is shown). */
  promptTokens: z.number().int().min(0).max(1_048_576).optional(),
  timings,
});

/** The node could not serve the request (model not loaded, context too small, engine error). */
export const serveFailedMessage = z.strictObject({
  type: z.literal("serve_failed"),
  v: version,
  requestId,
  message: z.string().max(1_024),
});

export const nodeMessage = z.discriminatedUnion("type", [
  authMessage,
  readyMessage,
  commitMessage,
  revealMessage,
  reportMessage,
  heartbeatMessage,
  chunkMessage,
  serveEndMessage,
  serveFailedMessage,
]);

/** Frames of a served request's stream (node → relayer). */
export const streamMessage = z.discriminatedUnion("type", [chunkMessage, serveEndMessage, serveFailedMessage]);

/** Frames that carry a node's work on a task (what the HTTP fallback POSTs). */
export const workMessage = z.discriminatedUnion("type", [commitMessage, revealMessage, reportMessage]);

// --- relayer → node ---

/** First frame on a socket: the protocol version and a sign-in challenge (the node fills in `account`). */
export const helloMessage = z.strictObject({
  type: z.literal("hello"),
  v: version,
  relayer: z.string(),
  chainId: z.number().int().positive(),
  nonce: bytes32,
  issuedAt: seconds,
  expiresAt: seconds,
});

/** Authentication succeeded: the session token to resume with, and its expiry (seconds). */
export const authOkMessage = z.strictObject({
  type: z.literal("auth_ok"),
  v: version,
  account: address,
  session: z.string(),
  expiresAt: seconds,
});

/**
 * A task to generate. Known-answer challenges and liveness probes use exactly this frame with the same fields and
 * distributions, so a node cannot tell them from real work. The input is the raw prompt: the engine adds BOS where
 * the model's metadata asks for it and tokenizes with the model's own tokenizer, no chat template (one canonical
 * rendering, so every engine feeds the model the same ids; a template is part of whatever wrote the input).
 */
export const taskMessage = z.strictObject({
  type: z.literal("task"),
  v: version,
  taskId,
  model: modelId,
  input: z.string().max(8_192),
  maxTokens: z.number().int().min(1).max(8_192),
  seed: z.number().int().nonnegative(),
  greedy: z.literal(true),
  /** Commitment and reveal due before this time (ms since the epoch); silence after it is a timeout. */
  deadline: z.number().int(),
});

/**
 * A claim to verify: the task as the generator got it, plus the token ids it claims. The verifier scores them
 * teacher-forced and judges with `judgeScores` at this `delta` (the model artifact's, or twice it for a dispute).
 */
export const verifyMessage = z.strictObject({
  type: z.literal("verify"),
  v: version,
  taskId,
  model: modelId,
  input: z.string().max(8_192),
  maxTokens: z.number().int().min(1).max(8_192),
  seed: z.number().int().nonnegative(),
  tokenIds,
  delta: z.number().nonnegative().max(100),
  /**
   * Tokens that precede the claim (a served request continued after a failover: the earlier node's tokens): fed after
   * the input and not scored.
   */
  prefix: tokenIds.optional(),
  /**
   * The share of non-top-1 tokens the agreement rule allows for this claim, when not the protocol's (a served request
   * sampled at a temperature above 0 allows any share, and `delta` is widened by the temperature).
   */
  nonTop1Share: z.number().min(0).max(1).optional(),
  /** Report due before this time (ms since the epoch). */
  deadline: z.number().int(),
});

/**
 * A user's request to serve, streamed back in `chunk` frames and ended by `serve_end` (or `serve_failed`). The input is
 * the raw prompt, rendered by the relayer with the model's chat template; `prefix` holds the tokens another node
 * already streamed for it (a failover), which the node feeds after the input and continues from. `maxTokens` counts
 * the tokens still to generate. Temperature 0 is greedy; above 0 the node samples with `seed`.
 */
export const serveMessage = z.strictObject({
  type: z.literal("serve"),
  v: version,
  requestId,
  model: modelId,
  input: z.string().max(32_768),
  prefix: tokenIds,
  maxTokens: z.number().int().min(1).max(8_192),
  temperature: z.number().min(0).max(2),
  seed: z.number().int().nonnegative(),
  /** The whole generation is due before this time (ms since the epoch); the relayer cancels it after. */
  deadline: z.number().int(),
});

/** Stop generating this request: the user hung up, a stop sequence matched, or its deadline passed. */
export const cancelMessage = z.strictObject({
  type: z.literal("cancel"),
  v: version,
  requestId,
  reason: z.string().max(256),
});

/** The frame is durably stored (or was already): the node may forget it. */
export const ackMessage = z.strictObject({
  type: z.literal("ack"),
  v: version,
  taskId,
  /** Which frame of the task: a generator reveals only after its commitment is acked. */
  of: z.enum(["commit", "reveal", "report"]),
});

export const verdictMessage = z.strictObject({
  type: z.literal("verdict"),
  v: version,
  taskId,
  outcome: z.enum(["correct", "wrong", "timeout", "inconclusive"]),
  reputationBps: z.number().int().min(0).max(10_000),
  strikes: z.number().int().nonnegative(),
  /** GBT wei credited to the node for this task (decimal string), 0 unless correct. */
  rewardWei: z.string().regex(/^\d+$/),
  /** Ban end in ms since the epoch, when this verdict banned the node. */
  bannedUntil: z.number().int().optional(),
});

export const errorCodes = [
  "bad_frame",
  "frame_too_large",
  "unsupported_version",
  "rate_limited",
  "unauthenticated",
  "auth_failed",
  "banned",
  "unknown_task",
  "duplicate_result",
  "late_result",
  "no_commitment",
  "not_ready",
  "unknown_request",
  "internal",
] as const;

export const errorMessage = z.strictObject({
  type: z.literal("error"),
  v: version,
  code: z.enum(errorCodes),
  message: z.string(),
  /** The task the error concerns, if any. */
  taskId: taskId.optional(),
});

export const relayerMessage = z.discriminatedUnion("type", [
  helloMessage,
  authOkMessage,
  taskMessage,
  verifyMessage,
  serveMessage,
  cancelMessage,
  ackMessage,
  verdictMessage,
  heartbeatMessage,
  errorMessage,
]);

export type AuthMessage = z.infer<typeof authMessage>;
export type ReadyMessage = z.infer<typeof readyMessage>;
export type CommitMessage = z.infer<typeof commitMessage>;
export type RevealMessage = z.infer<typeof revealMessage>;
export type ReportMessage = z.infer<typeof reportMessage>;
export type WorkMessage = z.infer<typeof workMessage>;
export type HeartbeatMessage = z.infer<typeof heartbeatMessage>;
export type NodeMessage = z.infer<typeof nodeMessage>;
export type HelloMessage = z.infer<typeof helloMessage>;
export type AuthOkMessage = z.infer<typeof authOkMessage>;
export type TaskMessage = z.infer<typeof taskMessage>;
export type VerifyMessage = z.infer<typeof verifyMessage>;
export type AckMessage = z.infer<typeof ackMessage>;
export type VerdictMessage = z.infer<typeof verdictMessage>;
export type ErrorMessage = z.infer<typeof errorMessage>;
export type ChunkMessage = z.infer<typeof chunkMessage>;
export type ServeEndMessage = z.infer<typeof serveEndMessage>;
export type ServeFailedMessage = z.infer<typeof serveFailedMessage>;
export type StreamMessage = z.infer<typeof streamMessage>;
export type ServeMessage = z.infer<typeof serveMessage>;
export type CancelMessage = z.infer<typeof cancelMessage>;
export type ErrorCode = ErrorMessage["code"];
export type RelayerMessage = z.infer<typeof relayerMessage>;

/** Result of decoding one frame: the message, or an error code and a readable reason. */
export type Decoded<T> = { ok: true; message: T } | { ok: false; code: ErrorCode; reason: string };

function decodeWith<T>(schema: z.ZodType<T>, raw: string): Decoded<T> {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, code: "bad_frame", reason: "frame is not valid JSON" };
  }
  if (typeof json === "object" && json !== null && "v" in json && json.v !== PROTOCOL_VERSION) {
    return {
      ok: false,
      code: "unsupported_version",
      reason: `protocol version ${String(json.v)} is not supported; this side speaks v${PROTOCOL_VERSION}`,
    };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at ${issue.path.join(".")}` : "";
    return { ok: false, code: "bad_frame", reason: `invalid message${where}: ${issue?.message ?? "unknown"}` };
  }
  return { ok: true, message: parsed.data };
}

/** Decodes and validates a frame a node sent. */
export function decodeNodeMessage(raw: string): Decoded<NodeMessage> {
  return decodeWith(nodeMessage, raw);
}

/** Decodes and validates a frame the relayer sent. */
export function decodeRelayerMessage(raw: string): Decoded<RelayerMessage> {
  return decodeWith(relayerMessage, raw);
}
