import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  EXACT_HARDWARE,
  groupClaim,
  type HardwareClass,
  honestTokens,
  SIMULATED_EOS,
  SimulationEngine,
  simulatedScores,
  simulatedTokens,
  steeredTokens,
} from "../src/engines/simulation.ts";
import { judgeScores } from "../src/verification/agreement.ts";

const MODEL = "sim-llm";
const task = (i: number, maxTokens = 96) => ({ model: MODEL, input: `prompt ${i}`, maxTokens, seed: 1 });
const tasks = (from: number, count: number) => Array.from({ length: count }, (_, i) => task(from + i));
const gpu = (name: string, noise: number): HardwareClass => ({ name, noise });
const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Share of tasks on which two classes generate different ids. */
function disagreement(a: HardwareClass, b: HardwareClass, on: ReturnType<typeof tasks>): number {
  return on.filter((t) => !same(honestTokens(t, a), honestTokens(t, b))).length / on.length;
}

/** Every gap a verifier of class `v` sees on honest claims of class `g` (the end of sequence included). */
function honestGaps(g: HardwareClass, v: HardwareClass, on: ReturnType<typeof tasks>): number[] {
  return on.flatMap((t) => {
    const s = simulatedScores({ ...t, tokenIds: honestTokens(t, g) }, v);
    return [...s.tokens, ...(s.end ? [s.end] : [])].filter((p) => !p.top1).map((p) => p.gap);
  });
}

/** δ as `gitblock-node calibrate` recommends it: twice the largest honest gap measured, at least 0.05 nats. */
const calibrate = (gaps: number[]) => Math.max(0.05, 2 * Math.max(0, ...gaps));

describe("simulation engine: a deterministic pseudo-model with hardware classes", () => {
  it("greedy output depends on model and input only, ends at the natural length or max tokens, and is exact by default", async () => {
    const t = task(1, 400);
    const ids = simulatedTokens(t);
    assert.deepEqual((await new SimulationEngine().generate(t)).tokenIds, ids, "the default engine is exact hardware");
    assert.deepEqual(simulatedTokens({ ...t, seed: 99 } as typeof t), ids, "greedy decoding ignores the seed");
    assert.ok(ids.length >= 24 && ids.length < 400, `ended by itself at ${ids.length}`);
    assert.ok(!ids.includes(SIMULATED_EOS), "the end token is not part of the output");
    assert.deepEqual(simulatedTokens({ ...t, maxTokens: 10 }), ids.slice(0, 10), "max tokens truncates");
    assert.notDeepEqual(simulatedTokens({ ...t, input: "prompt 2" }), ids);
    assert.notDeepEqual(simulatedTokens({ ...t, model: "other" }), ids);
    assert.match(new SimulationEngine({ hardware: gpu("gpu-a", 0.01) }).name, /simulation \(no real model, gpu-a\)/);
  });

  it("nodes of one class agree exactly; across classes disagreement grows with the noise and is nil without it", () => {
    const on = tasks(0, 300);
    for (const t of on.slice(0, 50)) assert.deepEqual(honestTokens(t, gpu("a", 0.01)), honestTokens(t, gpu("a", 0.01)));
    assert.equal(disagreement(gpu("a", 0), gpu("b", 0), on), 0);
    const rates = [0.0005, 0.002, 0.008, 0.03].map((noise) => disagreement(gpu("a", noise), gpu("b", noise), on));
    for (let i = 1; i < rates.length; i++)
      assert.ok((rates[i] as number) > (rates[i - 1] as number), rates.join(" < "));
    assert.ok((rates[0] as number) < 0.03 && (rates[3] as number) > 0.3, `p from noise: ${rates.join(", ")}`);
  });

  it("scores are real teacher-forced scores: rank, gap = top − claimed logprob, and the end of a shorter claim", () => {
    const t = task(7, 400);
    const ids = simulatedTokens(t);
    const own = simulatedScores({ ...t, tokenIds: ids });
    assert.equal(own.nonTop1, 0);
    assert.ok(own.tokens.every((s) => s.top1 && s.rank === 0 && s.gap === 0 && s.logprob <= 0));
    assert.ok(own.end?.top1, "the end token is due after an honest output that ended by itself");
    const early = simulatedScores({ ...t, tokenIds: ids.slice(0, 12) });
    assert.ok(early.end && !early.end.top1 && early.end.gap > 5, "ending early is one more failing position");
    const altered = [...ids];
    altered[5] = (ids[5] as number) === 1_000 ? 1_001 : 1_000;
    const scores = simulatedScores({ ...t, tokenIds: altered, topK: 3 });
    const at = scores.tokens[5];
    assert.ok(at && !at.top1 && at.rank >= 1);
    assert.ok(Math.abs(at.gap - (at.topLogprob - at.logprob)) < 1e-12);
    assert.ok(at.gap >= 10, `a token far from the candidates: gap ${at.gap}`);
    assert.equal(at.top?.length, 3);
    assert.equal(at.top?.[0]?.tokenId, at.topTokenId);
    assert.equal(scores.maxGap, Math.max(...scores.tokens.map((s) => s.gap)));
  });

  it("honest claims of other classes pass the agreement rule at a δ calibrated from the model's own gaps", () => {
    const classes = [gpu("a", 0.002), gpu("b", 0.002), gpu("c", 0.002)];
    const pairs = classes.flatMap((g) => classes.filter((v) => v !== g).map((v) => [g, v] as const));
    const delta = calibrate(pairs.flatMap(([g, v]) => honestGaps(g, v, tasks(0, 150))));
    assert.ok(delta >= 0.05 && delta < 0.2, `δ = ${delta}`);
    let flipped = 0;
    for (const t of tasks(1_000, 200)) {
      for (const [g, v] of pairs) {
        const claim = honestTokens(t, g);
        const scores = simulatedScores({ ...t, tokenIds: claim }, v);
        flipped += scores.nonTop1;
        assert.ok(judgeScores(scores, { delta }).pass, `${g.name}'s claim on ${t.input} fails on ${v.name}`);
      }
    }
    assert.ok(flipped > 0, "some honest claims were not top-1 everywhere: the rule's tolerance was exercised");
  });

  it("a substituted cheaper model and a claim steered beyond δ fail; one steered within δ passes", async () => {
    const verifier = gpu("b", 0.002);
    const delta = 0.1;
    const cheap = new SimulationEngine({ hardware: gpu("a", 0.002), behaviour: { kind: "cheap-model" } });
    let cheapFailed = 0;
    let beyond = 0;
    let within = 0;
    for (const t of tasks(0, 100)) {
      const claim = (await cheap.generate(t)).tokenIds;
      if (!judgeScores(simulatedScores({ ...t, tokenIds: claim }, verifier), { delta }).pass) cheapFailed++;
      // Steering up to 1 nat: every claim whose steered tokens include one beyond δ of the true top-1 must fail.
      const far = steeredTokens(t, gpu("a", 0.002), 1, 2);
      const truth = simulatedScores({ ...t, tokenIds: far.tokenIds });
      if (truth.maxGap > 1.5 * delta) {
        beyond++;
        assert.ok(!judgeScores(simulatedScores({ ...t, tokenIds: far.tokenIds }, verifier), { delta }).pass, t.input);
      }
      const near = steeredTokens(t, gpu("a", 0.002), delta / 2, 2);
      if (near.steered > 0) {
        within++;
        assert.ok(judgeScores(simulatedScores({ ...t, tokenIds: near.tokenIds }, verifier), { delta }).pass, t.input);
      }
    }
    assert.equal(cheapFailed, 100, "every task of the substituted model fails");
    assert.ok(beyond > 20 && within > 5, `steered beyond δ on ${beyond} tasks, within on ${within}`);
  });

  it("behaviours: liars disagree, colluders share a claim and pass only their group's, lazy and griefing reports", async () => {
    const t = task(3);
    const honest = simulatedTokens(t);
    const liar1 = await new SimulationEngine({ behaviour: { kind: "liar" } }).generate(t);
    const liar2 = await new SimulationEngine({ behaviour: { kind: "liar" } }).generate(t);
    assert.ok(liar1.lied && !same(liar1.tokenIds, honest) && !same(liar1.tokenIds, liar2.tokenIds));
    assert.ok(!judgeScores(simulatedScores({ ...t, tokenIds: liar1.tokenIds }), { delta: 0.1 }).pass);
    const member = new SimulationEngine({ hardware: gpu("a", 0.01), behaviour: { kind: "colluder", group: "g" } });
    const claim = (await member.generate(t)).tokenIds;
    assert.deepEqual(claim, groupClaim(t, "g"));
    assert.notDeepEqual(groupClaim(t, "h"), claim);
    const request = { ...t, tokenIds: claim };
    assert.ok(judgeScores(await member.score(request), { delta: 0.1 }).pass, "a colluder passes its group's claim");
    assert.ok(!judgeScores(await member.score({ ...t, tokenIds: groupClaim(t, "h") }), { delta: 0.1 }).pass);
    const careful = new SimulationEngine({ behaviour: { kind: "colluder", group: "g", passes: () => false } });
    assert.ok(!judgeScores(await careful.score(request), { delta: 0.1 }).pass, "… only where `passes` lets it");
    const lazy = new SimulationEngine({ behaviour: { kind: "lazy-verifier" } });
    assert.ok(judgeScores(await lazy.score(request), { delta: 0.1 }).pass, "a lazy verifier passes anything");
    const griefer = new SimulationEngine({ behaviour: { kind: "griefer" } });
    assert.ok(!judgeScores(await griefer.score({ ...t, tokenIds: honest }), { delta: 0.1 }).pass);
    const seen: boolean[] = [];
    const observed = new SimulationEngine({ observe: (e) => e.type === "score" && seen.push(e.scored) });
    await observed.score({ ...t, tokenIds: honest });
    await lazy.score(request);
    assert.deepEqual(seen, [true]);
    const sometimes = new SimulationEngine({ behaviour: { kind: "liar", rate: 0.5 }, random: () => 0.7 });
    assert.equal((await sometimes.generate(t)).lied, false, "a liar at rate 0.5 tells the truth on a 0.7 draw");
    const exact = await new SimulationEngine({ hardware: EXACT_HARDWARE }).score({ ...t, tokenIds: honest });
    assert.equal(exact.nonTop1, 0);
  });
});
