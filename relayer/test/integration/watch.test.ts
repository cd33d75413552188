// The watcher against a real Hardhat chain with a challenge window, a real relayer and its real HTTP API: honest
// epochs pass and become final; the review's redistributing root, a file that does not match its contentHash, and a
// proposal whose file never appears are vetoed before they are final; a key without a role disputes with the bond.
import assert from "node:assert/strict";
import path from "node:path";
import { afterEach, describe, it } from "node:test";
import { type NodeState, rewardsVaultAbi } from "@gitblock/sdk";
import {
  CliProcess,
  chainWallet,
  claimWithApiProof,
  closeAll,
  earnOneTask,
  fleet,
  HARDHAT_KEYS,
  passChainTime,
  REPO_ROOT,
  runCli,
  startTestChain,
  startTestRelayer,
  type TestChain,
  type TestNode,
  type TestRelayer,
  until,
} from "@gitblock/testkit";
import { pino } from "pino";
import { type Hex, keccak256, toBytes, toHex } from "viem";
import { VAULT_EPOCH_STATUS } from "../../src/settlement/chain.ts";
import { epochFileHash, epochFilePath } from "../../src/settlement/epoch-file.ts";
import { leafState } from "../../src/settlement/leaf-state.ts";
import { buildEpochTree } from "../../src/settlement/merkle.ts";
import { httpEpochFiles } from "../../src/watch/http-epoch-files.ts";
import { Watcher, type WatchReport } from "../../src/watch/watcher.ts";

const WINDOW = 3_600;
const MAIN = path.join(REPO_ROOT, "relayer/src/cli/main.ts");

interface Setting {
  chain: TestChain;
  t: TestRelayer;
  nodes: TestNode[];
}

let running: Setting | null = null;
const watchers: Watcher[] = [];

afterEach(async () => {
  for (const watcher of watchers.splice(0)) watcher.stop();
  if (running) {
    closeAll(running.nodes);
    await running.t.stop();
    await running.chain.stop();
    running = null;
  }
});

/** A fresh chain (challenge window of an hour), a relayer settling on it, three nodes that earned one task. */
async function setting(window = WINDOW): Promise<Setting> {
  const chain = await startTestChain(BigInt(window));
  const t = await startTestRelayer({ settleOn: chain });
  const nodes = await fleet(t, 3);
  running = { chain, t, nodes };
  await earnOneTask(t, nodes, "first");
  return running;
}

function watcher(s: Setting, key: Hex | null, graceSeconds = 600) {
  const reports: WatchReport[] = [];
  const w = new Watcher({
    publicClient: s.chain.publicClient,
    walletClient: key ? chainWallet(s.chain, key) : null,
    vault: s.chain.vault,
    files: httpEpochFiles(s.t.url),
    log: pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" }),
    graceSeconds,
    pollIntervalMs: 50,
    onReport: (report) => reports.push(report),
  });
  watchers.push(w);
  return { watcher: w, reports };
}

const readEpoch = (s: Setting, epoch: number) =>
  s.chain.publicClient.readContract({
    address: s.chain.vault,
    abi: rewardsVaultAbi,
    functionName: "getEpoch",
    args: [BigInt(epoch)],
  });

const untilStatus = (s: Setting, epoch: number, status: number) =>
  until(
    `epoch ${epoch} to reach on-chain status ${status}`,
    async () => ((await readEpoch(s, epoch)).status === status ? true : undefined),
    { timeoutMs: 30_000, intervalMs: 50 },
  );

/** The report on `epoch` from a watcher running its own loop (`run()`). */
const reportOf = (reports: WatchReport[], epoch: number) =>
  until(`the watcher's report on epoch ${epoch}`, () => reports.find((r) => r.epoch === epoch));

/**
 * The report on `epoch` from a watcher the test drives round by round: one more `poll()` until it comes, as its own
 * loop would (a round may see the chain's head of a moment before the proposal, and only the next round finds it).
 */
const polledReportOf = (w: Watcher, reports: WatchReport[], epoch: number) =>
  until(`the watcher's report on epoch ${epoch}`, async () => {
    await w.poll();
    return reports.find((r) => r.epoch === epoch);
  });

/** Closes the open epoch and lets the relayer propose it (pending for the challenge window). */
async function propose(s: Setting) {
  await s.t.relayer.settler.close();
  const [proposed] = (await s.t.relayer.settler.advance()).slice(-1);
  assert.equal(proposed?.status, "proposed");
  return proposed;
}

/** Ends the window, and the relayer finalizes the epoch. */
async function finalize(s: Setting, epoch: number) {
  await passChainTime(s.chain, WINDOW);
  const records = await s.t.relayer.settler.advance();
  assert.equal(records.find((r) => r.epoch === epoch)?.status, "final");
}

/** After a proposal: the relayer's database is changed so the file it serves differs from the one it hashed. */
async function tamperServedLeaf(s: Setting, epoch: number): Promise<void> {
  const [first] = await s.t.relayer.store.epochLeaves(epoch);
  assert.ok(first);
  await s.t.relayer.store.dialect.db
    .updateTable("epoch_leaves")
    .set({ tasks_validated: Number(first.tasksValidated) + 1 })
    .where("epoch", "=", epoch)
    .where("idx", "=", first.index)
    .execute();
}

describe("the watcher (real chain with a one-hour window, real relayer, real HTTP)", () => {
  it("passes honest epochs, which then become final; the file it checks is the one the API serves", async () => {
    const s = await setting();
    const { watcher: w, reports } = watcher(s, HARDHAT_KEYS.guardian);
    const loop = w.run();

    const first = await propose(s);
    const one = await reportOf(reports, 1);
    assert.equal(one.verdict, "pass", JSON.stringify(one.findings));
    assert.equal(one.status, "Pending", "checked inside the window");
    assert.equal(one.objection, null);
    assert.equal(one.leaves, 3);
    await finalize(s, 1);

    await earnOneTask(s.t, s.nodes, "second");
    await propose(s);
    const two = await reportOf(reports, 2);
    assert.equal(two.verdict, "pass", JSON.stringify(two.findings));
    await finalize(s, 2);
    assert.equal((await readEpoch(s, 2)).status, VAULT_EPOCH_STATUS.Final);
    w.stop();
    await loop;

    // The published file: its bytes hash to the contentHash on-chain (and the ETag says so); an epoch not proposed
    // yet has none.
    const response = await fetch(`${s.t.url}${epochFilePath(1)}`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /application\/x-ndjson/);
    const bytes = new Uint8Array(await response.arrayBuffer());
    assert.equal(keccak256(bytes), (await readEpoch(s, 1)).contentHash);
    assert.equal(response.headers.get("etag"), `"${first?.contentHash}"`);
    assert.equal((await fetch(`${s.t.url}${epochFilePath(3)}`)).status, 404, "the open epoch");
  });

  it("with a window of 0 (npm start's chain) checks each epoch, final at once, and can only report", async () => {
    const s = await setting(0);
    const { watcher: w, reports } = watcher(s, HARDHAT_KEYS.guardian);
    await w.poll();
    await s.t.relayer.settler.close();
    const [first] = await s.t.relayer.settler.advance();
    assert.equal(first?.status, "final");
    const one = await polledReportOf(w, reports, 1);
    assert.equal(one.verdict, "pass", JSON.stringify(one.findings));
    assert.equal(one.status, "Final");

    // A later final epoch whose published file no longer matches: reported, with nothing sent.
    await earnOneTask(s.t, s.nodes, "second");
    await s.t.relayer.settler.close();
    await s.t.relayer.settler.advance();
    await tamperServedLeaf(s, 2);
    const two = await polledReportOf(w, reports, 2);
    assert.equal(two.status, "Final");
    assert.equal(two.verdict, "mismatch");
    assert.equal(two.objection, null, "a final epoch cannot be vetoed");
    assert.equal(w.mismatchCount, 1);
  });

  it("vetoes the review's attack, a root that moves one account's unclaimed amount to another, before it is final", async () => {
    const s = await setting();
    const { watcher: w, reports } = watcher(s, HARDHAT_KEYS.guardian);
    const loop = w.run();
    await propose(s);
    await finalize(s, 1);
    const finalRoot = (await readEpoch(s, 1)).root;

    // Epoch 2 with no new work: zero emission. The relayer is compromised (its key and its database): its leaves
    // give the first node's unclaimed amount to the second, and it proposes and publishes that consistently.
    await s.t.relayer.settler.close();
    const honest = await s.t.relayer.store.epochLeaves(2);
    const [victim, thief] = honest;
    assert.ok(victim && thief && victim.cumulativeAmount > 0n);
    const moved = honest.map((leaf) =>
      leaf.index === victim.index
        ? { ...leaf, cumulativeAmount: 0n }
        : leaf.index === thief.index
          ? { ...leaf, cumulativeAmount: thief.cumulativeAmount + victim.cumulativeAmount }
          : leaf,
    );
    const db = s.t.relayer.store.dialect.db;
    for (const leaf of [moved[victim.index], moved[thief.index]]) {
      assert.ok(leaf);
      const amount = leaf.cumulativeAmount.toString();
      await db
        .updateTable("epoch_leaves")
        .set({ cumulative_amount: amount, earned_wei: amount })
        .where("epoch", "=", 2)
        .where("idx", "=", leaf.index)
        .execute();
    }
    const record = await s.t.relayer.store.getEpoch(2);
    assert.ok(record?.cumulativeTotal !== null && record?.cumulativeTotal !== undefined);
    const states: NodeState[] = moved.map(leafState);
    const tree = await buildEpochTree(states, states.length);
    const header = {
      epoch: 2,
      root: tree.root,
      cumulativeTotal: record.cumulativeTotal,
      networkShare: 0n,
      leafCount: states.length,
    };
    const contentHash = await epochFileHash(header, states);
    await s.t.relayer.store.updateEpoch(2, { root: tree.root, contentHash, networkShare: 0n, status: "proposed" });
    const relayerKey = chainWallet(s.chain, HARDHAT_KEYS.relayer);
    const proposal = await relayerKey.writeContract({
      address: s.chain.vault,
      abi: rewardsVaultAbi,
      functionName: "proposeEpoch",
      args: [2n, tree.root, record.cumulativeTotal, 0n, contentHash],
    });
    assert.equal((await s.chain.publicClient.waitForTransactionReceipt({ hash: proposal })).status, "success");
    assert.equal((await readEpoch(s, 1)).cumulativeTotal, record.cumulativeTotal, "the vault saw zero emission");

    await untilStatus(s, 2, VAULT_EPOCH_STATUS.Vetoed);
    const report = await reportOf(reports, 2);
    assert.equal(report.verdict, "mismatch");
    assert.deepEqual([...new Set(report.findings.map((f) => f.check))], ["backwards"]);
    assert.match(report.findings[0]?.detail ?? "", new RegExp(`${victim.account.toLowerCase()}: cumulativeAmount`));
    assert.equal(report.objection?.action, "veto");
    assert.equal(report.objection?.ok, true);
    w.stop();
    await loop;

    // Nothing can be claimed under it: past its window it cannot be finalized, the claim root is still epoch 1's,
    // the thief's proof is refused, and the victim claims what epoch 1 gave it.
    await passChainTime(s.chain, WINDOW + 1);
    await assert.rejects(
      s.chain.publicClient.simulateContract({
        address: s.chain.vault,
        abi: rewardsVaultAbi,
        functionName: "finalizeEpoch",
        account: relayerKey.account,
      }),
      /NoPendingEpoch/,
    );
    assert.equal(
      await s.chain.publicClient.readContract({
        address: s.chain.vault,
        abi: rewardsVaultAbi,
        functionName: "finalRoot",
      }),
      finalRoot,
    );
    const stolen = states[thief.index] as NodeState;
    await assert.rejects(
      s.chain.publicClient.simulateContract({
        address: s.chain.vault,
        abi: rewardsVaultAbi,
        functionName: "claim",
        args: [stolen, tree.proof(thief.index)],
        account: relayerKey.account,
      }),
      /InvalidProof/,
    );
    // The relayer's own proof is of epoch 1's tree, the final one.
    const { receipt } = await claimWithApiProof(s.t, s.chain, victim.account);
    assert.equal(receipt.status, "success");
  });

  it("vetoes a proposal whose published file does not hash to its contentHash (the CLI, with a guardian key)", async () => {
    const s = await setting();
    await propose(s);
    await tamperServedLeaf(s, 1);

    // The CLI, as anyone runs it: no relayer config, just the RPC, the vault and the relayer's URL.
    const args = ["watch", "--rpc", s.chain.rpcUrl, "--vault", s.chain.vault, "--relayer", s.t.url, "--once"];
    const readOnly = await runCli(MAIN, args, { GITBLOCK_WATCHER_KEY: "" });
    assert.equal(readOnly.code, 1, `a mismatch exits 1\n${readOnly.stdout}\n${readOnly.stderr}`);
    assert.equal((await readEpoch(s, 1)).status, VAULT_EPOCH_STATUS.Pending, "without a key it only reports");

    // Running on (as npm start runs it) with the guardian's key: it vetoes, and stops cleanly on SIGTERM.
    const guardian = new CliProcess(MAIN, args.slice(0, -1), { GITBLOCK_WATCHER_KEY: HARDHAT_KEYS.guardian });
    const checked = await guardian.event("epoch-checked", (e) => e.epoch === 1, 30_000);
    assert.equal(await guardian.stop(), 0, guardian.output());
    assert.equal(checked.verdict, "mismatch");
    assert.ok(
      checked.findings.some((f: { check: string }) => f.check === "contentHash"),
      JSON.stringify(checked.findings),
    );
    assert.equal(checked.objection.action, "veto");
    assert.equal((await readEpoch(s, 1)).status, VAULT_EPOCH_STATUS.Vetoed);
  });

  it("vetoes a proposal whose file never appears, once its grace period is over (and not before)", async () => {
    const s = await setting();
    // A stolen relayer key alone: a proposal of epoch 1 the relayer never made, so it publishes no file for it.
    await s.t.relayer.settler.close();
    const relayerKey = chainWallet(s.chain, HARDHAT_KEYS.relayer);
    const root = keccak256(toBytes("a root nobody can check"));
    const hash = await relayerKey.writeContract({
      address: s.chain.vault,
      abi: rewardsVaultAbi,
      functionName: "proposeEpoch",
      args: [1n, root, 1_000n, 0n, toHex(1n, { size: 32 })],
    });
    await s.chain.publicClient.waitForTransactionReceipt({ hash });

    const { watcher: w, reports } = watcher(s, HARDHAT_KEYS.guardian, 60);
    await w.poll();
    assert.equal(w.unchecked, 1, "unavailable: retried, not judged");
    assert.equal(reports.length, 0);
    assert.equal((await readEpoch(s, 1)).status, VAULT_EPOCH_STATUS.Pending);

    await passChainTime(s.chain, 61);
    const report = await polledReportOf(w, reports, 1);
    assert.equal(report.verdict, "mismatch");
    assert.match(report.findings[0]?.detail ?? "", /no file within the grace period/);
    assert.equal((await readEpoch(s, 1)).status, VAULT_EPOCH_STATUS.Vetoed);
  });

  it("disputes with the bond when its key has no role: the epoch is Disputed and cannot become final", async () => {
    const s = await setting();
    await propose(s);
    await tamperServedLeaf(s, 1);
    const bond = await s.chain.publicClient.readContract({
      address: s.chain.vault,
      abi: rewardsVaultAbi,
      functionName: "disputeBond",
    });
    assert.ok(bond > 0n);

    const disputer = chainWallet(s.chain, HARDHAT_KEYS.claimer);
    const { watcher: w, reports } = watcher(s, HARDHAT_KEYS.claimer);
    const loop = w.run();
    await untilStatus(s, 1, VAULT_EPOCH_STATUS.Disputed);
    const report = await reportOf(reports, 1);
    assert.equal(report.objection?.action, "dispute");
    assert.equal(report.objection?.ok, true);
    w.stop();
    await loop;
    const [who, posted] = await s.chain.publicClient.readContract({
      address: s.chain.vault,
      abi: rewardsVaultAbi,
      functionName: "openDispute",
    });
    assert.equal(who, disputer.account.address);
    assert.equal(posted, bond);
    assert.equal(await s.chain.publicClient.getBalance({ address: s.chain.vault }), bond);

    // The dispute holds finality past the window; the relayer sees it still proposed.
    await passChainTime(s.chain, WINDOW + 1);
    await assert.rejects(
      s.chain.publicClient.simulateContract({
        address: s.chain.vault,
        abi: rewardsVaultAbi,
        functionName: "finalizeEpoch",
        account: disputer.account,
      }),
      /DisputeOpen/,
    );
    const [tracked] = await s.t.relayer.settler.advance();
    assert.equal(tracked?.status, "proposed");

    // A guardian upholds it: vetoed, and the bond is the disputer's to withdraw.
    const guardian = chainWallet(s.chain, HARDHAT_KEYS.guardian);
    const upheld = await guardian.writeContract({
      address: s.chain.vault,
      abi: rewardsVaultAbi,
      functionName: "resolveDispute",
      args: [true],
    });
    await s.chain.publicClient.waitForTransactionReceipt({ hash: upheld });
    assert.equal((await readEpoch(s, 1)).status, VAULT_EPOCH_STATUS.Vetoed);
    assert.equal(
      await s.chain.publicClient.readContract({
        address: s.chain.vault,
        abi: rewardsVaultAbi,
        functionName: "withdrawableBond",
        args: [disputer.account.address],
      }),
      bond,
    );
  });
});
