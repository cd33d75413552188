import { describe, expect, it } from "vitest";
import { pollInterval, queryKeys } from "../src/hooks/data.ts";
import { activityRate, bucketize, mergeActivity, trim, utilization } from "../src/lib/activity.ts";
import { FIRST_PAGE, rowsToFetch, visiblePage } from "../src/lib/paging.ts";
import type { NodeProfile } from "../src/lib/sdk.ts";
import { applyVerdict } from "../src/live.tsx";

describe("activity series", () => {
  it("buckets verdicts into fixed windows ending now", () => {
    const now = 100_000;
    const points = [
      { at: 95_000, weight: 1, ok: true },
      { at: 99_000, weight: 2, ok: false },
      { at: 81_000, weight: 1, ok: true },
      { at: 10_000, weight: 1, ok: true },
      { at: 120_000, weight: 1, ok: true },
    ];
    const buckets = bucketize(points, now, 10_000, 3);
    expect(buckets.map((b) => b.tasks)).toEqual([0, 1, 2]);
    expect(buckets[2]).toMatchObject({ weight: 3, failed: 1 });
  });
  it("measures a rate as a count and the span it covers (at least a minute)", () => {
    expect(activityRate([], 0)).toEqual({ count: 0, spanMs: 0 });
    const now = 3_600_000;
    const points = Array.from({ length: 10 }, (_, i) => ({ at: now - i * 6_000, weight: 1, ok: true }));
    expect(activityRate(points, now)).toEqual({ count: 10, spanMs: 60_000 });
    expect(activityRate([{ at: now - 1_200_000, weight: 1, ok: true }], now)).toEqual({ count: 1, spanMs: 1_200_000 });
    expect(activityRate([{ at: now - 7_200_000, weight: 1, ok: true }], now)).toEqual({ count: 0, spanMs: 0 });
  });
  it("merges the relayer's final tasks with pushed verdicts, one point per task, oldest first", () => {
    const history = [
      { id: "a", status: "validated", judgedAt: 1_000 },
      { id: "b", status: "rejected", judgedAt: 2_000 },
      { id: "c", status: "validated", judgedAt: null },
    ];
    const verdicts = [
      { taskId: "b", outcome: "correct", receivedAt: 2_100 },
      { taskId: "d", outcome: "wrong", receivedAt: 500 },
    ];
    expect(mergeActivity(history, verdicts)).toEqual([
      { at: 500, weight: 1, ok: false },
      { at: 1_000, weight: 1, ok: true },
      { at: 2_100, weight: 1, ok: true },
    ]);
  });
  it("pages a growing list: one row more than shown tells whether more exist", () => {
    expect(rowsToFetch(FIRST_PAGE)).toBe(FIRST_PAGE + 1);
    const rows = [1, 2, 3, 4, 5, 6];
    expect(visiblePage(rows, 5)).toEqual({ rows: [1, 2, 3, 4, 5], more: true });
    expect(visiblePage(rows, 15)).toEqual({ rows, more: false });
    expect(visiblePage(undefined, 5)).toEqual({ rows: [], more: false });
  });
  it("utilization of the daily limit, clamped", () => {
    expect(utilization(1_800, 3_600)).toBe(0.5);
    expect(utilization(9_999, 3_600)).toBe(1);
    expect(utilization(5, 0)).toBe(0);
  });
  it("trims to the newest points", () => {
    expect(trim([1, 2, 3, 4], 2)).toEqual([3, 4]);
    expect(trim([1], 2)).toEqual([1]);
  });
});

describe("live profile updates", () => {
  const profile: NodeProfile = {
    address: "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
    connected: true,
    confirmedWei: 100n,
    claimedWei: null,
    reputationBps: 9_000,
    strikes: 0,
    activeStrikes: 0,
    banned: false,
    bannedUntil: null,
    tasksValidated: 4,
    tasksFailed: 0,
    gpuSecondsToday: 1,
    tasksLastHour: 4,
    country: "DE",
    passive: { intervalSeconds: 300, nextAt: null, lastAt: null },
    challenges: { passed: 0, failed: 0 },
  };
  const verdict = {
    type: "verdict" as const,
    taskId: "t",
    node: profile.address,
    rewardWei: 25n,
    strikes: 0,
    bannedUntil: null,
    receivedAt: 0,
  };
  it("a correct verdict counts a validated task and its reward at once", () => {
    const next = applyVerdict(profile, { ...verdict, outcome: "correct", reputationBps: 9_200 });
    expect(next).toMatchObject({ tasksValidated: 5, tasksFailed: 0, confirmedWei: 125n, reputationBps: 9_200 });
  });
  it("a wrong verdict counts a failure, a strike and a ban", () => {
    const next = applyVerdict(profile, {
      ...verdict,
      outcome: "wrong",
      rewardWei: 0n,
      reputationBps: 8_500,
      strikes: 3,
      bannedUntil: 42,
    });
    expect(next).toMatchObject({ tasksValidated: 4, tasksFailed: 1, strikes: 3, banned: true, bannedUntil: 42 });
  });
});

describe("data hooks' polling", () => {
  it("polls slowly while live and every 5 s as the fallback", () => {
    expect(pollInterval(true, 30_000)).toBe(30_000);
    expect(pollInterval(true, false)).toBe(false);
    expect(pollInterval(false, 30_000)).toBe(5_000);
    expect(pollInterval(false, 30_000, 2_000)).toBe(2_000);
  });
  it("keys queries by what they read", () => {
    expect(queryKeys.profile("0x1" as `0x${string}`)).toEqual(["profile", "0x1"]);
    expect(queryKeys.tasks(undefined, "validated")).toEqual(["tasks", null, "validated"]);
  });
});
