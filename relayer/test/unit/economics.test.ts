import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  activeStrikeTimes,
  applyOutcome,
  BAN_DURATION_MS,
  banUntil,
  DEFAULT_STRIKE_WINDOW_MS,
  INITIAL_REPUTATION_BPS,
  isBanned,
  liftBan,
  type ReputationState,
} from "../../src/economics/reputation.ts";
import { taskReward } from "../../src/economics/rewards.ts";

const fresh = (): ReputationState => ({
  reputationBps: INITIAL_REPUTATION_BPS,
  strikes: 0,
  activeStrikes: 0,
  tasksValidated: 0,
  tasksFailed: 0,
  bannedUntil: null,
  strikeTimes: [],
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
    assert.deepEqual(state.strikeTimes, [], "a fresh count after the ban");
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

describe("strike expiry", () => {
  const policy = { windowMs: 10_000 };

  it("a strike older than the window no longer counts towards a ban", () => {
    let state = applyOutcome(fresh(), "wrong", 1_000, policy);
    state = applyOutcome(state, "timeout", 5_000, policy);
    assert.deepEqual(state.strikeTimes, [1_000, 5_000]);
    assert.equal(state.activeStrikes, 2);
    // 11 500: the strike at 1 000 is 10 500 ms old, past the window; the third strike is only the second active one.
    state = applyOutcome(state, "wrong", 11_500, policy);
    assert.equal(state.bannedUntil, null, "not banned: one of the three strikes expired");
    assert.deepEqual(state.strikeTimes, [5_000, 11_500]);
    assert.equal(state.activeStrikes, 2);
    assert.equal(state.strikes, 3, "every strike ever still counts in the record");
    assert.equal(state.tasksFailed, 3);
    // The next one within the window is the third active strike: banned.
    state = applyOutcome(state, "timeout", 12_000, policy);
    assert.equal(state.bannedUntil, 12_000 + BAN_DURATION_MS);
  });

  it("three strikes within the window ban", () => {
    let state = fresh();
    for (const at of [1_000, 6_000]) state = applyOutcome(state, "wrong", at, policy);
    assert.equal(isBanned(state, 6_000), false);
    state = applyOutcome(state, "failed_challenge", 10_999, policy); // the first is 9 999 ms old: still active
    assert.equal(state.bannedUntil, 10_999 + BAN_DURATION_MS);
    assert.equal(isBanned(state, 11_000), true);
  });

  it("a strike exactly one window old has expired, and any outcome drops expired strikes from the count", () => {
    const struck = applyOutcome(applyOutcome(fresh(), "wrong", 0, policy), "wrong", 1, policy);
    const later = applyOutcome(struck, "wrong", 10_000, policy);
    assert.equal(later.bannedUntil, null, "the strike at 0 is exactly 10 000 ms old at 10 000");
    assert.deepEqual(later.strikeTimes, [1, 10_000]);
    const quiet = applyOutcome(struck, "correct", 20_000, policy);
    assert.deepEqual([quiet.activeStrikes, quiet.strikeTimes, quiet.strikes], [0, [], 2]);
    assert.deepEqual(activeStrikeTimes(struck, 10_001, policy), []);
    assert.deepEqual(activeStrikeTimes(struck, 10_000, policy), [1]);
  });

  it("the default window is 7 days", () => {
    assert.equal(DEFAULT_STRIKE_WINDOW_MS, 7 * 24 * 3_600_000);
    let state = applyOutcome(fresh(), "wrong", 0);
    state = applyOutcome(state, "wrong", 1);
    const sixDays = applyOutcome(state, "wrong", 6 * 24 * 3_600_000);
    assert.notEqual(sixDays.bannedUntil, null, "within 7 days: banned");
    const eightDays = applyOutcome(state, "wrong", 8 * 24 * 3_600_000);
    assert.equal(eightDays.bannedUntil, null, "after 7 days the first two have expired");
    assert.equal(eightDays.activeStrikes, 1);
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
    assert.equal(taskReward(0, 333n, 10_000).gross, 0n, "nothing confirmed, nothing paid");
  });
});
