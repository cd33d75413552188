/**
 * The engines the browser node runs, created inside its worker: web-llm on WebGPU (which starts a nested worker of its
 * own), llama.cpp compiled to WebAssembly on the CPU, or the SDK's simulation for demos on local networks (no model
 * runs; it says so wherever it shows). Each is a separate chunk, loaded only when that engine starts.
 */
import type { Engine, LoadProgress } from "@gitblock/sdk";
import type { EngineInfo, EngineSpec } from "./protocol.ts";

/** Inference latency of the simulated engine, so a demo's tasks take a visible moment. */
const SIMULATION_LATENCY_MS = 150;

export async function createEngine(
  spec: EngineSpec,
  onProgress: (progress: LoadProgress) => void,
): Promise<{ engine: Engine; info: EngineInfo }> {
  switch (spec.kind) {
    case "simulation": {
      const { SimulationEngine } = await import("@gitblock/sdk/engines/simulation");
      const engine = new SimulationEngine({ latencyMs: SIMULATION_LATENCY_MS });
      return { engine, info: { kind: "simulation", name: "SIMULATION · no model runs", simulated: true } };
    }
    case "webgpu": {
      const { WebLlmEngine } = await import("@gitblock/sdk/engines/webllm");
      const { default: WebLlmWorker } = await import("@gitblock/sdk/engines/webllm-worker?worker");
      const engine = new WebLlmEngine({ createWorker: () => new WebLlmWorker(), models: [spec.modelId], onProgress });
      await engine.load(spec.modelId);
      return { engine, info: { kind: "webgpu", name: `${spec.modelId} · WebGPU`, simulated: false } };
    }
    case "wasm": {
      if (!spec.modelUrl) throw new Error(`no GGUF file URL for the CPU engine's model ${spec.modelId}`);
      const { loadWasmEngine } = await import("../mining/wllama-engine.ts");
      const model = { id: spec.modelId, label: spec.modelId, url: spec.modelUrl, bytes: 0 };
      const engine = await loadWasmEngine(model, { threads: spec.threads ?? 1, onProgress });
      return { engine, info: { kind: "wasm", name: `${spec.modelId} · CPU (WebAssembly)`, simulated: false } };
    }
    default:
      throw new Error(`unknown engine kind ${JSON.stringify((spec as { kind: unknown }).kind)}`);
  }
}
