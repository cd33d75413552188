/**
 * Publishers, end to end in Chromium: a publisher (its own wallet) verifies `demo.localhost` through a real DNS
 * server on loopback and creates a placement; a page served on that other origin embeds the widget with one script
 * tag; nothing runs before the visitor consents; the visitor consents, connects the test wallet inside the iframe
 * and runs the node (simulation engine); its tasks credit both the visitor and the publisher in the next final epoch,
 * and both claim on-chain. The same widget on an unverified origin (`other.localhost`, same page server) refuses
 * to start. The placement pauses the node while the tab is hidden. Real chain, real relayer, real Chromium
 * (*.localhost resolves to loopback there).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { gitBlockTokenAbi } from "@gitblock/sdk";
import type { NodeClient } from "@gitblock/sdk/client";
import {
  claimWithApiProof,
  type DemoPublisher,
  developmentKey,
  type PublisherPage,
  setUpDemoPublisher,
  simNodes,
  startPublisherPage,
  stopAll,
  TxtDnsServer,
  untilFinal,
} from "@gitblock/testkit";
import type { Frame, Page } from "playwright-core";
import type { Address } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { connectWallet, type Harness, screenshot, startHarness, WALLET } from "./harness.ts";

/** Generous: the machine running CI may be slow and shared. */
const WAIT_MS = 60_000;
const DOMAIN = "demo.localhost";
const PUBLISHER = privateKeyToAccount(developmentKey(6).privateKey);

/** Node sign-ins (WebSocket node socket, or the HTTP challenge) seen from any frame of `page`. */
function watchSignIns(page: Page): string[] {
  const seen: string[] = [];
  page.on("request", (request) => {
    if (request.url().includes("/api/auth/")) seen.push(request.url());
  });
  page.on("websocket", (socket) => {
    if (socket.url().includes("/ws/node")) seen.push(socket.url());
  });
  return seen;
}

async function widgetFrame(page: Page): Promise<Frame> {
  const handle = await page.waitForSelector("iframe", { timeout: WAIT_MS });
  const frame = await handle.contentFrame();
  assert.ok(frame, "the widget's iframe has no frame");
  return frame;
}

describe("publishers: the widget on a publisher's page", { timeout: 600_000 }, () => {
  let h: Harness;
  let dns: TxtDnsServer;
  let site: PublisherPage;
  let publisher: DemoPublisher;
  let peers: NodeClient[] = [];
  const balanceOf = (account: Address) =>
    h.chain.publicClient.readContract({
      address: h.chain.token,
      abi: gitBlockTokenAbi,
      functionName: "balanceOf",
      args: [account],
    });

  before(async () => {
    dns = await TxtDnsServer.start();
    h = await startHarness({ publishers: { dnsServers: [dns.address], recheckIntervalMs: 0 } });
    publisher = await setUpDemoPublisher({
      relayerUrl: h.relayer.url,
      wallet: PUBLISHER,
      domain: DOMAIN,
      publishTxt: (name, value) => dns.setTxt(name, [value]),
    });
    site = await startPublisherPage({ dappOrigin: h.webUrl, placementId: publisher.placement.id });
    // The visitor's wallet is the test wallet: its protocol client steps aside, the widget is its node now.
    h.walletNode.close();
  });

  after(async () => {
    await stopAll(peers);
    await site?.stop();
    await h?.stop();
    await dns?.stop();
  });

  it("serves the widget's page with frame-ancestors of the verified domain only", async () => {
    const response = await fetch(`${h.webUrl}/embed.html?placement=${publisher.placement.id}`);
    const policy = response.headers.get("content-security-policy") ?? "";
    assert.match(policy, /frame-ancestors 'self' .*http:\/\/demo\.localhost:\*/);
    assert.doesNotMatch(policy, /other\.localhost/);
    const unknown = await fetch(`${h.webUrl}/embed.html?placement=pl_000000000000000000000000`);
    assert.equal(unknown.headers.get("content-security-policy"), "frame-ancestors 'self'");
  });

  it("refuses to start on an unverified origin", async () => {
    const page = await h.context.newPage();
    const signIns = watchSignIns(page);
    await page.goto(`http://other.localhost:${site.port}/`);
    const frame = await widgetFrame(page);
    await frame.waitForLoadState("load", { timeout: WAIT_MS });
    // The browser refuses the frame (frame-ancestors), so no widget renders and nothing signs in.
    assert.equal(await frame.locator('[data-testid="widget"]').count(), 0);
    assert.equal(await frame.locator('[data-testid="widget-intro"]').count(), 0);
    assert.deepEqual(signIns, []);
    // Where no header holds it back (opened directly here: no embedding page at all), the frame's own check refuses,
    // saying why.
    await page.goto(`${h.webUrl}/embed.html?placement=${publisher.placement.id}`);
    await page.getByTestId("widget-refused").waitFor({ timeout: WAIT_MS });
    assert.match((await page.getByTestId("widget-refused").textContent()) ?? "", /does not run here.*no referrer/);
    await page.goto(`${h.webUrl}/embed.html?placement=pl_000000000000000000000000`);
    await page
      .getByTestId("widget-refused")
      .filter({ hasText: /There is no placement/ })
      .waitFor({ timeout: WAIT_MS });
    assert.equal(await page.getByTestId("widget-intro").count(), 0);
    assert.deepEqual(signIns, []);
    await page.close();
  });

  it("shows its consent step and runs nothing before the visitor consents", async () => {
    const signIns = watchSignIns(h.page);
    await h.page.goto(`http://${DOMAIN}:${site.port}/`);
    const frame = await widgetFrame(h.page);
    await frame.getByTestId("widget-intro").waitFor({ timeout: WAIT_MS });
    assert.match((await frame.getByTestId("widget-intro").textContent()) ?? "", /demo\.localhost receives 20/);
    await h.page.waitForFunction(
      () =>
        (
          window as unknown as { gitblockWidgetMessages: Array<{ type: string; status?: string }> }
        ).gitblockWidgetMessages.some((m) => m.type === "status" && m.status === "consent-needed"),
      null,
      { timeout: WAIT_MS },
    );
    assert.deepEqual(signIns, [], "no node sign-in before consent");
    await screenshot(h.page, "publisher-widget-consent");
  });

  it("runs the visitor's node after consent and credits the visitor and the publisher, both claim on-chain", async () => {
    const frame = await widgetFrame(h.page);
    // Local network: the simulation runs, no hardware is asked for.
    await frame.getByRole("button", { name: /Continue without mining|Save and continue/ }).click();
    // This Chromium keeps no storage for a third-party frame: a wallet created there would die with the visit, so
    // the widget offers none and says why.
    await frame.getByTestId("wallet-create-unavailable").waitFor({ timeout: WAIT_MS });
    assert.equal(await frame.evaluate(() => "gitblockStorageInMemory" in window), true);
    assert.equal(await frame.getByRole("button", { name: "Create a wallet in this browser" }).count(), 0);
    await frame.getByRole("button", { name: "Connect a wallet" }).click();
    await frame.getByText("GitBlock Test Wallet").click();
    await frame.getByText(/Connected:/).waitFor({ timeout: WAIT_MS });
    await frame.getByRole("button", { name: "Continue" }).click();
    await frame.getByTestId("widget-start").click();
    await frame.getByTestId("widget-pause").waitFor({ timeout: WAIT_MS });
    await h.page.waitForFunction(
      () =>
        (
          window as unknown as { gitblockWidgetMessages: Array<{ type: string; status?: string }> }
        ).gitblockWidgetMessages.some((m) => m.type === "status" && m.status === "running"),
      null,
      { timeout: WAIT_MS },
    );
    const sessions = async () => {
      const response = await fetch(`${h.relayer.url}/api/publishers/me/earnings`, {
        headers: { authorization: `Bearer ${publisher.token}` },
      });
      return ((await response.json()) as { activeSessions: Record<string, number> }).activeSessions;
    };
    assert.equal((await sessions())[publisher.placement.id], 1, "the visitor's node runs in the placement");

    // The placement stops the node while the tab is hidden and starts it again when the visitor comes back.
    const lastStatus = (status: string) =>
      h.page.waitForFunction(
        (expected) =>
          (
            window as unknown as { gitblockWidgetMessages: Array<{ type: string; status?: string }> }
          ).gitblockWidgetMessages
            .filter((m) => m.type === "status")
            .at(-1)?.status === expected,
        status,
        { timeout: WAIT_MS },
      );
    const setTabHidden = (hidden: boolean) =>
      frame.evaluate((value) => {
        Object.defineProperty(document, "hidden", { configurable: true, get: () => value });
        document.dispatchEvent(new Event("visibilitychange"));
      }, hidden);
    await setTabHidden(true);
    await frame
      .getByTestId("widget-status")
      .filter({ hasText: /paused while the tab is hidden/ })
      .waitFor({ timeout: WAIT_MS });
    await frame.getByTestId("widget-start").waitFor({ timeout: WAIT_MS });
    await lastStatus("ready");
    await setTabHidden(false);
    await frame.getByTestId("widget-pause").waitFor({ timeout: WAIT_MS });
    await lastStatus("running");

    // Two simulated peers: each task is generated by one of the three, drawn at random, and verified by the others.
    // The publisher's share comes out of the generator's credit, so tasks go on until the visitor's node has
    // generated one (each task: a 1 in 3 chance; 30 tasks miss with odds of 5 in 10^6).
    peers = await simNodes(h.relayer, [{ kind: "honest" }, { kind: "honest" }]);
    const placementEarned = async () => {
      const response = await fetch(`${h.relayer.url}/api/publishers/me/earnings`, {
        headers: { authorization: `Bearer ${publisher.token}` },
      });
      const earnings = (await response.json()) as { perPlacementPerDay: Array<{ placementId: string; wei: string }> };
      return earnings.perPlacementPerDay
        .filter((row) => row.placementId === publisher.placement.id)
        .reduce((sum, row) => sum + BigInt(row.wei), 0n);
    };
    let earned = 0n;
    for (let i = 0; earned === 0n && i < 30; i++) {
      const task = await h.relayer.relayer.scheduler.submit({
        model: "sim-llm",
        input: `publisher task ${i}`,
        maxTokens: 24,
        seed: i,
      });
      await untilFinal(h.relayer, task.id);
      earned = await placementEarned();
    }
    assert.ok(earned > 0n, "the placement earned");
    await h.page.waitForFunction(
      () =>
        (
          window as unknown as { gitblockWidgetMessages: Array<{ type: string; earnedWei?: string }> }
        ).gitblockWidgetMessages.some((m) => m.type === "earnings" && BigInt(m.earnedWei ?? "0") > 0n),
      null,
      { timeout: WAIT_MS },
    );
    await screenshot(h.page, "publisher-widget-running");
    await frame.getByTestId("widget-pause").click();
    await frame.getByTestId("widget-start").waitFor({ timeout: WAIT_MS });
    // Withdrawing consent goes back to the consent step, and the host hears it.
    await frame.getByTestId("widget-withdraw").click();
    await frame.getByTestId("widget-intro").waitFor({ timeout: WAIT_MS });
    await h.page.waitForFunction(
      () => {
        const messages = (window as unknown as { gitblockWidgetMessages: Array<{ type: string; status?: string }> })
          .gitblockWidgetMessages;
        return messages.filter((m) => m.type === "status").at(-1)?.status === "consent-needed";
      },
      null,
      { timeout: WAIT_MS },
    );

    await h.relayer.relayer.settler.close();
    const [settled] = await h.relayer.relayer.settler.advance();
    assert.equal(settled?.status, "final");
    for (const account of [WALLET, PUBLISHER.address]) {
      const before = await balanceOf(account);
      const { claim, receipt } = await claimWithApiProof(h.relayer, h.chain, account);
      assert.equal(receipt.status, "success");
      const amount = BigInt(claim.state.cumulativeAmount);
      assert.ok(amount > 0n, `${account} has credit in the final epoch`);
      assert.equal(await balanceOf(account), before + amount, `${account} received its claim`);
    }
  });

  it("runs a publisher account from the dashboard: TXT record, verify (a clear failure, then verified), snippet", async () => {
    const page = await h.context.newPage();
    await page.goto(`${h.webUrl}/#/publisher`);
    await connectWallet(page);
    await page.getByRole("button", { name: "Sign in as a publisher" }).click();
    await page.getByLabel("Domain", { exact: true }).fill("shop.localhost");
    await page.getByRole("button", { name: "Add domain" }).click();
    const row = page.getByTestId("domain-shop.localhost");
    const record = (await row.getByTestId("txt-record").textContent({ timeout: WAIT_MS })) ?? "";
    assert.match(record, /^gitblock-verify=\S+$/);
    await row.getByRole("button", { name: "Verify" }).click();
    await row.locator(".error").waitFor({ timeout: WAIT_MS });
    assert.equal(await row.getByTestId("domain-status").textContent(), "not verified");
    dns.setTxt("_gitblock.shop.localhost", [record]);
    await row.getByRole("button", { name: "Verify" }).click();
    await row
      .getByTestId("domain-status")
      .filter({ hasText: /^verified$/ })
      .waitFor({ timeout: WAIT_MS });
    await page.getByRole("button", { name: "Create placement" }).click();
    const snippet = page.getByTestId("snippet").first();
    await snippet.waitFor({ timeout: WAIT_MS });
    assert.match(
      (await snippet.textContent()) ?? "",
      /<script src="http:\/\/127\.0\.0\.1:\d+\/widget\.js" data-placement="pl_/,
    );
    assert.equal(await page.getByTestId("active-sessions").first().textContent(), "0 active sessions");
    await screenshot(page, "publisher-dashboard");
    await page.close();
  });
});
