/**
 * The free local chat on the WASM engine (llama.cpp in WebAssembly, CPU), for browsers without WebGPU. The request
 * for each reply comes from `wasmReplyRequest` (greedy, the conversation as a transcript); the reply ends at an end
 * token, at the model's own start of a next user turn, or at the token limit.
 */
import { type ChatMessage, cutAtNextTurn, type LocalChat, wasmReplyRequest } from "./local-chat.ts";
import type { WasmModel } from "./models.ts";
import type { WllamaEngine } from "./wllama-engine.ts";

export class WasmLocalChat implements LocalChat {
  private readonly engine: WllamaEngine;
  private readonly contextSize: number;
  private controller: AbortController | null = null;

  private constructor(engine: WllamaEngine, contextSize: number) {
    this.engine = engine;
    this.contextSize = contextSize;
  }

  static async load(
    model: WasmModel,
    onProgress: (progress: { progress: number; text: string }) => void,
  ): Promise<WasmLocalChat> {
    // Imported, not bundled in: the engine's loader stays a chunk of its own, shared with the browser node.
    const { loadWasmEngine } = await import("./wllama-engine.ts");
    const engine = await loadWasmEngine(model, { onProgress });
    return new WasmLocalChat(engine, await engine.contextLength(model.id));
  }

  async reply(messages: ChatMessage[], onDelta: (text: string) => void): Promise<string> {
    const request = wasmReplyRequest(messages, this.engine.modelId, this.contextSize);
    const controller = new AbortController();
    this.controller = controller;
    let text = "";
    let cut: string | null = null;
    try {
      await this.engine.stream(
        request,
        (chunk) => {
          if (cut !== null) return;
          text += chunk.text;
          cut = cutAtNextTurn(text);
          if (cut !== null) controller.abort();
          onDelta(cut ?? text);
        },
        controller.signal,
      );
    } catch (error) {
      if (!controller.signal.aborted) throw error;
    } finally {
      this.controller = null;
    }
    return cut ?? text;
  }

  interrupt(): void {
    this.controller?.abort();
  }

  async dispose(): Promise<void> {
    this.controller?.abort();
    await this.engine.dispose();
  }
}
