import { hexToBytes, keccak256, stringToBytes } from "viem";
import type { Engine, GenerateRequest, GenerateResult } from "./engine.ts";

/**
 * SIMULATION ENGINE — no model runs here. It derives "generated" token ids deterministically from the task (model,
 * input, seed, max tokens) with keccak256, so every honest simulated node produces the same ids, hence the same output
 * hash. It exists to drive local networks, tests and benchmarks on machines without a GPU, and names itself a
 * simulation wherever it shows. Behaviours model dishonest nodes: random liars (independent wrong answers) and
 * colluders (a group that shares one wrong answer per task).
 */
export type SimulationBehaviour =
  | { kind: "honest" }
  /** Answers wrongly with probability `rate` (default 1); each lie is independent, so liars do not agree. */
  | { kind: "liar"; rate?: number }
  /** Answers wrongly with probability `rate` (default 1), with the wrong answer its `group` agrees on. */
  | {
      kind: "colluder";
      group: string;
      rate?: number;
      /** Lies only when this says so (a group coordinating out of band, e.g. only where it holds a majority). */
      decide?: (request: GenerateRequest) => boolean;
    };

export interface SimulationEngineOptions {
  /** Models the simulation pretends to serve (default `["sim-llm"]`). */
  models?: string[];
  behaviour?: SimulationBehaviour;
  /** Simulated inference time per task in ms (a number or a function of the request); default 0. */
  latencyMs?: number | ((request: GenerateRequest) => number);
  /** Randomness for lies (tests pass a seeded one); default Math.random. */
  random?: () => number;
  vocabSize?: number;
}

const VOCAB = 32_000;
const SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "ta", "vo", "zi", "pe", "su", "do", "fa", "gu", "hi", "jo", "be"];

/**
 * The simulation's deterministic output for a task: `salt` "" is the honest answer; any other salt gives another
 * (wrong) answer. Length: 75–100% of `maxTokens`, fixed by the task, as if the model stopped at an end token.
 */
export function simulatedTokens(request: GenerateRequest, salt = "", vocabSize = VOCAB): number[] {
  let block = keccak256(
    stringToBytes(`${request.model}\n${request.seed}\n${request.maxTokens}\n${salt}\n${request.input}`),
  );
  const first = hexToBytes(block);
  const spread = Math.ceil(request.maxTokens / 4);
  const length = request.maxTokens - ((((first[0] ?? 0) << 8) | (first[1] ?? 0)) % spread);
  const ids: number[] = [];
  while (ids.length < length) {
    block = keccak256(hexToBytes(block));
    const bytes = hexToBytes(block);
    for (let i = 0; i + 4 <= bytes.length && ids.length < length; i += 4) {
      const word =
        (((bytes[i] ?? 0) << 24) | ((bytes[i + 1] ?? 0) << 16) | ((bytes[i + 2] ?? 0) << 8) | (bytes[i + 3] ?? 0)) >>>
        0;
      ids.push(word % vocabSize);
    }
  }
  return ids;
}

/** Readable stand-in text for simulated token ids (display only). */
export function simulatedText(tokenIds: readonly number[]): string {
  return tokenIds.map((id) => `${SYLLABLES[id % 16]}${SYLLABLES[(id >> 4) % 16]}`).join(" ");
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
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

export class SimulationEngine implements Engine {
  readonly kind = "simulation" as const;
  readonly name: string;
  readonly behaviour: SimulationBehaviour;
  private readonly modelIds: string[];
  private readonly latency: (request: GenerateRequest) => number;
  private readonly random: () => number;
  private readonly vocabSize: number;
  private lies = 0;

  constructor(options: SimulationEngineOptions = {}) {
    this.modelIds = options.models ?? ["sim-llm"];
    this.behaviour = options.behaviour ?? { kind: "honest" };
    const latency = options.latencyMs ?? 0;
    this.latency = typeof latency === "function" ? latency : () => latency;
    this.random = options.random ?? Math.random;
    this.vocabSize = options.vocabSize ?? VOCAB;
    this.name =
      this.behaviour.kind === "honest"
        ? "simulation (no real model)"
        : `simulation (no real model, ${this.behaviour.kind})`;
  }

  async models(): Promise<string[]> {
    return [...this.modelIds];
  }

  /** Whether the next answer is a lie, and the salt that makes it one. */
  private lieSalt(request: GenerateRequest): string | null {
    const b = this.behaviour;
    if (b.kind === "honest") return null;
    if (b.kind === "colluder" && b.decide && !b.decide(request)) return null;
    if (this.random() >= (b.rate ?? 1)) return null;
    this.lies++;
    return b.kind === "colluder" ? `collude:${b.group}` : `lie:${this.random()}:${this.lies}`;
  }

  async generate(request: GenerateRequest, signal?: AbortSignal): Promise<GenerateResult & { lied: boolean }> {
    if (!this.modelIds.includes(request.model)) throw new Error(`the simulation does not serve model ${request.model}`);
    const started = performance.now();
    await sleep(this.latency(request), signal);
    const salt = this.lieSalt(request);
    const tokenIds = simulatedTokens(request, salt ?? "", this.vocabSize);
    return {
      tokenIds,
      text: simulatedText(tokenIds),
      timings: { queueMs: 0, inferenceMs: performance.now() - started },
      lied: salt !== null,
    };
  }

  async dispose(): Promise<void> {}
}
