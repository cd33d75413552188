import { allowedNonTop1 } from "../verification/agreement.ts";
import type {
  Engine,
  GenerateRequest,
  GenerateResult,
  ScoreRequest,
  StreamChunk,
  StreamRequest,
  StreamResult,
  TokenScore,
  TokenScores,
} from "./engine.ts";

/**
 * SIMULATION ENGINE — no model runs here. A deterministic pseudo-model stands in for one, so local networks, tests and
 * benchmarks run on machines without a GPU; it names itself a simulation wherever it shows.
 *
 * The pseudo-model: at every position, a hash of (model, input, the token ids so far) fixes a few candidate tokens
 * (a top-1 and three runners-up) and the logit margins between them, drawn from a margin distribution that is mostly
 * clear choices with a tail of near-ties; every other token of the vocabulary lies 10–14 nats below the top-1. From
 * its natural length on (fixed by model and input), the end-of-sequence token is the top-1 candidate, by a margin of
 * the same distribution. Greedy decoding takes the top-1 until the end token or max tokens; the seed plays no part.
 *
 * A hardware class adds noise to the candidates' logits, deterministic per class, context and candidate (floating-point
 * rounding is repeatable on one machine and differs across GPUs, kernels and batch sizes). Two honest nodes of
 * different classes therefore sometimes pick different tokens at a near-tie, and their outputs diverge from there:
 * honest disagreement emerges from margins and noise, it is not configured. Nodes of one class agree exactly.
 * `score` teacher-forces a claim through its own class's logits, so a verifier sees an honest claim of another class
 * as top-1 almost everywhere and within a small gap at the flipped near-ties, and a made-up token 10+ nats away.
 *
 * `stream` serves a gateway request from the same pseudo-model: greedy at temperature 0 (a greedy serve of a task's
 * input streams exactly the task's output, and a continuation from any prefix of it streams the rest), sampled among
 * the candidates above 0 (see `sampleAt`).
 *
 * Behaviours model dishonest nodes (see `SimulationBehaviour`).
 */

/** A node's hardware: the standard deviation of the noise it adds to every candidate logit (nats). */
export interface HardwareClass {
  name: string;
  noise: number;
}

/** No noise: the model as a perfectly exact machine would run it (the "true model" a benchmark judges against). */
export const EXACT_HARDWARE: HardwareClass = { name: "exact", noise: 0 };

export type SimulationBehaviour =
  | { kind: "honest" }
  /** Lie-at-rate: a wrong claim of its own on `rate` of its tasks (default 1); liars do not agree with each other. */
  | { kind: "liar"; rate?: number }
  /**
   * A member of `group`: generates the group's deterministic wrong claim (on `rate` of its tasks, where `decide`
   * allows), and as a verifier passes claims of its group (it recognizes them by recomputing the group's claim) where
   * `passes` allows — e.g. only where the group holds every verifier seat — and scores every other claim honestly.
   */
  | {
      kind: "colluder";
      group: string;
      rate?: number;
      decide?: (request: GenerateRequest) => boolean;
      passes?: (request: ScoreRequest) => boolean;
    }
  /** A colluder that tells the truth wherever it suspects a known-answer challenge (they are built not to show). */
  | {
      kind: "challenge-aware";
      group: string;
      rate?: number;
      suspectsChallenge?: (request: GenerateRequest) => boolean;
      decide?: (request: GenerateRequest) => boolean;
      passes?: (request: ScoreRequest) => boolean;
    }
  /** A colluder that answers instantly (no simulated latency), to be chosen first where speed buys selection. */
  | { kind: "selection-gaming"; group: string; passes?: (request: ScoreRequest) => boolean }
  /**
   * Steers its output: replaces up to `budget` tokens (default M of its honest output) by the runner-up wherever its
   * own gap to it is at most `delta`, so the claim passes the agreement rule at that δ. Verifies honestly.
   */
  | {
      kind: "steerer";
      delta: number;
      budget?: number;
      rule?: { nonTop1Share?: number; minNonTop1?: number };
    }
  /** Runs a cheaper model instead of the task's: the task model's logits plus `noise` (default 1 nat) of its own. */
  | { kind: "cheap-model"; substitute?: string; noise?: number }
  /** Generates honestly; as a verifier reports every claimed token as its top-1 without scoring. */
  | { kind: "lazy-verifier" }
  /** Generates honestly; as a verifier reports a large gap at every position of every claim. */
  | { kind: "griefer" };

export type SimulationEvent =
  | { type: "generate"; request: GenerateRequest; tokenIds: number[]; lied: boolean }
  /** `scored: false`: the report was made up without scoring (lazy, griefing, or a colluder passing its group). */
  | { type: "score"; request: ScoreRequest; scores: TokenScores; scored: boolean };

export interface SimulationEngineOptions {
  /** Models the simulation pretends to serve (default `["sim-llm"]`). */
  models?: string[];
  behaviour?: SimulationBehaviour;
  /** The node's hardware class (default exact: no noise). */
  hardware?: HardwareClass;
  /** Simulated inference time per task in ms (a number or a function of the request); default 0. */
  latencyMs?: number | ((request: GenerateRequest | ScoreRequest) => number);
  /** Randomness for lies (tests pass a seeded one); default Math.random. */
  random?: () => number;
  vocabSize?: number;
  /** Called after every generation and every scoring (the fleet simulator's record of what each node did). */
  observe?: (event: SimulationEvent) => void;
  /** Honest decodes shared with other engines (benchmarks). */
  memo?: SimulationMemo;
  /** The context length served requests must fit (default 32 768 tokens; see `SIMULATED_INPUT_CHARS_PER_TOKEN`). */
  contextLength?: number;
}

/** The simulated vocabulary: 32 000 ids, 0–2 special, 2 the end-of-sequence token. */
export const SIMULATED_VOCAB = 32_000;
export const SIMULATED_EOS = 2;
const FIRST_ID = 3;
const CANDIDATES = 4;
/**
 * Margins between consecutive candidates: with probability 0.15 an uncertain position (exponential, mean 0.5 nats),
 * otherwise a clear one (1 nat plus an exponential of mean 3). About 1.5% of positions are near-ties within 0.05 nats.
 */
const UNCERTAIN_SHARE = 0.15;
const UNCERTAIN_MEAN = 0.5;
const CLEAR_MIN = 1;
const CLEAR_MEAN = 3;
/** Every non-candidate token: 10–14 nats below the top-1. */
const BACKGROUND_MIN = 10;
const BACKGROUND_SPAN = 4;
/** Natural length of an answer: 24–279 tokens, fixed by model and input. */
const LENGTH_MIN = 24;
const LENGTH_SPAN = 256;
/** What a griefer reports at every position (nats). */
const GRIEF_GAP = 20;
const DEFAULT_CONTEXT_LENGTH = 32_768;
/** The simulation has no tokenizer: for the context check, an input counts one token per 4 characters. */
const SIMULATED_INPUT_CHARS_PER_TOKEN = 4;

// --- hashing: fast, deterministic, not cryptographic (nothing here needs to resist anyone) ---

// Hashes stay int32 (small integers to V8: no allocation); `>>> 0` only where an unsigned value is used.
function fmix32(x: number): number {
  let h = x | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return fmix32(h);
}

const derive = (h: number, salt: number): number => fmix32(h ^ Math.imul(salt + 1, 0x9e3779b1));
/** A uniform in (0, 1) from a hash. */
const unit = (h: number): number => ((h >>> 0) + 0.5) / 4_294_967_296;
const advance = (h: number, token: number): number => fmix32(Math.imul(h, 0x01000193) ^ fmix32(token + 0x7f4a7c15));

function margin(h: number): number {
  const u = unit(derive(h, 1));
  const e = -Math.log(unit(derive(h, 2)));
  return u < UNCERTAIN_SHARE ? UNCERTAIN_MEAN * e : CLEAR_MIN + CLEAR_MEAN * e;
}

function gaussian(h: number): number {
  return Math.sqrt(-2 * Math.log(unit(derive(h, 3)))) * Math.cos(2 * Math.PI * unit(derive(h, 4)));
}

/** A source of logit noise: a hardware class, or a substituted model's own error. */
interface Noise {
  seed: number;
  sd: number;
}

const hardwareNoise = (hardware: HardwareClass): Noise[] =>
  hardware.noise > 0 ? [{ seed: hashString(`hardware ${hardware.name}`), sd: hardware.noise }] : [];

/** One position's distribution: the candidates' ids and (noisy) logits, and the logit of every other token. */
class Position {
  readonly ids = new Int32Array(CANDIDATES + 1);
  readonly logits = new Float64Array(CANDIDATES + 1);
  count = 0;
  background = 0;
  top = 0;
  lse = 0;

  has(tokenId: number): boolean {
    for (let i = 0; i < this.count; i++) if (this.ids[i] === tokenId) return true;
    return false;
  }

  logitOf(tokenId: number): number {
    for (let i = 0; i < this.count; i++) if (this.ids[i] === tokenId) return this.logits[i] as number;
    return this.background;
  }

  topId(): number {
    return this.ids[this.top] as number;
  }

  /** Index of the runner-up candidate (the best after the top-1). */
  runnerUp(): number {
    let best = -1;
    for (let i = 0; i < this.count; i++) {
      if (i === this.top) continue;
      if (best < 0 || (this.logits[i] as number) > (this.logits[best] as number)) best = i;
    }
    return best;
  }

  score(tokenId: number, topK?: number): TokenScore {
    const logit = this.logitOf(tokenId);
    const topLogit = this.logits[this.top] as number;
    let rank = 0;
    for (let i = 0; i < this.count; i++) if ((this.logits[i] as number) > logit) rank++;
    const top1 = rank === 0;
    const score: TokenScore = {
      tokenId,
      topTokenId: this.topId(),
      top1,
      rank,
      logprob: logit - this.lse,
      topLogprob: topLogit - this.lse,
      gap: top1 ? 0 : topLogit - logit,
    };
    if (topK) {
      const top: Array<{ tokenId: number; logprob: number }> = [];
      for (let i = 0; i < this.count; i++) {
        top.push({ tokenId: this.ids[i] as number, logprob: (this.logits[i] as number) - this.lse });
      }
      score.top = top.sort((a, b) => b.logprob - a.logprob).slice(0, topK);
    }
    return score;
  }
}

/** Walks a sequence: the context hash after each token, and the distribution at the current position. */
class Walker {
  private state: number;
  private readonly length: number;
  private readonly noise: readonly Noise[];
  private readonly vocabSize: number;
  position = 0;
  readonly here = new Position();

  constructor(model: string, input: string, noise: readonly Noise[], vocabSize: number) {
    this.state = hashString(`${model}\n${input}`);
    this.length = LENGTH_MIN + ((derive(this.state, 77) >>> 0) % LENGTH_SPAN);
    this.noise = noise;
    this.vocabSize = vocabSize;
    this.compute();
  }

  /** Feeds a token (generated or claimed) and moves to the next position. */
  push(tokenId: number): void {
    this.state = advance(this.state, tokenId);
    this.position++;
    this.compute();
  }

  private compute(): void {
    const here = this.here;
    const { ids, logits } = here;
    const h = this.state;
    const span = this.vocabSize - FIRST_ID;
    let logit = 0;
    here.count = 0;
    for (let i = 0; i < CANDIDATES; i++) {
      let id = FIRST_ID + ((derive(h, 10 + i) >>> 0) % span);
      while (here.has(id)) id = FIRST_ID + ((id - FIRST_ID + 1) % span);
      if (i > 0) logit -= margin(derive(h, 20 + i));
      ids[i] = id;
      logits[i] = logit;
      here.count++;
    }
    if (this.position >= this.length) {
      ids[here.count] = SIMULATED_EOS;
      logits[here.count] = margin(derive(h, 30));
      here.count++;
    }
    const count = here.count;
    here.background = -(BACKGROUND_MIN + BACKGROUND_SPAN * unit(derive(h, 31)));
    for (let k = 0; k < this.noise.length; k++) {
      const { seed, sd } = this.noise[k] as Noise;
      const n = fmix32(h ^ seed);
      for (let i = 0; i < count; i++) logits[i] = (logits[i] as number) + sd * gaussian(derive(n, 40 + i));
    }
    let top = 0;
    let max = logits[0] as number;
    for (let i = 1; i < count; i++) {
      if ((logits[i] as number) > max) {
        max = logits[i] as number;
        top = i;
      }
    }
    let sum = (this.vocabSize - count) * Math.exp(here.background - max);
    for (let i = 0; i < count; i++) sum += Math.exp((logits[i] as number) - max);
    here.top = top;
    here.lse = max + Math.log(sum);
  }
}

/**
 * Honest decodes shared between engines of one process: a benchmark replays each task on many simulated nodes of a
 * few hardware classes, and a decode is a pure function of the class, the model and the task.
 */
export class SimulationMemo {
  private readonly decoded = new Map<string, number[]>();
  private readonly limit: number;

  constructor(limit = 200_000) {
    this.limit = limit;
  }

  decode(key: string, compute: () => number[]): number[] {
    let ids = this.decoded.get(key);
    if (!ids) {
      ids = compute();
      if (this.decoded.size >= this.limit) this.decoded.clear();
      this.decoded.set(key, ids);
    }
    return [...ids];
  }
}

const noiseKey = (noise: readonly Noise[]) => noise.map((n) => `${n.seed}:${n.sd}`).join(",");

interface DecodeOptions {
  noise?: readonly Noise[];
  vocabSize?: number;
  /** Tokens already in the output (a served request continued after a failover): fed first, not returned. */
  prefix?: readonly number[];
  /**
   * Before each greedy pick: return a token to take instead (or null to take the top-1). `position` counts the whole
   * output, prefix included.
   */
  override?: (here: Position, position: number) => number | null;
}

/** Greedy decoding: the top-1 at every position until the end token or max tokens (counted after the prefix). */
function decode(request: Pick<GenerateRequest, "model" | "input" | "maxTokens">, options: DecodeOptions = {}) {
  const walker = new Walker(request.model, request.input, options.noise ?? [], options.vocabSize ?? SIMULATED_VOCAB);
  const prefix = options.prefix ?? [];
  for (const tokenId of prefix) walker.push(tokenId);
  const ids: number[] = [];
  while (ids.length < request.maxTokens) {
    const forced = options.override?.(walker.here, prefix.length + ids.length) ?? null;
    const next = forced ?? walker.here.topId();
    if (next === SIMULATED_EOS) break;
    ids.push(next);
    walker.push(next);
  }
  return ids;
}

/** Teacher-forced scores of a claim, by a node whose logits carry `noise`. */
function scoreClaim(request: ScoreRequest, noise: readonly Noise[], vocabSize: number): Omit<TokenScores, "timings"> {
  const walker = new Walker(request.model, request.input, noise, vocabSize);
  for (const tokenId of request.prefix ?? []) walker.push(tokenId);
  const tokens: TokenScore[] = [];
  for (const tokenId of request.tokenIds) {
    tokens.push(walker.here.score(tokenId, request.topK));
    walker.push(tokenId);
  }
  const scoreEnd = request.maxTokens !== undefined && request.tokenIds.length < request.maxTokens;
  const end = scoreEnd ? walker.here.score(SIMULATED_EOS, request.topK) : undefined;
  return {
    tokens,
    nonTop1: tokens.filter((t) => !t.top1).length,
    maxGap: tokens.reduce((m, t) => Math.max(m, t.gap), 0),
    ...(end ? { end } : {}),
  };
}

/**
 * The simulation's deterministic output for a task: `salt` "" is the honest answer of exact hardware (the true
 * model); any other salt gives a wrong answer of its own — from a position in the first eight on, a made-up token
 * (10+ nats below the top-1), again at one position in sixteen after it, greedy in between.
 */
export function simulatedTokens(
  request: Pick<GenerateRequest, "model" | "input" | "maxTokens">,
  salt = "",
  vocabSize = SIMULATED_VOCAB,
): number[] {
  if (salt === "") return decode(request, { vocabSize });
  return decode(request, { vocabSize, override: lieAt(salt, request, vocabSize) });
}

/**
 * Where and how the wrong answer of `salt` departs from greedy (see `simulatedTokens`); null: greedy here. It departs
 * first at one of the answer's first 8 positions, and never later than `start`: a lie continued after a failover's
 * prefix of `start` tokens departs at its first token when its own first departure fell inside the prefix (else a
 * short continuation could come out honest by chance, a liar that did not lie).
 */
function lieAt(
  salt: string,
  request: Pick<GenerateRequest, "model" | "input">,
  vocabSize: number,
  start = 0,
): (here: Position, position: number) => number | null {
  const lie = hashString(`lie\n${salt}\n${request.model}\n${request.input}`);
  const first = Math.max(start, (lie >>> 0) % 8);
  const span = vocabSize - FIRST_ID;
  return (here, position) => {
    if (position < first || (position > first && (derive(lie, position) & 15) !== 0)) return null;
    let id = FIRST_ID + ((derive(lie, 100_000 + position) >>> 0) % span);
    while (here.has(id)) id = FIRST_ID + ((id - FIRST_ID + 1) % span);
    return id;
  };
}

/**
 * A draw among the position's candidates with probabilities softmax(logit / temperature), from a uniform fixed by
 * (seed, position) alone: the same seed samples the same output, and a continuation from any prefix of it samples
 * the rest (the context enters only through the candidates).
 */
function sampleAt(here: Position, temperature: number, seed: number, position: number): number {
  const u = unit(derive(hashString(`sample ${seed}`), position));
  const top = here.logits[here.top] as number;
  let sum = 0;
  for (let i = 0; i < here.count; i++) sum += Math.exp(((here.logits[i] as number) - top) / temperature);
  let cumulative = 0;
  for (let i = 0; i < here.count; i++) {
    cumulative += Math.exp(((here.logits[i] as number) - top) / temperature) / sum;
    if (u < cumulative) return here.ids[i] as number;
  }
  return here.ids[here.count - 1] as number;
}

/** The wrong claim every member of `group` generates for a task (and recognizes when verifying). */
export function groupClaim(request: Pick<GenerateRequest, "model" | "input" | "maxTokens">, group: string): number[] {
  return simulatedTokens(request, groupSalt(group));
}

const groupSalt = (group: string) => `collude:${group}`;

/** The group's wrong claim continued from `prefix` (a served request after a failover); `[]`: `groupClaim`. */
function groupContinuation(
  request: Pick<GenerateRequest, "model" | "input" | "maxTokens">,
  group: string,
  prefix: readonly number[],
): number[] {
  return decode(request, { prefix, override: lieAt(groupSalt(group), request, SIMULATED_VOCAB, prefix.length) });
}

/** What honest hardware of `hardware`'s class generates for a task. */
export function honestTokens(
  request: Pick<GenerateRequest, "model" | "input" | "maxTokens">,
  hardware: HardwareClass = EXACT_HARDWARE,
  memo?: SimulationMemo,
  vocabSize = SIMULATED_VOCAB,
): number[] {
  return memoDecode(request, hardwareNoise(hardware), vocabSize, memo);
}

function memoDecode(
  request: Pick<GenerateRequest, "model" | "input" | "maxTokens">,
  noise: readonly Noise[],
  vocabSize: number,
  memo: SimulationMemo | undefined,
): number[] {
  if (!memo) return decode(request, { noise, vocabSize });
  const key = `${noiseKey(noise)}\n${vocabSize}\n${request.model}\n${request.maxTokens}\n${request.input}`;
  return memo.decode(key, () => decode(request, { noise, vocabSize }));
}

/** Honest teacher-forced scores of a claim on `hardware` (exact: the true model's view). */
export function simulatedScores(
  request: ScoreRequest,
  hardware: HardwareClass = EXACT_HARDWARE,
  vocabSize = SIMULATED_VOCAB,
): TokenScores {
  return { ...scoreClaim(request, hardwareNoise(hardware), vocabSize), timings: { queueMs: 0, inferenceMs: 0 } };
}

/** Noise of a substituted cheaper model: its own error on top of the hardware's. */
const substituteNoise = (substitute: string, sd: number): Noise => ({ seed: hashString(`model ${substitute}`), sd });

/**
 * A steered claim: greedy on `hardware`, but at up to `budget` positions where the runner-up is within `delta` of
 * the top-1 (and not the end token), the runner-up instead. Returns the ids and how many were steered.
 */
export function steeredTokens(
  request: Pick<GenerateRequest, "model" | "input" | "maxTokens">,
  hardware: HardwareClass,
  delta: number,
  budget: number,
  vocabSize = SIMULATED_VOCAB,
): { tokenIds: number[]; steered: number } {
  let steered = 0;
  const tokenIds = decode(request, {
    noise: hardwareNoise(hardware),
    vocabSize,
    override: (here) => {
      if (steered >= budget) return null;
      const runnerUp = here.runnerUp();
      if (runnerUp < 0 || here.ids[runnerUp] === SIMULATED_EOS) return null;
      if ((here.logits[here.top] as number) - (here.logits[runnerUp] as number) > delta) return null;
      steered++;
      return here.ids[runnerUp] as number;
    },
  });
  return { tokenIds, steered };
}

/** Readable stand-in text for simulated token ids (display only). */
const SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "ta", "vo", "zi", "pe", "su", "do", "fa", "gu", "hi", "jo", "be"];
export function simulatedText(tokenIds: readonly number[]): string {
  return tokenIds.map((id) => `${SYLLABLES[id % 16]}${SYLLABLES[(id >> 4) % 16]}`).join(" ");
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason ?? new Error("aborted"));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** A report made up without scoring: every position top-1 (`gap` 0) or, griefing, every position far off. */
function madeUpScores(request: ScoreRequest, gap: number): Omit<TokenScores, "timings"> {
  const at = (tokenId: number): TokenScore => ({
    tokenId,
    topTokenId: gap > 0 ? SIMULATED_EOS : tokenId,
    top1: gap === 0,
    rank: gap > 0 ? 1 : 0,
    logprob: -gap,
    topLogprob: 0,
    gap,
  });
  const tokens = request.tokenIds.map(at);
  const scoreEnd = request.maxTokens !== undefined && request.tokenIds.length < request.maxTokens;
  return {
    tokens,
    nonTop1: gap > 0 ? tokens.length : 0,
    maxGap: tokens.length > 0 ? gap : 0,
    ...(scoreEnd ? { end: at(SIMULATED_EOS) } : {}),
  };
}

const sameIds = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i]);

export class SimulationEngine implements Engine {
  readonly kind = "simulation" as const;
  readonly name: string;
  readonly behaviour: SimulationBehaviour;
  readonly hardware: HardwareClass;
  private readonly modelIds: string[];
  private readonly latency: (request: GenerateRequest | ScoreRequest) => number;
  private readonly random: () => number;
  private readonly vocabSize: number;
  private readonly noise: Noise[];
  private readonly observe: ((event: SimulationEvent) => void) | undefined;
  private readonly memo: SimulationMemo | undefined;
  private readonly context: number;
  private lies = 0;

  constructor(options: SimulationEngineOptions = {}) {
    this.modelIds = options.models ?? ["sim-llm"];
    this.behaviour = options.behaviour ?? { kind: "honest" };
    this.hardware = options.hardware ?? EXACT_HARDWARE;
    const latency = options.latencyMs ?? 0;
    this.latency =
      this.behaviour.kind === "selection-gaming" ? () => 0 : typeof latency === "function" ? latency : () => latency;
    this.random = options.random ?? Math.random;
    this.vocabSize = options.vocabSize ?? SIMULATED_VOCAB;
    this.observe = options.observe;
    this.memo = options.memo;
    this.context = options.contextLength ?? DEFAULT_CONTEXT_LENGTH;
    const b = this.behaviour;
    this.noise = hardwareNoise(this.hardware);
    if (b.kind === "cheap-model") this.noise.push(substituteNoise(b.substitute ?? "sim-llm-small", b.noise ?? 1));
    const traits = [b.kind === "honest" ? null : b.kind, this.hardware.noise > 0 ? this.hardware.name : null];
    const shown = traits.filter(Boolean).join(", ");
    this.name = `simulation (no real model${shown ? `, ${shown}` : ""})`;
  }

  async models(): Promise<string[]> {
    return [...this.modelIds];
  }

  private checkModel(model: string): void {
    if (!this.modelIds.includes(model)) throw new Error(`the simulation does not serve model ${model}`);
  }

  /**
   * Whether a liar or a colluder lies on this request, and with which wrong answer (`simulatedTokens`'s salt; a
   * group's is shared by its members, on the default vocabulary, so they recognize each other's claims); null: honest.
   */
  private lie(request: GenerateRequest): { salt: string; vocabSize: number } | null {
    const b = this.behaviour;
    switch (b.kind) {
      case "liar": {
        if (this.random() >= (b.rate ?? 1)) return null;
        this.lies++;
        return { salt: `lie:${this.random()}:${this.lies}`, vocabSize: this.vocabSize };
      }
      case "colluder":
      case "challenge-aware":
      case "selection-gaming": {
        if (b.kind !== "selection-gaming") {
          if (b.decide && !b.decide(request)) return null;
          if (b.kind === "challenge-aware" && b.suspectsChallenge?.(request)) return null;
          if (this.random() >= (b.rate ?? 1)) return null;
        }
        this.lies++;
        return { salt: groupSalt(b.group), vocabSize: SIMULATED_VOCAB };
      }
      default:
        return null;
    }
  }

  /** This node's claim for a task, and whether it is not what its hardware honestly generates. */
  private claim(request: GenerateRequest): { tokenIds: number[]; lied: boolean } {
    const b = this.behaviour;
    const honest = () => memoDecode(request, this.noise, this.vocabSize, this.memo);
    switch (b.kind) {
      case "liar":
      case "colluder":
      case "challenge-aware":
      case "selection-gaming": {
        const lie = this.lie(request);
        if (!lie) return { tokenIds: honest(), lied: false };
        return { tokenIds: simulatedTokens(request, lie.salt, lie.vocabSize), lied: true };
      }
      case "steerer": {
        const own = honest();
        const scored = own.length + (own.length < request.maxTokens ? 1 : 0);
        const budget = b.budget ?? allowedNonTop1(scored, b.rule ?? {});
        const { tokenIds, steered } = steeredTokens(request, this.hardware, b.delta, budget, this.vocabSize);
        return { tokenIds, lied: steered > 0 };
      }
      case "cheap-model":
        return { tokenIds: honest(), lied: true };
      default:
        return { tokenIds: honest(), lied: false };
    }
  }

  async generate(request: GenerateRequest, signal?: AbortSignal): Promise<GenerateResult & { lied: boolean }> {
    this.checkModel(request.model);
    const started = performance.now();
    await sleep(this.latency(request), signal);
    const { tokenIds, lied } = this.claim(request);
    this.observe?.({ type: "generate", request, tokenIds, lied });
    return {
      tokenIds,
      text: simulatedText(tokenIds),
      timings: { queueMs: 0, inferenceMs: performance.now() - started },
      lied,
    };
  }

  /** Teacher-forced scoring of a claim on this node's hardware, or a made-up report (see the behaviours). */
  async score(request: ScoreRequest, signal?: AbortSignal): Promise<TokenScores> {
    this.checkModel(request.model);
    const started = performance.now();
    const b = this.behaviour;
    let scores: Omit<TokenScores, "timings"> | null = null;
    if (b.kind === "lazy-verifier") scores = madeUpScores(request, 0);
    else if (b.kind === "griefer") scores = madeUpScores(request, GRIEF_GAP);
    else if (b.kind === "colluder" || b.kind === "challenge-aware" || b.kind === "selection-gaming") {
      const task = {
        model: request.model,
        input: request.input,
        maxTokens: request.maxTokens ?? request.tokenIds.length,
      };
      const ours = sameIds(request.tokenIds, groupContinuation(task, b.group, request.prefix ?? []));
      if (ours && (b.passes?.(request) ?? true)) scores = madeUpScores(request, 0);
    }
    const scored = scores === null;
    if (scores === null) {
      await sleep(this.latency(request), signal);
      scores = scoreClaim(request, this.noise, this.vocabSize);
    }
    const result = { ...scores, timings: { queueMs: 0, inferenceMs: performance.now() - started } };
    this.observe?.({ type: "score", request, scores: result, scored });
    return result;
  }

  async contextLength(model: string): Promise<number> {
    this.checkModel(model);
    return this.context;
  }

  /**
   * Serves a request token by token, the simulated latency spread evenly over the tokens. Greedy at temperature 0 (the
   * tokens `generate` gives the same request), sampled with the seed above it. Liars and colluders serve their wrong
   * tokens (on their tasks' terms), a cheap model its own, so verifying a served output catches them as it catches
   * their tasks; steerers, lazy verifiers and griefers serve honestly (what they game is the verification of tasks).
   */
  async stream(
    request: StreamRequest,
    onChunk: (chunk: StreamChunk) => void,
    signal?: AbortSignal,
  ): Promise<StreamResult> {
    this.checkModel(request.model);
    const started = performance.now();
    const prefix = request.prefix ?? [];
    const needed =
      Math.ceil(request.input.length / SIMULATED_INPUT_CHARS_PER_TOKEN) + prefix.length + request.maxTokens;
    if (needed > this.context) {
      throw new Error(`input + prefix + output (~${needed} tokens) exceed the context of ${this.context} tokens`);
    }
    const task: GenerateRequest = {
      model: request.model,
      input: request.input,
      maxTokens: request.maxTokens,
      seed: request.seed,
    };
    const lie = this.lie(task);
    const departs = lie ? lieAt(lie.salt, task, lie.vocabSize, prefix.length) : null;
    const { temperature, seed } = request;
    const tokenIds = decode(task, {
      // A lie is told on exact hardware, as on tasks (group members must agree).
      noise: lie ? [] : this.noise,
      vocabSize: lie?.vocabSize ?? this.vocabSize,
      prefix,
      override: (here, position) =>
        departs?.(here, position) ?? (temperature > 0 ? sampleAt(here, temperature, seed, position) : null),
    });
    const latency = this.latency(task);
    if (tokenIds.length === 0) await sleep(latency, signal);
    for (const [i, tokenId] of tokenIds.entries()) {
      await sleep(started + (latency * (i + 1)) / tokenIds.length - performance.now(), signal);
      const position = prefix.length + i;
      onChunk({ tokenIds: [tokenId], text: `${position > 0 ? " " : ""}${simulatedText([tokenId])}` });
    }
    return {
      finish: tokenIds.length < request.maxTokens ? "stop" : "length",
      tokens: tokenIds.length,
      timings: { queueMs: 0, inferenceMs: performance.now() - started },
    };
  }

  async dispose(): Promise<void> {}
}
