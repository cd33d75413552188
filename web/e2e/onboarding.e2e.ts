/**
 * Onboarding and wallet genesis in Chromium, on one local network (web/e2e/harness.ts, with its gas faucet): walk
 * welcome → create a wallet protected by a passkey (a virtual WebAuthn authenticator with PRF, over the DevTools
 * protocol) → confirm the backup phrase → hardware consent → verify by signing → done; reload and unlock with the
 * passkey; get test ETH from the faucet; earn with the exported key (a testkit node), settle an epoch and claim from
 * the created wallet on the Wallet page: its GBT rises by the claimable amount and its ETH pays the gas. A second
 * browser creates one with a password instead, refuses a wrong one after a reload and unlocks with the right one.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { gitBlockTokenAbi } from "@gitblock/sdk";
import { play, TestNode } from "@gitblock/testkit";
import { type Browser, chromium, type Page } from "playwright-core";
import { type Address, type Hex, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { CHROMIUM, CHROMIUM_ARGS, type Harness, screenshot, startHarness } from "./harness.ts";

async function confirmBackup(page: Page): Promise<string> {
  const phrase = (await page.getByTestId("backup-phrase").locator("li").allTextContents()).map((w) => w.trim());
  assert.equal(phrase.length, 12);
  await page.getByRole("button", { name: "I wrote it down" }).click();
  const form = page.getByRole("form", { name: "Confirm the backup phrase" });
  const inputs = form.getByRole("textbox");
  assert.equal(await inputs.count(), 3);
  // A wrong word is caught first.
  await inputs.nth(0).fill("definitely-not-a-word");
  await form.getByRole("button", { name: "Confirm backup" }).click();
  await form.getByRole("alert").filter({ hasText: "do not match your phrase" }).waitFor();
  for (let i = 0; i < 3; i++) {
    const label = (await inputs.nth(i).getAttribute("aria-label")) ?? "";
    const position = Number(label.replace("Word #", "")) - 1;
    await inputs.nth(i).fill(phrase[position] ?? "");
  }
  await form.getByRole("button", { name: "Confirm backup" }).click();
  return phrase.join(" ");
}

describe("onboarding and a wallet created in the browser", () => {
  let h: Harness;
  let origin: string;
  let created: Address;
  let privateKey: Hex;

  before(async () => {
    h = await startHarness({ onboardingDone: false, faucet: true });
    // WebAuthn needs a domain as relying party id (an IP address is refused), so the page runs on localhost.
    origin = h.webUrl.replace("127.0.0.1", "localhost");
  });
  after(async () => {
    await h?.stop();
  });

  it("walks the onboarding and creates a passkey-protected wallet (virtual authenticator with PRF)", async () => {
    const cdp = await h.context.newCDPSession(h.page);
    await cdp.send("WebAuthn.enable", { enableUI: false });
    await cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: {
        protocol: "ctap2",
        transport: "internal",
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        hasPrf: true,
        automaticPresenceSimulation: true,
      },
    });
    await h.page.goto(`${origin}/#/`);
    const dialog = h.page.getByRole("dialog", { name: "Onboarding" });
    await dialog.getByTestId("onboarding-welcome").filter({ hasText: "Non-custodial" }).waitFor();
    await screenshot(h.page, "onboarding-welcome");
    await dialog.getByRole("button", { name: "Get started" }).click();
    await dialog.getByRole("button", { name: "Create a wallet in this browser" }).click();
    await dialog.getByRole("button", { name: "Protect with a passkey" }).click();
    await dialog.getByTestId("backup-phrase").waitFor({ timeout: 30_000 });
    await screenshot(h.page, "onboarding-backup-phrase");
    await confirmBackup(h.page);

    const consent = dialog.getByRole("form", { name: "Hardware consent" });
    await consent.getByTestId("bandwidth-note").filter({ hasText: "Bandwidth: not used." }).waitFor();
    const threads = consent.getByLabel("CPU threads");
    const max = Number(await threads.getAttribute("max"));
    assert.ok(max >= 1, "threads are bounded by navigator.hardwareConcurrency");
    await consent.getByRole("checkbox").nth(1).check();
    await threads.fill(String(max + 5));
    assert.equal(await threads.inputValue(), String(max), "no more threads than the CPU has");
    await consent.getByLabel("Daily inference limit in minutes").fill("30");
    await consent.getByRole("button", { name: "Save and continue" }).click();
    const stored = JSON.parse(
      (await h.page.evaluate(() => localStorage.getItem("gitblock.miningConsent.v1"))) ?? "null",
    ) as { cpu: boolean; gpu: boolean; cpuThreads: number; dailyGpuSeconds: number };
    assert.deepEqual(
      { cpu: stored.cpu, gpu: stored.gpu, cpuThreads: stored.cpuThreads, daily: stored.dailyGpuSeconds },
      { cpu: true, gpu: false, cpuThreads: max, daily: 1_800 },
    );

    await dialog.getByRole("button", { name: "Sign to verify" }).click();
    const result = dialog.getByTestId("verify-result");
    await result.filter({ hasText: "it is your wallet." }).waitFor({ timeout: 20_000 });
    created = ((await result.locator("code").textContent()) ?? "") as Address;
    const record = JSON.parse((await h.page.evaluate(() => localStorage.getItem("gitblock.browserWallet.v1"))) ?? "{}");
    assert.equal(record.address, created, "the recovered address is the created wallet's");
    assert.equal(record.protection.kind, "passkey");
    assert.equal(record.backupConfirmed, true);
    await dialog.getByRole("button", { name: "Continue" }).click();
    await dialog.getByRole("button", { name: "Go to the active session" }).click();
    await h.page.waitForURL(/#\/mine$/);
    assert.equal(await h.page.getByRole("dialog", { name: "Onboarding" }).count(), 0);
  });

  it("stays locked after a reload until the passkey unlocks it; onboarding does not come back", async () => {
    await h.page.reload();
    await h.page.getByTestId("wallet-menu").filter({ hasText: "Unlock wallet" }).click();
    assert.equal(await h.page.getByRole("dialog", { name: "Onboarding" }).count(), 0);
    const panel = h.page.getByTestId("browser-wallet-panel");
    await panel.getByRole("button", { name: "Unlock with passkey" }).click();
    await panel.getByText("unlocked").waitFor({ timeout: 20_000 });
    await h.page.getByTestId("wallet-menu").filter({ hasText: "Browser wallet" }).waitFor();
    // Export after unlocking again: the key the test node earns with.
    await panel.getByText("Export or delete").click();
    await panel.getByRole("button", { name: "Export phrase and private key" }).click();
    privateKey = ((await panel.getByTestId("exported-key").textContent({ timeout: 20_000 })) ?? "") as Hex;
    assert.equal(privateKeyToAccount(privateKey).address, created);
    await h.page.getByTestId("wallet-menu").click();
  });

  it("gets test ETH from the local faucet, earns, and claims from the created wallet, paying its own gas", async () => {
    await h.page.goto(`${origin}/#/wallet`);
    const eth = h.page.getByTestId("created-wallet-eth");
    await eth.filter({ hasText: /^0 ETH$/ }).waitFor({ timeout: 20_000 });
    await h.page.getByTestId("faucet-button").click();
    await eth.filter({ hasText: /^1 ETH$/ }).waitFor({ timeout: 30_000 });
    const ethBefore = await h.chain.publicClient.getBalance({ address: created });
    assert.equal(ethBefore, parseEther("1"));

    // Earn with the exported key: a protocol node of the created wallet does validated work.
    const node = new TestNode(privateKeyToAccount(privateKey));
    await node.connect(h.relayer.wsUrl);
    node.ready(["tiny-llm"], 8, "DE");
    try {
      for (let i = 0; ; i++) {
        assert.ok(i < 40, "the created wallet's node took part in no validated task");
        const task = await h.relayer.relayer.scheduler.submit({
          model: "tiny-llm",
          input: `onboarding task ${i}`,
          maxTokens: 16,
          seed: i,
        });
        const played = await play(h.relayer, [...h.nodes, node, h.reference], task.id);
        const stored = await h.relayer.relayer.store.getTask(task.id);
        if (stored?.status === "validated" && (played.generator === node || played.verifiers.includes(node))) break;
      }
    } finally {
      node.close();
    }
    await h.relayer.relayer.settler.close();
    const [settled] = await h.relayer.relayer.settler.advance();
    assert.equal(settled?.status, "final");
    const claim = (await (await fetch(`${h.relayer.url}/api/claims/${created}`)).json()) as {
      state: { cumulativeAmount: string };
    };
    const amount = BigInt(claim.state.cumulativeAmount);
    assert.ok(amount > 0n);
    const gbt = () =>
      h.chain.publicClient.readContract({
        address: h.chain.token,
        abi: gitBlockTokenAbi,
        functionName: "balanceOf",
        args: [created],
      });
    const gbtBefore = await gbt();

    await h.page.reload();
    await h.page.getByTestId("wallet-menu").filter({ hasText: "Unlock wallet" }).click();
    await h.page.getByTestId("browser-wallet-panel").getByRole("button", { name: "Unlock with passkey" }).click();
    await h.page.getByTestId("wallet-menu").filter({ hasText: "Browser wallet" }).click();
    await h.page.getByTestId("claim-button").and(h.page.locator(":enabled")).waitFor({ timeout: 30_000 });
    await screenshot(h.page, "wallet-created-claimable");
    await h.page.getByTestId("claim-button").click();
    await h.page.getByTestId("claim-status").filter({ hasText: "Confirmed" }).waitFor({ timeout: 30_000 });
    assert.equal((await gbt()) - gbtBefore, amount, "GBT rose by exactly the claimable amount");
    const ethAfter = await h.chain.publicClient.getBalance({ address: created });
    assert.ok(ethAfter < ethBefore, "the created wallet paid the claim's gas");
  });

  it("in a second browser, creates a password-protected wallet, refuses a wrong password and unlocks after a reload", async () => {
    let browser: Browser | undefined;
    try {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
      const page = await (await browser.newContext({ locale: "en-US" })).newPage();
      await page.goto(`${origin}/#/`);
      const dialog = page.getByRole("dialog", { name: "Onboarding" });
      await dialog.getByRole("button", { name: "Get started" }).click();
      await dialog.getByRole("button", { name: "Create a wallet in this browser" }).click();
      const form = dialog.getByRole("form", { name: "Protect with a password" });
      await form.getByLabel("New wallet password").fill("short");
      await form.getByLabel("Repeat the password").fill("short");
      await form.getByRole("button", { name: "Create with a password" }).click();
      await dialog.getByRole("alert").filter({ hasText: "at least 10 characters" }).waitFor();
      await form.getByLabel("New wallet password").fill("a long enough password");
      await form.getByLabel("Repeat the password").fill("a long enough password");
      await form.getByRole("button", { name: "Create with a password" }).click();
      await dialog.getByTestId("backup-phrase").waitFor({ timeout: 30_000 });
      await confirmBackup(page);
      await dialog.getByRole("form", { name: "Hardware consent" }).waitFor();
      await dialog.getByRole("button", { name: "Skip, I know my way" }).click();
      const record = JSON.parse((await page.evaluate(() => localStorage.getItem("gitblock.browserWallet.v1"))) ?? "{}");
      assert.equal(record.protection.kind, "password");
      assert.equal(record.protection.iterations, 600_000);

      await page.reload();
      await page.getByTestId("wallet-menu").filter({ hasText: "Unlock wallet" }).click();
      const panel = page.getByTestId("browser-wallet-panel");
      await panel.getByLabel("Wallet password").fill("the wrong password");
      await panel.getByRole("button", { name: "Unlock", exact: true }).click();
      await panel.getByRole("alert").filter({ hasText: "Wrong password" }).waitFor({ timeout: 20_000 });
      await panel.getByLabel("Wallet password").fill("a long enough password");
      await panel.getByRole("button", { name: "Unlock", exact: true }).click();
      await panel.getByText("unlocked").waitFor({ timeout: 20_000 });
      await screenshot(page, "browser-wallet-unlocked");
    } finally {
      await browser?.close();
    }
  });

  it("logged no console error or failed request", () => {
    assert.deepEqual(h.consoleErrors, []);
  });
});
