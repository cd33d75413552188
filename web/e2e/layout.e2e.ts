/**
 * Every page's layout in headless Chromium, with live data from a real local network (one harness start): at
 * 390×844 nothing is wider than the phone (the document does not scroll sideways and no element's right edge
 * passes the viewport), every navigation tab is whole and on screen, and nothing overlaps the navigation; and a
 * screenshot of every page at 1440×900 and 390×844, before and after the wallet connects, saved under
 * web/test-results/screenshots/ (`layout-<page>-<desktop|phone>-<before|after>.png`).
 */
import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import { connectWallet, type Harness, runTask, screenshot, startHarness } from "./harness.ts";

const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };

/** What shows that a page is filled with live data (null: its heading is enough). */
const PAGES: Array<{ route: string; name: string; ready: (connected: boolean) => string | null }> = [
  { route: "", name: "dashboard", ready: (connected) => (connected ? "tasks-completed" : "net-tasks") },
  { route: "mine", name: "mining", ready: () => null },
  { route: "wallet", name: "wallet", ready: (connected) => (connected ? "epoch-table" : null) },
  { route: "reputation", name: "reputation", ready: (connected) => (connected ? "reputation-score" : null) },
  { route: "tasks", name: "tasks", ready: () => "task-table" },
  { route: "network", name: "network", ready: () => "country-table" },
  { route: "chat", name: "chat", ready: () => null },
  { route: "guide", name: "guide", ready: () => null },
];

/** Elements past the right edge of the viewport, and the document's sideways overflow. */
async function overflow(page: Page) {
  return page.evaluate(() => {
    const limit = window.innerWidth + 1;
    const wide = [...document.querySelectorAll("body *")]
      .filter((e) => {
        const box = e.getBoundingClientRect();
        return box.width > 0 && box.height > 0 && box.right > limit;
      })
      .slice(0, 5)
      .map(
        (e) =>
          `${e.tagName.toLowerCase()}.${String(e.className)} (right ${Math.round(e.getBoundingClientRect().right)})`,
      );
    return { scroll: document.documentElement.scrollWidth - window.innerWidth, wide };
  });
}

/** Tabs not wholly inside the navigation or the viewport, and elements outside the navigation that overlap it. */
async function navProblems(page: Page) {
  return page.evaluate(() => {
    const nav = document.querySelector(".sidebar nav");
    if (!nav) return { clipped: ["no navigation"], overlapping: [] };
    const area = nav.getBoundingClientRect();
    const clipped = [...nav.querySelectorAll("a")]
      .filter((a) => {
        const box = a.getBoundingClientRect();
        return (
          box.left < Math.max(0, area.left) - 1 ||
          box.right > Math.min(window.innerWidth, area.right) + 1 ||
          box.top < area.top - 1 ||
          box.bottom > area.bottom + 1 ||
          a.scrollWidth > a.clientWidth + 1
        );
      })
      .map((a) => a.textContent ?? "");
    const overlapping = [...document.querySelectorAll(".topbar, .topbar *, main, main *, .banner")]
      .filter((e) => {
        const box = e.getBoundingClientRect();
        if (box.width === 0 || box.height === 0) return false;
        return box.left < area.right && box.right > area.left && box.top < area.bottom && box.bottom > area.top;
      })
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}.${String(e.className)}`);
    return { clipped, overlapping };
  });
}

describe("every page on a desktop and a phone, before and after connecting", { timeout: 300_000 }, () => {
  let h: Harness;
  const shots: string[] = [];
  before(async () => {
    h = await startHarness({ countries: ["DE", "US"] });
  });
  after(async () => {
    await h?.stop();
  });

  async function visit(name: string, route: string, readyTestId: string | null, shot: string) {
    await h.page.goto(`${h.webUrl}/#/${route}`);
    await h.page.getByRole("heading", { level: 1 }).waitFor();
    if (readyTestId) await h.page.getByTestId(readyTestId).first().waitFor({ timeout: 20_000 });
    // Data arrives after the first paint: wait until the layout it settles on fits (a deadline, not a sleep);
    // the assertions below report whatever is still too wide.
    await h.page
      .waitForFunction(() => document.documentElement.scrollWidth - window.innerWidth <= 1, null, { timeout: 5_000 })
      .catch(() => {});
    shots.push(await screenshot(h.page, `layout-${name}-${shot}`));
  }

  async function everyPage(when: "before" | "after") {
    const connected = when === "after";
    for (const size of ["desktop", "phone"] as const) {
      await h.page.setViewportSize(size === "desktop" ? DESKTOP : PHONE);
      for (const { route, name, ready } of PAGES) {
        await visit(name, route, ready(connected), `${size}-${when}`);
        if (size !== "phone") continue;
        const wide = await overflow(h.page);
        assert.ok(
          wide.scroll <= 1 && wide.wide.length === 0,
          `#/${route} (${when}) is ${wide.scroll}px wider than the phone: ${wide.wide.join(", ")}`,
        );
        const nav = await navProblems(h.page);
        assert.deepEqual(nav.clipped, [], `#/${route} (${when}): clipped tabs`);
        assert.deepEqual(nav.overlapping, [], `#/${route} (${when}): elements over the navigation`);
      }
    }
  }

  it("runs work through the fleet so every page has live data", async () => {
    // The lie first: a node proven wrong has its validated tasks of the epoch revoked, so honest work comes after.
    await runTask(h, 100, h.nodes[2]);
    for (let i = 1; i <= 5; i++) await runTask(h, 100 + i);
    await h.page.goto(`${h.webUrl}/#/tasks`);
    await h.page
      .getByTestId("task-table")
      .locator(".tag", { hasText: "validated" })
      .first()
      .waitFor({ timeout: 15_000 });
  });

  it("lays every page out before the wallet connects", async () => {
    await everyPage("before");
  });

  it("lays every page out after the wallet connects, with a final epoch to claim", async () => {
    await h.page.setViewportSize(DESKTOP);
    await h.page.goto(`${h.webUrl}/#/`);
    await connectWallet(h.page);
    await h.page
      .getByTestId("tasks-completed")
      .filter({ hasText: /^[1-9]/ })
      .waitFor({ timeout: 15_000 });
    await h.relayer.relayer.settler.close();
    const [settled] = await h.relayer.relayer.settler.advance();
    assert.equal(settled?.status, "final");
    await everyPage("after");
  });

  it("shows a phone's tables as lists and addresses shortened", async () => {
    await h.page.setViewportSize(PHONE);
    await h.page.goto(`${h.webUrl}/#/tasks`);
    const table = h.page.getByTestId("task-table");
    await table.waitFor({ timeout: 10_000 });
    assert.equal(await table.locator("thead").isVisible(), false, "no header row: each task is a card");
    const idHeights = await table
      .locator("tbody td[data-label='Task'] code")
      .evaluateAll((codes) =>
        codes.map((c) => c.getBoundingClientRect().height / Number.parseFloat(getComputedStyle(c).lineHeight || "20")),
      );
    assert.ok(idHeights.length > 0);
    assert.ok(
      idHeights.every((lines) => lines < 1.6),
      `task ids on one line: ${idHeights.join(", ")}`,
    );
    const ids = await table.locator("tbody td[data-label='Task'] code").allTextContents();
    assert.equal(new Set(ids).size, ids.length, `every task id shown is different: ${ids.join(", ")}`);
    await h.page.goto(`${h.webUrl}/#/`);
    const address = h.page.locator(".kv .address code").first();
    await address.waitFor({ timeout: 10_000 });
    assert.match((await address.textContent()) ?? "", /^0x[0-9a-fA-F]{4}…[0-9a-fA-F]{4}$/);
  });

  it("saved every screenshot, each a real picture", () => {
    assert.equal(shots.length, PAGES.length * 2 * 2);
    for (const file of shots) {
      const bytes = statSync(file).size;
      assert.ok(bytes > 10_000, `${file} is only ${bytes} bytes`);
    }
  });

  it("logged no console errors and no failed requests", () => {
    assert.deepEqual(h.consoleErrors, []);
  });
});
