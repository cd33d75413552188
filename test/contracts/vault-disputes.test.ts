import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { getAddress, getContract, parseAbi, parseEther, parseEventLogs, zeroAddress } from "viem";
import { DISPUTE_BOND, deployFixture } from "./fixture.ts";
import { dispute, EPOCH_STATUS, GUARDIAN_ROLE, passChallengeWindow, propose, settle } from "./helpers.ts";
import { nodeState, nodeStateTree } from "./tree.ts";

const REWARD = parseEther("1000");

async function setup() {
  const f = await deployFixture();
  const { alice, bob } = f.wallets;
  const honest = nodeStateTree([
    nodeState(alice.account.address, parseEther("100")),
    nodeState(bob.account.address, parseEther("50")),
  ]);
  // The review's attack: the same total, but bob's unclaimed amount moved to alice.
  const redistributing = nodeStateTree([
    nodeState(alice.account.address, parseEther("150")),
    nodeState(bob.account.address, 0n),
  ]);
  await f.vault.write.setDisputeReward([REWARD], { account: f.wallets.admin.account });
  await settle(f, 1n, honest);
  return { ...f, honest, redistributing };
}

type Setup = Awaited<ReturnType<typeof setup>>;

/** `test/solidity/utils/EtherRejectingAccount.sol`, whose artifact has no generated types (it is a test contract). */
const ETHER_REJECTING_ACCOUNT_ABI = parseAbi(["function dispute(uint64 epoch) payable", "function withdrawBond()"]);

/** A contract account without any way to receive ETH, sending as the stranger. */
async function deployEtherRejectingAccount(f: Setup) {
  const { address } = await f.viem.deployContract("EtherRejectingAccount", [f.vault.address]);
  return getContract({
    address,
    abi: ETHER_REJECTING_ACCOUNT_ABI,
    client: { public: f.publicClient, wallet: f.wallets.stranger },
  });
}

async function ethBalance(f: Setup, address: `0x${string}`) {
  return f.publicClient.getBalance({ address });
}

describe("RewardsVault disputes", () => {
  describe("dispute", () => {
    it("holds the pending epoch with the bond and emits EpochDisputed", async () => {
      const f = await setup();
      await propose(f, 2n, f.redistributing);
      const { stranger } = f.wallets;
      const before = await ethBalance(f, f.vault.address);
      await f.viem.assertions.emitWithArgs(dispute(f, 2n), f.vault, "EpochDisputed", [
        2n,
        stranger.account.address,
        DISPUTE_BOND,
      ]);
      assert.equal((await f.vault.read.getEpoch([2n])).status, EPOCH_STATUS.disputed);
      assert.equal(await f.vault.read.pendingEpoch(), 2n, "still awaiting finality");
      assert.deepEqual(await f.vault.read.openDispute(), [getAddress(stranger.account.address), DISPUTE_BOND]);
      assert.equal(await ethBalance(f, f.vault.address), before + DISPUTE_BOND);
    });

    it("takes exactly the dispute bond", async () => {
      const f = await setup();
      await propose(f, 2n, f.redistributing);
      for (const value of [0n, DISPUTE_BOND - 1n, DISPUTE_BOND + 1n]) {
        await f.viem.assertions.revertWithCustomErrorWithArgs(
          f.vault.write.dispute([2n], { account: f.wallets.stranger.account, value }),
          f.vault,
          "WrongDisputeBond",
          [value, DISPUTE_BOND],
        );
      }
      assert.equal((await f.vault.read.getEpoch([2n])).status, EPOCH_STATUS.pending);
    });

    it("is refused once the challenge window is over, even if the epoch is not finalized yet", async () => {
      const f = await setup();
      await propose(f, 2n, f.redistributing);
      const { finalAt } = await f.vault.read.getEpoch([2n]);
      await f.networkHelpers.time.setNextBlockTimestamp(finalAt);
      await f.viem.assertions.revertWithCustomErrorWithArgs(dispute(f, 2n), f.vault, "ChallengeWindowOver", [
        2n,
        finalAt,
      ]);
      assert.equal((await f.vault.read.getEpoch([2n])).status, EPOCH_STATUS.pending);
    });

    it("is refused twice for the same epoch while the first dispute is open", async () => {
      const f = await setup();
      await propose(f, 2n, f.redistributing);
      await dispute(f, 2n);
      await f.viem.assertions.revertWithCustomErrorWithArgs(dispute(f, 2n, f.wallets.carol), f.vault, "DisputeOpen", [
        2n,
      ]);
      assert.deepEqual(await f.vault.read.openDispute(), [
        getAddress(f.wallets.stranger.account.address),
        DISPUTE_BOND,
      ]);
    });

    it("is refused without a pending epoch and for any id but the pending one", async () => {
      const f = await setup();
      await f.viem.assertions.revertWithCustomError(dispute(f, 2n), f.vault, "NoPendingEpoch");
      await f.viem.assertions.revertWithCustomError(dispute(f, 1n), f.vault, "NoPendingEpoch");
      await propose(f, 2n, f.redistributing);
      for (const epoch of [1n, 3n]) {
        await f.viem.assertions.revertWithCustomErrorWithArgs(dispute(f, epoch), f.vault, "UnexpectedEpoch", [
          epoch,
          2n,
        ]);
      }
    });

    it("a disputed epoch can neither become final nor be replaced or followed by a proposal", async () => {
      const f = await setup();
      await propose(f, 2n, f.redistributing);
      await dispute(f, 2n);
      await passChallengeWindow(f);
      await f.viem.assertions.revertWithCustomErrorWithArgs(f.vault.write.finalizeEpoch(), f.vault, "DisputeOpen", [
        2n,
      ]);
      for (const epoch of [2n, 3n]) {
        await f.viem.assertions.revertWithCustomErrorWithArgs(propose(f, epoch, f.honest), f.vault, "DisputeOpen", [
          2n,
        ]);
      }
      assert.equal(await f.vault.read.latestFinalEpoch(), 1n);
      assert.equal(await f.vault.read.finalRoot(), f.honest.root);
      assert.equal(await f.token.read.payoutAllowance(), f.honest.cumulativeTotal);
    });
  });

  describe("resolveDispute", () => {
    it("upheld: vetoes the epoch, credits the bond back and pays the dispute reward from the unowed pool", async () => {
      const f = await setup();
      const { stranger, guardian } = f.wallets;
      await propose(f, 2n, f.redistributing);
      await dispute(f, 2n);
      const hash = await f.vault.write.resolveDispute([true], { account: guardian.account });
      await f.viem.assertions.emitWithArgs(hash, f.vault, "DisputeResolved", [2n, stranger.account.address, true]);
      await f.viem.assertions.emitWithArgs(hash, f.vault, "EpochVetoed", [
        2n,
        f.redistributing.root,
        guardian.account.address,
      ]);
      await f.viem.assertions.emitWithArgs(hash, f.vault, "BondCredited", [stranger.account.address, DISPUTE_BOND]);
      await f.viem.assertions.emitWithArgs(hash, f.vault, "DisputeRewardPaid", [2n, stranger.account.address, REWARD]);
      assert.equal((await f.vault.read.getEpoch([2n])).status, EPOCH_STATUS.vetoed);
      assert.equal(await f.vault.read.pendingEpoch(), 0n);
      assert.deepEqual(await f.vault.read.openDispute(), [zeroAddress, 0n]);
      assert.equal(await f.token.read.balanceOf([stranger.account.address]), REWARD, "reward in GBT");
      assert.equal(await f.vault.read.withdrawableBond([stranger.account.address]), DISPUTE_BOND);
      assert.equal(await f.token.read.payoutAllowance(), f.honest.cumulativeTotal, "what is owed is untouched");

      const before = await ethBalance(f, stranger.account.address);
      const withdrawal = await f.vault.write.withdrawBond({ account: stranger.account });
      await f.viem.assertions.emitWithArgs(withdrawal, f.vault, "BondWithdrawn", [
        stranger.account.address,
        DISPUTE_BOND,
      ]);
      const receipt = await f.publicClient.getTransactionReceipt({ hash: withdrawal });
      const fee = receipt.gasUsed * receipt.effectiveGasPrice;
      assert.equal(await ethBalance(f, stranger.account.address), before + DISPUTE_BOND - fee);
      assert.equal(await f.vault.read.withdrawableBond([stranger.account.address]), 0n);
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.vault.write.withdrawBond({ account: stranger.account }),
        f.vault,
        "NothingToWithdraw",
        [stranger.account.address],
      );

      // The relayer proposes the epoch again, honestly.
      await settle(f, 2n, f.honest);
      assert.equal(await f.vault.read.latestFinalEpoch(), 2n);
    });

    it("upheld: the reward never touches what final roots owe (capped by the unowed part of the pool)", async () => {
      const f = await setup();
      const pool = await f.token.read.balanceOf([f.vault.address]);
      const owed = await f.token.read.payoutAllowance();
      await f.vault.write.setDisputeReward([pool], { account: f.wallets.admin.account });
      await propose(f, 2n, f.redistributing);
      await dispute(f, 2n);
      await f.viem.assertions.emitWithArgs(
        f.vault.write.resolveDispute([true], { account: f.wallets.guardian.account }),
        f.vault,
        "DisputeRewardPaid",
        [2n, f.wallets.stranger.account.address, pool - owed],
      );
      assert.equal(await f.token.read.balanceOf([f.vault.address]), owed, "exactly what is owed is left");
      for (const state of f.honest.states) await f.vault.write.claim([state, f.honest.proof(state)]);
      assert.equal(await f.token.read.balanceOf([f.vault.address]), 0n, "and every claim is still paid");
    });

    it("upheld with no reward set: the bond alone comes back", async () => {
      const f = await setup();
      await f.vault.write.setDisputeReward([0n], { account: f.wallets.admin.account });
      await propose(f, 2n, f.redistributing);
      await dispute(f, 2n);
      const hash = await f.vault.write.resolveDispute([true], { account: f.wallets.guardian.account });
      const { logs } = await f.publicClient.getTransactionReceipt({ hash });
      const events = parseEventLogs({ abi: f.vault.abi, logs }).map((log) => log.eventName);
      assert.ok(events.includes("DisputeResolved"));
      assert.ok(!events.includes("DisputeRewardPaid"));
      assert.equal(await f.token.read.balanceOf([f.wallets.stranger.account.address]), 0n);
      assert.equal(await f.vault.read.withdrawableBond([f.wallets.stranger.account.address]), DISPUTE_BOND);
    });

    it("rejected inside the window: the bond is forfeited to the treasury and the epoch is pending again", async () => {
      const f = await setup();
      const { stranger, guardian } = f.wallets;
      await propose(f, 2n, f.honest, { cumulativeTotal: f.honest.cumulativeTotal });
      await dispute(f, 2n);
      const hash = await f.vault.write.resolveDispute([false], { account: guardian.account });
      await f.viem.assertions.emitWithArgs(hash, f.vault, "DisputeResolved", [2n, stranger.account.address, false]);
      await f.viem.assertions.emitWithArgs(hash, f.vault, "BondCredited", [f.addresses.treasury, DISPUTE_BOND]);
      assert.equal((await f.vault.read.getEpoch([2n])).status, EPOCH_STATUS.pending);
      assert.equal(await f.vault.read.withdrawableBond([f.addresses.treasury]), DISPUTE_BOND);
      assert.equal(await f.vault.read.withdrawableBond([stranger.account.address]), 0n);
      assert.equal(await f.token.read.balanceOf([stranger.account.address]), 0n, "no reward");
      assert.equal(await f.vault.read.latestFinalEpoch(), 1n, "window still open");
      // Finality resumes at the epoch's own finalAt: the dispute did not extend the window.
      await passChallengeWindow(f);
      await f.vault.write.finalizeEpoch();
      assert.equal(await f.vault.read.latestFinalEpoch(), 2n);
    });

    it("rejected after the window: the epoch is final at once; the treasury withdraws the forfeited bond", async () => {
      const f = await setup();
      await propose(f, 2n, f.honest);
      await dispute(f, 2n);
      await passChallengeWindow(f);
      const hash = await f.vault.write.resolveDispute([false], { account: f.wallets.guardian.account });
      await f.viem.assertions.emitWithArgs(hash, f.vault, "EpochFinalized", [
        2n,
        f.honest.root,
        f.honest.cumulativeTotal,
        0n,
      ]);
      assert.equal(await f.vault.read.latestFinalEpoch(), 2n);
      // The fixture's treasury is an EOA (the admin's); a timelock withdraws through a scheduled call.
      const treasury = f.wallets.admin;
      const before = await ethBalance(f, treasury.account.address);
      const withdrawal = await f.vault.write.withdrawBond({ account: treasury.account });
      const receipt = await f.publicClient.getTransactionReceipt({ hash: withdrawal });
      assert.equal(
        await ethBalance(f, treasury.account.address),
        before + DISPUTE_BOND - receipt.gasUsed * receipt.effectiveGasPrice,
      );
    });

    it("rejected after the window while paused: the epoch waits for the unpause to become final", async () => {
      const f = await setup();
      await propose(f, 2n, f.honest);
      await dispute(f, 2n);
      await f.vault.write.pause({ account: f.wallets.guardian.account });
      await passChallengeWindow(f);
      await f.vault.write.resolveDispute([false], { account: f.wallets.guardian.account });
      assert.equal((await f.vault.read.getEpoch([2n])).status, EPOCH_STATUS.pending);
      assert.equal(await f.vault.read.latestFinalEpoch(), 1n);
      await f.vault.write.unpause({ account: f.wallets.admin.account });
      await f.vault.write.finalizeEpoch();
      assert.equal(await f.vault.read.latestFinalEpoch(), 2n);
    });

    it("a rejected dispute leaves the epoch open to another one inside its window", async () => {
      const f = await setup();
      await propose(f, 2n, f.honest);
      await dispute(f, 2n);
      await f.vault.write.resolveDispute([false], { account: f.wallets.guardian.account });
      await dispute(f, 2n, f.wallets.carol);
      assert.deepEqual(await f.vault.read.openDispute(), [getAddress(f.wallets.carol.account.address), DISPUTE_BOND]);
    });

    it("with a zero bond set, a dispute posts nothing and neither verdict credits anything", async () => {
      const f = await setup();
      await f.vault.write.setDisputeBond([0n], { account: f.wallets.admin.account });
      for (const upheld of [false, true]) {
        await propose(f, 2n, f.redistributing);
        await dispute(f, 2n);
        const hash = await f.vault.write.resolveDispute([upheld], { account: f.wallets.guardian.account });
        const { logs } = await f.publicClient.getTransactionReceipt({ hash });
        const events = parseEventLogs({ abi: f.vault.abi, logs }).map((log) => log.eventName);
        assert.ok(events.includes("DisputeResolved"));
        assert.ok(!events.includes("BondCredited"), "no zero credit");
        if (!upheld) await f.vault.write.vetoEpoch({ account: f.wallets.guardian.account });
      }
      assert.equal(await f.vault.read.withdrawableBond([f.wallets.stranger.account.address]), 0n);
      assert.equal(await f.vault.read.withdrawableBond([f.addresses.treasury]), 0n);
    });

    it("is only open to guardians, and only while a dispute is open", async () => {
      const f = await setup();
      await f.viem.assertions.revertWithCustomError(
        f.vault.write.resolveDispute([true], { account: f.wallets.guardian.account }),
        f.vault,
        "NoOpenDispute",
      );
      await propose(f, 2n, f.redistributing);
      await f.viem.assertions.revertWithCustomError(
        f.vault.write.resolveDispute([false], { account: f.wallets.guardian.account }),
        f.vault,
        "NoOpenDispute",
      );
      await dispute(f, 2n);
      for (const wallet of [f.wallets.stranger, f.wallets.relayer, f.wallets.admin]) {
        await f.viem.assertions.revertWithCustomErrorWithArgs(
          f.vault.write.resolveDispute([true], { account: wallet.account }),
          f.vault,
          "AccessControlUnauthorizedAccount",
          [wallet.account.address, GUARDIAN_ROLE],
        );
      }
      assert.equal((await f.vault.read.getEpoch([2n])).status, EPOCH_STATUS.disputed);
    });
  });

  describe("vetoEpoch of a disputed epoch", () => {
    it("upholds the dispute at once, even after the window", async () => {
      const f = await setup();
      await propose(f, 2n, f.redistributing);
      await dispute(f, 2n);
      await passChallengeWindow(f);
      const hash = await f.vault.write.vetoEpoch({ account: f.wallets.guardian.account });
      await f.viem.assertions.emitWithArgs(hash, f.vault, "DisputeResolved", [
        2n,
        f.wallets.stranger.account.address,
        true,
      ]);
      assert.equal((await f.vault.read.getEpoch([2n])).status, EPOCH_STATUS.vetoed);
      assert.equal(await f.vault.read.withdrawableBond([f.wallets.stranger.account.address]), DISPUTE_BOND);
      assert.equal(await f.token.read.balanceOf([f.wallets.stranger.account.address]), REWARD);
    });
  });

  describe("accounts that reject native currency", () => {
    it("a disputer contract that rejects ETH cannot block the resolution; its bond stays withdrawable", async () => {
      const f = await setup();
      const disputer = await deployEtherRejectingAccount(f);
      await propose(f, 2n, f.redistributing);
      await disputer.write.dispute([2n], { value: DISPUTE_BOND });
      await f.vault.write.resolveDispute([true], { account: f.wallets.guardian.account });
      assert.equal((await f.vault.read.getEpoch([2n])).status, EPOCH_STATUS.vetoed, "resolved");
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        disputer.write.withdrawBond(),
        f.vault,
        "BondTransferFailed",
        [disputer.address, DISPUTE_BOND],
      );
      assert.equal(await f.vault.read.withdrawableBond([disputer.address]), DISPUTE_BOND, "still owed");
      assert.equal(await f.token.read.balanceOf([disputer.address]), REWARD, "GBT has no receive hook to refuse");
    });

    it("a treasury that rejects ETH cannot block a rejected dispute's resolution either", async () => {
      const f = await setup();
      const treasury = await deployEtherRejectingAccount(f);
      await f.vault.write.setTreasury([treasury.address], { account: f.wallets.admin.account });
      await propose(f, 2n, f.honest);
      await dispute(f, 2n);
      await passChallengeWindow(f);
      await f.vault.write.resolveDispute([false], { account: f.wallets.guardian.account });
      assert.equal(await f.vault.read.latestFinalEpoch(), 2n, "resolved and final");
      assert.equal(await f.vault.read.withdrawableBond([treasury.address]), DISPUTE_BOND);
    });
  });
});
