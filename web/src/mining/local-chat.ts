/**
 * Free chat with a model running in this browser: nothing leaves the device. Two engines answer it — web-llm on
 * WebGPU (./webllm-engine.ts) and, in browsers without WebGPU, llama.cpp compiled to WebAssembly on the CPU
 * (./wasm-local-chat.ts) — behind one interface, each in its own lazily loaded chunk.
 */
import type { StreamRequest } from "@gitblock/sdk";
import type { BrowserModel, WasmModel } from "./models.ts";

export type ChatMessage = { role: "user" | "assistant" | "system"; content: string };

export interface LocalChat {
  /** Streams a reply; `onDelta` gets the text so far. Returns the full reply. */
  reply(messages: ChatMessage[], onDelta: (text: string) => void): Promise<string>;
  /** Stops the reply being generated; `reply` resolves with the text so far. */
  interrupt(): void;
  dispose(): Promise<void>;
}

/** The local model a browser can run: web-llm's where WebGPU works, else the WASM engine's. */
export type LocalModel = { engine: "webgpu"; model: BrowserModel } | { engine: "wasm"; model: WasmModel };

/** What the download costs, for the notice shown before it starts. */
export function localDownloadBytes(local: LocalModel): number {
  return local.engine === "webgpu" ? local.model.downloadBytes : local.model.bytes;
}

/** Loads the engine of `local` (its chunk, then the model: downloaded once, cached afterwards). */
export async function loadLocalChat(
  local: LocalModel,
  onProgress: (progress: { progress: number; text: string }) => void,
): Promise<LocalChat> {
  if (local.engine === "webgpu") {
    const { WebLlmLocalChat } = await import("./webllm-engine.ts");
    return WebLlmLocalChat.load(local.model.id, onProgress);
  }
  const { WasmLocalChat } = await import("./wasm-local-chat.ts");
  return WasmLocalChat.load(local.model, onProgress);
}

const SPEAKER = { system: "System", user: "User", assistant: "Assistant" } as const;

/**
 * The WASM chat's prompt: the conversation as a plain transcript ending where the assistant speaks next. Raw text,
 * no chat template, so any GGUF answers (the tiny test model has no template); `cutAtNextTurn` ends the reply where
 * the model starts writing the user's next turn.
 */
export function transcriptPrompt(messages: readonly ChatMessage[]): string {
  return `${messages.map((m) => `${SPEAKER[m.role]}: ${m.content}`).join("\n")}\n${SPEAKER.assistant}:`;
}

const NEXT_TURN = `\n${SPEAKER.user}:`;

/** The reply up to the model's own start of a next user turn, if it writes one; null when it has not. */
export function cutAtNextTurn(text: string): string | null {
  const at = text.indexOf(NEXT_TURN);
  return at === -1 ? null : text.slice(0, at);
}

/** Longest WASM reply, in tokens. */
const WASM_REPLY_MAX_TOKENS = 128;

/**
 * The WASM chat's request for the next reply: the transcript, greedy (temperature 0: the same conversation gets the
 * same answer, and tiny CPU models wander when sampled), as many tokens as the context leaves, at most 128.
 */
export function wasmReplyRequest(messages: readonly ChatMessage[], model: string, contextSize: number): StreamRequest {
  const input = transcriptPrompt(messages);
  // UTF-8 bytes bound the prompt's tokens from above (every token is at least one byte of text), BOS aside.
  const room = contextSize - new TextEncoder().encode(input).length - 1;
  if (room <= 0) throw new Error("the conversation no longer fits the local model's context: clear it to go on");
  return { model, input, maxTokens: Math.min(WASM_REPLY_MAX_TOKENS, room), temperature: 0, seed: 0 };
}
