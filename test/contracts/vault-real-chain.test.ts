// The vault's real-chain floors, on an in-process chain whose id is not Hardhat's local 31337.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Hex, parseEther } from "viem";
import { DAY, DISPUTE_BOND, deployFixture, LOCAL_CHAIN_ID, MAX_EMISSION, REAL_CHAIN_ID } from "./fixture.ts";
import { contentHash, dispute, latestTimestamp, propose, settle } from "./helpers.ts";
import { nodeState, nodeStateTree } from "./tree.ts";

const POOL = 400_000_000n * 10n ** 18n;

async function setup() {
  const f = await deployFixture({ challengeWindow: DAY }, { chainId: REAL_CHAIN_ID });
  const tree = nodeStateTree([nodeState(f.wallets.alice.account.address, parseEther("10"))]);
  return { ...f, tree };
}

describe("RewardsVault on a real chain id", () => {
  it("runs on a chain id other than the local one and names its floors", async () => {
    const f = await setup();
    assert.equal(await f.publicClient.getChainId(), REAL_CHAIN_ID);
    assert.equal(await f.vault.read.LOCAL_CHAIN_ID(), BigInt(LOCAL_CHAIN_ID));
    assert.equal(await f.vault.read.MIN_CHALLENGE_WINDOW(), DAY);
  });

  it("the constructor refuses a challenge window under a day (the review's zero-window drain)", async () => {
    const f = await setup();
    const { admin } = f.wallets;
    const deploy = (window: bigint) =>
      f.viem.deployContract("RewardsVault", [
        f.token.address,
        admin.account.address,
        [],
        [],
        admin.account.address,
        window,
        MAX_EMISSION,
        DISPUTE_BOND,
      ]);
    for (const window of [0n, DAY - 1n]) {
      await f.viem.assertions.revertWithCustomErrorWithArgs(deploy(window), f.vault, "ChallengeWindowTooShort", [
        window,
        DAY,
      ]);
    }
    const atFloor = await deploy(DAY);
    assert.equal(await atFloor.read.challengeWindow(), DAY);
  });

  it("setChallengeWindow refuses a window under a day", async () => {
    const f = await setup();
    for (const window of [0n, 3_600n, DAY - 1n]) {
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.vault.write.setChallengeWindow([window], { account: f.wallets.admin.account }),
        f.vault,
        "ChallengeWindowTooShort",
        [window, DAY],
      );
    }
    await f.vault.write.setChallengeWindow([2n * DAY], { account: f.wallets.admin.account });
    assert.equal(await f.vault.read.challengeWindow(), 2n * DAY);
  });

  it("400 proposals of a full cap each in one block settle at most one: the pool cannot be drained at once", async () => {
    const f = await setup();
    const { relayer, admin } = f.wallets;
    // The drain needed the zero window the old deploy defaulted to: no path to it is left.
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      f.vault.write.setChallengeWindow([0n], { account: admin.account }),
      f.vault,
      "ChallengeWindowTooShort",
      [0n, DAY],
    );
    const count = 400;
    await f.connection.provider.request({ method: "evm_setAutomine", params: [false] });
    const hashes: Hex[] = [];
    for (let epoch = 1; epoch <= count; epoch++) {
      // Each would take a whole cap: 400 of them are the whole 400M pool.
      const total = BigInt(epoch) * MAX_EMISSION;
      hashes.push(
        await f.vault.write.proposeEpoch([BigInt(epoch), f.tree.root, total, 0n, contentHash(`drain-${epoch}`)], {
          account: relayer.account,
          gas: 300_000n,
        }),
      );
    }
    await f.networkHelpers.mine();
    await f.connection.provider.request({ method: "evm_setAutomine", params: [true] });
    const receipts = await Promise.all(hashes.map((hash) => f.publicClient.getTransactionReceipt({ hash })));
    assert.equal(new Set(receipts.map((r) => r.blockNumber)).size, 1, "all in one block");
    assert.equal(receipts.filter((r) => r.status === "success").length, 1, "only the first proposal went through");
    assert.equal(receipts[0]?.status, "success");
    assert.equal(await f.vault.read.latestFinalEpoch(), 0n, "and it is not final: a day to veto or dispute it");
    assert.equal(await f.vault.read.pendingEpoch(), 1n);
    assert.equal(POOL / MAX_EMISSION, BigInt(count), "400 caps would have been the whole pool");
  });

  it("a proposal comes at least one window after the previous one, even after a veto", async () => {
    const f = await setup();
    await propose(f, 1n, f.tree);
    const proposedAt = await latestTimestamp(f);
    await f.vault.write.vetoEpoch({ account: f.wallets.guardian.account });
    await f.viem.assertions.revertWithCustomErrorWithArgs(propose(f, 1n, f.tree), f.vault, "ProposalTooSoon", [
      proposedAt + DAY,
    ]);
    await f.networkHelpers.time.setNextBlockTimestamp(proposedAt + DAY - 1n);
    await f.viem.assertions.revertWithCustomErrorWithArgs(propose(f, 1n, f.tree), f.vault, "ProposalTooSoon", [
      proposedAt + DAY,
    ]);
    await f.networkHelpers.time.setNextBlockTimestamp(proposedAt + DAY);
    await propose(f, 1n, f.tree);
    assert.equal(await f.vault.read.pendingEpoch(), 1n);
  });

  it("a disputed (and upheld) proposal counts as a proposal for the interval too", async () => {
    const f = await setup();
    await propose(f, 1n, f.tree);
    const proposedAt = await latestTimestamp(f);
    await dispute(f, 1n);
    await f.vault.write.resolveDispute([true], { account: f.wallets.guardian.account });
    await f.viem.assertions.revertWithCustomErrorWithArgs(propose(f, 1n, f.tree), f.vault, "ProposalTooSoon", [
      proposedAt + DAY,
    ]);
  });

  it("honest settlement is not slowed: each epoch is proposed as the previous one becomes final", async () => {
    const f = await setup();
    await settle(f, 1n, f.tree);
    const tree2 = nodeStateTree([nodeState(f.wallets.alice.account.address, parseEther("20"))]);
    await propose(f, 2n, tree2);
    const { finalAt } = await f.vault.read.getEpoch([2n]);
    await f.networkHelpers.time.setNextBlockTimestamp(finalAt);
    const tree3 = nodeStateTree([nodeState(f.wallets.alice.account.address, parseEther("30"))]);
    await propose(f, 3n, tree3);
    assert.equal(await f.vault.read.latestFinalEpoch(), 2n, "epoch 2 finalized by the proposal of 3");
    assert.equal(await f.vault.read.pendingEpoch(), 3n);
  });
});
