/**
 * Which engine the widget runs for a visitor: the simulation on a local network (the `npm start` demo: no model
 * runs), else WebGPU when the visitor allowed the GPU and the browser has it, else the CPU (WASM) engine when the
 * visitor allowed the CPU, with the fewer of the visitor's threads and the placement's `cpuThreads`. The visitor's
 * consent is the ceiling; the placement's limits can only lower it.
 */
import type { MiningConsent } from "../lib/consent.ts";
import { DEFAULT_MODEL, type WasmModel } from "../mining/models.ts";
import type { EngineSpec } from "../node-runtime/protocol.ts";

export function widgetEngine(options: {
  local: boolean;
  consent: MiningConsent | null;
  webGpu: boolean;
  wasmModel: WasmModel | undefined;
  placementCpuThreads: number;
}): EngineSpec | { error: string } {
  const { local, consent, webGpu, wasmModel, placementCpuThreads } = options;
  if (local) return { kind: "simulation", modelId: "sim-llm" };
  if (consent?.gpu && webGpu) return { kind: "webgpu", modelId: DEFAULT_MODEL.id };
  if (consent?.cpu) {
    if (!wasmModel) return { error: "This network offers no model for the CPU engine." };
    const threads = Math.max(1, Math.min(consent.cpuThreads, placementCpuThreads || consent.cpuThreads));
    return { kind: "wasm", modelId: wasmModel.id, modelUrl: wasmModel.url, threads };
  }
  if (consent?.gpu) return { error: "This browser has no WebGPU: allow the CPU to run here." };
  return { error: "Allow the GPU or the CPU first." };
}
