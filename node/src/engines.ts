import type { Engine } from "@gitblock/sdk";
import { OpenAiHttpEngine } from "@gitblock/sdk/engines/openai-http";
import { SimulationEngine } from "@gitblock/sdk/engines/simulation";

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
