import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Address, Hex } from "viem";
import {
  applyOutcome,
  BAN_DURATION_MS,
  banUntil,
  INITIAL_REPUTATION_BPS,
  isBanned,
  liftBan,
  type ReputationState,
} from "../../src/economics/reputation.ts";
import { potentialReward, taskReward } from "../../src/economics/rewards.ts";
import type { AssignmentRecord, NodeRecord, TaskRecord } from "../../src/store/types.ts";
import { weightedConsensus } from "../../src/verification/consensus.ts";
import { judgeTask, paidTokenCount } from "../../src/verification/judge-task.ts";

const fresh = (): ReputationState => ({
  reputationBps: INITIAL_REPUTATION_BPS,
  strikes: 0,
  activeStrikes: 0,
  tasksValidated: 0,
  tasksFailed: 0,
  bannedUntil: null,
});

describe("reputation", () => {
  it("applies +2 / −5 / −5 / −15 points and strikes, bounded to [0, 100]", () => {
    const start = { ...fresh(), reputationBps: 5_000 };
    assert.equal(applyOutcome(start, "correct", 0).reputationBps, 5_200);
    assert.equal(applyOutcome(fresh(), "correct", 0).reputationBps, 10_000, "capped at 100%");
    const wrong = applyOutcome(start, "wrong", 0);
    assert.deepEqual([wrong.reputationBps, wrong.strikes, wrong.tasksFailed], [4_500, 1, 1]);
    assert.equal(applyOutcome(start, "timeout", 0).reputationBps, 4_500);
    const failed = applyOutcome(start, "failed_challenge", 0);
    assert.deepEqual([failed.reputationBps, failed.strikes], [3_500, 1]);
    assert.equal(
      applyOutcome({ ...start, reputationBps: 1_000 }, "failed_challenge", 0).reputationBps,
      0,
      "floored at 0",
    );
    assert.equal(applyOutcome(start, "inconclusive", 0).reputationBps, 5_000);
  });

  it("bans for 24 h on the third strike and starts a fresh count", () => {
    let state = fresh();
    state = applyOutcome(state, "wrong", 1_000);
    state = applyOutcome(state, "timeout", 2_000);
    assert.equal(isBanned(state, 2_000), false);
    state = applyOutcome(state, "wrong", 3_000);
    assert.equal(state.bannedUntil, 3_000 + BAN_DURATION_MS);
    assert.equal(state.activeStrikes, 0);
    assert.equal(state.strikes, 3);
    assert.equal(isBanned(state, 3_000 + BAN_DURATION_MS - 1), true);
    assert.equal(isBanned(state, 3_000 + BAN_DURATION_MS), false);
  });

  it("an operator's ban keeps the record; lifting it clears the strikes counted towards the next ban", () => {
    const struck = applyOutcome(applyOutcome(fresh(), "wrong", 1_000), "timeout", 2_000);
    const banned = banUntil(struck, 10_000);
    assert.equal(isBanned(banned, 9_999), true);
    assert.deepEqual([banned.reputationBps, banned.strikes, banned.activeStrikes], [9_000, 2, 2]);
    assert.throws(() => banUntil(struck, Number.NaN), RangeError);
    const lifted = liftBan(banned);
    assert.equal(isBanned(lifted, 9_999), false);
    assert.deepEqual([lifted.reputationBps, lifted.strikes, lifted.activeStrikes], [9_000, 2, 0]);
  });
});

describe("rewards", () => {
  it("splits 75/25 in integer wei, network takes the remainder, +10% bonus above 70%", () => {
    const r = taskReward(3, 333n, 7_001);
    assert.equal(r.gross, 999n);
    assert.equal(r.node, 749n);
    assert.equal(r.network, 250n);
    assert.equal(r.node + r.network, r.gross);
    assert.equal(r.bonus, 74n);
    assert.equal(taskReward(3, 333n, 7_000).bonus, 0n, "exactly 70% earns no bonus");
    assert.equal(potentialReward(4, 100n), 300n);
  });
});

describe("weighted consensus", () => {
  const h = (n: number) => `0x${n.toString(16).padStart(64, "0")}` as Hex;
  it("needs ≥ 66% of all assigned weight, silent nodes included", () => {
    assert.equal(
      weightedConsensus(
        [
          { node: "a", outputHash: h(1), weight: 10_000 },
          { node: "b", outputHash: h(1), weight: 10_000 },
          { node: "c", outputHash: h(2), weight: 10_000 },
        ],
        6_600,
      ).kind,
      "agreed",
    );
    const split = weightedConsensus(
      [
        { node: "a", outputHash: h(1), weight: 10_000 },
        { node: "b", outputHash: h(1), weight: 10_000 },
        { node: "c", outputHash: null, weight: 10_000 },
        { node: "d", outputHash: h(2), weight: 10_000 },
      ],
      6_600,
    );
    assert.equal(split.kind, "no_quorum");
    const weighted = weightedConsensus(
      [
        { node: "a", outputHash: h(1), weight: 10_000 },
        { node: "b", outputHash: h(2), weight: 2_000 },
        { node: "c", outputHash: h(2), weight: 2_000 },
      ],
      6_600,
    );
    assert.equal(weighted.kind, "agreed");
    assert.equal(weighted.kind === "agreed" && weighted.outputHash, h(1));
  });
});

describe("judgeTask", () => {
  const node = (address: string, reputationBps = 10_000): NodeRecord => ({
    address: address as Address,
    operator: address,
    country: null,
    reputationBps,
    strikes: 0,
    activeStrikes: 0,
    tasksValidated: 0,
    tasksFailed: 0,
    bannedUntil: null,
    confirmedWei: 0n,
    createdAt: 0,
    lastSeenAt: 0,
  });
  const task: TaskRecord = {
    id: "t1",
    kind: "job",
    status: "assigned",
    model: "m",
    input: "x",
    maxTokens: 16,
    seed: 0,
    expectedHash: null,
    challengeId: null,
    redundancy: 3,
    createdAt: 0,
    assignedAt: 0,
    deadline: 10,
    outputHash: null,
    tokensGenerated: null,
    judgedAt: null,
    epoch: null,
  };
  const assignment = (n: string, hash: Hex | null, tokens = 10): AssignmentRecord => ({
    taskId: "t1",
    node: n as Address,
    status: hash ? "submitted" : "assigned",
    outputHash: hash,
    tokensGenerated: hash ? tokens : null,
    queueMs: 0,
    inferenceMs: 0,
    assignedAt: 0,
    submittedAt: hash ? 1 : null,
    rewardWei: 0n,
  });
  const good = `0x${"11".repeat(32)}` as Hex;
  const bad = `0x${"22".repeat(32)}` as Hex;

  it("pays the agreeing nodes, strikes the liar and the silent, and balances the ledger", () => {
    const nodes = new Map([
      ["a", node("a")],
      ["b", node("b", 6_000)],
      ["c", node("c", 2_000)],
      ["d", node("d", 2_000)],
    ]);
    const decision = judgeTask(
      {
        task: { ...task, redundancy: 4 },
        assignments: [assignment("a", good), assignment("b", good, 99), assignment("c", bad), assignment("d", null)],
        nodes,
        openEpoch: 7,
      },
      { quorumBps: 5_100, ratePerTokenWei: 1_000n, now: 5 },
    );
    assert.equal(decision.task.status, "validated");
    assert.equal(decision.task.tokensGenerated, 10, "the count of the most agreeing weight is paid, not b's 99");
    const outcome = Object.fromEntries(decision.verdicts.map((v) => [v.node, v.internalOutcome]));
    assert.deepEqual(outcome, { a: "correct", b: "correct", c: "wrong", d: "timeout" });
    const reward = Object.fromEntries(decision.verdicts.map((v) => [v.node, v.rewardWei]));
    assert.equal(reward.a, 7_500n + 750n, "75% plus 10% bonus above 70% reputation");
    assert.equal(reward.b, 7_500n, "no bonus at 60%");
    const total = decision.ledger.reduce((sum, e) => sum + e.amountWei, 0n);
    assert.equal(total, 2n * 10_000n + 750n);
    assert.ok(decision.ledger.every((e) => e.epoch === 7));
  });

  it("pays the count the most agreeing weight reported, never above maxTokens: one node can neither zero nor inflate it", () => {
    const nodes = new Map([
      ["a", node("a")],
      ["b", node("b")],
      ["c", node("c")],
    ]);
    const judge = (tokens: [number, number, number]) =>
      judgeTask(
        {
          task,
          assignments: [
            assignment("a", good, tokens[0]),
            assignment("b", good, tokens[1]),
            assignment("c", good, tokens[2]),
          ],
          nodes,
          openEpoch: 1,
        },
        { quorumBps: 6_600, ratePerTokenWei: 1_000n, now: 5 },
      );
    assert.equal(judge([12, 12, 0]).task.tokensGenerated, 12, "an agreeing node reporting 0 does not zero the pay");
    assert.equal(judge([12, 12, 1_000_000]).task.tokensGenerated, 12, "nor does one reporting a million raise it");
    const inflated = judge([1_000_000, 1_000_000, 1_000_000]);
    assert.equal(inflated.task.tokensGenerated, 16, "three agreeing wallets are paid for maxTokens at most");
    assert.ok(inflated.verdicts.every((v) => v.rewardWei === (16_000n * 75n) / 100n + (16_000n * 75n) / 1_000n));
  });

  it("paidTokenCount: the heaviest count wins, a tie goes to the smaller, negative or fractional counts are clamped", () => {
    assert.equal(
      paidTokenCount(
        [
          { tokens: 5, weight: 3 },
          { tokens: 7, weight: 2 },
          { tokens: 7, weight: 2 },
        ],
        10,
      ),
      7,
    );
    assert.equal(
      paidTokenCount(
        [
          { tokens: 5, weight: 2 },
          { tokens: 7, weight: 2 },
        ],
        10,
      ),
      5,
    );
    assert.equal(paidTokenCount([{ tokens: -3, weight: 1 }], 10), 0);
    assert.equal(paidTokenCount([{ tokens: 4.9, weight: 1 }], 10), 4);
    assert.equal(paidTokenCount([{ tokens: 50, weight: 1 }], 10), 10);
    assert.equal(paidTokenCount([], 10), 0);
  });

  it("judges known-answer challenges against the known answer, −15 for a wrong one", () => {
    const decision = judgeTask(
      {
        task: { ...task, kind: "challenge", expectedHash: good },
        assignments: [assignment("a", good), assignment("b", bad), assignment("c", bad)],
        nodes: new Map([
          ["a", node("a")],
          ["b", node("b")],
          ["c", node("c")],
        ]),
        openEpoch: 1,
      },
      { quorumBps: 6_600, ratePerTokenWei: 1n, now: 5 },
    );
    const byNode = Object.fromEntries(decision.verdicts.map((v) => [v.node, v]));
    assert.equal(byNode.a?.internalOutcome, "correct");
    assert.equal(byNode.b?.internalOutcome, "failed_challenge");
    assert.equal(byNode.b?.outcome, "wrong", "on the wire a challenge looks like any task");
    assert.equal(byNode.b?.reputationBps, 8_500);
  });
});
