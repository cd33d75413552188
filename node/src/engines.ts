import type { Engine } from "@gitblock/sdk";
import { OpenAiHttpEngine } from "@gitblock/sdk/engines/openai-http";
import { SimulationEngine } from "@gitblock/sdk/engines/simulation";
import { LlamaCppEngine, type LlamaCppEngineOptions } from "./engines/llama-cpp.ts";

export { LlamaCppEngine, type LlamaCppEngineOptions } from "./engines/llama-cpp.ts";

/**
 * `--model ./file.gguf` → llama.cpp embedded through node-llama-cpp (prebuilt binaries only; GPU when one is found,
 * else CPU). It serves one model, named `--model-id` or else the file's name without `.gguf`.
 */
export function embeddedEngine(
  modelPath: string,
  options: Omit<LlamaCppEngineOptions, "modelPath"> = {},
): LlamaCppEngine {
  if (!/\.gguf$/i.test(modelPath)) throw new Error(`--model must be a GGUF file (…/name.gguf), got "${modelPath}"`);
  return new LlamaCppEngine({ modelPath, ...options });
}

/** `--engine sim` → the simulation engine; `--engine http://host:port` → an OpenAI-compatible inference server. */
export function engineFromSpec(spec: string, models: string[] | undefined, options: { apiKey?: string } = {}): Engine {
  if (spec === "sim" || spec === "simulation") {
    return new SimulationEngine(models && models.length > 0 ? { models } : {});
  }
  if (/^https?:\/\//.test(spec)) {
    return new OpenAiHttpEngine({
      baseUrl: spec,
      ...(models && models.length > 0 ? { models } : {}),
      ...(options.apiKey ? { apiKey: options.apiKey } : {}),
    });
  }
  throw new Error(`--engine must be "sim" or the URL of an OpenAI-compatible server, got "${spec}"`);
}
