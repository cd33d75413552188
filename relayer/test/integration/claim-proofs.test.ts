import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { rewardsVaultAbi } from "@gitblock/sdk";
import {
  chainWallet,
  claimWithApiProof,
  closeAll,
  earnOneTask,
  fleet,
  HARDHAT_KEYS,
  json,
  passChainTime,
  startTestChain,
  startTestRelayer,
  type TestChain,
  type TestNode,
  type TestRelayer,
} from "@gitblock/testkit";

const WINDOW = 3_600;

describe("claim proofs against the vault's current root", () => {
  let chain: TestChain;
  let t: TestRelayer;
  let other: TestRelayer | undefined;
  before(async () => {
    chain = await startTestChain(BigInt(WINDOW));
    t = await startTestRelayer({ settleOn: chain });
  });
  after(async () => {
    await other?.stop();
    await t?.stop();
    await chain?.stop();
  });

  const earn = (nodes: TestNode[], input: string) => earnOneTask(t, nodes, input);

  it("serves the epoch the vault just finalized, before the relayer has recorded it, and the claim succeeds", async () => {
    const nodes = await fleet(t, 3);
    await earn(nodes, "race 1");
    await t.relayer.settler.close();
    assert.equal((await t.relayer.settler.advance())[0]?.status, "proposed");
    await passChainTime(chain, WINDOW + 1);
    assert.equal((await t.relayer.settler.advance())[0]?.status, "final");

    await earn(nodes, "race 2");
    closeAll(nodes);
    await t.relayer.settler.close();
    const [proposed] = await t.relayer.settler.advance();
    assert.equal(proposed?.status, "proposed");
    // Anyone may finalize once the window is over: here a claimer does, and the relayer has not looked yet.
    await passChainTime(chain, WINDOW + 1);
    const claimer = chainWallet(chain, HARDHAT_KEYS.claimer);
    await chain.publicClient.waitForTransactionReceipt({
      hash: await claimer.writeContract({ address: chain.vault, abi: rewardsVaultAbi, functionName: "finalizeEpoch" }),
    });
    assert.equal((await t.relayer.store.getEpoch(2))?.status, "proposed", "the store is a step behind the chain");

    const node = nodes[0];
    assert.ok(node);
    const { claim, receipt } = await claimWithApiProof(t, chain, node.address);
    assert.equal(claim.epoch, 2);
    assert.equal(claim.root, proposed?.root);
    assert.equal(receipt.status, "success");
    const leaf = await t.relayer.store.epochLeaf(2, node.address);
    assert.equal(claim.state.cumulativeAmount, String(leaf?.cumulativeAmount));
  });

  it("answers clearly when the vault's final root is not one this relayer built", async () => {
    other = await startTestRelayer({ settleOn: chain });
    const node = (await t.relayer.store.epochLeaves(2))[0];
    const response = await fetch(`${other.url}/api/claims/${node?.account}`);
    assert.equal(response.status, 503);
    assert.match((await json(response)).error, /final root 0x[0-9a-f]{64} \(epoch 2\) is not one this relayer built/);
  });
});
