// The configurations `gitblock-node calibrate` measures for a GGUF file on the embedded engine: what an honest node
// may legitimately differ in (threads, batch size, context size, CPU instead of a GPU, another artifact of the same
// weights), plus an optional substituted model as a control that the rule must reject.
import { basename } from "node:path";
import type { LlamaGpuType } from "node-llama-cpp";
import { LlamaCppEngine, type LlamaCppEngineOptions } from "../engines/llama-cpp.ts";
import type { CalibrationConfiguration } from "./measure.ts";

export interface GgufCalibrationOptions {
  /** The artifact being calibrated: it generates, and serves `modelId`. */
  modelPath: string;
  /** The same weights in another artifact (e.g. the F32 file beside a Q8_0): stands in for hardware that rounds differently. */
  referencePath?: string;
  /** Another model: a control the rule must reject (never enters δ). */
  substitutePath?: string;
  /** Default: the model file's name without `.gguf`. */
  modelId?: string;
  /** The generator's backend (default "auto"); a GPU generator is paired with the CPU. */
  gpu?: "auto" | LlamaGpuType;
  /** The generator's threads (default 1); the pairing uses 2, or 1 when this is not 1. */
  threads?: number;
  /** The generator's context size (default: the engine's); the pairing uses half of it where the tasks fit. */
  contextSize?: number;
  prompts: readonly string[];
  maxTokens: number;
}

export interface GgufCalibrationSetup {
  model: string;
  generator: CalibrationConfiguration;
  pairings: CalibrationConfiguration[];
  /** Pairings left out, and why (e.g. the tasks do not fit half the context). */
  skipped: string[];
  dispose(): Promise<void>;
}

/** The calibration's engines, one context each: the generator loaded (a bad file fails here), the others on first use. */
export async function ggufCalibration(options: GgufCalibrationOptions): Promise<GgufCalibrationSetup> {
  const model = options.modelId ?? basename(options.modelPath).replace(/\.gguf$/i, "");
  const gpu = options.gpu ?? "auto";
  const threads = options.threads ?? 1;
  const engines: LlamaCppEngine[] = [];
  const engine = (
    modelPath: string,
    overrides: Pick<LlamaCppEngineOptions, "gpu" | "threads" | "batchSize" | "contextSize"> = {},
  ) => {
    const e = new LlamaCppEngine({
      modelPath,
      modelId: model,
      gpu,
      threads,
      ...(options.contextSize ? { contextSize: options.contextSize } : {}),
      ...overrides,
    });
    engines.push(e);
    return e;
  };
  const dispose = async () => {
    for (const e of engines) await e.dispose();
  };
  try {
    const generatorEngine = engine(options.modelPath);
    const backend = await generatorEngine.backend();
    const describe = `${backend.gpu === false ? "CPU" : backend.gpu}, threads ${threads}, batch ${backend.batchSize}, context ${backend.contextSize}`;
    const generator = { name: `${basename(options.modelPath)} (${describe})`, engine: generatorEngine };
    const pairings: CalibrationConfiguration[] = [];
    const skipped: string[] = [];
    const otherThreads = threads === 1 ? 2 : 1;
    pairings.push({ name: `threads ${otherThreads}`, engine: engine(options.modelPath, { threads: otherThreads }) });
    pairings.push({ name: "batch 8", engine: engine(options.modelPath, { batchSize: 8 }) });
    const half = Math.floor(backend.contextSize / 2);
    let longest = 0;
    for (const prompt of options.prompts)
      longest = Math.max(longest, (await generatorEngine.promptTokens(prompt)).length);
    if (longest + options.maxTokens <= half) {
      pairings.push({ name: `context ${half}`, engine: engine(options.modelPath, { contextSize: half }) });
    } else {
      skipped.push(`context ${half}: the longest prompt (${longest} tokens) + ${options.maxTokens} tokens do not fit`);
    }
    if (backend.gpu !== false) pairings.push({ name: "CPU", engine: engine(options.modelPath, { gpu: false }) });
    if (options.referencePath) {
      pairings.push({ name: `artifact ${basename(options.referencePath)}`, engine: engine(options.referencePath) });
    }
    if (options.substitutePath) {
      pairings.push({
        name: `substitute ${basename(options.substitutePath)}`,
        engine: engine(options.substitutePath),
        honest: false,
      });
    }
    return { model, generator, pairings, skipped, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}
