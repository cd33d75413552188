/**
 * The local network the browser tests and the bench run against, all started and stopped by the test: a Hardhat
 * chain with the protocol deployed, a relayer on it (in-process, SQLite in a temp dir, epochs closed by the test), the
 * built dApp served by `vite preview` (proxying /api, /ws and the chain RPC), a simulated fleet of protocol clients,
 * and Debian's Chromium driven by playwright-core with the injected test wallet.
 *
 * The fleet: small protocol clients from @gitblock/testkit (a `gitblock-sim` fleet can replace them once it is
 * usable from here); one of them signs with the test wallet's key, so the wallet's node does real, validated work.
 * One more node serves the gateway's `/v1` requests (./gateway.ts).
 */
import { createReadStream, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { NodeClient } from "@gitblock/sdk/client";
import {
  developmentKey,
  honest,
  honestVerifier,
  liar,
  play,
  startFaucet,
  startTestChain,
  startTestRelayer,
  type TestChain,
  TestNode,
  type TestRelayer,
  waitForReadyNodes,
} from "@gitblock/testkit";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import type { Address } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { Plugin } from "vite";
import { ONBOARDING_KEY } from "../src/onboarding/onboarding-key.ts";
import { GATEWAY_CATALOGUE, startServingNode } from "./gateway.ts";
import { testWalletScript } from "./wallet.ts";

export const webRoot = path.resolve(import.meta.dirname, "..");
export const screenshotDir = path.join(webRoot, "test-results", "screenshots");

/** Hardhat development account #5 (public test key, local chains only; unlocked on `hardhat node`). */
export const WALLET_KEY = "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba" as const;
export const WALLET = privateKeyToAccount(WALLET_KEY).address;

export const CHROMIUM = process.env.GITBLOCK_CHROMIUM ?? "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-quic",
  "--no-first-run",
  "--disable-component-update",
  "--disable-sync",
];

export interface Harness {
  chain: TestChain;
  relayer: TestRelayer;
  webUrl: string;
  context: BrowserContext;
  page: Page;
  walletNode: TestNode;
  nodes: TestNode[];
  /** The dispute tier: the relayer's one reference verifier (decides failing reports, checks every challenge). */
  reference: TestNode;
  /** The node serving the gateway's chat models. */
  server: NodeClient;
  /** Console errors and uncaught page errors seen so far. */
  consoleErrors: string[];
  /** When the relayer emitted each verdict for the wallet's node (ms), by task id. */
  verdictAt: Map<string, number>;
  /** The local gas faucet's origin when `faucet` was asked for (the dApp reaches it as /faucet). */
  faucetUrl: string | null;
  stop(): Promise<void>;
}

async function buildIfMissing(): Promise<void> {
  if (existsSync(path.join(webRoot, "dist", "index.html")) && !process.env.GITBLOCK_WEB_REBUILD) return;
  const { build } = await import("vite");
  await build({ configFile: path.join(webRoot, "vite.config.ts"), logLevel: "error" });
}

export interface HarnessOptions {
  countries?: string[];
  /** Extra files the dApp's server serves (URL path → file on disk), with Content-Length, e.g. a test model. */
  staticFiles?: Record<string, string>;
  /** The WASM engine's models in /gitblock-config.json (`wasmModels`), replacing the built-in list. */
  wasmModels?: Array<{ id: string; label: string; url: string; bytes: number }>;
  /** The test wallet remembers that the dApp was connected, as a real wallet does: a reload reconnects it. */
  walletRemembersSite?: boolean;
  /**
   * Marks onboarding done before any page script runs (default true), so pages open without the first-visit
   * onboarding dialog; web/e2e/onboarding.e2e.ts passes false to walk it.
   */
  onboardingDone?: boolean;
  /** Start the local gas faucet (testkit's startFaucet, as `npm start` does) and advertise it in the config. */
  faucet?: boolean;
  /** The relayer's `publishers` config: the DNS servers domain TXT records are read from (a test's own). */
  publishers?: { dnsServers: string[]; recheckIntervalMs?: number };
}

/** Serves `files` (URL path → file) before the built dApp, answering HEAD with the size as a CDN would. */
function staticFilesPlugin(files: Record<string, string>): Plugin {
  return {
    name: "gitblock-e2e-static-files",
    configurePreviewServer(server) {
      server.middlewares.use((req, res, next) => {
        const file = files[req.url?.split("?")[0] ?? ""];
        if (!file) return next();
        res.setHeader("content-type", "application/octet-stream");
        res.setHeader("content-length", statSync(file).size);
        res.setHeader("cache-control", "no-store");
        if (req.method === "HEAD") return res.end();
        createReadStream(file).pipe(res);
      });
    },
  };
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no Chromium at ${CHROMIUM}: install Debian's (apt-get install -y chromium) or set GITBLOCK_CHROMIUM`,
    );
  }
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => {});
  };
  try {
    const chain = await startTestChain();
    cleanups.push(() => chain.stop());

    const reference = new TestNode();
    const relayer = await startTestRelayer({
      settleOn: chain,
      credits: true,
      verification: { taskTimeoutMs: 120_000, referenceVerifiers: [reference.address] },
      inference: { catalogue: GATEWAY_CATALOGUE },
      ...(options.publishers ? { publishers: options.publishers } : {}),
    });
    cleanups.push(() => relayer.stop());
    const verdictAt = new Map<string, number>();
    relayer.relayer.events.on("verdict", (event) => {
      if (event.node === WALLET) verdictAt.set(event.taskId, Date.now());
    });

    // An address book for this chain, as `npm run deploy` would write it.
    const deployments = mkdtempSync(path.join(tmpdir(), "gitblock-web-deployments-"));
    cleanups.push(() => rmSync(deployments, { recursive: true, force: true }));
    const zero = "0x0000000000000000000000000000000000000000";
    writeFileSync(
      path.join(deployments, "localhost.json"),
      JSON.stringify({
        network: "localhost",
        chainId: chain.chainId,
        deployBlock: 0,
        deployedAt: new Date().toISOString(),
        abis: "@gitblock/sdk",
        contracts: {
          token: chain.token,
          rewardsVault: chain.vault,
          airdrop: zero,
          teamVesting: zero,
          treasury: zero,
          inferenceCredits: chain.inferenceCredits,
        },
        parameters: { challengeWindow: 0 },
      }),
    );

    await buildIfMissing();
    process.env.GITBLOCK_RELAYER_URL = relayer.url;
    process.env.GITBLOCK_LOCAL_RPC_URL = chain.rpcUrl;
    process.env.GITBLOCK_DEPLOYMENTS_DIR = deployments;
    if (options.wasmModels) process.env.GITBLOCK_WASM_MODELS = JSON.stringify(options.wasmModels);
    else delete process.env.GITBLOCK_WASM_MODELS;
    let faucetUrl: string | null = null;
    delete process.env.GITBLOCK_FAUCET_URL;
    if (options.faucet) {
      const faucet = await startFaucet({ rpcUrl: chain.rpcUrl, fundingKey: developmentKey(9).privateKey });
      cleanups.push(() => faucet.stop());
      faucetUrl = faucet.url;
      process.env.GITBLOCK_FAUCET_URL = faucet.url;
    }
    const { preview } = await import("vite");
    const { freePort } = await import("@gitblock/testkit");
    const port = await freePort();
    const server = await preview({
      configFile: path.join(webRoot, "vite.config.ts"),
      logLevel: "silent",
      preview: { port, strictPort: true, host: "127.0.0.1", open: false },
      plugins: options.staticFiles ? [staticFilesPlugin(options.staticFiles)] : [],
    });
    cleanups.push(() => new Promise<void>((resolve) => server.httpServer.close(() => resolve())));
    const webUrl = `http://127.0.0.1:${port}`;

    // The simulated fleet: the wallet's own node plus two others, each with a declared country.
    const countries = options.countries ?? ["DE", "US", "BR"];
    const walletNode = new TestNode(privateKeyToAccount(WALLET_KEY));
    const nodes = [walletNode, new TestNode(), new TestNode()];
    for (const [i, node] of nodes.entries()) {
      await node.connect(relayer.wsUrl);
      node.ready(["tiny-llm"], 8, countries[i % countries.length]);
    }
    await reference.connect(relayer.wsUrl);
    reference.ready(["tiny-llm"], 8, countries[0]);
    cleanups.push(() => {
      for (const node of [...nodes, reference]) node.close();
    });
    await waitForReadyNodes(
      relayer,
      [...nodes, reference].map((n) => n.address),
      "tiny-llm",
    );
    const servingNode = await startServingNode(relayer);
    cleanups.push(() => servingNode.stop());

    const userDataDir = mkdtempSync(path.join(tmpdir(), "gitblock-chromium-"));
    cleanups.push(() => rmSync(userDataDir, { recursive: true, force: true }));
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      headless: true,
      viewport: { width: 1280, height: 900 },
      locale: "en-US",
    });
    cleanups.push(() => context.close());
    await context.addInitScript({
      content: testWalletScript({
        account: WALLET,
        rpcPath: "/rpc/localhost",
        chainIdHex: `0x${chain.chainId.toString(16)}`,
        rememberSite: options.walletRemembersSite === true,
      }),
    });
    if (options.onboardingDone !== false) {
      await context.addInitScript({
        content: `try { localStorage.setItem(${JSON.stringify(ONBOARDING_KEY)}, "done"); } catch {}`,
      });
    }
    const page = context.pages()[0] ?? (await context.newPage());
    const consoleErrors: string[] = [];
    const watch = (p: Page) => {
      p.on("console", (message) => {
        if (message.type() === "error") consoleErrors.push(message.text());
      });
      p.on("pageerror", (error) => consoleErrors.push(`pageerror: ${error.message}`));
      p.on("response", (response) => {
        if (response.status() >= 400) consoleErrors.push(`HTTP ${response.status()} ${response.url()}`);
      });
    };
    watch(page);
    context.on("page", watch);

    return {
      chain,
      relayer,
      webUrl,
      context,
      page,
      walletNode,
      nodes,
      reference,
      server: servingNode,
      consoleErrors,
      verdictAt,
      faucetUrl,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Submits a task and plays it to its verdict: whichever node generates commits and reveals, every node sent the
 * claim (verifiers, the reference verifier) reports. `liarNode` lies in both roles: a wrong output as generator, a
 * failing report on an honest claim as verifier; either way the dispute tier proves it wrong. Returns the task's id.
 */
export async function runTask(h: Harness, i: number, liarNode?: TestNode): Promise<string> {
  const task = await h.relayer.relayer.scheduler.submit({
    model: "tiny-llm",
    input: `e2e task ${i}`,
    maxTokens: 16,
    seed: i,
  });
  await play(h.relayer, [...h.nodes, h.reference], task.id, {
    generate: (node) => (node === liarNode ? liar : honest),
    verify: (node) =>
      node === liarNode ? () => ({ pass: false, firstFailingPosition: 0, maxGap: 5 }) : honestVerifier,
  });
  return task.id;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Connects the injected test wallet through RainbowKit's modal. */
export async function connectWallet(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Connect Wallet" }).first().click();
  await page.getByText("GitBlock Test Wallet").click();
  await page
    .getByTestId("node-status")
    .or(page.getByRole("button", { name: /0x9965/i }))
    .or(page.getByTestId("rk-account-button"))
    .first()
    .waitFor({ timeout: 15_000 });
}

export type { Address };
