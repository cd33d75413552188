import { describe, expect, it } from "vitest";
import { countryLabel, countryName } from "../src/lib/countries.ts";
import {
  formatAgo,
  formatBps,
  formatBytes,
  formatCount,
  formatCountdown,
  formatGbt,
  formatGbtAmount,
  formatMs,
  formatRate,
  formatSeconds,
  formatShare,
  formatTasks,
  greeting,
  rewardSplit,
  shortAddress,
  shortTaskId,
  toWei,
} from "../src/lib/format.ts";

describe("formatGbt", () => {
  it("formats wei with separators and rounds down", () => {
    expect(formatGbt(1234567890000000000000n)).toBe("1,234.5678");
    expect(formatGbt("1999999999999999999")).toBe("1.9999");
    expect(formatGbt(10n ** 18n)).toBe("1");
    expect(formatGbt(0n)).toBe("0");
    expect(formatGbt(1_500_000_000_000_000_000_000_000n, 2)).toBe("1,500,000");
  });
  it("shows tiny non-zero amounts as below the smallest digit", () => {
    expect(formatGbt(1n)).toBe("< 0.0001");
    expect(formatGbt(-1n)).toBe("> -0.0001");
    expect(formatGbt((-(10n ** 18n) * 3n) / 2n)).toBe("-1.5");
  });
  it("accepts decimal strings and treats junk as zero", () => {
    expect(toWei("42")).toBe(42n);
    expect(toWei("4.2")).toBe(0n);
    expect(toWei(null)).toBe(0n);
    expect(toWei(7)).toBe(7n);
    expect(formatGbt(undefined)).toBe("0");
  });
});

describe("other formatters", () => {
  it("basis points", () => {
    expect(formatBps(10_000)).toBe("100%");
    expect(formatBps(9_850)).toBe("98.5%");
    expect(formatBps(0)).toBe("0%");
  });
  it("counts", () => {
    expect(formatCount(12345)).toBe("12,345");
    expect(formatCount(1234567n)).toBe("1,234,567");
    expect(formatCount(null)).toBe("0");
    expect(formatCount("77")).toBe("77");
  });
  it("durations and countdowns", () => {
    expect(formatSeconds(3.21)).toBe("3.2 s");
    expect(formatSeconds(42)).toBe("42 s");
    expect(formatSeconds(245)).toBe("4m 05s");
    expect(formatSeconds(3_720)).toBe("1h 02m");
    expect(formatSeconds(-1)).toBe("—");
    expect(formatCountdown(86_400_000, 0)).toBe("24h 00m 00s");
    expect(formatCountdown(61_000, 0)).toBe("1m 01s");
    expect(formatCountdown(0, 5_000)).toBe("0s");
  });
  it("relative times", () => {
    expect(formatAgo(1_000, 2_000)).toBe("just now");
    expect(formatAgo(0, 42_000)).toBe("42 s ago");
    expect(formatAgo(0, 5 * 60_000)).toBe("5 min ago");
    expect(formatAgo(0, 3 * 3_600_000)).toBe("3 h ago");
    expect(formatAgo(0, 2 * 86_400_000)).toBe("2 d ago");
  });
  it("addresses, bytes, greetings", () => {
    expect(shortAddress("0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc")).toBe("0x9965…A4dc");
    expect(shortAddress(undefined)).toBe("");
    expect(formatBytes(290e6)).toBe("290 MB");
    expect(formatBytes(1.2e9)).toBe("1.2 GB");
    expect(formatBytes(2_000)).toBe("2 KB");
    expect(greeting(3)).toBe("Good night");
    expect(greeting(9)).toBe("Good morning");
    expect(greeting(14)).toBe("Good afternoon");
    expect(greeting(20)).toBe("Good evening");
  });
});

describe("units, one helper per kind", () => {
  it("task ids show their random tail, not the shared timestamp prefix", () => {
    // Two ids made in the same second (relayer newTaskId: 12 hex digits of time, then 12 random).
    const a = "0190a2306f3c9b1e44d07a21";
    const b = "0190a2306f3c5f08aa9c13e7";
    expect(shortTaskId(a)).toBe("44d07a21");
    expect(shortTaskId(b)).toBe("aa9c13e7");
    expect(shortTaskId(a)).not.toBe(shortTaskId(b));
    expect(shortTaskId("t1")).toBe("t1");
    expect(shortTaskId(undefined)).toBe("");
  });
  it("writes the unit with the value", () => {
    expect(formatGbtAmount(15n * 10n ** 17n)).toBe("1.5 GBT");
    expect(formatTasks(1)).toBe("1 task");
    expect(formatTasks(1320)).toBe("1,320 tasks");
    expect(formatMs(41.6)).toBe("42 ms");
    expect(formatShare(0)).toBe("0%");
    expect(formatShare(0.0001)).toBe("< 1%");
    expect(formatShare(0.37)).toBe("37%");
    expect(formatShare(2)).toBe("100%");
  });
  it("shows an hourly rate only over ten minutes or more, else the count and its window", () => {
    expect(formatRate({ count: 0, spanMs: 0 })).toBe("0 tasks/h");
    expect(formatRate({ count: 22, spanMs: 60_000 })).toBe("22 tasks in the last 1 min");
    expect(formatRate({ count: 22, spanMs: 150_000 })).toBe("22 tasks in the last 3 min");
    expect(formatRate({ count: 50, spanMs: 1_800_000 })).toBe("100 tasks/h");
  });
  it("names the no-country bucket unknown", () => {
    expect(countryName("XX")).toBe("unknown");
    expect(countryLabel("XX")).toBe("unknown");
    expect(countryLabel("DE")).toBe("Germany (DE)");
    expect(countryLabel("ZZ")).toBe("ZZ");
  });
});

describe("rewardSplit", () => {
  it("splits 75/25 and adds the 10% bonus above 70% reputation, like the relayer", () => {
    expect(rewardSplit(10n ** 18n, 10_000)).toEqual({
      node: 750_000_000_000_000_000n,
      network: 250_000_000_000_000_000n,
      bonus: 75_000_000_000_000_000n,
      total: 825_000_000_000_000_000n,
    });
    expect(rewardSplit(10n ** 18n, 7_000).bonus).toBe(0n);
    const odd = rewardSplit(3n, 10_000);
    expect(odd.node + odd.network).toBe(3n);
  });
});
