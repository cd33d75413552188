/**
 * The WASM engine (llama.cpp compiled to WebAssembly, `@wllama/wllama`) in headless Chromium, which has no WebGPU,
 * on the tiny generated GGUF model served by the test (never downloaded): it loads from the dApp's own lazily loaded
 * chunk, shows the download size first and its progress, caches the file, and generates exactly the token ids the
 * headless node's embedded llama.cpp (node-llama-cpp, the engine verifiers re-score with) gives on the same file and
 * input. The Chat page then answers from that local model, with the text the engine generates.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { LlamaCppEngine } from "@gitblock/node";
import type { GenerateResult, LoadProgress } from "@gitblock/sdk";
import { writeTinyGguf } from "@gitblock/testkit";
import { wasmEngineChunk } from "../bench/size.ts";
import { cutAtNextTurn, wasmReplyRequest } from "../src/mining/local-chat.ts";
import { type Harness, screenshot, startHarness, webRoot } from "./harness.ts";

const MODEL_ID = "tiny-wasm";
const MODEL_PATH = "/e2e-models/tiny-wasm.gguf";
const MODEL_LABEL = "Tiny test model (CPU)";
const INPUTS = ["Hello, world", "e2e task 1", "The quick brown fox", "0123456789"];
const MAX_TOKENS = 24;

interface BrowserRun {
  resourcesBefore: string[];
  bytes: number;
  cachedBefore: boolean;
  progress: LoadProgress[];
  name: string;
  contextLength: number;
  results: GenerateResult[];
  streamed: number[];
  cachedAfter: boolean;
  bytesAfter: number;
}

describe("the WASM engine in a browser without WebGPU", { timeout: 300_000 }, () => {
  let h: Harness;
  let dir: string;
  let gguf: string;
  let node: LlamaCppEngine;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "gitblock-wasm-e2e-"));
    gguf = await writeTinyGguf(path.join(dir, "tiny-wasm.gguf"), { seed: 7 });
    node = new LlamaCppEngine({ modelPath: gguf, modelId: MODEL_ID, gpu: false });
    h = await startHarness({
      staticFiles: { [MODEL_PATH]: gguf },
      wasmModels: [{ id: MODEL_ID, label: MODEL_LABEL, url: MODEL_PATH, bytes: statSync(gguf).size }],
    });
  });
  after(async () => {
    await node?.dispose();
    await h?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("loads the served model lazily, with its size first, progress and a cache, and generates node-llama-cpp's ids", async () => {
    await h.page.goto(`${h.webUrl}/#/`);
    await h.page.getByTestId("ws-pill").waitFor({ timeout: 20_000 });
    const run: BrowserRun = await h.page.evaluate(
      async ({ chunk, url, id, inputs, maxTokens }) => {
        const resourcesBefore = performance.getEntriesByType("resource").map((e) => e.name);
        const { createWasmEngine } = await import(chunk);
        const model = { id, label: id, url, bytes: 0 };
        const progress: LoadProgress[] = [];
        const engine = createWasmEngine(model, { onProgress: (p: LoadProgress) => progress.push(p) });
        const bytes = await engine.downloadBytes();
        const cachedBefore = await engine.isCached();
        const results: GenerateResult[] = [];
        for (const input of inputs) results.push(await engine.generate({ model: id, input, maxTokens, seed: 1 }));
        const streamed: number[] = [];
        await engine.stream({ model: id, input: inputs[0], maxTokens, temperature: 0, seed: 1 }, (c: never) =>
          streamed.push(...(c as { tokenIds: number[] }).tokenIds),
        );
        const contextLength = await engine.contextLength(id);
        await engine.dispose();
        const again = createWasmEngine(model);
        return {
          resourcesBefore,
          bytes,
          cachedBefore,
          progress,
          name: engine.name,
          contextLength,
          results,
          streamed,
          cachedAfter: await again.isCached(),
          bytesAfter: await again.downloadBytes(),
        };
      },
      {
        chunk: wasmEngineChunk(path.join(webRoot, "dist")),
        url: MODEL_PATH,
        id: MODEL_ID,
        inputs: INPUTS,
        maxTokens: MAX_TOKENS,
      },
    );

    // The engine's chunk and wllama were not part of the page's load.
    assert.deepEqual(
      run.resourcesBefore.filter((r) => /wllama/i.test(r)),
      [],
      "the WASM engine loaded before it was asked for",
    );
    assert.equal(run.name, `llama.cpp (WASM, wllama) · ${MODEL_ID}`);
    // The size is known before the download starts, the download reports progress, and the file is cached.
    assert.equal(run.bytes, statSync(gguf).size);
    assert.equal(run.cachedBefore, false);
    assert.ok(
      run.progress.some((p) => p.text.startsWith("Downloading") && p.progress > 0 && p.progress < 1) ||
        run.progress.some((p) => p.text.startsWith("Downloading") && p.progress === 1),
      `download progress: ${JSON.stringify(run.progress)}`,
    );
    assert.equal(run.progress.at(-1)?.progress, 1);
    assert.equal(run.cachedAfter, true);
    assert.equal(run.bytesAfter, 0, "a cached model downloads nothing");
    assert.equal(run.contextLength, 256, "the context is the model's training context");

    // The canonical output: the same token ids (and text) as node-llama-cpp on the same file and input.
    for (const [i, input] of INPUTS.entries()) {
      const expected = await node.generate({ model: MODEL_ID, input, maxTokens: MAX_TOKENS, seed: 1 });
      const got = run.results[i] as GenerateResult;
      assert.ok(expected.tokenIds.length > 0);
      assert.deepEqual(got.tokenIds, expected.tokenIds, `token ids for ${JSON.stringify(input)}`);
      assert.equal(got.text, expected.text, `text for ${JSON.stringify(input)}`);
    }
    assert.deepEqual(run.streamed, run.results[0]?.tokenIds, "streamed ids equal generated ids");
  });

  it("the Chat page answers from the local WASM model with the text the engine generates", async () => {
    await h.page.goto(`${h.webUrl}/#/chat`);
    const local = h.page.locator(".model-option").filter({ hasText: MODEL_LABEL });
    await local.waitFor({ timeout: 15_000 });
    assert.match((await h.page.getByTestId("local-model-meta").textContent()) ?? "", /on your CPU \(WebAssembly\)/);
    await local.getByRole("radio").check();
    assert.equal(await h.page.getByTestId("webgpu-missing").count(), 0, "no dead end without WebGPU");
    assert.match(
      (await h.page.getByTestId("chat-privacy").textContent()) ?? "",
      /never leave this device.*runs on your CPU/,
    );

    const prompt = "Hello, local model";
    await h.page.locator("#chat-input").fill(prompt);
    await h.page.getByRole("button", { name: "Send" }).click();
    const answer = h.page.locator('[data-testid="answer"][data-state="done"]').last();
    await answer.waitFor({ timeout: 120_000 });
    const shown = await answer.evaluate((el) =>
      [...el.childNodes]
        .filter((n) => !(n instanceof HTMLElement && n.classList.contains("bubble-model")))
        .map((n) => n.textContent)
        .join(""),
    );

    const request = wasmReplyRequest([{ role: "user", content: prompt }], MODEL_ID, 256);
    const expected = await node.generate({
      model: MODEL_ID,
      input: request.input,
      maxTokens: request.maxTokens,
      seed: 0,
    });
    const reply = cutAtNextTurn(expected.text) ?? expected.text;
    assert.ok(reply.length > 0, "the local model generated text");
    assert.equal(shown, reply);
    assert.equal(await answer.locator(".bubble-model").textContent(), MODEL_LABEL);
    await screenshot(h.page, "chat-local-wasm");
  });
});
