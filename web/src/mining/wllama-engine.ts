/**
 * The WASM (CPU) engine in the dApp: the SDK's `WllamaEngine` (llama.cpp compiled to WebAssembly) with the wasm file
 * this build serves. Import this module dynamically (`await import("./wllama-engine.ts")`): it and `@wllama/wllama`
 * then form their own chunks, fetched only when mining or chat starts on the CPU, never in the initial load. It runs
 * on a page or inside a Web Worker (the browser node's), and wllama starts its own worker for llama.cpp either way.
 */
import type { LoadProgress } from "@gitblock/sdk";
import { WllamaEngine } from "@gitblock/sdk/engines/wllama";
// Vite copies wllama's wasm file into the build and gives its URL (hashed, so a new release is never stale).
import wllamaWasmUrl from "@wllama/wllama/esm/wasm/wllama.wasm?url";
import type { WasmModel } from "./models.ts";

export { WllamaEngine };

/** An engine for `model` (nothing is fetched until `load()`, `generate()` or `downloadBytes()`). */
export function createWasmEngine(
  model: WasmModel,
  options: { threads?: number; contextSize?: number; onProgress?: (progress: LoadProgress) => void } = {},
): WllamaEngine {
  return new WllamaEngine({
    modelId: model.id,
    modelUrl: model.url,
    wasmPaths: { default: wllamaWasmUrl },
    ...options,
  });
}

/** An engine for `model`, downloaded (or read from the cache) and loaded before it resolves. */
export async function loadWasmEngine(
  model: WasmModel,
  options: { threads?: number; contextSize?: number; onProgress?: (progress: LoadProgress) => void } = {},
): Promise<WllamaEngine> {
  const engine = createWasmEngine(model, options);
  await engine.load();
  return engine;
}
