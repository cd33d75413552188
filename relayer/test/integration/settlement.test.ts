import assert from "node:assert/strict";
import diagnostics_channel from "node:diagnostics_channel";
import { after, before, describe, it } from "node:test";
import { gitBlockTokenAbi, rewardsVaultAbi } from "@gitblock/sdk";
import {
  chainWallet,
  claimWithApiProof,
  closeAll,
  fleet,
  getJson,
  HARDHAT_KEYS,
  play,
  startTestChain,
  startTestRelayer,
  type TestChain,
  type TestRelayer,
  verdicts,
} from "@gitblock/testkit";
import { reconcileEpoch } from "../../src/ledger/reconcile.ts";
import { EpochSettler, SETTLEMENT_CHANNEL, type SettlementStep } from "../../src/settlement/settler.ts";
import type { EpochRecord, Store } from "../../src/store/types.ts";

/** Three nodes earn one validated task: a node with nothing earned carries no leaf, so an epoch needs one to settle. */
async function earnOneTask(t: TestRelayer, input: string): Promise<void> {
  const nodes = await fleet(t, 3);
  const task = await t.relayer.scheduler.submit({ model: "tiny-llm", input, maxTokens: 8, seed: 0 });
  await play(t, nodes, task.id);
  await verdicts(nodes, task.id);
  closeAll(nodes);
}

describe("epoch settlement on a real Hardhat chain", () => {
  let chain: TestChain;
  let t: TestRelayer;
  before(async () => {
    chain = await startTestChain();
  });
  after(async () => {
    await t?.stop();
    await chain?.stop();
  });

  it("settles an epoch on-chain and a node claims with the proof from the API", async () => {
    t = await startTestRelayer({ settleOn: chain });
    const nodes = await fleet(t, 3);
    // Signed in, nothing earned yet: no node would carry a leaf, so the epoch stays open (closed, it could never be
    // proposed and every later epoch would wait behind it).
    await assert.rejects(t.relayer.settler.close(), /no node has earned yet: nothing to settle, the epoch stays open/);
    await t.relayer.closeAndSettle();
    assert.equal((await t.relayer.store.listEpochs(10)).length, 1);
    assert.equal((await t.relayer.store.listEpochs(10))[0]?.status, "open");
    for (let i = 0; i < 2; i++) {
      const task = await t.relayer.scheduler.submit({ model: "tiny-llm", input: `settle ${i}`, maxTokens: 8, seed: i });
      const { verifiers } = await play(t, nodes, task.id);
      assert.equal(verifiers.length, 2, "one generator, two verifiers: all three earn");
      await verdicts(nodes, task.id);
    }
    closeAll(nodes);

    const closed = await t.relayer.settler.close();
    assert.equal(closed.leafCount, 3);
    const steps: string[] = [];
    const [settled] = await t.relayer.settler.advance((step) => steps.push(step));
    assert.equal(settled?.status, "final", "challenge window 0: final at once");
    assert.ok(steps.some((s) => s.startsWith("broadcasting")));
    const onChain = await chain.publicClient.readContract({
      address: chain.vault,
      abi: rewardsVaultAbi,
      functionName: "getEpoch",
      args: [1n],
    });
    assert.equal(onChain.root, settled?.root);
    assert.equal(onChain.cumulativeTotal, settled?.cumulativeTotal);
    assert.equal(onChain.networkShare, settled?.networkShare);
    // The books, recomputed here from the rules: per task, the generator earns tokens × rate and each of its two
    // verifiers tokens × rate × verifyRateBps, 75% to the node (+10% bonus) and 25% to the network.
    const rate = t.relayer.config.rewards.ratePerTokenWei;
    const verifyRate = (rate * BigInt(t.relayer.config.verification.verifyRateBps)) / 10_000n;
    const perTask = (gross: bigint) => gross + (gross * 75n) / 100n / 10n;
    const expected = 2n * (perTask(8n * rate) + 2n * perTask(8n * verifyRate));
    const entries = await t.relayer.store.ledgerEntries(1);
    assert.equal(
      entries.reduce((sum, e) => sum + e.amountWei, 0n),
      expected,
      "every credit of the epoch: generators, verifiers and the network",
    );

    // A node's owner claims with the API's proof; the claim may be sent by anyone (here a third account).
    const node = nodes[0];
    assert.ok(node);
    const { claim, receipt } = await claimWithApiProof(t, chain, node.address);
    assert.equal(claim.epoch, 1);
    assert.equal(claim.root, settled?.root);
    assert.equal(receipt.status, "success");
    const state = { cumulativeAmount: BigInt(claim.state.cumulativeAmount) };
    const balance = await chain.publicClient.readContract({
      address: chain.token,
      abi: gitBlockTokenAbi,
      functionName: "balanceOf",
      args: [node.address],
    });
    assert.equal(balance, state.cumulativeAmount);
    assert.ok(balance > 0n);
    const profile = await getJson(`${t.url}/api/nodes/${node.address}`);
    assert.equal(profile.claimedWei, state.cumulativeAmount.toString());
    const missing = await fetch(`${t.url}/api/claims/0x000000000000000000000000000000000000dEaD`);
    assert.equal(missing.status, 404);

    // Nothing new: the next epoch proposes the same cumulative state as epoch 2, in order.
    await t.relayer.settler.close();
    const [second] = await t.relayer.settler.advance();
    assert.equal(second?.epoch, 2);
    assert.equal(second?.status, "final");
    // Last, so a failure here does not hide the claim above: reconciliation must price verifiers at their own rate.
    assert.deepEqual(
      (await reconcileEpoch(t.relayer.store, 1, rate, t.relayer.config.verification.verifyRateBps)).problems,
      [],
      "the books balance",
    );
  });

  it("closes and settles epochs on its own interval while running", async () => {
    await t.stop();
    // A vault of its own: the relayer's epoch numbers must match the vault's, and the first test used this one.
    await chain.stop();
    chain = await startTestChain();
    t = await startTestRelayer({ settleOn: chain, epochs: { intervalMs: 700, autoPropose: true } });
    const before = await chain.publicClient.readContract({
      address: chain.vault,
      abi: rewardsVaultAbi,
      functionName: "latestFinalEpoch",
    });
    await earnOneTask(t, "auto");
    const deadline = Date.now() + 15_000;
    for (;;) {
      const latest = await chain.publicClient.readContract({
        address: chain.vault,
        abi: rewardsVaultAbi,
        functionName: "latestFinalEpoch",
      });
      if (latest > before) break;
      assert.ok(Date.now() < deadline, "no epoch settled on the interval");
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // The relayer records finality when it sees the receipt, a moment after the chain has it.
    for (;;) {
      const epochs = await getJson(`${t.url}/api/epochs`);
      if (epochs.epochs.some((e: { status: string }) => e.status === "final")) break;
      assert.ok(Date.now() < deadline, "the relayer never recorded the final epoch");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });

  it("tracks a guardian's veto and re-proposes the vetoed epoch on the operator's word", async () => {
    await t.stop();
    await chain.stop();
    chain = await startTestChain(3_600n);
    t = await startTestRelayer({ settleOn: chain });
    await earnOneTask(t, "veto");
    await t.relayer.settler.close();
    const [proposed] = await t.relayer.settler.advance();
    assert.equal(proposed?.status, "proposed", "pending through the challenge window");

    const guardian = chainWallet(chain, HARDHAT_KEYS.guardian);
    const veto = await guardian.writeContract({
      address: chain.vault,
      abi: rewardsVaultAbi,
      functionName: "vetoEpoch",
    });
    await chain.publicClient.waitForTransactionReceipt({ hash: veto });
    const [vetoed] = await t.relayer.settler.advance();
    assert.equal(vetoed?.status, "vetoed");
    // Later epochs wait behind a vetoed one.
    await t.relayer.settler.close();
    const [stillVetoed] = await t.relayer.settler.advance();
    assert.equal(stillVetoed?.epoch, 1);

    const again = await t.relayer.settler.repropose(1);
    assert.equal(again.status, "proposed");
    const onChain = await chain.publicClient.readContract({
      address: chain.vault,
      abi: rewardsVaultAbi,
      functionName: "pendingEpoch",
    });
    assert.equal(onChain, 1n);
  });

  it("of two settlers overlapping on one epoch, one proposes it and the other stops before storing or sending its own", async () => {
    // The overlap a settlement leader cannot fence (settlement-leader.ts): its lock connection died while a step was
    // running, and the instance that took the lead settles the same epoch meanwhile.
    await t?.stop();
    await chain.stop();
    chain = await startTestChain();
    t = await startTestRelayer({ settleOn: chain });
    await earnOneTask(t, "overlap");
    const closed = await t.relayer.settler.close();

    const steps: SettlementStep[] = [];
    const record = (message: unknown) => steps.push(message as SettlementStep);
    diagnostics_channel.subscribe(SETTLEMENT_CHANNEL, record);
    const relayer = t.relayer;
    // The ex-leader: a second settler on the same store and chain, held just before it stores its signed proposal
    // until the new leader (the relayer's own settler) has settled the epoch all the way.
    let leaderRound: Promise<EpochRecord[]> | undefined;
    const heldStore = new Proxy(relayer.store, {
      get(target, property) {
        if (property === "updateEpoch") {
          return async (...args: Parameters<Store["updateEpoch"]>) => {
            if (args[1].status === "proposing" && !leaderRound) {
              leaderRound = relayer.settler.advance();
              await leaderRound;
            }
            return target.updateEpoch(...args);
          };
        }
        const value = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const exLeader = new EpochSettler({
      store: heldStore,
      clock: relayer.clock,
      log: relayer.log,
      metrics: relayer.metrics,
      events: relayer.events,
      chain: relayer.chain,
    });
    try {
      const touched = await exLeader.advance();
      assert.ok(leaderRound, "the ex-leader reached the point of storing its proposal");
      const [settled] = await leaderRound;
      assert.equal(settled?.status, "final", "the new leader proposed and finalized the epoch");
      assert.deepEqual(touched, [], "the ex-leader's round stopped at the epoch moved on under it");
    } finally {
      diagnostics_channel.unsubscribe(SETTLEMENT_CHANNEL, record);
    }
    const stored = await relayer.store.getEpoch(closed.epoch);
    assert.equal(stored?.status, "final", "not set back to proposing by the ex-leader");
    assert.deepEqual(
      steps.filter((step) => step.epoch === closed.epoch && (step.step === "signed" || step.step === "broadcast")),
      [
        { step: "signed", epoch: closed.epoch },
        { step: "broadcast", epoch: closed.epoch },
      ],
      "one proposal stored and sent: the new leader's",
    );
    const onChain = await chain.publicClient.readContract({
      address: chain.vault,
      abi: rewardsVaultAbi,
      functionName: "getEpoch",
      args: [BigInt(closed.epoch)],
    });
    assert.equal(onChain.root, stored?.root);
  });
});
