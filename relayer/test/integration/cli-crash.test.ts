import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { rewardsVaultAbi } from "@gitblock/sdk";
import {
  CliProcess,
  CRASH_PRELOAD,
  freePort,
  getJson,
  HARDHAT_KEYS,
  startTestChain,
  type TestChain,
} from "@gitblock/testkit";
import type { Address } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { SqliteStore } from "../../src/store/index.ts";

const cli = path.resolve(import.meta.dirname, "../../src/cli/main.ts");

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...nodeArgs, cli, ...args], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.once("exit", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe("operator CLI and crash-safe settlement", () => {
  let chain: TestChain;
  let dir: string;
  let configFile: string;
  const env = { GITBLOCK_RELAYER_KEY: HARDHAT_KEYS.relayer };
  const nodes = Array.from({ length: 5 }, () => privateKeyToAccount(generatePrivateKey()).address);

  before(async () => {
    chain = await startTestChain();
    dir = mkdtempSync(path.join(tmpdir(), "gitblock-cli-"));
    configFile = path.join(dir, "relayer.json");
    writeFileSync(
      configFile,
      JSON.stringify({
        store: { path: "relayer.db" },
        chain: { rpcUrl: chain.rpcUrl, chainId: chain.chainId, rewardsVault: chain.vault },
        log: { level: "warn" },
        epochs: { intervalMs: 0 },
        // These nodes never validated a task: with a tenure ramp none could verify, and `tasks submit` would refuse.
        verification: { tenureTasks: 0 },
      }),
    );
  });
  after(async () => {
    await chain?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const cliRun = (args: string[], extra: Record<string, string> = {}) =>
    run(["--config", configFile, ...args], { ...env, ...extra });
  /** The CLI with the test preload that SIGKILLs it when the settler publishes `step` (see testkit's crash-preload). */
  const crashRun = (args: string[], step: "closed" | "built" | "signed" | "broadcast") =>
    run(["--config", configFile, ...args], { ...env, GITBLOCK_TEST_CRASH_AFTER: step }, ["--import", CRASH_PRELOAD]);

  /** Gives every node some confirmed GBT, as validated tasks would. */
  async function earn(amount: bigint) {
    const store = new SqliteStore(path.join(dir, "relayer.db"));
    for (const node of nodes) {
      await store.touchNode(node as Address, Date.now());
      await store.updateNode(node as Address, (n) => ({ ...n, confirmedWei: n.confirmedWei + amount }));
    }
    await store.close();
  }

  async function proposals(): Promise<bigint[]> {
    const logs = await chain.publicClient.getContractEvents({
      address: chain.vault,
      abi: rewardsVaultAbi,
      eventName: "EpochProposed",
      fromBlock: 0n,
    });
    return logs.map((log) => log.args.epoch ?? 0n);
  }

  it("refuses a bad config with a clear message", async () => {
    const bad = path.join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ port: -1, verification: { quorumBps: "three", redundancy: 3 } }));
    const result = await run(["--config", bad, "status"]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /Invalid relayer configuration/);
    assert.match(result.stderr, /port/);
    assert.match(result.stderr, /verification\.quorumBps/);
    assert.match(result.stderr, /verification: Unrecognized key: "redundancy"/, "the removed setting is named");
  });

  it("manages nodes and tasks; --json on read commands", async () => {
    await earn(0n);
    const node = nodes[0] as string;
    assert.equal((await cliRun(["nodes", "ban", node, "--hours", "2"])).code, 0);
    const shown = JSON.parse((await cliRun(["nodes", "show", node, "--json"])).stdout);
    assert.ok(shown.bannedUntil > Date.now() + 3_600_000);
    assert.equal((await cliRun(["nodes", "unban", node])).code, 0);
    const listed = JSON.parse((await cliRun(["nodes", "list", "--json"])).stdout);
    assert.equal(listed.length, nodes.length);
    assert.equal(listed.find((n: { address: string }) => n.address === node).bannedUntil, null);

    const submitted = JSON.parse(
      (await cliRun(["tasks", "submit", "--model", "tiny-llm", "--input", "hi", "--max-tokens", "8", "--json"])).stdout,
    );
    const tasks = JSON.parse((await cliRun(["tasks", "list", "--json"])).stdout);
    assert.equal(tasks[0].id, submitted.id);
    assert.equal(tasks[0].status, "queued");
    assert.equal(tasks.length, 1);
    // Redundancy and the known-answer challenge pool are gone: challenges are generated beside jobs.
    const redundancy = await cliRun(["tasks", "submit", "--model", "tiny-llm", "--input", "hi", "--redundancy", "3"]);
    assert.equal(redundancy.code, 1);
    assert.match(redundancy.stderr, /unknown option '--redundancy'/);
    assert.equal((await cliRun(["challenges", "list"])).code, 1, "no challenges command any more");
    assert.equal(JSON.parse((await cliRun(["tasks", "list", "--json"])).stdout).length, 1, "nothing was queued");
    const status = JSON.parse((await cliRun(["status", "--json"])).stdout);
    assert.equal(status.nodes, nodes.length);
    assert.equal(status.openEpoch, 1);
    const text = await cliRun(["nodes", "list"]);
    assert.match(text.stdout, /address\s+reputation/);
  });

  it("a crash at any step of settlement neither proposes twice nor skips an epoch", async () => {
    // Epoch 1: killed right after closing, after building the tree, after broadcasting the proposal (before
    // recording it); each time the next run resumes.
    await earn(10n ** 18n);
    const close = await crashRun(["epoch", "close"], "closed");
    assert.equal(close.signal, "SIGKILL", close.stderr);
    for (const point of ["built", "broadcast"] as const) {
      const crashed = await crashRun(["epoch", "propose"], point);
      assert.equal(crashed.signal, "SIGKILL", `${point}: ${crashed.stderr}`);
    }
    assert.deepEqual(await proposals(), [1n], "the broadcast landed once");
    const resumed = await cliRun(["epoch", "propose", "--json"]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.deepEqual(
      JSON.parse(resumed.stdout).map((e: { epoch: number; status: string }) => [e.epoch, e.status]),
      [[1, "final"]],
    );

    // Epoch 2: killed after signing (transaction stored, never sent): the restart sends that same transaction.
    await earn(10n ** 18n);
    assert.equal((await cliRun(["epoch", "close"])).code, 0);
    const crashed = await crashRun(["epoch", "propose"], "signed");
    assert.equal(crashed.signal, "SIGKILL", crashed.stderr);
    assert.deepEqual(await proposals(), [1n]);
    const listedBefore = JSON.parse((await cliRun(["epoch", "list", "--json"])).stdout);
    assert.equal(listedBefore.find((e: { epoch: number }) => e.epoch === 2).status, "proposing");
    assert.equal((await cliRun(["epoch", "propose"])).code, 0);
    assert.equal((await cliRun(["epoch", "propose"])).code, 0, "running again is harmless");
    assert.deepEqual(await proposals(), [1n, 2n], "each epoch proposed exactly once, in order");

    const onChain = await chain.publicClient.readContract({
      address: chain.vault,
      abi: rewardsVaultAbi,
      functionName: "latestFinalEpoch",
    });
    assert.equal(onChain, 2n);
    const shown = JSON.parse((await cliRun(["epoch", "show", "2", "--json"])).stdout);
    assert.equal(shown.status, "final");
    assert.equal(shown.cumulativeTotal, (2n * 10n ** 18n * BigInt(nodes.length)).toString());
    assert.equal(shown.reconciliation.ok, false, "credits made behind the ledger's back are flagged");
  });

  it("keystore-create encrypts the key; start signs with it; backup copies the database while it serves", async () => {
    const keystore = path.join(dir, "relayer-key.json");
    const password = "correct horse battery staple";
    const missing = await run(["keystore-create", keystore], { GITBLOCK_RELAYER_KEY: HARDHAT_KEYS.relayer });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /GITBLOCK_KEYSTORE_PASSWORD/);
    const created = await run(["keystore-create", keystore], {
      GITBLOCK_RELAYER_KEY: HARDHAT_KEYS.relayer,
      GITBLOCK_KEYSTORE_PASSWORD: password,
    });
    assert.equal(created.code, 0, created.stderr);
    const relayerAddress = privateKeyToAccount(HARDHAT_KEYS.relayer).address.toLowerCase();
    assert.ok(created.stdout.toLowerCase().includes(relayerAddress), created.stdout);
    assert.ok(
      !readFileSync(keystore, "utf8").includes(HARDHAT_KEYS.relayer.slice(2)),
      "the key is not stored in clear",
    );

    const keyed = path.join(dir, "relayer-keystore.json");
    writeFileSync(
      keyed,
      JSON.stringify({ ...JSON.parse(readFileSync(configFile, "utf8")), key: { keystore: "relayer-key.json" } }),
    );
    const wrong = await run(["--config", keyed, "epoch", "propose"], { GITBLOCK_KEYSTORE_PASSWORD: "wrong" });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /password/i);

    const port = await freePort();
    // No raw key in this environment: the relayer signs with the keystore or not at all.
    const server = new CliProcess(cli, ["--config", keyed, "start"], {
      GITBLOCK_RELAYER_KEY: undefined,
      GITBLOCK_KEYSTORE_PASSWORD: password,
      GITBLOCK_RELAYER_PORT: String(port),
      LOG_LEVEL: "info",
    });
    try {
      // Readiness and the assertion come from one stream: the server's JSON log on stdout.
      const listening = JSON.parse(
        await server.line((l) => l.startsWith("{") && JSON.parse(l).msg === "relayer listening", 60_000),
      );
      assert.equal(listening.chain, 31337, "started with a chain: the keystore key was loaded");
      const health = await getJson(`http://127.0.0.1:${port}/healthz`);
      assert.equal(health.ok, true);
      assert.equal(health.store, "sqlite");

      const copy = path.join(dir, "backup.db");
      const backedUp = await cliRun(["backup", copy, "--json"]);
      assert.equal(backedUp.code, 0, backedUp.stderr);
      assert.equal(JSON.parse(backedUp.stdout).integrity, "ok");
      assert.equal((await cliRun(["backup", copy])).code, 1, "never overwrites an existing file");
      const restored = new SqliteStore(copy);
      try {
        const live = JSON.parse((await cliRun(["epoch", "list", "--json"])).stdout) as Array<{ epoch: number }>;
        assert.deepEqual(
          (await restored.listEpochs(100)).map((e) => e.epoch),
          live.map((e) => e.epoch),
        );
        assert.equal((await restored.listNodes({ limit: 100, offset: 0 })).length, nodes.length);
      } finally {
        await restored.close();
      }
    } finally {
      assert.equal(await server.stop(), 0, server.output());
    }
  });
});
