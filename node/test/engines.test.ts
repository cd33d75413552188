import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { LoadProgress } from "@gitblock/sdk";
import { outputHash } from "@gitblock/sdk";
import { SimulationEngine, simulatedTokens } from "@gitblock/sdk/engines/simulation";
import {
  defaultBosText,
  type MlcCompletionRequest,
  type MlcEngineLike,
  type MlcInitProgress,
  toCompletionRequest,
  toLoadProgress,
  utf8Canonical,
  WebLlmEngine,
} from "@gitblock/sdk/engines/webllm";
import { installWorkerHandler, type WorkerScope } from "@gitblock/sdk/engines/webllm-worker-core";
import { until } from "@gitblock/testkit";
import { engineFromSpec } from "../src/engines.ts";

const task = { model: "sim-llm", input: "hello", maxTokens: 32, seed: 9 };

describe("gitblock-node --engine", () => {
  it("`sim` is the simulation, a URL an OpenAI-compatible server, anything else an error", async () => {
    const sim = engineFromSpec("sim", ["a", "b"]);
    assert.equal(sim.kind, "simulation");
    assert.deepEqual(await sim.models(), ["a", "b"]);
    const http = engineFromSpec("http://127.0.0.1:8081", ["qwen"]);
    assert.equal(http.kind, "openai-http");
    assert.deepEqual(await http.models(), ["qwen"]);
    assert.throws(() => engineFromSpec("llama", undefined), /must be "sim" or the URL/);
  });
});

describe("simulation engine", () => {
  it("is deterministic per task, names itself a simulation, and varies with model, input and length", async () => {
    const a = new SimulationEngine();
    const b = new SimulationEngine();
    assert.match(a.name, /simulation/);
    assert.equal(a.kind, "simulation");
    const ra = await a.generate(task);
    assert.deepEqual(ra.tokenIds, (await b.generate(task)).tokenIds);
    assert.ok(ra.tokenIds.length >= 24 && ra.tokenIds.length <= 32, "75–100% of max tokens");
    assert.ok(ra.tokenIds.every((id) => Number.isInteger(id) && id >= 0 && id < 32_000));
    const base = outputHash(ra.tokenIds);
    for (const change of [{ model: "other" }, { input: "hello!" }, { maxTokens: 33 }]) {
      assert.notEqual(outputHash(simulatedTokens({ ...task, ...change })), base, JSON.stringify(change));
    }
    // Greedy decoding, as in the real engines: the seed does not change the output.
    assert.equal(outputHash((await a.generate({ ...task, seed: 10 })).tokenIds), base);
    await assert.rejects(a.generate({ ...task, model: "unknown" }), /does not serve/);
  });

  it("liars disagree with everyone; colluders agree with their group only", async () => {
    const honest = outputHash((await new SimulationEngine().generate(task)).tokenIds);
    const liar1 = await new SimulationEngine({ behaviour: { kind: "liar" } }).generate(task);
    const liar2 = await new SimulationEngine({ behaviour: { kind: "liar" } }).generate(task);
    assert.ok(liar1.lied);
    assert.notEqual(outputHash(liar1.tokenIds), honest);
    assert.notEqual(outputHash(liar1.tokenIds), outputHash(liar2.tokenIds));
    const c1 = await new SimulationEngine({ behaviour: { kind: "colluder", group: "g" } }).generate(task);
    const c2 = await new SimulationEngine({ behaviour: { kind: "colluder", group: "g" } }).generate(task);
    const other = await new SimulationEngine({ behaviour: { kind: "colluder", group: "h" } }).generate(task);
    assert.equal(outputHash(c1.tokenIds), outputHash(c2.tokenIds));
    assert.notEqual(outputHash(c1.tokenIds), honest);
    assert.notEqual(outputHash(other.tokenIds), outputHash(c1.tokenIds));
    const sometimes = new SimulationEngine({ behaviour: { kind: "liar", rate: 0.5 }, random: () => 0.7 });
    assert.equal((await sometimes.generate(task)).lied, false, "a liar at rate 0.5 tells the truth on a 0.7 draw");
  });

  it("simulated latency honours the abort signal", async () => {
    const slow = new SimulationEngine({ latencyMs: 10_000 });
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error("deadline")), 30);
    await assert.rejects(slow.generate(task, controller.signal), /deadline/);
    assert.ok(Date.now() - started < 2_000);
  });
});

/** Test double of web-llm's engine (no GPU, no model download): records calls, answers with fixed text. */
class FakeMlcEngine implements MlcEngineLike {
  readonly calls: string[] = [];
  readonly requests: MlcCompletionRequest[] = [];
  progress: ((r: MlcInitProgress) => void) | null = null;
  reply = "Bonjour ☕";
  hold: Promise<void> | null = null;
  async reload(model: string) {
    this.calls.push(`reload ${model}`);
    this.progress?.({ progress: 1, timeElapsed: 1, text: `loaded ${model}` });
  }
  async unload() {
    this.calls.push("unload");
  }
  interruptGenerate() {
    this.calls.push("interrupt");
  }
  setInitProgressCallback(callback: (r: MlcInitProgress) => void) {
    this.progress = callback;
  }
  completions = {
    create: async (request: MlcCompletionRequest) => {
      this.requests.push(request);
      if (this.hold) await this.hold;
      return { choices: [{ text: this.reply, finish_reason: "stop" }] };
    },
  };
}

describe("web-llm engine (pure parts, with test doubles for the worker and web-llm)", () => {
  it("maps a task to a greedy raw text completion (BOS text + input, no template) and progress to [0, 1]", () => {
    assert.deepEqual(toCompletionRequest(task), {
      prompt: "hello",
      max_tokens: 32,
      seed: 9,
      temperature: 0,
      top_p: 1,
      stream: false,
    });
    assert.deepEqual(toLoadProgress("m", { progress: 1.7, timeElapsed: 3, text: "x" }), {
      model: "m",
      progress: 1,
      text: "x",
    });
    assert.equal(toCompletionRequest(task, "<|begin_of_text|>").prompt, "<|begin_of_text|>hello");
    assert.equal(defaultBosText("Llama-3.2-1B-Instruct-q4f16_1-MLC"), "<|begin_of_text|>");
    assert.equal(defaultBosText("gemma-2-2b-it-q4f16_1-MLC"), "<bos>");
    assert.equal(defaultBosText("Qwen2.5-0.5B-Instruct-q4f16_1-MLC"), "");
    assert.equal(toLoadProgress("m", { progress: Number.NaN, timeElapsed: 0, text: "" }).progress, 0);
    assert.deepEqual(utf8Canonical("é☕"), [0xc3, 0xa9, 0xe2, 0x98, 0x95]);
  });

  it("creates the worker once, loads models with progress, answers with UTF-8 canonical ids, disposes", async () => {
    const fake = new FakeMlcEngine();
    let workers = 0;
    let terminated = 0;
    const progress: LoadProgress[] = [];
    const engine = new WebLlmEngine({
      models: ["m-a-MLC", "m-b-MLC"],
      createWorker: () => {
        workers++;
        return { terminate: () => terminated++ };
      },
      create: async (_worker, model, options) => {
        fake.progress = options.initProgressCallback;
        options.initProgressCallback({ progress: 0.5, timeElapsed: 1, text: `fetching ${model}` });
        return fake;
      },
      onProgress: (p) => progress.push(p),
    });
    assert.equal(engine.kind, "webllm");
    const first = await engine.generate({ ...task, model: "m-a-MLC" });
    assert.equal(first.text, "Bonjour ☕");
    assert.deepEqual(first.tokenIds, utf8Canonical("Bonjour ☕"));
    assert.deepEqual(fake.requests[0], toCompletionRequest({ ...task, model: "m-a-MLC" }));
    await engine.generate({ ...task, model: "m-a-MLC", seed: 2 });
    await engine.generate({ ...task, model: "m-b-MLC" });
    assert.equal(workers, 1, "one worker for the engine's lifetime");
    assert.deepEqual(fake.calls, ["reload m-b-MLC"], "switching models reloads in the same worker");
    assert.deepEqual(
      progress.map((p) => [p.model, p.progress]),
      [
        ["m-a-MLC", 0.5],
        ["m-b-MLC", 1],
      ],
    );
    await assert.rejects(engine.generate({ ...task, model: "not-offered" }), /does not offer/);
    await engine.dispose();
    assert.deepEqual(fake.calls.slice(-1), ["unload"]);
    assert.equal(terminated, 1);
  });

  it("an aborted task interrupts the generation", async () => {
    const fake = new FakeMlcEngine();
    let release: () => void = () => {};
    fake.hold = new Promise((resolve) => {
      release = resolve;
    });
    const engine = new WebLlmEngine({
      models: ["m-MLC"],
      createWorker: () => ({ terminate() {} }),
      create: async () => fake,
      bosText: (model) => (model === "m-MLC" ? "<s>" : ""),
    });
    const controller = new AbortController();
    const running = engine.generate({ ...task, model: "m-MLC" }, controller.signal);
    await until("the generation to reach web-llm", () => (fake.requests.length > 0 ? true : undefined));
    controller.abort(new Error("deadline passed"));
    release();
    await assert.rejects(running, /deadline passed/);
    assert.ok(fake.calls.includes("interrupt"));
    assert.equal(fake.requests[0]?.prompt, "<s>hello", "the model's BOS text before the raw input");
  });

  it("the worker entry routes messages to web-llm's handler and reports a throwing one", () => {
    const posted: unknown[] = [];
    // Test double of a worker's global scope.
    const scope: WorkerScope = { onmessage: null, postMessage: (m) => posted.push(m) };
    const seen: unknown[] = [];
    installWorkerHandler(scope, {
      onmessage(event) {
        if ((event.data as { kind: string }).kind === "bad") throw new Error("no such request");
        seen.push(event.data);
      },
    });
    scope.onmessage?.({ data: { kind: "reload", uuid: "1", content: {} } } as MessageEvent);
    scope.onmessage?.({ data: { kind: "bad", uuid: "2", content: null } } as MessageEvent);
    assert.deepEqual(seen, [{ kind: "reload", uuid: "1", content: {} }]);
    assert.deepEqual(posted, [{ kind: "throw", uuid: "2", content: "no such request" }]);
  });
});
