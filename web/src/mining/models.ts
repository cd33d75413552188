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
