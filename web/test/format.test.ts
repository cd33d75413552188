import { describe, expect, it } from "vitest";
import {
  formatAgo,
  formatBps,
  formatBytes,
  formatCount,
  formatCountdown,
  formatGbt,
  formatSeconds,
  greeting,
  rewardSplit,
  shortAddress,
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
