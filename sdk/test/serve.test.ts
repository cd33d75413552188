// Serving on the simulation engine: `stream` against `generate`, continuation after a failover (a prefix), seeded
// sampling, abort, the context check, behaviours, and scoring a served claim that carries a prefix.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { StreamChunk, StreamRequest } from "../src/engines/engine.ts";
import {
  type HardwareClass,
  SimulationEngine,
  simulatedScores,
  simulatedText,
  simulatedTokens,
} from "../src/engines/simulation.ts";
import { judgeScores } from "../src/verification/agreement.ts";

const MODEL = "sim-llm";
const gpu = (name: string, noise: number): HardwareClass => ({ name, noise });
const serve = (input: string, over: Partial<StreamRequest> = {}): StreamRequest => ({
  model: MODEL,
  input,
  maxTokens: 400,
  temperature: 0,
  seed: 11,
  ...over,
});

/** Streams a request to its end, collecting every chunk. */
async function streamed(engine: SimulationEngine, request: StreamRequest) {
  const chunks: StreamChunk[] = [];
  const result = await engine.stream(request, (chunk) => chunks.push(chunk));
  return {
    chunks,
    result,
    tokenIds: chunks.flatMap((c) => c.tokenIds),
    text: chunks.map((c) => c.text).join(""),
  };
}

describe("simulation engine: serving (stream)", () => {
  it("a greedy stream is exactly `generate`'s output, its chunks join into the output's text, and finish says why it ended", async () => {
    for (const hardware of [undefined, gpu("a", 0.01)]) {
      const engine = new SimulationEngine(hardware ? { hardware } : {});
      for (const input of ["what is a GPU?", "prompt 2", "prompt 3"]) {
        const generated = await engine.generate({ model: MODEL, input, maxTokens: 400, seed: 11 });
        const out = await streamed(engine, serve(input));
        assert.deepEqual(out.tokenIds, generated.tokenIds, `${input} on ${engine.name}`);
        assert.equal(out.text, generated.text);
        assert.ok(out.chunks.every((c) => c.tokenIds.length === 1));
        assert.deepEqual(out.result.finish, "stop", "ended by the end token before 400");
        assert.equal(out.result.tokens, generated.tokenIds.length);
      }
    }
    const short = await streamed(new SimulationEngine(), serve("what is a GPU?", { maxTokens: 10 }));
    assert.equal(short.result.finish, "length");
    assert.deepEqual(short.tokenIds, simulatedTokens({ model: MODEL, input: "what is a GPU?", maxTokens: 10 }));
  });

  it("continuing from any prefix of the greedy output streams exactly the rest, text included", async () => {
    const engine = new SimulationEngine({ hardware: gpu("a", 0.01) });
    const full = await streamed(engine, serve("continue me"));
    const n = full.tokenIds.length;
    assert.ok(n > 24);
    for (const k of [0, 1, 7, n - 1, n]) {
      const rest = await streamed(
        engine,
        serve("continue me", { prefix: full.tokenIds.slice(0, k), maxTokens: 400 - k }),
      );
      assert.deepEqual(rest.tokenIds, full.tokenIds.slice(k), `from ${k}`);
      assert.equal(simulatedText(full.tokenIds.slice(0, k)) + rest.text, full.text, `text from ${k}`);
      assert.equal(rest.result.finish, "stop");
    }
    const capped = await streamed(engine, serve("continue me", { prefix: full.tokenIds.slice(0, 5), maxTokens: 3 }));
    assert.deepEqual(capped.tokenIds, full.tokenIds.slice(5, 8), "max tokens counts the tokens still to generate");
    assert.equal(capped.result.finish, "length");
  });

  it("samples with the seed above temperature 0: the same seed the same tokens, another seed others, always among the candidates", async () => {
    const engine = new SimulationEngine();
    const input = "tell me a story";
    const greedy = await streamed(engine, serve(input));
    const hot = serve(input, { temperature: 1, seed: 5 });
    const a = await streamed(engine, hot);
    const b = await streamed(engine, hot);
    assert.deepEqual(a.tokenIds, b.tokenIds, "deterministic for one seed");
    assert.notDeepEqual(a.tokenIds, greedy.tokenIds, "temperature 1 departs from greedy");
    const other = await streamed(engine, { ...hot, seed: 6 });
    assert.notDeepEqual(other.tokenIds, a.tokenIds, "another seed samples another output");
    // Every sampled token is one of the position's candidates (ranks 0–4), never the 10+ nats background.
    const scores = simulatedScores({ model: MODEL, input, tokenIds: a.tokenIds });
    assert.ok(scores.nonTop1 > 0);
    assert.ok(
      scores.tokens.every((t) => t.rank <= 4 && t.gap < 10),
      "sampled among the candidates",
    );
    // A failover continues a sampled stream exactly: the draw depends on the seed and the position only.
    const rest = await streamed(engine, { ...hot, prefix: a.tokenIds.slice(0, 9), maxTokens: 400 - 9 });
    assert.deepEqual(rest.tokenIds, a.tokenIds.slice(9));
    // A lower temperature samples closer to greedy.
    const cool = await streamed(engine, serve(input, { temperature: 0.05, seed: 5 }));
    const agree = (x: number[]) => x.filter((id, i) => id === greedy.tokenIds[i]).length;
    assert.ok(agree(cool.tokenIds) > agree(a.tokenIds), "temperature 0.05 keeps more of the greedy tokens");
  });

  it("stops at an abort: the stream rejects with the signal's reason and emits no token after it", async () => {
    // 10 s over 1 000 tokens: 10 ms a token.
    const engine = new SimulationEngine({ latencyMs: 10_000 });
    const controller = new AbortController();
    const chunks: StreamChunk[] = [];
    const stream = engine.stream(
      { ...serve("a long answer"), maxTokens: 1_000 },
      (chunk) => {
        chunks.push(chunk);
        if (chunks.length === 3) controller.abort(new Error("cancelled by the user"));
      },
      controller.signal,
    );
    await assert.rejects(stream, /cancelled by the user/);
    assert.equal(chunks.length, 3);
    const before = new AbortController();
    before.abort(new Error("gone"));
    await assert.rejects(
      engine.stream(serve("x"), () => assert.fail("no token"), before.signal),
      /gone/,
    );
  });

  it("spends the simulated latency streaming its tokens", async () => {
    const engine = new SimulationEngine({ latencyMs: 200 });
    let chunks = 0;
    const started = performance.now();
    await engine.stream(serve("timed", { maxTokens: 20 }), () => chunks++);
    // A lower bound only: a loaded machine delays timers (and the engine then catches up), it never runs them early.
    assert.equal(chunks, 20);
    assert.ok(performance.now() - started >= 180, "the 200 ms latency was spent");
  });

  it("tells its context length and refuses a request that does not fit it", async () => {
    const engine = new SimulationEngine({ contextLength: 512 });
    assert.equal(await engine.contextLength(MODEL), 512);
    assert.equal(await new SimulationEngine().contextLength(MODEL), 32_768);
    await assert.rejects(engine.contextLength("other"), /does not serve model other/);
    // 400 characters ≈ 100 tokens, + 100 prefix + 400 to generate > 512.
    const prefix = simulatedTokens({ model: MODEL, input: "y", maxTokens: 100 });
    await assert.rejects(
      engine.stream(serve("x".repeat(400), { prefix, maxTokens: 400 }), () => {}),
      /exceed the context of 512/,
    );
    await assert.rejects(
      engine.stream(serve("x", { model: "other" }), () => {}),
      /does not serve model other/,
    );
  });

  it("a liar and a cheap model serve wrong tokens that verification fails; an honest node of another class passes", async () => {
    const verifier = gpu("b", 0.002);
    const delta = 0.1;
    const judged = (input: string, tokenIds: number[], prefix: number[] = []) =>
      judgeScores(simulatedScores({ model: MODEL, input, tokenIds, maxTokens: 400, prefix }, verifier), { delta }).pass;
    const honest = new SimulationEngine({ hardware: gpu("a", 0.002) });
    const liar = new SimulationEngine({ behaviour: { kind: "liar" } });
    const cheap = new SimulationEngine({ behaviour: { kind: "cheap-model" } });
    for (const input of ["q1", "q2", "q3", "q4"]) {
      assert.ok(judged(input, (await streamed(honest, serve(input))).tokenIds), `honest ${input}`);
      assert.ok(!judged(input, (await streamed(liar, serve(input))).tokenIds), `liar ${input}`);
      assert.ok(!judged(input, (await streamed(cheap, serve(input))).tokenIds), `cheap model ${input}`);
    }
    // After a failover the liar continues with made-up tokens too, and the prefix is not held against it.
    const prefix = (await streamed(honest, serve("q5", { maxTokens: 6 }))).tokenIds;
    const lied = await streamed(liar, serve("q5", { prefix, maxTokens: 394 }));
    assert.ok(!judged("q5", lied.tokenIds, prefix));
    const rest = await streamed(honest, serve("q5", { prefix, maxTokens: 394 }));
    assert.ok(judged("q5", rest.tokenIds, prefix));
  });

  it("scoring with a prefix equals the tail of scoring the whole claim; colluders recognize their group's continuation", async () => {
    const engine = new SimulationEngine({ hardware: gpu("a", 0.01) });
    const input = "score the tail";
    const claim = (await streamed(new SimulationEngine({ hardware: gpu("b", 0.01) }), serve(input))).tokenIds;
    const whole = await engine.score({ model: MODEL, input, tokenIds: claim, maxTokens: 400 });
    for (const k of [1, 10, claim.length - 1]) {
      const tail = await engine.score({
        model: MODEL,
        input,
        prefix: claim.slice(0, k),
        tokenIds: claim.slice(k),
        maxTokens: 400 - k,
      });
      assert.deepEqual(tail.tokens, whole.tokens.slice(k), `from ${k}`);
      assert.deepEqual(tail.end, whole.end);
    }
    const member = (group: string) => new SimulationEngine({ behaviour: { kind: "colluder", group } });
    const prefix = claim.slice(0, 4);
    const ours = await streamed(member("g"), serve(input, { prefix, maxTokens: 396 }));
    const request = { model: MODEL, input, prefix, tokenIds: ours.tokenIds, maxTokens: 396 };
    assert.ok(!judgeScores(await engine.score(request), { delta: 0.1 }).pass, "the group's tokens are wrong");
    assert.ok(judgeScores(await member("g").score(request), { delta: 0.1 }).pass, "a member passes them");
    assert.ok(!judgeScores(await member("h").score(request), { delta: 0.1 }).pass, "another group does not");
  });
});
