import { WllamaEngine } from "@gitblock/sdk/engines/wllama";
import { describe, expect, it } from "vitest";
import { loadRuntimeConfig } from "../src/lib/config.ts";
import { cutAtNextTurn, localDownloadBytes, transcriptPrompt, wasmReplyRequest } from "../src/mining/local-chat.ts";
import { DEFAULT_MODEL, WASM_MODELS, wasmModelsOf } from "../src/mining/models.ts";

const TINY = { id: "tiny", label: "Tiny", url: "/models/tiny.gguf", bytes: 451_328 };

describe("the WASM local chat's prompt", () => {
  it("writes the conversation as a transcript that ends where the assistant speaks", () => {
    expect(
      transcriptPrompt([
        { role: "user", content: "Hi" },
        { role: "assistant", content: "Hello" },
        { role: "user", content: "How are you?" },
      ]),
    ).toBe("User: Hi\nAssistant: Hello\nUser: How are you?\nAssistant:");
  });

  it("ends a reply where the model starts the user's next turn, and only there", () => {
    expect(cutAtNextTurn(" Fine.\nUser: and you?")).toBe(" Fine.");
    expect(cutAtNextTurn(" A user: is not a turn")).toBeNull();
  });

  it("asks for greedy tokens within what the context leaves, at most 128", () => {
    const request = wasmReplyRequest([{ role: "user", content: "Hi" }], "tiny", 256);
    expect(request).toEqual({ model: "tiny", input: "User: Hi\nAssistant:", maxTokens: 128, temperature: 0, seed: 0 });
    // 19 bytes of prompt + BOS in a 64-token context leave 44.
    expect(wasmReplyRequest([{ role: "user", content: "Hi" }], "tiny", 64).maxTokens).toBe(44);
    expect(() => wasmReplyRequest([{ role: "user", content: "x".repeat(300) }], "tiny", 256)).toThrow(/clear it/);
  });

  it("shows the download of the engine that will run", () => {
    expect(localDownloadBytes({ engine: "wasm", model: TINY })).toBe(451_328);
    expect(localDownloadBytes({ engine: "webgpu", model: DEFAULT_MODEL })).toBe(DEFAULT_MODEL.downloadBytes);
  });
});

describe("the WASM models of a deployment", () => {
  it("come from /gitblock-config.json when it lists them, else from the built-in list", async () => {
    const serve = (body: unknown) => (async () => new Response(JSON.stringify(body))) as unknown as typeof fetch;
    const configured = await loadRuntimeConfig(serve({ deployments: [], wasmModels: [TINY, { id: 3 }] }));
    expect(configured.wasmModels).toEqual([TINY]);
    expect(wasmModelsOf(configured)).toEqual([TINY]);
    const plain = await loadRuntimeConfig(serve({ deployments: [] }));
    expect(plain.wasmModels).toBeUndefined();
    expect(wasmModelsOf(plain)).toBe(WASM_MODELS);
    expect(WASM_MODELS[0]?.url).toMatch(/\.gguf$/);
  });
});

describe("WllamaEngine's options", () => {
  it("names the engine and the model, and refuses what cannot load", () => {
    const engine = new WllamaEngine({ modelId: "tiny", modelUrl: "/models/tiny.gguf" });
    expect(engine.kind).toBe("wllama");
    expect(engine.name).toBe("llama.cpp (WASM, wllama) · tiny");
    expect(() => new WllamaEngine({ modelId: "tiny", modelUrl: "/models/tiny.bin" })).toThrow(/\.gguf/);
    expect(() => new WllamaEngine({ modelId: "", modelUrl: "/m.gguf" })).toThrow(/modelId/);
    expect(() => new WllamaEngine({ modelId: "tiny", modelUrl: "/m.gguf", threads: 0 })).toThrow(/threads/);
  });

  it("fails at load, saying why, without the wasm file's URL; and serves only its model", async () => {
    const engine = new WllamaEngine({ modelId: "tiny", modelUrl: "/models/tiny.gguf" });
    await expect(engine.load()).rejects.toThrow(/wasmPaths/);
    await expect(engine.generate({ model: "other", input: "", maxTokens: 1, seed: 0 })).rejects.toThrow(/"tiny"/);
  });
});
