/**
 * The Web Worker side of the web-llm engine. A bundler builds this file as a module worker:
 *
 *   new Worker(new URL("@gitblock/sdk/src/engines/webllm-worker.ts", import.meta.url), { type: "module" })
 *
 * It hands every message to web-llm's `WebWorkerMLCEngineHandler`, which owns the model and the GPU.
 */
import { installWorkerHandler } from "./webllm-worker-core.ts";

const { WebWorkerMLCEngineHandler } = await import("@mlc-ai/web-llm");
installWorkerHandler(
  globalThis as unknown as Parameters<typeof installWorkerHandler>[0],
  new WebWorkerMLCEngineHandler(),
);
