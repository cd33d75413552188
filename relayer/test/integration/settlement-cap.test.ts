import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { gitBlockTokenAbi, rewardsVaultAbi } from "@gitblock/sdk";
import {
  claimWithApiProof,
  closeAll,
  fleet,
  getJson,
  play,
  startTestChain,
  startTestRelayer,
  type TestChain,
  type TestRelayer,
  vaultAdmin,
  verdicts,
} from "@gitblock/testkit";
import { reconcileEpoch } from "../../src/ledger/reconcile.ts";

describe("epoch emission over the vault's cap", () => {
  let chain: TestChain;
  let t: TestRelayer;
  before(async () => {
    chain = await startTestChain();
    t = await startTestRelayer({ settleOn: chain });
  });
  after(async () => {
    await t?.stop();
    await chain?.stop();
  });

  const read = {
    epoch: (epoch: number) =>
      chain.publicClient.readContract({
        address: chain.vault,
        abi: rewardsVaultAbi,
        functionName: "getEpoch",
        args: [BigInt(epoch)],
      }),
    balance: async (account: `0x${string}`) =>
      chain.publicClient.readContract({
        address: chain.token,
        abi: gitBlockTokenAbi,
        functionName: "balanceOf",
        args: [account],
      }),
  };

  it("is split: each epoch emits at most the cap, the rest carries, later epochs settle it and nodes claim it all", async () => {
    const nodes = await fleet(t, 3);
    for (let i = 0; i < 2; i++) {
      const task = await t.relayer.scheduler.submit({ model: "tiny-llm", input: `capped ${i}`, maxTokens: 8, seed: i });
      await play(t, nodes, task.id);
      await verdicts(nodes, task.id);
    }
    closeAll(nodes);
    const treasury = await chain.publicClient.readContract({
      address: chain.vault,
      abi: rewardsVaultAbi,
      functionName: "treasury",
    });
    const treasuryBefore = await read.balance(treasury);

    const closed = await t.relayer.settler.close();
    const owed = (closed.cumulativeTotal ?? 0n) + (closed.networkShare ?? 0n);
    // The cap is lowered after the close, below what the epoch owes: the proposal as closed would revert.
    const cap = (owed * 2n) / 5n;
    const admin = await vaultAdmin(chain);
    await chain.publicClient.waitForTransactionReceipt({
      hash: await admin.writeContract({
        address: chain.vault,
        abi: rewardsVaultAbi,
        functionName: "setMaxEmissionPerEpoch",
        args: [cap],
      }),
    });

    let vaultTotal = 0n;
    const settled = [];
    for (let epoch = 1; ; epoch++) {
      if (epoch > 1) await t.relayer.settler.close();
      const [record] = await t.relayer.settler.advance();
      assert.equal(record?.epoch, epoch);
      assert.equal(record?.status, "final", `epoch ${epoch} settles despite the cap`);
      const onChain = await read.epoch(epoch);
      const emission = onChain.cumulativeTotal - vaultTotal + onChain.networkShare;
      assert.ok(emission <= cap, `epoch ${epoch} emits ${emission}, over the cap ${cap}`);
      vaultTotal = onChain.cumulativeTotal;
      settled.push(record);
      if (record?.carryWei === 0n) break;
      // Rounding down leaves at most a wei per leaf and one for the network unused.
      assert.ok(cap - emission <= BigInt((record?.leafCount ?? 0) + 1), `epoch ${epoch} uses the whole cap`);
      assert.ok(epoch < 4, "two fifths a time: settled within three epochs");
    }
    assert.equal(settled.length, 3, "0.4 + 0.4 + 0.2 of what epoch 1 owed");
    const first = settled[0];
    assert.equal(first?.carryWei, owed - ((first?.cumulativeTotal ?? 0n) + (first?.networkShare ?? 0n)));
    const api = await getJson(`${t.url}/api/epochs/1`);
    assert.equal(api.carryWei, String(first?.carryWei), "the API shows the carry");
    assert.ok(BigInt(api.carryWei) > 0n);

    // Leaves never go down, never pass earnings, and end at them.
    const byAccount = new Map<string, bigint>();
    for (const record of settled) {
      for (const leaf of await t.relayer.store.epochLeaves(record.epoch)) {
        assert.ok(leaf.cumulativeAmount >= (byAccount.get(leaf.account) ?? 0n), "monotone across epochs");
        assert.ok(leaf.cumulativeAmount <= leaf.earnedWei);
        byAccount.set(leaf.account, leaf.cumulativeAmount);
      }
    }
    for (const leaf of await t.relayer.store.epochLeaves(3)) assert.equal(leaf.cumulativeAmount, leaf.earnedWei);

    // Every node claims everything it earned; the treasury got all the network's credits.
    for (const node of nodes) {
      const { receipt } = await claimWithApiProof(t, chain, node.address);
      assert.equal(receipt.status, "success");
      const earned = (await t.relayer.store.getNode(node.address))?.confirmedWei;
      assert.equal(await read.balance(node.address), earned);
    }
    const networkCredits = (await t.relayer.store.ledgerEntries(1))
      .filter((e) => e.kind === "network")
      .reduce((sum, e) => sum + e.amountWei, 0n);
    assert.equal((await read.balance(treasury)) - treasuryBefore, networkCredits);

    const { ratePerTokenWei } = t.relayer.config.rewards;
    const { verifyRateBps } = t.relayer.config.verification;
    for (const record of settled) {
      const books = await reconcileEpoch(t.relayer.store, record.epoch, ratePerTokenWei, verifyRateBps);
      assert.deepEqual(books.problems, [], `epoch ${record.epoch} reconciles with its carry`);
    }
  });
});
