import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { allowedNonTop1, gapMicros, outputHash } from "@gitblock/sdk";
import type { Address, Hex } from "viem";
import { BAN_DURATION_MS } from "../../src/economics/reputation.ts";
import type { AssignmentRecord, NodeRecord, StoredReport, TaskRecord, TaskSnapshot } from "../../src/store/types.ts";
import { drawWeighted } from "../../src/verification/draw.ts";
import { type JudgementParams, judgeTask } from "../../src/verification/judge-task.ts";
import { alterClaim } from "../../src/verification/trap.ts";
import {
  bondFactor,
  generatorWeight,
  type TrustPolicy,
  tenure,
  verifierCount,
  verifierWeight,
} from "../../src/verification/weight.ts";

/** A seeded random in [0, 1) (mulberry32): draws are reproducible. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const DELTA = 0.05;
const NOW = 1_000;
const CLAIM = [11, 12, 13, 14, 15, 16, 17, 18, 19, 20];

const record = (address: string, fields: Partial<NodeRecord> = {}): NodeRecord => ({
  address: address as Address,
  operator: address,
  country: null,
  reputationBps: 10_000,
  strikes: 0,
  activeStrikes: 0,
  tasksValidated: 0,
  tasksFailed: 0,
  bannedUntil: null,
  confirmedWei: 0n,
  createdAt: 0,
  lastSeenAt: 0,
  strikeTimes: [],
  ...fields,
});

const taskOf = (fields: Partial<TaskRecord> = {}): TaskRecord => ({
  id: "t1",
  kind: "job",
  status: "assigned",
  model: "m",
  input: "x",
  maxTokens: 16,
  seed: 0,
  pinnedNode: null,
  createdAt: 0,
  assignedAt: 0,
  deadline: 100,
  outputHash: null,
  tokensGenerated: null,
  judgedAt: null,
  epoch: null,
  ...fields,
});

const report = (pass: boolean, maxGap = pass ? 0 : 1, nonTop1 = pass ? 0 : 5): StoredReport => ({
  claimHash: outputHash(CLAIM),
  pass,
  firstFailingPosition: pass ? -1 : 0,
  nonTop1,
  maxGapMicros: gapMicros(maxGap),
  scored: CLAIM.length,
  signature: "0x00" as Hex,
});

function assignment(node: string, fields: Partial<AssignmentRecord> = {}): AssignmentRecord {
  return {
    taskId: "t1",
    node: node as Address,
    role: "verify",
    status: "assigned",
    outputHash: null,
    tokensGenerated: null,
    queueMs: null,
    inferenceMs: null,
    assignedAt: 0,
    submittedAt: null,
    rewardWei: 0n,
    commitment: null,
    commitSignature: null,
    tokenIds: null,
    report: null,
    trap: false,
    deadline: 500,
    ...fields,
  };
}
const generator = (status: AssignmentRecord["status"] = "revealed", tokenIds: number[] | null = CLAIM) =>
  assignment("g", { role: "generate", status, tokenIds, outputHash: tokenIds ? outputHash(tokenIds) : null });
const reported = (node: string, r: StoredReport, fields: Partial<AssignmentRecord> = {}) =>
  assignment(node, { status: "submitted", report: r, submittedAt: 50, ...fields });

function snapshot(task: TaskRecord, assignments: AssignmentRecord[], nodes: NodeRecord[] = []): TaskSnapshot {
  const map = new Map<string, NodeRecord>();
  for (const a of assignments) map.set(a.node, record(a.node));
  for (const n of nodes) map.set(n.address, n);
  return { task, assignments, nodes: map, openEpoch: 3 };
}

/** Pools the draws come from: verify ["v1" … "v4"], dispute ["ref"]. */
function params(overrides: Partial<JudgementParams> = {}): JudgementParams {
  const pools = { verify: ["v1", "v2", "v3", "v4"], dispute: ["ref"] };
  return {
    now: NOW,
    quorumBps: 6_600,
    ratePerTokenWei: 1_000n,
    verifyRateBps: 2_000,
    rule: { delta: DELTA },
    closeCallShare: 0.5,
    strikes: { windowMs: 7 * 24 * 3_600_000 },
    verifyDeadline: 2_000,
    retryDrawAt: 1_500,
    verifyGiveUpAt: () => 10_000,
    weightOf: () => 1,
    verifierCount: () => 2,
    draw: (role, count, exclude) => pools[role].filter((a) => !exclude.has(a)).slice(0, count) as unknown as Address[],
    trap: false,
    audit: false,
    alterClaim: () => null,
    ...overrides,
  };
}

const byNode = (j: ReturnType<typeof judgeTask>) => Object.fromEntries(j.verdicts.map((v) => [v.node, v]));
const outcomes = (j: ReturnType<typeof judgeTask>) =>
  Object.fromEntries(j.verdicts.map((v) => [v.node, v.internalOutcome]));

describe("judgeTask: generation", () => {
  it("no reveal by the deadline: the generator timed out, the task is inconclusive", () => {
    for (const status of ["assigned", "committed"] as const) {
      const j = judgeTask(snapshot(taskOf(), [generator(status, null)]), params());
      assert.equal(j.final, true);
      assert.equal(j.task.status, "inconclusive");
      const g = byNode(j).g;
      assert.deepEqual([g?.outcome, g?.strikes, g?.reputationBps, g?.rewardWei], ["timeout", 1, 9_500, 0n], status);
      assert.deepEqual(j.ledger, []);
    }
  });

  it("a reveal that does not open its commitment is wrong: rejected, struck, unpaid", () => {
    const j = judgeTask(snapshot(taskOf(), [generator("mismatch", null)]), params());
    assert.equal(j.task.status, "rejected");
    assert.deepEqual([byNode(j).g?.outcome, byNode(j).g?.strikes], ["wrong", 1]);
    assert.deepEqual(j.ledger, []);
  });

  it("a good reveal draws k verifiers, never the generator, and sends them the claim; nothing is final", () => {
    const drawnFrom: string[][] = [];
    const j = judgeTask(
      snapshot(taskOf(), [generator()]),
      params({
        verifierCount: () => 3,
        draw: (role, count, exclude) => {
          drawnFrom.push([role, String(count), ...exclude]);
          return (["v1", "v2", "v3"] as unknown as Address[]).slice(0, count);
        },
      }),
    );
    assert.equal(j.final, false);
    assert.equal(j.task.status, "verifying");
    assert.equal(j.task.deadline, 2_000);
    assert.deepEqual(j.claim, CLAIM);
    assert.deepEqual(
      j.newAssignments.map((a) => [a.node, a.role, a.trapTokenIds]),
      [
        ["v1", "verify", null],
        ["v2", "verify", null],
        ["v3", "verify", null],
      ],
    );
    assert.deepEqual(drawnFrom, [["verify", "3", "g"]], "the generator is excluded from its own verification");
    assert.deepEqual([j.verdicts, j.ledger, j.nodes], [[], [], []], "no verdict, reputation or pay before the end");
  });

  it("a challenge also gets the dispute tier, and a trap adds one verifier sent an altered claim", () => {
    const altered = [...CLAIM].reverse();
    const j = judgeTask(
      snapshot(taskOf({ kind: "challenge" }), [generator()]),
      params({ trap: true, alterClaim: () => altered }),
    );
    assert.deepEqual(
      j.newAssignments.map((a) => [a.node, a.role, a.trapTokenIds]),
      [
        ["v1", "verify", null],
        ["v2", "verify", null],
        ["ref", "dispute", null],
        ["v3", "verify", altered],
      ],
    );
  });
});

describe("judgeTask: audits", () => {
  it("an audited job gets the dispute tier beside its verifiers, like a challenge", () => {
    const j = judgeTask(snapshot(taskOf(), [generator()]), params({ audit: true }));
    assert.deepEqual(
      j.newAssignments.map((a) => [a.node, a.role]),
      [
        ["v1", "verify"],
        ["v2", "verify"],
        ["ref", "dispute"],
      ],
    );
    const probe = judgeTask(snapshot(taskOf({ kind: "probe" }), [generator()]), params({ audit: true }));
    assert.ok(!probe.newAssignments.some((a) => a.role === "dispute"), "probes are not audited");
  });
});

describe("judgeTask: verification", () => {
  it("every report passes with the quorum: validated; the generator is paid 75% + bonus per token, verifiers their rate", () => {
    const j = judgeTask(
      snapshot(taskOf({ status: "verifying" }), [
        generator(),
        reported("v1", report(true)),
        reported("v2", report(true)),
      ]),
      params(),
    );
    assert.equal(j.task.status, "validated");
    assert.equal(j.task.tokensGenerated, 10);
    assert.equal(j.task.outputHash, outputHash(CLAIM));
    assert.equal(j.task.epoch, 3);
    const v = byNode(j);
    assert.equal(v.g?.rewardWei, 7_500n + 750n, "10 tokens × 1 000 wei, 75%, +10% bonus");
    assert.equal(v.v1?.rewardWei, 1_500n + 150n, "at 20% of the rate");
    assert.equal(v.v2?.rewardWei, 1_650n);
    const network = j.ledger.find((e) => e.kind === "network");
    assert.equal(network?.amountWei, 2_500n + 2n * 500n);
    assert.equal(
      j.ledger.reduce((sum, e) => sum + e.amountWei, 0n),
      10_000n + 2n * 2_000n + 750n + 2n * 150n,
      "gross plus bonuses, nothing more",
    );
    assert.deepEqual(
      j.ledger.filter((e) => e.kind !== "network").map((e) => [e.account, e.kind]),
      [
        ["g", "task"],
        ["v1", "verify"],
        ["v2", "verify"],
      ],
    );
    assert.ok(j.nodes.every((n) => n.tasksValidated === 1));
  });

  it("pay is the revealed token count, never above max tokens", () => {
    const long = Array.from({ length: 40 }, (_, i) => i + 1);
    const j = judgeTask(
      snapshot(taskOf({ status: "verifying", maxTokens: 16 }), [
        generator("revealed", long),
        reported("v1", report(true)),
        reported("v2", report(true)),
      ]),
      params(),
    );
    assert.equal(j.task.tokensGenerated, 16);
    assert.equal(byNode(j).g?.rewardWei, (16_000n * 75n) / 100n + (16_000n * 75n) / 1_000n);
  });

  it("silent verifiers count in the quorum's total: 2 of 3 passing is enough, 1 of 2 is not", () => {
    const enough = judgeTask(
      snapshot(taskOf({ status: "verifying" }), [
        generator(),
        reported("v1", report(true)),
        reported("v2", report(true)),
        assignment("v3"),
      ]),
      params(),
    );
    assert.equal(enough.task.status, "validated");
    assert.deepEqual(outcomes(enough), { g: "correct", v1: "correct", v2: "correct", v3: "timeout" });
    assert.equal(byNode(enough).v3?.strikes, 1);
    const short = judgeTask(
      snapshot(taskOf({ status: "verifying" }), [generator(), reported("v1", report(true)), assignment("v2")]),
      params(),
    );
    assert.equal(short.task.status, "disputed", "short of the quorum: the dispute tier decides");
    assert.deepEqual(
      short.newAssignments.map((a) => [a.node, a.role]),
      [["ref", "dispute"]],
    );
  });

  it("a failing report sends the claim to the dispute tier, excluding everyone already on the task", () => {
    let excluded: string[] = [];
    const j = judgeTask(
      snapshot(taskOf({ status: "verifying" }), [
        generator(),
        reported("v1", report(true)),
        reported("v2", report(false)),
      ]),
      params({
        draw: (_role, _count, exclude) => {
          excluded = [...exclude].sort();
          return ["ref" as unknown as Address];
        },
      }),
    );
    assert.equal(j.final, false);
    assert.equal(j.task.status, "disputed");
    assert.deepEqual(excluded, ["g", "v1", "v2"]);
    assert.deepEqual(j.claim, CLAIM);
    assert.deepEqual(j.verdicts, []);
  });

  it("a close call goes to the dispute tier though every report passes: a gap above half δ, or all of M spent", () => {
    const judged = (r: StoredReport) =>
      judgeTask(
        snapshot(taskOf({ status: "verifying" }), [generator(), reported("v1", report(true)), reported("v2", r)]),
        params(),
      ).task.status;
    assert.equal(judged(report(true, DELTA * 0.5, 1)), "validated", "half δ exactly is not a close call");
    assert.equal(judged(report(true, DELTA * 0.51, 1)), "disputed");
    assert.equal(judged(report(true, DELTA * 0.1, 2)), "disputed", "M = 2 for 10 tokens: the whole allowance");
    assert.equal(judged(report(true, DELTA * 0.1, 1)), "validated");
    assert.equal(
      judgeTask(
        snapshot(taskOf({ status: "verifying" }), [generator(), reported("v1", report(true, DELTA * 0.9, 1))]),
        params({ closeCallShare: 1 }),
      ).task.status,
      "validated",
      "closeCallShare 1: only the rule's own limit",
    );
  });

  it("a trap verifier that passes the altered claim is wrong, one that fails it is correct; traps never count", () => {
    const trap = (node: string, pass: boolean) => reported(node, report(pass), { trap: true, tokenIds: [9, 9, 9] });
    const j = judgeTask(
      snapshot(taskOf({ status: "verifying" }), [
        generator(),
        reported("v1", report(true)),
        reported("v2", report(true)),
        trap("v3", true),
        trap("v4", false),
      ]),
      params(),
    );
    assert.equal(j.task.status, "validated", "a trap's failing report is no failing report on the claim");
    const v = byNode(j);
    assert.deepEqual([v.v3?.internalOutcome, v.v3?.strikes, v.v3?.rewardWei], ["wrong", 1, 0n]);
    assert.deepEqual([v.v4?.internalOutcome, v.v4?.strikes], ["correct", 0]);
    assert.deepEqual(j.provenWrong, ["v3"], "passing a trap proves a verifier wrong");
    const silentTrap = judgeTask(
      snapshot(taskOf({ status: "verifying" }), [
        generator(),
        reported("v1", report(true)),
        reported("v2", report(true)),
        assignment("v3", { trap: true, tokenIds: [9, 9, 9] }),
      ]),
      params(),
    );
    assert.equal(byNode(silentTrap).v3?.internalOutcome, "timeout");
    assert.deepEqual(silentTrap.provenWrong, [], "silence is a timeout, not proof");
  });

  it("a node banned while it holds an assignment is withdrawn: neither counted nor paid nor struck", () => {
    const banned = record("v2", { bannedUntil: NOW + BAN_DURATION_MS, reputationBps: 9_000 });
    const j = judgeTask(
      snapshot(
        taskOf({ status: "verifying" }),
        [generator(), reported("v1", report(true)), reported("v2", report(false))],
        [banned],
      ),
      params(),
    );
    assert.equal(j.task.status, "validated", "the banned node's failing report is not counted");
    const v = byNode(j);
    assert.deepEqual(
      [v.v2?.internalOutcome, v.v2?.outcome, v.v2?.rewardWei, v.v2?.strikes],
      ["withdrawn", "inconclusive", 0n, 0],
    );
    assert.equal(v.v2?.reputationBps, 9_000, "its record is left as it was");
    assert.ok(!j.ledger.some((e) => e.account === "v2"));
    assert.equal(j.assignments.find((a) => (a.node as string) === "v2")?.status, "withdrawn");
    const withdrawn = judgeTask(
      snapshot(taskOf({ status: "verifying" }), [
        generator(),
        reported("v1", report(true)),
        reported("v2", report(true), { status: "withdrawn" }),
      ]),
      params(),
    );
    assert.equal(byNode(withdrawn).v2?.rewardWei, 0n, "a withdrawn assignment is not paid even with a report");
  });
});

describe("judgeTask: the dispute tier", () => {
  const disputed = (referenceGap: number, kind: TaskRecord["kind"] = "job") =>
    judgeTask(
      snapshot(taskOf({ status: "disputed", kind }), [
        generator(),
        reported("v1", report(true)),
        reported("v2", report(false, DELTA * 1.5, 1)),
        // A griefer: its own figures lie far outside the band of honest rounding.
        reported("v3", report(false, 5, 9)),
        reported("ref", report(referenceGap <= DELTA, referenceGap, 1), { role: "dispute" }),
      ]),
      params(),
    );

  it("the reference passes: validated; a failing report outside the band (a griefer) was wrong, one inside it not", () => {
    const j = disputed(DELTA * 0.5);
    assert.equal(j.task.status, "validated");
    assert.deepEqual(outcomes(j), { g: "correct", v1: "correct", v2: "inconclusive", v3: "wrong", ref: "correct" });
    assert.equal(byNode(j).v2?.strikes, 0, "figures a steerer just under δ could cause on other hardware: not struck");
    assert.equal(byNode(j).v3?.strikes, 1);
    assert.deepEqual(j.provenWrong, ["v3"], "the griefer's validated claims of the epoch are revoked by the store");
  });

  it("between δ and 2δ: inconclusive, nobody inside the band struck, the verifiers paid and the generator not", () => {
    const j = disputed(DELTA * 1.5);
    assert.equal(j.task.status, "inconclusive");
    assert.deepEqual(outcomes(j), {
      g: "inconclusive",
      v1: "inconclusive",
      v2: "correct",
      v3: "wrong",
      ref: "correct",
    });
    assert.ok(j.verdicts.filter((v) => (v.node as string) !== "v3").every((v) => v.strikes === 0));
    assert.equal(byNode(j).g?.rewardWei, 0n, "a claim only the band passes is not accepted, so not paid");
    assert.deepEqual(
      j.ledger
        .filter((e) => e.kind === "verify")
        .map((e) => e.account)
        .sort(),
      ["ref", "v1", "v2"],
      "every verifier that scored it is paid, except the griefer",
    );
    assert.equal(j.task.epoch, 3, "the verifiers' pay falls in the open epoch");
    assert.equal(j.task.tokensGenerated, null);
    assert.deepEqual(j.provenWrong, ["v3"], "between δ and 2δ nobody but the griefer is proven wrong");
  });

  it("a reference that passes the claim as a close call (above half δ) does not validate it either", () => {
    const j = disputed(DELTA * 0.75);
    assert.equal(j.task.status, "inconclusive");
    assert.equal(byNode(j).g?.strikes, 0);
    assert.equal(byNode(j).g?.rewardWei, 0n);
  });

  it("beyond 2δ: rejected, the generator and the verifier that passed the claim were wrong", () => {
    const j = disputed(DELTA * 2.5);
    assert.equal(j.task.status, "rejected");
    assert.deepEqual(outcomes(j), { g: "wrong", v1: "wrong", v2: "correct", v3: "correct", ref: "correct" });
    assert.deepEqual(j.provenWrong, ["g", "v1"], "both proven wrong: the store revokes what they got validated");
    assert.equal(byNode(j).g?.rewardWei, 0n, "the generator of a rejected claim earns nothing");
    assert.equal(byNode(j).v1?.rewardWei, 0n, "nor does the verifier that passed it");
    // The verifiers that failed it scored the claim correctly: they are paid for it (paying only passes would pay
    // verifiers to pass).
    assert.deepEqual(
      j.ledger
        .filter((e) => e.kind === "verify")
        .map((e) => e.account)
        .sort(),
      ["ref", "v2", "v3"],
    );
  });

  it("a failed challenge costs −15 and reads as wrong on the wire", () => {
    const g = byNode(disputed(DELTA * 2.5, "challenge")).g;
    assert.deepEqual([g?.internalOutcome, g?.outcome, g?.reputationBps], ["failed_challenge", "wrong", 8_500]);
  });

  it("exactly 2δ is still inside the band; just beyond it is rejected; the band also doubles M", () => {
    assert.equal(disputed(DELTA * 2).task.status, "inconclusive");
    assert.equal(disputed(DELTA * 2.01).task.status, "rejected");
    // Three near-ties within δ: beyond M = 2, inside the band's 2M = 4.
    const threeFlips = judgeTask(
      snapshot(taskOf({ status: "disputed" }), [
        generator(),
        reported("v1", report(false, DELTA * 0.5, 3)),
        reported("ref", report(false, DELTA * 0.5, 3), { role: "dispute" }),
      ]),
      params(),
    );
    assert.equal(threeFlips.task.status, "inconclusive");
    assert.equal(byNode(threeFlips).v1?.strikes, 0);
    assert.equal(byNode(threeFlips).g?.strikes, 0);
  });

  it("no reference report: waits (drawing again) until the give-up time, then inconclusive and nobody struck", () => {
    const waiting = [
      generator(),
      reported("v1", report(true)),
      reported("v2", report(false)),
      assignment("ref", { role: "dispute" }),
    ];
    const early = judgeTask(snapshot(taskOf({ status: "disputed" }), waiting), params({ now: 9_999 }));
    assert.equal(early.final, false);
    assert.equal(early.task.status, "disputed");
    assert.equal(early.task.deadline, 1_500, "nobody else in the dispute tier now: tried again soon");
    const late = judgeTask(snapshot(taskOf({ status: "disputed" }), waiting), params({ now: 10_000 }));
    assert.equal(late.task.status, "inconclusive");
    assert.equal(byNode(late).g?.internalOutcome, "inconclusive");
    assert.equal(byNode(late).g?.strikes, 0, "the generator is not struck when nobody could decide");
    assert.deepEqual(late.ledger, []);
  });
});

describe("drawWeighted", () => {
  it("draws in proportion to weight over many draws", () => {
    const random = seeded(42);
    const candidates = [
      { item: "a", weight: 1, operator: "a" },
      { item: "b", weight: 2, operator: "b" },
      { item: "c", weight: 3, operator: "c" },
    ];
    const counts = { a: 0, b: 0, c: 0 };
    const draws = 30_000;
    for (let i = 0; i < draws; i++) {
      const [chosen] = drawWeighted(candidates, 1, random);
      counts[chosen as keyof typeof counts]++;
    }
    assert.ok(Math.abs(counts.a / draws - 1 / 6) < 0.015, JSON.stringify(counts));
    assert.ok(Math.abs(counts.b / draws - 2 / 6) < 0.015, JSON.stringify(counts));
    assert.ok(Math.abs(counts.c / draws - 3 / 6) < 0.015, JSON.stringify(counts));
  });

  it("draws distinct operators, never a weight of 0, and at most what was asked", () => {
    const random = seeded(7);
    const candidates = [
      { item: "a1", weight: 1, operator: "A" },
      { item: "a2", weight: 1, operator: "A" },
      { item: "b", weight: 1, operator: "B" },
      { item: "zero", weight: 0, operator: "Z" },
      { item: "nan", weight: Number.NaN, operator: "N" },
    ];
    for (let i = 0; i < 2_000; i++) {
      const chosen = drawWeighted(candidates, 3, random);
      assert.equal(chosen.length, 2, "two operators with weight: two nodes at most");
      assert.ok(chosen.includes("b"));
      assert.ok(!(chosen.includes("a1") && chosen.includes("a2")), "one operator's nodes never verify together");
      assert.ok(!chosen.includes("zero") && !chosen.includes("nan"));
    }
    assert.deepEqual(drawWeighted(candidates, 0, random), []);
    assert.deepEqual(drawWeighted([{ item: "zero", weight: 0, operator: "Z" }], 2, random), []);
    assert.equal(drawWeighted(candidates, 1, random).length, 1);
  });
});

describe("weight", () => {
  const policy: TrustPolicy = {
    tenureTasks: 20,
    tenureFloor: 0.1,
    bond: { required: false, minWei: 0n },
    trustedReputationBps: 9_000,
    verifiers: { trusted: 2, untrusted: 4 },
  };
  const bonded: TrustPolicy = { ...policy, bond: { required: true, minWei: 100n } };
  const node = (tasksValidated: number, reputationBps = 10_000) => ({ tasksValidated, reputationBps });

  it("tenure ramp: a new node starts at the floor and reaches 1 after tenureTasks validated tasks", () => {
    assert.equal(tenure(node(0), policy), 0.1);
    assert.equal(tenure(node(1), policy), 0.1, "below the floor it stays at the floor");
    assert.equal(tenure(node(10), policy), 0.5);
    assert.equal(tenure(node(19), policy), 0.95);
    assert.equal(tenure(node(20), policy), 1);
    assert.equal(tenure(node(500), policy), 1);
    assert.equal(tenure(node(0), { ...policy, tenureTasks: 0 }), 1, "no ramp");
    assert.equal(generatorWeight(node(0), policy), 0.1, "a newcomer gets work, less of it");
    assert.equal(generatorWeight(node(20, 5_000), policy), 0.5);
  });

  it("verifier weight: 0 before full tenure, 0 unbonded when bonds are required, up to 2× for a larger bond", () => {
    assert.equal(verifierWeight(node(19), 0n, policy), 0);
    assert.equal(verifierWeight(node(20), 0n, policy), 1);
    assert.equal(verifierWeight(node(20, 8_000), 0n, policy), 0.8);
    assert.equal(verifierWeight(node(20), 0n, bonded), 0, "unbonded: may not verify");
    assert.equal(verifierWeight(node(20), 99n, bonded), 0, "below the minimum bond");
    assert.equal(verifierWeight(node(20), 100n, bonded), 1);
    assert.equal(verifierWeight(node(20), 150n, bonded), 1.5);
    assert.equal(verifierWeight(node(20), 10_000n, bonded), 2, "capped at twice the minimum");
    assert.equal(bondFactor(0n, policy), 1, "no bonds required: every node weighs 1");
    assert.equal(bondFactor(1n, { ...policy, bond: { required: true, minWei: 0n } }), 1);
    assert.equal(bondFactor(0n, { ...policy, bond: { required: true, minWei: 0n } }), 0);
  });

  it("verifierCount: trusted generators get the trusted count, new, unbonded or low-reputation ones more", () => {
    assert.equal(verifierCount(node(20), 0n, policy), 2);
    assert.equal(verifierCount(node(20, 9_000), 0n, policy), 2);
    assert.equal(verifierCount(node(20, 8_999), 0n, policy), 4, "below the trusted reputation");
    assert.equal(verifierCount(node(5), 0n, policy), 4, "still on the tenure ramp");
    assert.equal(verifierCount(node(20), 0n, bonded), 4, "unbonded where bonds are required");
    assert.equal(verifierCount(node(20), 100n, bonded), 2);
  });
});

describe("alterClaim", () => {
  const rule = { nonTop1Share: 0.02, minNonTop1: 2 };
  const differences = (a: readonly number[], b: readonly number[]) => a.filter((id, i) => id !== b[i]).length;

  it("changes exactly M + 1 positions, to tokens of the claim itself", () => {
    for (const [length, seed] of [
      [10, 1],
      [50, 2],
      [200, 3],
      [1_000, 4],
    ] as const) {
      const claim = Array.from({ length }, (_, i) => 1_000 + ((i * 37) % 97));
      const altered = alterClaim(claim, seeded(seed), rule);
      assert.ok(altered, `length ${length}`);
      assert.equal(altered.length, claim.length);
      assert.equal(differences(altered, claim), allowedNonTop1(length, rule) + 1, `length ${length}`);
      const ids = new Set(claim);
      assert.ok(
        altered.every((id) => ids.has(id)),
        "replacements look like the model's own tokens",
      );
    }
    assert.equal(allowedNonTop1(1_000, rule), 20, "M grows with the claim: 2% of 1 000");
  });

  it("is null for a claim too short or too uniform to alter", () => {
    assert.equal(alterClaim([1, 2], seeded(1), rule), null, "needs M + 1 = 3 positions");
    assert.equal(alterClaim([7, 7, 7, 7, 7, 7], seeded(1), rule), null);
    assert.notEqual(alterClaim([1, 2, 3], seeded(1), rule), null);
  });
});
