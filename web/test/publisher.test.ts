import { describe, expect, it } from "vitest";
import { dayKey, earningsByDay, tallestDay, totalsByPlacement } from "../src/publisher/earnings-series.ts";
import { iframeSnippet, widgetSnippet } from "../src/publisher/snippet.ts";

describe("the placement's snippet", () => {
  it("points the script tag and the iframe at the dApp's origin with the placement id", () => {
    expect(widgetSnippet("https://app.gitblock.network", "pl-1")).toBe(
      '<script src="https://app.gitblock.network/widget.js" data-placement="pl-1" async></script>',
    );
    expect(iframeSnippet("https://app.gitblock.network", "a b")).toContain(
      'src="https://app.gitblock.network/embed.html?placement=a%20b"',
    );
  });

  it("cannot be broken out of by an odd placement id", () => {
    expect(widgetSnippet("https://x", '"><script>')).toBe(
      '<script src="https://x/widget.js" data-placement="&quot;>&lt;script>" async></script>',
    );
  });
});

describe("the earnings chart", () => {
  const now = Date.parse("2026-12-02T05:00:00Z");
  const rows = [
    { placementId: "a", day: "2026-12-02", wei: "5" },
    { placementId: "b", day: "2026-12-02", wei: "7" },
    { placementId: "a", day: "2026-11-30", wei: "100000000000000000000" },
    { placementId: "a", day: "2026-01-01", wei: "9" },
  ];

  it("has one bar per day, gaps as zero, stacked by placement, older days left out", () => {
    const bars = earningsByDay(rows, now, 3);
    expect(bars.map((b) => b.day)).toEqual(["2026-11-30", "2026-12-01", "2026-12-02"]);
    expect(bars.map((b) => b.totalWei)).toEqual([100000000000000000000n, 0n, 12n]);
    expect(bars[2]?.byPlacement).toEqual({ a: 5n, b: 7n });
    expect(tallestDay(bars)).toBe(100000000000000000000n);
    expect(tallestDay(earningsByDay([], now, 3))).toBe(1n);
    expect(dayKey(now)).toBe("2026-12-02");
  });

  it("totals each placement over every day", () => {
    expect(totalsByPlacement(rows)).toEqual(
      new Map([
        ["a", 100000000000000000014n],
        ["b", 7n],
      ]),
    );
  });
});
