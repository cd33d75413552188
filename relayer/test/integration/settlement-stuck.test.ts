import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { rewardsVaultAbi } from "@gitblock/sdk";
import {
  chainWallet,
  closeAll,
  earnOneTask,
  fleet,
  getJson,
  HARDHAT_KEYS,
  runCli,
  startTestChain,
  startTestRelayer,
  type TestChain,
  type TestNode,
  type TestRelayer,
  vaultAdmin,
} from "@gitblock/testkit";
import { pino } from "pino";

const cli = path.resolve(import.meta.dirname, "../../src/cli/main.ts");

describe("a proposal the vault refuses for a reason other than the cap", () => {
  let chain: TestChain;
  let t: TestRelayer;
  const logLines: string[] = [];
  before(async () => {
    chain = await startTestChain();
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(...String(chunk).split("\n").filter(Boolean));
        done();
      },
    });
    t = await startTestRelayer({ settleOn: chain }, { log: pino({ level: "debug" }, sink) });
  });
  after(async () => {
    await t?.stop();
    await chain?.stop();
  });

  const earn = (nodes: TestNode[], input: string) => earnOneTask(t, nodes, input);

  /** The operator CLI on this relayer's store and chain, with the relayer's key. */
  function operator(args: string[]) {
    const config = path.join(t.dir, "cli.json");
    writeFileSync(
      config,
      JSON.stringify({
        store: t.relayer.config.store,
        chain: { rpcUrl: chain.rpcUrl, chainId: chain.chainId, rewardsVault: chain.vault },
        log: { level: "warn" },
        epochs: { intervalMs: 0 },
      }),
    );
    return runCli(cli, ["--config", config, ...args], { GITBLOCK_RELAYER_KEY: HARDHAT_KEYS.relayer });
  }

  const metric = async (name: string) => {
    const text = await (await fetch(`${t.url}/metrics`)).text();
    return text.split("\n").find((line) => line.startsWith(name)) ?? "";
  };

  it("is reported (epoch, metric, health, status, resolve) and, once fixed, it and the epochs behind it settle", async () => {
    const nodes = await fleet(t, 3);
    await earn(nodes, "stuck 1");
    await t.relayer.closeAndSettle();
    const guardian = chainWallet(chain, HARDHAT_KEYS.guardian);
    await chain.publicClient.waitForTransactionReceipt({
      hash: await guardian.writeContract({ address: chain.vault, abi: rewardsVaultAbi, functionName: "pause" }),
    });

    // Settlement does not throw at the timer: the epoch waits, built, with the vault's reason on it.
    for (let round = 0; round < 2; round++) {
      const [stuck] = await t.relayer.settler.advance();
      assert.equal(stuck?.epoch, 1);
      assert.equal(stuck?.status, "built");
      assert.equal(stuck?.proposalError, "EnforcedPause()");
    }
    assert.equal(
      await metric("gitblock_settlement_stuck_epoch"),
      'gitblock_settlement_stuck_epoch{service="gitblock-relayer"} 1',
    );
    assert.match(
      await metric("gitblock_settlement_proposal_refusals_total"),
      /reason="EnforcedPause".* 2$/,
      "each attempt counted by the vault's error",
    );
    assert.deepEqual((await getJson(`${t.url}/healthz`)).stuckProposal, { epoch: 1, reason: "EnforcedPause()" });
    assert.equal((await getJson(`${t.url}/api/epochs/1`)).proposalError, "EnforcedPause()");
    const refusals = logLines.filter((line) => line.includes("EnforcedPause"));
    assert.equal(refusals.length, 1, `one log line for the refusal, not one per attempt:\n${refusals.join("\n")}`);
    assert.equal(JSON.parse(refusals[0] ?? "{}").level, 50, "logged as an error");

    // The close of a later epoch succeeds and is not reported as failing; that epoch waits behind the stuck one.
    await earn(nodes, "stuck 2");
    closeAll(nodes);
    await t.relayer.closeAndSettle();
    assert.deepEqual(
      (await t.relayer.settler.advance()).map((e) => [e.epoch, e.status]),
      [[1, "built"]],
    );
    assert.equal((await t.relayer.store.getEpoch(2))?.status, "closed");

    const status = await operator(["status", "--json"]);
    assert.equal(status.code, 0, status.stderr);
    assert.deepEqual(JSON.parse(status.stdout).settlement, {
      epoch: 1,
      status: "built",
      proposalError: "EnforcedPause()",
    });
    const check = await operator(["epoch", "resolve", "1", "--check", "--json"]);
    assert.equal(check.code, 0, check.stderr);
    const diagnosis = JSON.parse(check.stdout);
    assert.equal(diagnosis.refusal, "EnforcedPause()", "a fresh dry run says why");
    assert.ok(BigInt(diagnosis.emission) > 0n && BigInt(diagnosis.emission) <= BigInt(diagnosis.cap));
    const refused = await operator(["epoch", "resolve", "1"]);
    assert.equal(refused.code, 1, "still paused: resolve says so and fails");
    assert.match(refused.stderr, /EnforcedPause\(\)/);

    const admin = await vaultAdmin(chain);
    await chain.publicClient.waitForTransactionReceipt({
      hash: await admin.writeContract({ address: chain.vault, abi: rewardsVaultAbi, functionName: "unpause" }),
    });
    const resolved = await operator(["epoch", "resolve", "1", "--json"]);
    assert.equal(resolved.code, 0, resolved.stderr);
    assert.equal(JSON.parse(resolved.stdout).epoch.status, "final");
    // The running relayer goes on with the epoch behind it and clears its report.
    assert.deepEqual(
      (await t.relayer.settler.advance()).map((e) => [e.epoch, e.status, e.proposalError]),
      [[2, "final", null]],
    );
    assert.equal(
      await metric("gitblock_settlement_stuck_epoch"),
      'gitblock_settlement_stuck_epoch{service="gitblock-relayer"} 0',
    );
    assert.equal((await getJson(`${t.url}/healthz`)).stuckProposal, null);
    assert.equal((await t.relayer.store.getEpoch(1))?.proposalError, null);

    for (const line of logLines) {
      assert.ok(!line.includes("stateMutability"), `a log line carries an ABI: ${line.slice(0, 300)}…`);
      assert.ok(line.length < 2_000, `a log line of ${line.length} characters: ${line.slice(0, 300)}…`);
      assert.ok(!line.includes("epoch close failed"), line);
    }
  });
});
