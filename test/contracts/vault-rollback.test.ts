import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseEther, parseEventLogs } from "viem";
import { DISPUTE_BOND, deployFixture } from "./fixture.ts";
import { dispute, EPOCH_STATUS, GUARDIAN_ROLE, propose, settle } from "./helpers.ts";
import { nodeState, nodeStateTree } from "./tree.ts";

const SHARE = parseEther("5");

async function setup() {
  const f = await deployFixture();
  const { alice, bob, carol } = f.wallets;
  const a1 = nodeState(alice.account.address, parseEther("100"));
  const b1 = nodeState(bob.account.address, parseEther("50"));
  const honest1 = nodeStateTree([a1, b1]);
  // A bad root that became final: alice's amount inflated by 200 within the cap, bob's left alone.
  const aBad = nodeState(alice.account.address, parseEther("300"), { reputationBps: 10_000 });
  const bBad = nodeState(bob.account.address, parseEther("50"));
  const bad2 = nodeStateTree([aBad, bBad]);
  const a2 = nodeState(alice.account.address, parseEther("110"));
  const b2 = nodeState(bob.account.address, parseEther("60"));
  const c2 = nodeState(carol.account.address, parseEther("5"));
  const honest2 = nodeStateTree([a2, b2, c2]);
  await settle(f, 1n, honest1, { networkShare: SHARE });
  await settle(f, 2n, bad2, { networkShare: SHARE });
  return { ...f, a1, b1, honest1, aBad, bBad, bad2, a2, b2, c2, honest2 };
}

type Setup = Awaited<ReturnType<typeof setup>>;

async function pauseAndRollBack(f: Setup, wallet = f.wallets.guardian) {
  await f.vault.write.pause({ account: f.wallets.guardian.account });
  return f.vault.write.rollBack({ account: wallet.account });
}

describe("RewardsVault roll-back of a bad final root", () => {
  it("a pause alone cannot retire a bad final root: unpausing brings it back (the review's finding)", async () => {
    const f = await setup();
    await f.vault.write.pause({ account: f.wallets.guardian.account });
    await f.vault.write.unpause({ account: f.wallets.admin.account });
    assert.equal(await f.vault.read.finalRoot(), f.bad2.root);
    await f.vault.write.claim([f.aBad, f.bad2.proof(f.aBad)]);
    assert.equal(await f.token.read.balanceOf([f.aBad.account]), f.aBad.cumulativeAmount, "the bad root paid");
  });

  it("while paused a guardian rolls the claim root back to the previous final root; unpause restores that one", async () => {
    const f = await setup();
    const { guardian, admin } = f.wallets;
    const treasuryBefore = await f.token.read.balanceOf([f.addresses.treasury]);
    const hash = await pauseAndRollBack(f);
    await f.viem.assertions.emitWithArgs(hash, f.vault, "EpochRolledBack", [
      2n,
      f.bad2.root,
      guardian.account.address,
      0n,
    ]);
    const increase = f.bad2.cumulativeTotal - f.honest1.cumulativeTotal;
    await f.viem.assertions.emitWithArgs(hash, f.token, "PayoutAllowanceDecreased", [
      increase,
      f.honest1.cumulativeTotal,
    ]);
    assert.equal((await f.vault.read.getEpoch([2n])).status, EPOCH_STATUS.rolledBack);
    assert.equal((await f.vault.read.getEpoch([1n])).status, EPOCH_STATUS.final);
    assert.equal(await f.vault.read.latestFinalEpoch(), 1n);
    assert.equal(await f.vault.read.finalRoot(), f.honest1.root);
    assert.equal(await f.vault.read.pendingEpoch(), 0n);
    assert.equal(await f.token.read.payoutAllowance(), f.honest1.cumulativeTotal, "back to epoch 1's total");
    assert.equal(await f.vault.read.totalClaimed(), 0n);
    assert.equal(await f.vault.read.verifyNodeState([2n, f.aBad, f.bad2.proof(f.aBad)]), false);
    assert.equal(
      await f.token.read.balanceOf([f.addresses.treasury]),
      treasuryBefore,
      "the network share already sent stays with the treasury",
    );

    await f.vault.write.unpause({ account: admin.account });
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      f.vault.write.claim([f.aBad, f.bad2.proof(f.aBad)]),
      f.vault,
      "InvalidProof",
      [f.aBad.account],
    );
    for (const state of [f.a1, f.b1]) await f.vault.write.claim([state, f.honest1.proof(state)]);
    assert.equal(await f.token.read.balanceOf([f.a1.account]), f.a1.cumulativeAmount);
    assert.equal(await f.token.read.payoutAllowance(), 0n);
  });

  it("the next proposal carries the rolled-back epoch's id again and is measured from the restored total", async () => {
    const f = await setup();
    await pauseAndRollBack(f);
    await f.vault.write.unpause({ account: f.wallets.admin.account });
    await f.viem.assertions.revertWithCustomErrorWithArgs(propose(f, 3n, f.honest2), f.vault, "UnexpectedEpoch", [
      3n,
      2n,
    ]);
    await settle(f, 2n, f.honest2);
    assert.equal(await f.vault.read.latestFinalEpoch(), 2n);
    assert.equal((await f.vault.read.getEpoch([2n])).status, EPOCH_STATUS.final);
    assert.equal(await f.token.read.payoutAllowance(), f.honest2.cumulativeTotal);
    for (const state of f.honest2.states) await f.vault.write.claim([state, f.honest2.proof(state)]);
    assert.equal(await f.token.read.balanceOf([f.a2.account]), f.a2.cumulativeAmount);
  });

  it("what was claimed under the bad root is gone: the allowance saturates at zero and the excess is counted", async () => {
    const f = await setup();
    await f.vault.write.claim([f.aBad, f.bad2.proof(f.aBad)]);
    const allowance = await f.token.read.payoutAllowance();
    assert.equal(allowance, f.bBad.cumulativeAmount, "only bob's 50 left");
    const increase = f.bad2.cumulativeTotal - f.honest1.cumulativeTotal;
    const hash = await pauseAndRollBack(f);
    const overpaid = increase - allowance;
    await f.viem.assertions.emitWithArgs(hash, f.vault, "EpochRolledBack", [
      2n,
      f.bad2.root,
      f.wallets.guardian.account.address,
      overpaid,
    ]);
    await f.viem.assertions.emitWithArgs(hash, f.token, "PayoutAllowanceDecreased", [allowance, 0n]);
    assert.equal(await f.token.read.payoutAllowance(), 0n);
    assert.equal(await f.vault.read.overpaidByRolledBackRoots(), overpaid);
    assert.equal(await f.vault.read.totalClaimed(), f.aBad.cumulativeAmount, "totalClaimed still counts every payment");
    await f.vault.write.unpause({ account: f.wallets.admin.account });
    // Bob is owed 50 under the restored root, but the 200 alice took beyond it came out of what others were owed.
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      f.vault.write.claim([f.b1, f.honest1.proof(f.b1)]),
      f.token,
      "PayoutLimitExceeded",
      [f.b1.cumulativeAmount, 0n],
    );
    await f.viem.assertions.revertWithCustomError(
      f.vault.write.claim([f.a1, f.honest1.proof(f.a1)]),
      f.token,
      "NothingToClaim",
    );
  });

  it("a root declaring Σ max(cumulativeAmount, claimed) − overpaid makes every account payable in full again", async () => {
    const f = await setup();
    await f.vault.write.claim([f.aBad, f.bad2.proof(f.aBad)]);
    await pauseAndRollBack(f);
    await f.vault.write.unpause({ account: f.wallets.admin.account });
    const overpaid = await f.vault.read.overpaidByRolledBackRoots();
    let total = -overpaid;
    for (const state of f.honest2.states) {
      const claimed = await f.vault.read.claimed([state.account]);
      // max(cumulativeAmount, claimed): what it claimed plus what is still due.
      total += claimed + (state.cumulativeAmount > claimed ? state.cumulativeAmount - claimed : 0n);
    }
    await settle(f, 2n, f.honest2, { cumulativeTotal: total });
    for (const state of [f.b2, f.c2]) {
      await f.vault.write.claim([state, f.honest2.proof(state)]);
      assert.equal(await f.token.read.balanceOf([state.account]), state.cumulativeAmount);
    }
    await f.viem.assertions.revertWithCustomError(
      f.vault.write.claim([f.a2, f.honest2.proof(f.a2)]),
      f.token,
      "NothingToClaim",
    );
    assert.equal(await f.token.read.payoutAllowance(), 0n, "exactly enough");
  });

  it("repeated roll-backs go further back, and rolling back past epoch 0 reverts with NoFinalEpoch", async () => {
    const f = await setup();
    await pauseAndRollBack(f);
    await f.vault.write.rollBack({ account: f.wallets.guardian.account });
    assert.equal(await f.vault.read.latestFinalEpoch(), 0n);
    assert.equal((await f.vault.read.getEpoch([1n])).status, EPOCH_STATUS.rolledBack);
    assert.equal(await f.token.read.payoutAllowance(), 0n);
    assert.equal(await f.vault.read.finalRoot(), `0x${"0".repeat(64)}`);
    await f.viem.assertions.revertWithCustomError(
      f.vault.write.rollBack({ account: f.wallets.guardian.account }),
      f.vault,
      "NoFinalEpoch",
    );
    await f.vault.write.unpause({ account: f.wallets.admin.account });
    await f.viem.assertions.revertWithCustomError(
      f.vault.write.claim([f.a1, f.honest1.proof(f.a1)]),
      f.vault,
      "NoFinalEpoch",
    );
    await settle(f, 1n, f.honest1);
    assert.equal(await f.vault.read.latestFinalEpoch(), 1n);
    assert.equal(await f.token.read.payoutAllowance(), f.honest1.cumulativeTotal);
  });

  it("an epoch that added nothing rolls back without touching the allowance", async () => {
    const f = await setup();
    await settle(f, 3n, f.bad2, { cumulativeTotal: f.bad2.cumulativeTotal });
    const hash = await pauseAndRollBack(f);
    const { logs } = await f.publicClient.getTransactionReceipt({ hash });
    assert.equal(parseEventLogs({ abi: f.token.abi, eventName: "PayoutAllowanceDecreased", logs }).length, 0);
    assert.equal(await f.token.read.payoutAllowance(), f.bad2.cumulativeTotal);
    assert.equal(await f.vault.read.latestFinalEpoch(), 2n);
  });

  it("needs a pause, and only a guardian or the admin may roll back", async () => {
    const f = await setup();
    await f.viem.assertions.revertWithCustomError(
      f.vault.write.rollBack({ account: f.wallets.guardian.account }),
      f.vault,
      "ExpectedPause",
    );
    await f.vault.write.pause({ account: f.wallets.guardian.account });
    for (const wallet of [f.wallets.relayer, f.wallets.stranger]) {
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.vault.write.rollBack({ account: wallet.account }),
        f.vault,
        "AccessControlUnauthorizedAccount",
        [wallet.account.address, GUARDIAN_ROLE],
      );
    }
    await f.viem.assertions.emitWithArgs(
      f.vault.write.rollBack({ account: f.wallets.admin.account }),
      f.vault,
      "EpochRolledBack",
      [2n, f.bad2.root, f.wallets.admin.account.address, 0n],
    );
  });

  it("a pending epoch proposed on top of the bad root is vetoed with it (a disputed one upholds its dispute)", async () => {
    const f = await setup();
    await propose(f, 3n, f.bad2);
    await dispute(f, 3n);
    const hash = await pauseAndRollBack(f);
    await f.viem.assertions.emitWithArgs(hash, f.vault, "EpochVetoed", [
      3n,
      f.bad2.root,
      f.wallets.guardian.account.address,
    ]);
    await f.viem.assertions.emitWithArgs(hash, f.vault, "DisputeResolved", [
      3n,
      f.wallets.stranger.account.address,
      true,
    ]);
    assert.equal((await f.vault.read.getEpoch([3n])).status, EPOCH_STATUS.vetoed);
    assert.equal(await f.vault.read.withdrawableBond([f.wallets.stranger.account.address]), DISPUTE_BOND);
    await f.vault.write.unpause({ account: f.wallets.admin.account });
    // Epoch 3's stale proposal can never become final: epoch 2 comes first, and 3 must be proposed anew.
    await settle(f, 2n, f.honest2);
    assert.equal(await f.vault.read.pendingEpoch(), 0n);
    await f.viem.assertions.revertWithCustomError(f.vault.write.finalizeEpoch(), f.vault, "NoPendingEpoch");
  });

  it("a plain pending epoch on top of the bad root is vetoed too", async () => {
    const f = await setup();
    await propose(f, 3n, f.bad2);
    await pauseAndRollBack(f);
    assert.equal((await f.vault.read.getEpoch([3n])).status, EPOCH_STATUS.vetoed);
  });

  describe("reputation recorded under a rolled-back root", () => {
    it("can be recorded again at once from the restored root, and again once the epoch is final anew", async () => {
      const f = await setup();
      await f.vault.write.recordReputation([f.aBad, f.bad2.proof(f.aBad)]);
      assert.equal((await f.vault.read.reputationOf([f.aBad.account])).reputationBps, 10_000);
      await pauseAndRollBack(f);
      await f.vault.write.unpause({ account: f.wallets.admin.account });
      await f.viem.assertions.emitWithArgs(
        f.vault.write.recordReputation([f.a1, f.honest1.proof(f.a1)]),
        f.vault,
        "ReputationRecorded",
        [f.a1.account, 1n, f.a1.reputationBps, f.a1.tasksValidated, f.a1.tasksFailed, f.a1.strikes],
      );
      assert.deepEqual(await f.vault.read.reputationOf([f.a1.account]), {
        reputationBps: f.a1.reputationBps,
        tasksValidated: f.a1.tasksValidated,
        tasksFailed: f.a1.tasksFailed,
        strikes: f.a1.strikes,
        epoch: 1n,
      });
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.vault.write.recordReputation([f.a1, f.honest1.proof(f.a1)]),
        f.vault,
        "ReputationAlreadyRecorded",
        [f.a1.account, 1n],
      );
      await settle(f, 2n, f.honest2);
      await f.vault.write.recordReputation([f.a2, f.honest2.proof(f.a2)]);
      assert.equal((await f.vault.read.reputationOf([f.a2.account])).epoch, 2n);
      assert.equal((await f.vault.read.reputationOf([f.a2.account])).reputationBps, f.a2.reputationBps);
    });

    it("a record of an epoch the roll-back kept may be written once more, to the same state", async () => {
      const f = await setup();
      await f.vault.write.recordReputation([f.bBad, f.bad2.proof(f.bBad)]);
      await settle(f, 3n, f.bad2);
      await pauseAndRollBack(f);
      await f.vault.write.unpause({ account: f.wallets.admin.account });
      assert.equal(await f.vault.read.latestFinalEpoch(), 2n);
      const before = await f.vault.read.reputationOf([f.bBad.account]);
      assert.equal(before.epoch, 2n);
      await f.vault.write.recordReputation([f.bBad, f.bad2.proof(f.bBad)]);
      assert.deepEqual(await f.vault.read.reputationOf([f.bBad.account]), before);
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.vault.write.recordReputation([f.bBad, f.bad2.proof(f.bBad)]),
        f.vault,
        "ReputationAlreadyRecorded",
        [f.bBad.account, 2n],
      );
    });
  });
});
