/**
 * Chat with the network's models in headless Chromium, which has no WebGPU: a free network model streams its answer
 * into the page, Stop cancels the node's generation mid-stream, a premium model without credit says so (402), and a
 * deposit (permit signature + `depositWithPermit`) raises the credit the premium model is then paid from.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { gitBlockTokenAbi, inferenceCreditsAbi } from "@gitblock/sdk";
import type { ServedRequest } from "@gitblock/sdk/client";
import { chainWallet, HARDHAT_KEYS } from "@gitblock/testkit";
import { parseEther } from "viem";
import { CHAT_MODEL, PREMIUM_MODEL, PREMIUM_PRICE_WEI, SLOW_WORD } from "./gateway.ts";
import { connectWallet, type Harness, screenshot, startHarness, WALLET } from "./harness.ts";

/** The next request the serving node is done with (ended, failed or cancelled). */
function nextServed(h: Harness, timeoutMs = 30_000): Promise<ServedRequest> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`the serving node finished no request within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = h.server.on("served", (served) => {
      clearTimeout(timer);
      off();
      resolve(served);
    });
  });
}

const lastAnswer = (h: Harness) => h.page.getByTestId("answer").last();
const ANSWER_DONE = '[data-testid="answer"][data-state="done"]';
/** Resolves once more than `count` answers are done. */
const untilAnswersDone = (h: Harness, count: number) =>
  h.page.waitForFunction(
    ([selector, n]) => document.querySelectorAll(selector as string).length > (n as number),
    [ANSWER_DONE, count] as const,
    { timeout: 30_000 },
  );

describe("chat with the network's models in a browser without WebGPU", { timeout: 180_000 }, () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h?.stop();
  });

  it("a network model answers in a browser without WebGPU, streaming into the page", async () => {
    await h.page.goto(`${h.webUrl}/#/chat`);
    const option = h.page.getByTestId(`model-${CHAT_MODEL}`);
    await option.waitFor({ timeout: 15_000 });
    assert.match((await option.textContent()) ?? "", /free/);
    assert.equal(await h.page.getByTestId(`model-nodes-${CHAT_MODEL}`).textContent(), "1 node");
    // Without WebGPU the page starts on the serving network model, and the local model's notice is not in the way.
    assert.ok(await option.getByRole("radio").isChecked());
    assert.equal(await h.page.getByTestId("webgpu-missing").count(), 0);
    assert.match((await h.page.getByTestId("chat-privacy").textContent()) ?? "", /only hashes, token counts/);
    // Locked tiers come from the relayer's catalogue, with how far the network is from each.
    await h.page.getByTestId("tier-500").getByText("Kimi K2").waitFor();
    const active = Number(await h.page.getByTestId("chat-active").textContent());
    assert.ok(active >= 5, `${active} active nodes`);
    await h.page
      .getByTestId("tier-500")
      .getByText(`locked · ${500 - active} to go`)
      .waitFor();

    // Every text the answer bubble shows, in order, recorded in the page as it changes.
    await h.page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { answerTexts: string[] }).answerTexts = seen;
      const log = document.querySelector('[aria-label="Conversation"]');
      if (!log) throw new Error("no conversation log");
      new MutationObserver(() => {
        const answers = log.querySelectorAll('[data-testid="answer"]');
        const text = answers[answers.length - 1]?.textContent ?? "";
        if (text !== seen[seen.length - 1]) seen.push(text);
      }).observe(log, { subtree: true, childList: true, characterData: true });
    });
    const served = nextServed(h);
    await h.page.locator("#chat-input").fill("Hello, network");
    await h.page.getByRole("button", { name: "Send" }).click();
    await untilAnswersDone(h, 0);
    const done = await served;
    assert.equal(done.outcome, "ended");
    assert.ok(done.tokens > 0);
    const shown = ((await lastAnswer(h).textContent()) ?? "").replace(/^Sim Chat/, "").trim();
    // The simulation writes one word per token: the page shows every token the node generated.
    assert.equal(shown.split(/\s+/).length, done.tokens);
    const texts = await h.page.evaluate(() => (window as unknown as { answerTexts: string[] }).answerTexts);
    const partial = texts.filter((t) => t.replace(/^Sim Chat…?/, "").length > 0 && !t.endsWith(shown));
    assert.ok(
      partial.length >= 3,
      `the answer arrived in ${partial.length} steps before its end: ${texts.join(" | ")}`,
    );
    await screenshot(h.page, "chat-network");
  });

  it("Stop ends the answer mid-stream and the node's generation is cancelled", async () => {
    const served = nextServed(h);
    await h.page.locator("#chat-input").fill(`Tell me a long story, ${SLOW_WORD}`);
    await h.page.getByRole("button", { name: "Send" }).click();
    const streaming = h.page.locator('[data-testid="answer"][data-state="streaming"]');
    await streaming.filter({ hasText: /Sim Chat\s*\S+\s+\S+/ }).waitFor({ timeout: 30_000 });
    await h.page.getByTestId("chat-stop").click();
    await h.page.locator('[data-testid="answer"][data-state="stopped"]').waitFor({ timeout: 10_000 });
    const cancelled = await served;
    assert.equal(cancelled.outcome, "cancelled");
    const generated = cancelled.tokens;
    const shown = ((await lastAnswer(h).textContent()) ?? "").replace(/^Sim Chat/, "").replace(/ · stopped$/, "");
    assert.ok(shown.trim().length > 0, "the text so far stays");
    // Stopped long before its natural end (24+ tokens at ~one per 0.4 s or slower).
    assert.ok(generated < 24, `the node generated ${generated} tokens before the cancel reached it`);
    await h.page.getByRole("button", { name: "Send" }).waitFor();
  });

  it("a premium model without credit shows the 402 as no credit", async () => {
    await connectWallet(h.page);
    await h.page.getByTestId(`model-${PREMIUM_MODEL}`).getByRole("radio").check();
    assert.match((await h.page.getByTestId(`model-${PREMIUM_MODEL}`).textContent()) ?? "", /1 GBT\/msg/);
    await h.page
      .getByTestId("credit-available")
      .filter({ hasText: /^0 GBT$/ })
      .waitFor({ timeout: 15_000 });
    await h.page.locator("#chat-input").fill("Hello, premium");
    await h.page.getByRole("button", { name: "Send" }).click();
    const problem = h.page.getByTestId("chat-problem");
    await problem.waitFor({ timeout: 20_000 });
    assert.equal(await problem.getAttribute("data-kind"), "no-credit");
    assert.match((await problem.textContent()) ?? "", /No credit left/);
    assert.equal(await h.page.locator('[data-testid="answer"][data-state="streaming"]').count(), 0);
    await screenshot(h.page, "chat-no-credit");
    await problem.getByRole("button", { name: "Dismiss" }).click();
  });

  it("deposits GBT with a permit, the credit rises, and the premium model is paid from it", async () => {
    // The treasury (a development account here) gives the test wallet GBT to deposit.
    const treasury = chainWallet(h.chain, HARDHAT_KEYS.treasury);
    const funding = await treasury.writeContract({
      address: h.chain.token,
      abi: gitBlockTokenAbi,
      functionName: "transfer",
      args: [WALLET, parseEther("10")],
    });
    await h.chain.publicClient.waitForTransactionReceipt({ hash: funding });
    await h.page
      .getByTestId("credit-wallet-balance")
      .filter({ hasText: /^10 GBT$/ })
      .waitFor({ timeout: 20_000 });

    await h.page.getByTestId("deposit-amount").fill("3");
    await h.page.getByTestId("deposit-button").click();
    await h.page.getByTestId("deposit-status").filter({ hasText: "Confirmed" }).waitFor({ timeout: 30_000 });
    const account = await h.chain.publicClient.readContract({
      address: h.chain.inferenceCredits,
      abi: inferenceCreditsAbi,
      functionName: "getAccount",
      args: [WALLET],
    });
    assert.equal(account.funded, parseEther("3"));
    await h.page
      .getByTestId("credit-available")
      .filter({ hasText: /^3 GBT$/ })
      .waitFor({ timeout: 20_000 });

    const served = nextServed(h);
    const doneBefore = await h.page.locator(ANSWER_DONE).count();
    await h.page.locator("#chat-input").fill("Hello again, premium");
    await h.page.getByRole("button", { name: "Send" }).click();
    await untilAnswersDone(h, doneBefore);
    assert.equal((await served).outcome, "ended");
    const credit = (await (await fetch(`${h.relayer.url}/api/credits/${WALLET}`)).json()) as { availableWei: string };
    assert.equal(BigInt(credit.availableWei), parseEther("3") - PREMIUM_PRICE_WEI);
    await h.page
      .getByTestId("credit-available")
      .filter({ hasText: /^2 GBT$/ })
      .waitFor({ timeout: 20_000 });
    await screenshot(h.page, "chat-premium");
  });

  it("creates an API key (shown once), lists it and revokes it", async () => {
    await h.page.getByLabel("Key name").fill("e2e-script");
    await h.page.getByRole("button", { name: "Create key" }).click();
    const secret = await h.page.getByTestId("api-key-value").textContent();
    assert.ok(secret && secret.length > 20, "the key is shown");
    const table = h.page.getByRole("table", { name: "API keys" });
    await table.getByText("e2e-script").waitFor({ timeout: 10_000 });
    assert.equal(await table.getByText("never").count(), 1);
    // The key works as an OpenAI API key against the gateway.
    const models = await fetch(`${h.relayer.url}/v1/models`, { headers: { authorization: `Bearer ${secret}` } });
    assert.equal(models.status, 200);
    await h.page.getByRole("button", { name: "Done" }).click();
    assert.equal(await h.page.getByTestId("api-key-value").count(), 0, "shown once only");
    await h.page.getByRole("button", { name: "Revoke e2e-script…" }).click();
    await h.page.getByRole("button", { name: "Revoke e2e-script", exact: true }).click();
    await h.page.getByText("No API keys yet.").waitFor({ timeout: 10_000 });
    const refused = await fetch(`${h.relayer.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
      body: JSON.stringify({ model: CHAT_MODEL, messages: [{ role: "user", content: "hi" }] }),
    });
    assert.equal(refused.status, 401);
    await screenshot(h.page, "chat-keys");
  });

  it("logged no console errors and no failed requests but the expected 402", () => {
    const unexpected = h.consoleErrors.filter((e) => !/\b402\b/.test(e));
    assert.deepEqual(unexpected, []);
    assert.ok(h.consoleErrors.some((e) => /HTTP 402 .*\/v1\/chat\/completions/.test(e)));
  });
});
