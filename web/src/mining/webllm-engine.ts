/**
 * web-llm in the browser, loaded only when mining or chat starts (a separate chunk, with web-llm itself).
 *
 * Mining uses the SDK's engine (sdk/src/engines/webllm.ts: the `Engine` the NodeClient drives, web-llm in a Web
 * Worker, canonical ids = UTF-8 bytes of the greedy output), with the SDK's worker entry. The local chat on WebGPU
 * (`WebLlmLocalChat`, one of the two `LocalChat`s of ./local-chat.ts) streams replies from its own web-llm instance in
 * the same kind of worker.
 */

import type { Engine, LoadProgress } from "@gitblock/sdk";
// Vite bundles the sdk's worker entry as a module worker of its own (`?worker`), resolved through the package name.
import WebLlmWorker from "@gitblock/sdk/engines/webllm-worker?worker";
import type { MLCEngineInterface } from "@mlc-ai/web-llm";
import type { ChatMessage, LocalChat } from "./local-chat.ts";

/** A module worker running web-llm's handler (the sdk's `engines/webllm-worker`). */
export function createWebLlmWorker(): Worker {
  return new WebLlmWorker();
}

/** True when the model's files are already in this browser's cache (no download needed). */
export async function isModelCached(model: string): Promise<boolean> {
  const webllm = await import("@mlc-ai/web-llm");
  return webllm.hasModelInCache(model).catch(() => false);
}

/** The mining engine: downloads (or loads from cache) and compiles `model` before resolving. */
export async function loadMiningEngine(model: string, onProgress: (progress: LoadProgress) => void): Promise<Engine> {
  const { WebLlmEngine } = await import("@gitblock/sdk/engines/webllm");
  const engine = new WebLlmEngine({ createWorker: createWebLlmWorker, models: [model], onProgress });
  await engine.load(model);
  return engine;
}

/** Free chat with a local model on WebGPU: nothing leaves the device. */
export class WebLlmLocalChat implements LocalChat {
  private readonly engine: MLCEngineInterface;
  private readonly worker: Worker;

  private constructor(engine: MLCEngineInterface, worker: Worker) {
    this.engine = engine;
    this.worker = worker;
  }

  static async load(
    model: string,
    onProgress: (progress: { progress: number; text: string }) => void,
  ): Promise<WebLlmLocalChat> {
    const webllm = await import("@mlc-ai/web-llm");
    const worker = createWebLlmWorker();
    const engine = await webllm.CreateWebWorkerMLCEngine(worker, model, {
      initProgressCallback: (report) => onProgress({ progress: report.progress, text: report.text }),
    });
    return new WebLlmLocalChat(engine, worker);
  }

  async reply(messages: ChatMessage[], onDelta: (text: string) => void): Promise<string> {
    const stream = await this.engine.chat.completions.create({ messages, stream: true, temperature: 0.7 });
    let text = "";
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? "";
      onDelta(text);
    }
    return text;
  }

  interrupt(): void {
    this.engine.interruptGenerate();
  }

  async dispose(): Promise<void> {
    await this.engine.unload().catch(() => {});
    this.worker.terminate();
  }
}
