/** Models the browser node can run (web-llm prebuilt ids), with the download size shown before it starts. */
export interface BrowserModel {
  id: string;
  label: string;
  /** Approximate download (weights + WebGPU kernels), bytes. */
  downloadBytes: number;
  /** Approximate GPU memory needed, bytes. */
  gpuBytes: number;
}

export const BROWSER_MODELS: BrowserModel[] = [
  { id: "Qwen2.5-0.5B-Instruct-q4f16_1-MLC", label: "Qwen 2.5 0.5B Instruct", downloadBytes: 290e6, gpuBytes: 945e6 },
  { id: "SmolLM2-360M-Instruct-q4f16_1-MLC", label: "SmolLM2 360M Instruct", downloadBytes: 210e6, gpuBytes: 376e6 },
  { id: "Llama-3.2-1B-Instruct-q4f16_1-MLC", label: "Llama 3.2 1B Instruct", downloadBytes: 710e6, gpuBytes: 879e6 },
];

export const DEFAULT_MODEL = BROWSER_MODELS[0] as BrowserModel;

/**
 * Models the WASM (CPU) engine can run, for browsers without WebGPU: GGUF files llama.cpp (wllama) loads, the
 * download size shown before it starts. A deployment (or a test) replaces the list through `wasmModels` in
 * /gitblock-config.json; the id is the model id tasks name, so it must be the one the relayer serves for that file.
 */
export interface WasmModel {
  id: string;
  label: string;
  /** The GGUF file (CORS-readable from the dApp's origin). */
  url: string;
  /** Download size, bytes. */
  bytes: number;
}

export const WASM_MODELS: WasmModel[] = [
  {
    id: "SmolLM2-135M-Instruct-Q8_0",
    label: "SmolLM2 135M Instruct (CPU)",
    url: "https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct-GGUF/resolve/main/smollm2-135m-instruct-q8_0.gguf",
    bytes: 145e6,
  },
];

/** The WASM models this deployment offers: its configured list, else the built-in one. */
export function wasmModelsOf(runtime: { wasmModels?: WasmModel[] }): WasmModel[] {
  return runtime.wasmModels && runtime.wasmModels.length > 0 ? runtime.wasmModels : WASM_MODELS;
}
