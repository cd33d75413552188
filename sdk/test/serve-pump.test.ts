// The serve pump and the capacity slots it shares with tasks: frames in order and coalesced, serve_end, cancel,
// deadline, engine failures, an engine that cannot stream, and turns between the kinds of work.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CapacitySlots } from "../src/client/capacity-slots.ts";
import { ServePump } from "../src/client/serve-pump.ts";
import type { EmitEvent, ServedRequest } from "../src/client/types.ts";
import type { Engine, StreamChunk, StreamRequest, StreamResult } from "../src/engines/engine.ts";
import { SimulationEngine, simulatedTokens } from "../src/engines/simulation.ts";
import type { ChunkMessage, ServeMessage, StreamMessage } from "../src/protocol/messages.ts";
import { PROTOCOL_VERSION } from "../src/protocol/version.ts";

const MODEL = "sim-llm";

const serveFrame = (requestId: string, over: Partial<ServeMessage> = {}): ServeMessage => ({
  type: "serve",
  v: PROTOCOL_VERSION,
  requestId,
  model: MODEL,
  input: `input of ${requestId}`,
  prefix: [],
  maxTokens: 400,
  temperature: 0,
  seed: 1,
  deadline: Date.now() + 60_000,
  ...over,
});

/** A pump on `engine` whose frames and `served` events are recorded, with waits on them. */
function pumpOn(engine: Engine, capacity = 1) {
  const frames: Array<StreamMessage & { at: number }> = [];
  const served: ServedRequest[] = [];
  let wake: (() => void) | null = null;
  const stop = new AbortController();
  const emit: EmitEvent = (event, ...args) => {
    if (event === "served") {
      served.push(args[0] as ServedRequest);
      wake?.();
    }
  };
  const slots = new CapacitySlots(capacity);
  const pump = new ServePump({
    engine,
    slots,
    signal: stop.signal,
    send: (frame) => {
      frames.push({ ...frame, at: performance.now() });
      wake?.();
    },
    emit,
  });
  const until = async (done: () => boolean) => {
    while (!done()) await new Promise<void>((resolve) => (wake = resolve));
  };
  const of = (requestId: string) => frames.filter((f) => f.requestId === requestId);
  const chunks = (requestId: string) =>
    of(requestId).filter((f): f is ChunkMessage & { at: number } => f.type === "chunk");
  const ended = (requestId: string) => until(() => served.some((s) => s.serve.requestId === requestId));
  return { pump, slots, frames, served, of, chunks, ended, until, stop };
}

/** Wraps an engine so that a test can await each stream's settling (the engine really stopped). */
function watched(engine: Engine) {
  const settled: Array<Promise<unknown>> = [];
  const stream = engine.stream?.bind(engine);
  return {
    settled,
    engine: {
      kind: engine.kind,
      name: engine.name,
      models: () => engine.models(),
      generate: (r, s) => engine.generate(r, s),
      dispose: () => engine.dispose(),
      stream: (request: StreamRequest, onChunk: (c: StreamChunk) => void, signal?: AbortSignal) => {
        const run = (stream as NonNullable<typeof stream>)(request, onChunk, signal);
        settled.push(
          run.then(
            () => "resolved",
            (e: Error) => e.message,
          ),
        );
        return run;
      },
    } satisfies Engine,
  };
}

describe("serve pump", () => {
  it("streams chunks in order from the prefix's length, the first token at once, then coalesced, and ends with serve_end", async () => {
    // 200 ms over the answer's 59 tokens: one every 3–4 ms, far faster than one frame per 20 ms.
    const { pump, frames, chunks, ended, served } = pumpOn(new SimulationEngine({ latencyMs: 200 }));
    const input = "coalesce me";
    const expected = simulatedTokens({ model: MODEL, input, maxTokens: 400 });
    const prefix = expected.slice(0, 3);
    pump.accept(serveFrame("r1", { input, prefix, maxTokens: 397 }));
    await ended("r1");
    const got = chunks("r1");
    assert.equal(got[0]?.tokenIds.length, 1, "the first token goes out alone, at once");
    let index = prefix.length;
    for (const chunk of got) {
      assert.equal(chunk.index, index, "each chunk starts where the last ended");
      index += chunk.tokenIds.length;
    }
    assert.deepEqual(
      got.flatMap((c) => c.tokenIds),
      expected.slice(3),
    );
    assert.equal(expected.length, 59);
    // Coalescing, whatever the machine's speed: no two frames of one request closer than the interval (how many frames
    // that makes depends on how fast the engine ran, so it is not counted). Between the first token and the last chunk
    // (which goes out with the end, not on the clock).
    for (let i = 2; i < got.length - 1; i++) {
      const gap = (got[i] as { at: number }).at - (got[i - 1] as { at: number }).at;
      // ~20 ms: timers run on the event loop's millisecond clock, which may lag the one measured here by one.
      assert.ok(gap >= 18, `frames ${i - 1} and ${i} of one request ${gap.toFixed(1)} ms apart`);
    }
    const end = frames.at(-1);
    assert.equal(end?.type, "serve_end");
    assert.ok(end?.type === "serve_end" && end.finish === "stop" && end.tokens === expected.length - 3);
    assert.ok(end?.type === "serve_end" && end.timings.inferenceMs >= 190);
    assert.deepEqual(
      served.map((s) => [s.outcome, s.tokens, s.finish]),
      [["ended", expected.length - 3, "stop"]],
    );
  });

  it("a cancel stops the generation at once and nothing more is sent for the request", async () => {
    const slow = watched(
      new SimulationEngine({ latencyMs: (r) => (r.input === "slow" ? 20_000 : 200), contextLength: 32_768 }),
    );
    const { pump, of, chunks, ended, until, served } = pumpOn(slow.engine, 2);
    pump.accept(serveFrame("a", { input: "slow" }));
    await until(() => chunks("a").length > 0);
    pump.cancel("a", "the user hung up");
    assert.equal(await slow.settled[0], "the user hung up", "the engine was aborted");
    const sent = of("a").length;
    // A later request streams for ~200 ms more: a chunk of the cancelled one left on a timer would show before its end.
    pump.accept(serveFrame("b", { input: "fast" }));
    await ended("b");
    assert.equal(of("a").length, sent, "no frame after the cancel");
    assert.ok(of("a").every((f) => f.type === "chunk"));
    assert.equal(of("b").at(-1)?.type, "serve_end");
    assert.equal(served[0]?.outcome, "cancelled");
    assert.equal(served[0]?.message, "the user hung up");
    assert.equal(pump.has("a"), false);
  });

  it("a request cancelled while waiting for a slot never runs", async () => {
    const slow = watched(new SimulationEngine({ latencyMs: (r) => (r.input === "slow" ? 20_000 : 0) }));
    const { pump, of, chunks, until, served } = pumpOn(slow.engine, 1);
    pump.accept(serveFrame("running", { input: "slow" }));
    pump.accept(serveFrame("waiting", { input: "fast" }));
    await until(() => chunks("running").length > 0);
    assert.equal(pump.has("waiting"), true);
    pump.cancel("waiting", "stop sequence");
    pump.cancel("running", "stop sequence");
    await until(() => served.length === 2);
    assert.equal(slow.settled.length, 1, "only the running request reached the engine");
    assert.equal(of("waiting").length, 0);
  });

  it("at the deadline the generation is aborted and serve_failed sent", async () => {
    const slow = watched(new SimulationEngine({ latencyMs: 20_000 }));
    const { pump, of, ended } = pumpOn(slow.engine);
    pump.accept(serveFrame("late", { deadline: Date.now() + 50 }));
    await ended("late");
    const last = of("late").at(-1);
    assert.equal(last?.type, "serve_failed");
    assert.match(last?.type === "serve_failed" ? last.message : "", /deadline/);
    assert.equal(await slow.settled[0], "the deadline passed");
    assert.ok(!of("late").some((f) => f.type === "serve_end"));
  });

  it("an engine failure sends the tokens generated before it, then serve_failed with the engine's message", async () => {
    const failing: Engine = {
      kind: "simulation",
      name: "failing",
      models: async () => [MODEL],
      generate: () => Promise.reject(new Error("unused")),
      dispose: async () => {},
      stream: async (_request, onChunk): Promise<StreamResult> => {
        onChunk({ tokenIds: [5], text: "a" });
        onChunk({ tokenIds: [6, 7], text: "bc" });
        throw new Error("CUDA error: out of memory");
      },
    };
    const { pump, of, ended } = pumpOn(failing);
    pump.accept(serveFrame("r", { prefix: [1, 2] }));
    await ended("r");
    const frames = of("r");
    assert.deepEqual(
      frames.map((f) => (f.type === "chunk" ? [f.index, f.tokenIds, f.text] : [f.type])),
      [[2, [5], "a"], [3, [6, 7], "bc"], ["serve_failed"]],
    );
    assert.match(frames[2]?.type === "serve_failed" ? frames[2].message : "", /out of memory/);
  });

  it("an engine that cannot stream answers serve_failed; a repeated request is ignored", async () => {
    const engine = new SimulationEngine();
    const plain: Engine = {
      kind: "simulation",
      name: "tasks only",
      models: () => engine.models(),
      generate: (r) => engine.generate(r),
      dispose: async () => {},
    };
    const { pump, of, ended } = pumpOn(plain);
    pump.accept(serveFrame("r"));
    await ended("r");
    assert.deepEqual(
      of("r").map((f) => f.type),
      ["serve_failed"],
    );
    const live = pumpOn(new SimulationEngine({ latencyMs: 100 }));
    live.pump.accept(serveFrame("twice"));
    live.pump.accept(serveFrame("twice"));
    await live.ended("twice");
    assert.equal(live.of("twice").filter((f) => f.type === "serve_end").length, 1);
    assert.equal(live.of("twice")[0]?.type === "chunk" && live.of("twice")[0]?.index, 0);
  });

  it("a stopped client abandons its streams without a frame", async () => {
    const { pump, of, chunks, until, stop, served } = pumpOn(new SimulationEngine({ latencyMs: 20_000 }));
    pump.accept(serveFrame("r"));
    await until(() => chunks("r").length > 0);
    const sent = of("r").length;
    stop.abort();
    assert.equal(served[0]?.outcome, "cancelled");
    pump.accept(serveFrame("after"));
    assert.equal(of("r").length, sent);
    assert.equal(of("after").length, 0);
  });
});

describe("capacity slots", () => {
  it("run at most `capacity` jobs at once and give waiting lanes turns", async () => {
    const slots = new CapacitySlots(2);
    const started: string[] = [];
    let running = 0;
    let most = 0;
    const releases: Array<() => void> = [];
    const job = (name: string) => () => {
      started.push(name);
      running++;
      most = Math.max(most, running);
      return new Promise<void>((resolve) =>
        releases.push(() => {
          running--;
          resolve();
        }),
      );
    };
    const tasks = ["t1", "t2", "t3", "t4"].map(job);
    const serves: Array<ReturnType<typeof job>> = [];
    const wakeTasks = slots.lane(() => tasks.shift() ?? null);
    const wakeServes = slots.lane(() => serves.shift() ?? null);
    wakeTasks();
    assert.deepEqual(started, ["t1", "t2"], "a lane alone may fill every slot");
    serves.push(job("s1"), job("s2"));
    wakeServes();
    assert.deepEqual(started, ["t1", "t2"], "nothing starts beyond capacity");
    const settle = () => new Promise((resolve) => setImmediate(resolve));
    for (let i = 0; i < 4; i++) {
      releases.shift()?.();
      await settle();
    }
    assert.deepEqual(started, ["t1", "t2", "s1", "t3", "s2", "t4"], "the lanes take turns as slots free");
    assert.equal(most, 2);
  });
});
