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
 * Models served by the network (headless GPU nodes), unlocked as the network grows: a model opens to chat when the
 * number of active nodes reaches its threshold.
 */
export const NETWORK_MODELS: Array<{ threshold: number; models: string[] }> = [
  { threshold: 500, models: ["Qwen 3", "Kimi K2"] },
  { threshold: 1_000, models: ["Llama 4 Maverick", "Gemini 2.0 Flash", "GPT-4o Mini"] },
  { threshold: 5_000, models: ["GPT-4o", "Gemini 1.5 Pro"] },
];

export function unlockProgress(
  activeNodes: number,
  threshold: number,
): { unlocked: boolean; share: number; missing: number } {
  return {
    unlocked: activeNodes >= threshold,
    share: Math.min(1, Math.max(0, activeNodes / threshold)),
    missing: Math.max(0, threshold - activeNodes),
  };
}
