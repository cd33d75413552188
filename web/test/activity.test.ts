import { describe, expect, it } from "vitest";
import { pollInterval, queryKeys } from "../src/hooks/data.ts";
import { bucketize, tasksPerHour, trim, utilization } from "../src/lib/activity.ts";
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
  it("tasks per hour over at least a minute", () => {
    expect(tasksPerHour([], 0)).toBe(0);
    const now = 3_600_000;
    const points = Array.from({ length: 10 }, (_, i) => ({ at: now - i * 6_000, weight: 1, ok: true }));
    expect(tasksPerHour(points, now)).toBe(600);
    expect(tasksPerHour([{ at: now, weight: 1, ok: true }], now)).toBe(60);
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
