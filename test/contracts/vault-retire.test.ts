import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { getAddress, parseEther, zeroAddress } from "viem";
import { DISPUTE_BOND, deployFixture } from "./fixture.ts";
import { DEFAULT_ADMIN_ROLE, dispute, EPOCH_STATUS, propose, settle } from "./helpers.ts";
import { nodeState, nodeStateTree } from "./tree.ts";

const POOL = 400_000_000n * 10n ** 18n;

async function setup() {
  const f = await deployFixture();
  const { alice, bob } = f.wallets;
  const a1 = nodeState(alice.account.address, parseEther("100"));
  const b1 = nodeState(bob.account.address, parseEther("50"));
  const tree1 = nodeStateTree([a1, b1]);
  await settle(f, 1n, tree1);
  // The successor: a new rewards contract, or the treasury; here a fresh account stands for it.
  const successor = f.wallets.carol.account.address;
  return { ...f, a1, b1, tree1, successor };
}

describe("RewardsVault retirement (the upgrade path)", () => {
  it("follows the README's steps: retire, claims go on under the final root, the unowed pool moves on", async () => {
    const f = await setup();
    const { admin, stranger } = f.wallets;
    // Claims still revert while paused, which is why pausing the old vault is no upgrade path.
    await f.vault.write.pause({ account: f.wallets.guardian.account });
    await f.viem.assertions.revertWithCustomError(
      f.vault.write.claim([f.a1, f.tree1.proof(f.a1)]),
      f.vault,
      "EnforcedPause",
    );
    await f.vault.write.unpause({ account: admin.account });

    await f.viem.assertions.emitWithArgs(
      f.vault.write.retire([f.successor], { account: admin.account }),
      f.vault,
      "Retired",
      [getAddress(f.successor)],
    );
    assert.equal(await f.vault.read.successor(), getAddress(f.successor));
    await f.viem.assertions.revertWithCustomError(propose(f, 2n, f.tree1), f.vault, "VaultRetired");

    const owed = f.tree1.cumulativeTotal;
    const hash = await f.vault.write.sweepUnowed({ account: stranger.account });
    await f.viem.assertions.emitWithArgs(hash, f.vault, "UnowedSwept", [getAddress(f.successor), POOL - owed]);
    assert.equal(await f.token.read.balanceOf([f.successor]), POOL - owed);
    assert.equal(await f.token.read.balanceOf([f.vault.address]), owed, "exactly what the final root owes stays");

    for (const state of f.tree1.states) await f.vault.write.claim([state, f.tree1.proof(state)]);
    assert.equal(await f.token.read.balanceOf([f.a1.account]), f.a1.cumulativeAmount);
    assert.equal(await f.token.read.balanceOf([f.b1.account]), f.b1.cumulativeAmount);
    assert.equal(await f.token.read.balanceOf([f.vault.address]), 0n);
  });

  it("GBT that arrives later (e.g. InferenceCredits' node share) is swept on too; nothing unowed reverts", async () => {
    const f = await setup();
    await f.vault.write.retire([f.successor], { account: f.wallets.admin.account });
    await f.vault.write.sweepUnowed();
    await f.viem.assertions.revertWithCustomError(f.vault.write.sweepUnowed(), f.vault, "NothingToSweep");
    await f.token.write.transfer([f.vault.address, parseEther("7")], { account: f.wallets.admin.account });
    await f.vault.write.sweepUnowed();
    assert.equal(await f.token.read.balanceOf([f.successor]), POOL - f.tree1.cumulativeTotal + parseEther("7"));
  });

  it("drops a pending epoch (a disputed one upholds its dispute) so that nothing becomes final after retirement", async () => {
    const f = await setup();
    const tree2 = nodeStateTree([nodeState(f.a1.account, parseEther("150")), f.b1]);
    await propose(f, 2n, tree2);
    await dispute(f, 2n);
    const hash = await f.vault.write.retire([f.successor], { account: f.wallets.admin.account });
    await f.viem.assertions.emitWithArgs(hash, f.vault, "EpochVetoed", [
      2n,
      tree2.root,
      f.wallets.admin.account.address,
    ]);
    assert.equal((await f.vault.read.getEpoch([2n])).status, EPOCH_STATUS.vetoed);
    assert.equal(await f.vault.read.withdrawableBond([f.wallets.stranger.account.address]), DISPUTE_BOND);
    await f.viem.assertions.revertWithCustomError(f.vault.write.finalizeEpoch(), f.vault, "NoPendingEpoch");
  });

  it("drops a plain pending epoch too", async () => {
    const f = await setup();
    await propose(f, 2n, f.tree1);
    await f.vault.write.retire([f.successor], { account: f.wallets.admin.account });
    assert.equal((await f.vault.read.getEpoch([2n])).status, EPOCH_STATUS.vetoed);
  });

  it("is irreversible, admin-only and needs a successor; sweeping needs a retired, unpaused vault", async () => {
    const f = await setup();
    const { admin, guardian, relayer, stranger } = f.wallets;
    await f.viem.assertions.revertWithCustomError(f.vault.write.sweepUnowed(), f.vault, "VaultNotRetired");
    for (const wallet of [guardian, relayer, stranger]) {
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.vault.write.retire([f.successor], { account: wallet.account }),
        f.vault,
        "AccessControlUnauthorizedAccount",
        [wallet.account.address, DEFAULT_ADMIN_ROLE],
      );
    }
    await f.viem.assertions.revertWithCustomError(
      f.vault.write.retire([zeroAddress], { account: admin.account }),
      f.vault,
      "ZeroAddress",
    );
    await f.vault.write.retire([f.successor], { account: admin.account });
    await f.viem.assertions.revertWithCustomError(
      f.vault.write.retire([stranger.account.address], { account: admin.account }),
      f.vault,
      "VaultRetired",
    );
    assert.equal(await f.vault.read.successor(), getAddress(f.successor), "the successor cannot be changed");
    await f.vault.write.pause({ account: guardian.account });
    await f.viem.assertions.revertWithCustomError(f.vault.write.sweepUnowed(), f.vault, "EnforcedPause");
  });

  it("a roll-back after retirement still works and frees its increase for the successor", async () => {
    const f = await setup();
    const tree2 = nodeStateTree([nodeState(f.a1.account, parseEther("1000")), f.b1]);
    await settle(f, 2n, tree2);
    await f.vault.write.retire([f.successor], { account: f.wallets.admin.account });
    await f.vault.write.sweepUnowed();
    await f.vault.write.pause({ account: f.wallets.guardian.account });
    await f.vault.write.rollBack({ account: f.wallets.guardian.account });
    await f.vault.write.unpause({ account: f.wallets.admin.account });
    await f.vault.write.sweepUnowed();
    assert.equal(await f.token.read.balanceOf([f.vault.address]), f.tree1.cumulativeTotal);
    assert.equal(await f.token.read.balanceOf([f.successor]), POOL - f.tree1.cumulativeTotal);
  });
});
