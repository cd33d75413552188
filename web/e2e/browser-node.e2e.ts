/**
 * The browser node lives at app level, in a Web Worker: started on Mining, it keeps working on every other page
 * (tasks counted, verdicts arriving), shows on the dashboard and in the top bar, stops from anywhere, and resumes
 * after a reload. Real chain, real relayer, real Chromium. The first part runs the simulation engine (no model runs)
 * with two simulated peers, so the browser node has a verdict on every task, as generator or verifier. The last runs
 * the WASM engine (llama.cpp in WebAssembly) for real on the tiny test GGUF, served by the test, and earns a task
 * validated by two peers re-scoring it with the embedded llama.cpp (node-llama-cpp, CPU) on the same file.
 */
import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { LlamaCppEngine } from "@gitblock/node";
import { FINAL_TASK_STATUSES } from "@gitblock/sdk";
import { NodeClient } from "@gitblock/sdk/client";
import { clientsReady, simNodes, stopAll, until, waitForReadyNodes, writeTinyGguf } from "@gitblock/testkit";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { connectWallet, type Harness, screenshot, startHarness, WALLET } from "./harness.ts";

/** Generous: the machine running CI may be slow and shared. */
const WAIT_MS = 60_000;

/** The tiny model's id: what its tasks name and what every node serving the file announces. */
const TINY_MODEL = "tiny";

/** Submits sim-llm tasks one after another, each to its verdict, until paused. */
class TaskProducer {
  private running: Promise<void> | null = null;
  private paused = true;
  private next = 0;
  private readonly h: Harness;

  constructor(h: Harness) {
    this.h = h;
  }

  resume(): void {
    this.paused = false;
    this.running ??= this.loop().finally(() => {
      this.running = null;
    });
  }

  /** Stops submitting; resolves once the task in flight is final (nothing is left half-done for the node). */
  async pause(): Promise<void> {
    this.paused = true;
    await this.running;
  }

  private async loop(): Promise<void> {
    const { scheduler, store } = this.h.relayer.relayer;
    while (!this.paused) {
      const task = await scheduler.submit({
        model: "sim-llm",
        input: `browser-node task ${this.next}`,
        maxTokens: 24,
        seed: this.next++,
      });
      await until(
        `task ${task.id} to be final`,
        async () => {
          const stored = await store.getTask(task.id);
          return stored && (FINAL_TASK_STATUSES as readonly string[]).includes(stored.status) ? true : undefined;
        },
        { timeoutMs: WAIT_MS, intervalMs: 50 },
      );
    }
  }
}

describe("the browser node at app level", { timeout: 600_000 }, () => {
  let h: Harness;
  let peers: NodeClient[] = [];
  let producer: TaskProducer;
  let modelFile = "";

  const count = async (testId: string): Promise<number> => {
    const text = (await h.page.getByTestId(testId).first().textContent()) ?? "";
    const match = /\d[\d,]*/.exec(text);
    assert.ok(match, `no number in ${testId}: ${JSON.stringify(text)}`);
    return Number(match[0].replace(/,/g, ""));
  };
  /** Waits until the page's number at `testId` passes `floor`. */
  const countAbove = async (testId: string, floor: number): Promise<number> => {
    const locator = h.page.getByTestId(testId).first();
    await locator.waitFor({ timeout: WAIT_MS });
    await h.page.waitForFunction(
      ([id, min]) => {
        const text = document.querySelector(`[data-testid="${id}"]`)?.textContent ?? "";
        return Number((/\d[\d,]*/.exec(text)?.[0] ?? "0").replace(/,/g, "")) > (min as number);
      },
      [testId, floor] as const,
      { timeout: WAIT_MS, polling: 100 },
    );
    return count(testId);
  };
  /** Verdicts the relayer gave the wallet's node so far. */
  const verdicts = () => h.verdictAt.size;

  before(async () => {
    modelFile = await writeTinyGguf(path.join(tmpdir(), `gitblock-browser-node-${process.pid}`, "tiny.gguf"), {
      seed: 1,
    });
    const modelPath = `/test-models/${TINY_MODEL}.gguf`;
    h = await startHarness({
      // The dApp serves the tiny model itself, as the only CPU model of this run.
      staticFiles: { [modelPath]: modelFile },
      wasmModels: [{ id: TINY_MODEL, label: "Tiny test model", url: modelPath, bytes: statSync(modelFile).size }],
      // Like a real wallet, the test wallet remembers that this site was connected: a reload reconnects it.
      walletRemembersSite: true,
    });
    // The wallet's protocol client steps aside: the browser is this wallet's node.
    h.walletNode.close();
    peers = await simNodes(h.relayer, [{ kind: "honest" }, { kind: "honest" }]);
    producer = new TaskProducer(h);
  });
  after(async () => {
    await producer?.pause().catch(() => {});
    await stopAll(peers);
    await h?.stop();
    if (modelFile) await rm(path.dirname(modelFile), { recursive: true, force: true });
  });

  it("offers the simulation before a wallet is connected, without download, GPU consent or WebGPU error", async () => {
    await h.page.goto(`${h.webUrl}/#/mine`);
    await h.page.getByTestId("engine-simulation").check();
    await h.page.getByTestId("simulation-note").waitFor();
    assert.equal(await h.page.getByLabel("Mining consent").count(), 0, "no consent form in simulation");
    assert.equal(await h.page.getByTestId("webgpu-missing").count(), 0, "no WebGPU error in simulation");
    assert.equal(await h.page.getByText(/Download: /).count(), 0, "no model download size in simulation");
    assert.ok(await h.page.getByTestId("start-simulation").isDisabled(), "starting needs a wallet");
    await h.page.getByText("Starting needs a wallet").waitFor();
  });

  it("keeps counting tasks and receiving verdicts while the user is on other pages", async () => {
    await connectWallet(h.page);
    await h.page.getByTestId("engine-simulation").check();
    await h.page.getByTestId("start-simulation").click();
    await h.page.getByTestId("mining-state").filter({ hasText: "running" }).waitFor({ timeout: WAIT_MS });
    await h.page.getByTestId("session-engine").filter({ hasText: "SIMULATION · no model runs" }).waitFor();
    await h.page.getByTestId("topbar-node").filter({ hasText: "SIMULATION · no model runs" }).waitFor();
    producer.resume();
    const before = await countAbove("tasks-this-session", 1);
    await h.page.locator(".tag", { hasText: "accepted" }).first().waitFor({ timeout: WAIT_MS });
    await h.page.getByTestId("recent-task").filter({ hasText: "settled" }).first().waitFor({ timeout: WAIT_MS });
    await screenshot(h.page, "browser-node-session");
    // The session clock ticks.
    await h.page
      .getByTestId("session-time")
      .filter({ hasText: /^[1-9]/ })
      .waitFor({ timeout: WAIT_MS });
    const verdictsBefore = verdicts();

    for (const route of ["", "wallet", "reputation", "tasks", "network", "chat", "guide"]) {
      await h.page.goto(`${h.webUrl}/#/${route}`);
      await h.page.getByTestId("topbar-node").filter({ hasText: "running" }).waitFor({ timeout: WAIT_MS });
      if (route === "") {
        await h.page.getByTestId("browser-node-status").filter({ hasText: "running" }).waitFor({ timeout: WAIT_MS });
        await h.page.getByTestId("browser-node").filter({ hasText: "SIMULATION · no model runs" }).waitFor();
      }
    }
    // Verdicts kept arriving while the Mining page was not shown.
    await until("verdicts while away", () => (verdicts() >= verdictsBefore + 2 ? true : undefined), {
      timeoutMs: WAIT_MS,
      intervalMs: 100,
    });

    await h.page.goto(`${h.webUrl}/#/mine`);
    const after = await countAbove("tasks-this-session", before);
    assert.ok(after > before, `tasks counted while away: ${before} → ${after}`);
    assert.ok((await count("session-accepted")) > 0, "accepted tasks shown on the session panel");
  });

  it("stops from the top bar", async () => {
    await producer.pause();
    await h.page.goto(`${h.webUrl}/#/network`);
    await h.page.getByTestId("topbar-node-stop").click();
    await h.page.getByTestId("topbar-node").waitFor({ state: "detached", timeout: WAIT_MS });
    await h.page.goto(`${h.webUrl}/#/`);
    await h.page.getByTestId("browser-node-status").filter({ hasText: "stopped" }).waitFor({ timeout: WAIT_MS });
  });

  it("resumes after a reload when it was left running, counts again, and stops from the dashboard", async () => {
    await h.page.goto(`${h.webUrl}/#/mine`);
    await h.page.getByTestId("engine-simulation").check();
    await h.page.getByTestId("start-simulation").click();
    await h.page.getByTestId("mining-state").filter({ hasText: "running" }).waitFor({ timeout: WAIT_MS });

    await h.page.reload();
    // Nothing clicked: it starts again by itself, signing in with the wallet again.
    await h.page.getByTestId("mining-state").filter({ hasText: "running" }).waitFor({ timeout: WAIT_MS });
    const verdictsBefore = verdicts();
    producer.resume();
    await countAbove("tasks-this-session", 0);
    await until("a verdict after the reload", () => (verdicts() > verdictsBefore ? true : undefined), {
      timeoutMs: WAIT_MS,
      intervalMs: 100,
    });
    await producer.pause();

    await h.page.goto(`${h.webUrl}/#/`);
    await h.page.getByTestId("browser-node-stop").click();
    await h.page.getByTestId("browser-node-status").filter({ hasText: "stopped" }).waitFor({ timeout: WAIT_MS });
    // Stopped on purpose: a reload does not start it again.
    await h.page.reload();
    await h.page.getByTestId("browser-node-status").filter({ hasText: "stopped" }).waitFor({ timeout: WAIT_MS });
    assert.equal(await h.page.getByTestId("topbar-node").count(), 0);
  });

  it("runs real inference with the WASM engine on the tiny model and earns a validated task", async () => {
    const verdicts: Array<{ taskId: string; outcome: string }> = [];
    h.relayer.relayer.events.on("verdict", (event) => {
      if (event.node === WALLET) verdicts.push({ taskId: event.taskId, outcome: event.outcome });
    });
    // Two headless peers on the same file, with the embedded llama.cpp: they re-score the browser's output.
    const engines = [1, 2].map(
      () => new LlamaCppEngine({ modelPath: modelFile, gpu: false, threads: 1, contextSize: 256 }),
    );
    const verifiers = engines.map(
      (engine) =>
        new NodeClient({
          relayer: h.relayer.url,
          signer: privateKeyToAccount(generatePrivateKey()),
          engine,
          capacity: 1,
          reconnect: { initialMs: 100, maxMs: 1_000 },
        }),
    );
    try {
      await Promise.all(verifiers.map((v) => v.start()));
      await clientsReady(h.relayer, verifiers, TINY_MODEL);

      await h.page.goto(`${h.webUrl}/#/mine`);
      await h.page.locator('input[name="engine"][value="wasm"]').check();
      // The size shows before anything is downloaded.
      await h.page.getByRole("option", { name: /Tiny test model/ }).waitFor({ state: "attached" });
      await h.page
        .getByText(/Download: /)
        .first()
        .waitFor();
      const consent = h.page.getByLabel("Mining consent");
      await consent.getByRole("checkbox").nth(0).check();
      await consent.getByRole("checkbox").nth(1).check();
      await consent.getByRole("button", { name: "I agree" }).click();
      await h.page.getByTestId("start-mining").click();
      await h.page.getByTestId("mining-state").filter({ hasText: "running" }).waitFor({ timeout: WAIT_MS });
      await h.page.getByTestId("session-engine").filter({ hasText: "CPU (WebAssembly)" }).waitFor();
      assert.equal(await h.page.getByTestId("simulation-label").count(), 0, "a real engine is not labelled simulation");
      await waitForReadyNodes(h.relayer, [WALLET], TINY_MODEL, { timeoutMs: WAIT_MS });

      // The browser cannot verify (wllama gives no teacher-forced scores): any verdict it gets is on its own output.
      // Which ready node generates is the relayer's choice, so tasks go out one by one until the browser got one.
      let accepted: string | undefined;
      for (let i = 0; !accepted; i++) {
        assert.ok(i < 30, `the browser node got no validated task in 30 tasks: ${JSON.stringify(verdicts)}`);
        const task = await h.relayer.relayer.scheduler.submit({
          model: TINY_MODEL,
          input: `The quick brown fox ${i}`,
          maxTokens: 16,
          seed: i,
        });
        await until(
          `task ${task.id} to be final`,
          async () => {
            const stored = await h.relayer.relayer.store.getTask(task.id);
            return stored && (FINAL_TASK_STATUSES as readonly string[]).includes(stored.status) ? true : undefined;
          },
          { timeoutMs: WAIT_MS, intervalMs: 50 },
        );
        const verdict = verdicts.find((v) => v.taskId === task.id);
        if (verdict) {
          assert.equal(verdict.outcome, "correct", "the verifiers' real llama.cpp agrees with the browser's output");
          accepted = task.id;
        }
      }
      await h.page
        .getByTestId("recent-task")
        .filter({ hasText: "accepted" })
        .filter({ hasText: "generated" })
        .first()
        .waitFor({ timeout: WAIT_MS });
      await screenshot(h.page, "browser-node-wasm");
      // Withdrawing consent for the hardware it runs on stops it.
      await h.page.getByRole("button", { name: "Withdraw consent" }).click();
      await h.page.getByTestId("mining-state").filter({ hasText: "stopped" }).waitFor({ timeout: WAIT_MS });
      await h.page.getByTestId("topbar-node").waitFor({ state: "detached", timeout: WAIT_MS });
    } finally {
      await stopAll(verifiers);
      for (const engine of engines) await engine.dispose();
    }
  });

  it("logged no console errors and no failed requests", () => {
    assert.deepEqual(h.consoleErrors, []);
  });
});
