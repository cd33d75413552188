import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { gitBlockTokenAbi, RelayerApi, rewardsVaultAbi } from "@gitblock/sdk";
import { writeKeystore } from "@gitblock/sdk/keys";
import {
  CliProcess,
  chainWallet,
  closeAll,
  earnOneTask,
  FLEET_MODEL,
  freePort,
  HARDHAT_KEYS,
  NODE_CLI,
  runCli,
  startTestChain,
  startTestRelayer,
  type TestChain,
  TestNode,
  type TestRelayer,
  waitForReadyNodes,
} from "@gitblock/testkit";
import { type Address, type Hex, keccak256, parseEther } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { EpochFileMismatchError, verifyEpochFile } from "../src/operator/epoch-file.ts";

const PASSWORD = "correct horse battery";
/** Tasks tried before a test gives up waiting for a node to be handed one (the scheduler picks the generator). */
const MAX_TASKS = 12;

describe("gitblock-node claim and earnings on a local network (Hardhat chain + relayer)", () => {
  let chain: TestChain;
  let t: TestRelayer;
  let nodes: TestNode[] = [];
  const keys = new Map<Address, Hex>();
  const dir = mkdtempSync(path.join(tmpdir(), "gitblock-claim-"));
  const book = path.join(dir, "test-network.json");
  const env = { GITBLOCK_KEYSTORE_PASSWORD: PASSWORD, GITBLOCK_NODE_KEY: "", GITBLOCK_DEPLOYMENT: "" };
  let tasks = 0;

  before(async () => {
    chain = await startTestChain();
    t = await startTestRelayer({ settleOn: chain });
    for (let i = 0; i < 3; i++) {
      const key = generatePrivateKey();
      const node = new TestNode(privateKeyToAccount(key));
      keys.set(node.address, key);
      await node.connect(t.wsUrl);
      node.ready([FLEET_MODEL], 4);
      nodes.push(node);
    }
    await waitForReadyNodes(
      t,
      nodes.map((n) => n.address),
      FLEET_MODEL,
    );
    // The address book an operator would pass: only the fields the CLI reads matter here.
    writeFileSync(
      book,
      JSON.stringify({ network: "test", chainId: chain.chainId, contracts: { rewardsVault: chain.vault } }),
    );
  });
  after(async () => {
    closeAll(nodes);
    nodes = [];
    await t?.stop();
    await chain?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const confirmed = async (address: Address) => (await t.relayer.store.getNode(address))?.confirmedWei ?? 0n;
  const balance = (address: Address) =>
    chain.publicClient.readContract({
      address: chain.token,
      abi: gitBlockTokenAbi,
      functionName: "balanceOf",
      args: [address],
    });
  const claimedOnChain = (address: Address) =>
    chain.publicClient.readContract({
      address: chain.vault,
      abi: rewardsVaultAbi,
      functionName: "claimed",
      args: [address],
    });
  /** Runs tasks until `done` holds: which node generates (and so earns) is the scheduler's choice. */
  const earnUntil = async (what: string, done: () => Promise<boolean>) => {
    for (let i = 0; !(await done()); i++) {
      assert.ok(i < MAX_TASKS, `${what} after ${MAX_TASKS} tasks`);
      await earnOneTask(t, nodes, `claim cli task ${tasks++}`);
    }
  };
  const settle = async () => {
    await t.relayer.settler.close();
    const [epoch] = await t.relayer.settler.advance();
    assert.equal(epoch?.status, "final");
    return epoch.epoch;
  };
  const claimCli = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
    runCli(NODE_CLI, ["claim", "--relayer", t.url, "--rpc", chain.rpcUrl, "--deployment", book, ...args], {
      ...env,
      ...extra,
    });

  let earner: Address;
  let other: Address;
  let keystore: string;

  it("claims exactly what is claimable, from the node's keystore, and shows the transaction and the balance", async () => {
    await earnUntil("two nodes have not both earned", async () => {
      const earned = await Promise.all(nodes.map((n) => confirmed(n.address)));
      return earned.filter((wei) => wei > 0n).length >= 2;
    });
    const earners = [];
    for (const node of nodes) if ((await confirmed(node.address)) > 0n) earners.push(node.address);
    [earner, other] = earners as [Address, Address];
    await settle();

    keystore = path.join(dir, "node.json");
    writeKeystore(keystore, keys.get(earner) as Hex, PASSWORD, true);
    // A fresh key has no ETH: the operator funds its gas.
    const deployer = chainWallet(chain, HARDHAT_KEYS.deployer);
    await chain.publicClient.waitForTransactionReceipt({
      hash: await deployer.sendTransaction({ to: earner, value: parseEther("1") }),
    });

    const proof = await new RelayerApi(t.url).claim(earner);
    assert.ok(proof);
    const before = await balance(earner);
    const claimedBefore = await claimedOnChain(earner);
    const run = await claimCli(["--keystore", keystore]);
    assert.equal(run.code, 0, run.stderr);
    const paid = (await balance(earner)) - before;
    assert.equal(paid, proof.state.cumulativeAmount - claimedBefore, "pays the proof's cumulative minus claimed");
    assert.ok(paid > 0n);
    const hash = /transaction\s+(0x[0-9a-f]{64})/.exec(run.stdout)?.[1] as Hex | undefined;
    assert.ok(hash, run.stdout);
    const receipt = await chain.publicClient.getTransactionReceipt({ hash });
    assert.equal(receipt.status, "success");
    assert.equal(receipt.from.toLowerCase(), earner.toLowerCase(), "signed by the node's own key");
    assert.match(run.stdout, /received\s+\d+\.\d+ GBT/);
    assert.match(run.stderr, /waiting for its receipt/, "says what it waits on");
  });

  it("a second claim says nothing is claimable, exits 0 and sends no transaction", async () => {
    const nonce = await chain.publicClient.getTransactionCount({ address: earner });
    const run = await claimCli(["--keystore", keystore, "--json"]);
    assert.equal(run.code, 0, run.stderr);
    const outcome = JSON.parse(run.stdout);
    assert.equal(outcome.kind, "nothing");
    assert.match(outcome.reason, /claimed already/);
    assert.equal(await chain.publicClient.getTransactionCount({ address: earner }), nonce);
    const human = await claimCli(["--keystore", keystore]);
    assert.equal(human.code, 0);
    assert.match(human.stdout, /nothing to claim/);
  });

  it("after a later epoch pays only the difference: cumulative minus what was claimed before", async () => {
    const first = await confirmed(earner);
    await earnUntil("the node has earned nothing more", async () => (await confirmed(earner)) > first);
    await settle();
    const claimedBefore = await claimedOnChain(earner);
    const before = await balance(earner);
    const run = await claimCli(["--keystore", keystore, "--json"]);
    assert.equal(run.code, 0, run.stderr);
    const outcome = JSON.parse(run.stdout);
    assert.equal(outcome.kind, "claimed");
    const cumulative = BigInt(outcome.cumulativeWei);
    assert.equal(cumulative, await confirmed(earner));
    assert.equal(BigInt(outcome.claimedBeforeWei), claimedBefore);
    assert.ok(claimedBefore > 0n);
    assert.equal(BigInt(outcome.receivedWei), cumulative - claimedBefore);
    assert.equal((await balance(earner)) - before, cumulative - claimedBefore);
    assert.equal(BigInt(outcome.balanceWei), await balance(earner));
  });

  it("--account claims for another account: the tokens go to it, the sender only pays gas", async () => {
    const claimer = privateKeyToAccount(HARDHAT_KEYS.claimer).address;
    const claimerGbt = await balance(claimer);
    const proof = await new RelayerApi(t.url).claim(other);
    assert.ok(proof);
    const run = await claimCli(["--account", other, "--json"], { GITBLOCK_NODE_KEY: HARDHAT_KEYS.claimer });
    assert.equal(run.code, 0, run.stderr);
    const outcome = JSON.parse(run.stdout);
    assert.equal(outcome.kind, "claimed");
    assert.equal(outcome.sender, claimer);
    assert.equal(await balance(other), proof.state.cumulativeAmount);
    assert.equal(await balance(claimer), claimerGbt);
  });

  it("earnings lists each epoch's earning from the relayer's checked epoch files, adding up to the cumulative", async () => {
    const run = await runCli(NODE_CLI, ["earnings", "--relayer", t.url, "--keystore", keystore, "--json"], env);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.equal(report.account, earner);
    assert.deepEqual(
      report.epochs.map((e: { epoch: number }) => e.epoch),
      [1, 2],
    );
    let sum = 0n;
    let previous = 0n;
    for (const row of report.epochs) {
      const leaf = await t.relayer.store.epochLeaf(row.epoch, earner);
      assert.equal(BigInt(row.cumulativeWei), leaf?.cumulativeAmount);
      assert.equal(BigInt(row.earnedWei), BigInt(row.cumulativeWei) - previous);
      assert.equal(row.final, true);
      const onChain = await chain.publicClient.readContract({
        address: chain.vault,
        abi: rewardsVaultAbi,
        functionName: "getEpoch",
        args: [BigInt(row.epoch)],
      });
      assert.equal(row.contentHash, onChain.contentHash, "the file checked is the one the proposal commits to");
      assert.equal(row.root, onChain.root);
      previous = BigInt(row.cumulativeWei);
      sum += BigInt(row.earnedWei);
    }
    assert.equal(sum, previous);
    assert.equal(BigInt(report.earnedWei), await confirmed(earner));

    const human = await runCli(NODE_CLI, ["earnings", "--relayer", t.url, "--account", earner, "--last", "1"], env);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /1 epoch, each file checked/);
    assert.match(human.stdout, /^2\s+\d+\.\d+ GBT/m, "the newest epoch, its earning over the one before");
  });

  it("refuses an epoch file that does not match the epoch's contentHash or root", async () => {
    const api = new RelayerApi(t.url);
    const epoch = await api.epoch(1);
    const bytes = await api.epochFile(1);
    assert.ok(epoch && bytes);
    assert.equal(
      verifyEpochFile(bytes, epoch).leaves.get(earner)?.cumulativeAmount,
      await t.relayer.store.epochLeaf(1, earner).then((l) => l?.cumulativeAmount),
    );
    // One leaf's amount raised by a digit: the hash gives it away...
    const text = new TextDecoder().decode(bytes);
    const tampered = new TextEncoder().encode(text.replace(/"cumulativeAmount":"(\d)/, '"cumulativeAmount":"9$1'));
    assert.notEqual(keccak256(tampered), keccak256(bytes));
    assert.throws(() => verifyEpochFile(tampered, epoch), EpochFileMismatchError);
    // ...and a relayer that also publishes the tampered file's hash is caught by the root.
    assert.throws(
      () => verifyEpochFile(tampered, { ...epoch, contentHash: keccak256(tampered) }),
      (error: Error) => error instanceof EpochFileMismatchError && /rebuild root/.test(error.message),
    );
  });

  it("names the URL and what to check when the relayer or the RPC does not answer, or the chain is another", async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const status = await runCli(NODE_CLI, ["status", "--relayer", closed, "--address", earner], env);
    assert.equal(status.code, 1);
    assert.match(status.stderr, new RegExp(`cannot reach the relayer at ${closed} \\(connection refused\\)`));
    assert.match(status.stderr, /set --relayer or GITBLOCK_RELAYER_URL/);

    const relayerDown = await runCli(
      NODE_CLI,
      ["claim", "--relayer", closed, "--rpc", chain.rpcUrl, "--deployment", book, "--keystore", keystore],
      env,
    );
    assert.equal(relayerDown.code, 1);
    assert.match(relayerDown.stderr, new RegExp(`cannot reach the relayer at ${closed} \\(connection refused\\)`));

    const rpcDown = await claimCli(["--keystore", keystore, "--rpc", closed]);
    assert.equal(rpcDown.code, 1);
    assert.match(rpcDown.stderr, new RegExp(`cannot reach the RPC at ${closed} \\(connection refused\\)`));
    assert.match(rpcDown.stderr, /set --rpc or GITBLOCK_RPC_URL/);

    const otherChain = path.join(dir, "mainnet.json");
    writeFileSync(
      otherChain,
      JSON.stringify({ network: "mainnet", chainId: 1, contracts: { rewardsVault: chain.vault } }),
    );
    const wrong = await claimCli(["--keystore", keystore, "--deployment", otherChain]);
    assert.equal(wrong.code, 1);
    assert.match(
      wrong.stderr,
      new RegExp(`the RPC at ${chain.rpcUrl} is chain 31337, but .*mainnet\\.json is for chain 1`),
    );

    const start = new CliProcess(
      NODE_CLI,
      ["start", "--relayer", closed, "--engine", "sim", "--models", FLEET_MODEL, "--json"],
      { GITBLOCK_NODE_KEY: generatePrivateKey() },
    );
    try {
      const disconnected = await start.event("disconnected");
      assert.match(
        disconnected.unreachable,
        new RegExp(`cannot reach the relayer at ${closed} \\(connection refused\\)`),
      );
    } finally {
      await start.stop();
    }

    const earnings = await runCli(NODE_CLI, ["earnings", "--relayer", closed, "--account", earner], env);
    assert.equal(earnings.code, 1);
    assert.match(earnings.stderr, new RegExp(`cannot reach the relayer at ${closed}`));
  });
});
