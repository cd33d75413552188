import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseEther, parseEventLogs, zeroHash } from "viem";
import { CHALLENGE_WINDOW, deployFixture, MAX_EMISSION } from "./fixture.ts";
import {
  contentHash,
  GBT,
  GUARDIAN_ROLE,
  latestTimestamp,
  passChallengeWindow,
  propose,
  RELAYER_ROLE,
  settle,
} from "./helpers.ts";
import { nodeState, nodeStateTree } from "./tree.ts";

const PENDING = 1;
const FINAL = 2;
const VETOED = 3;
const POOL = 400_000_000n * GBT;

async function setup(overrides: Parameters<typeof deployFixture>[0] = {}) {
  const f = await deployFixture(overrides);
  const { alice, bob, carol } = f.wallets;
  const tree1 = nodeStateTree([
    nodeState(alice.account.address, parseEther("100")),
    nodeState(bob.account.address, parseEther("50")),
  ]);
  const tree2 = nodeStateTree([
    nodeState(alice.account.address, parseEther("150")),
    nodeState(bob.account.address, parseEther("80")),
    nodeState(carol.account.address, parseEther("20")),
  ]);
  return { ...f, tree1, tree2 };
}

describe("RewardsVault epochs", () => {
  describe("proposeEpoch", () => {
    it("stores the proposal as pending until now + challenge window and emits EpochProposed", async () => {
      const f = await setup();
      const share = parseEther("30");
      await f.networkHelpers.time.setNextBlockTimestamp((await latestTimestamp(f)) + 10n);
      const now = (await latestTimestamp(f)) + 10n;
      await f.viem.assertions.emitWithArgs(
        propose(f, 1n, f.tree1, { networkShare: share, contentHash: contentHash("file-1") }),
        f.vault,
        "EpochProposed",
        [1n, f.tree1.root, f.tree1.cumulativeTotal, share, contentHash("file-1"), now + CHALLENGE_WINDOW],
      );
      assert.deepEqual(await f.vault.read.getEpoch([1n]), {
        root: f.tree1.root,
        contentHash: contentHash("file-1"),
        cumulativeTotal: f.tree1.cumulativeTotal,
        networkShare: share,
        finalAt: now + CHALLENGE_WINDOW,
        status: PENDING,
      });
      assert.equal(await f.vault.read.pendingEpoch(), 1n);
      assert.equal(await f.vault.read.latestFinalEpoch(), 0n);
      assert.equal(await f.vault.read.finalRoot(), zeroHash);
      assert.equal(await f.token.read.balanceOf([f.addresses.treasury]), 300_000_000n * GBT, "no share paid yet");
    });

    it("is only open to relayers", async () => {
      const f = await setup();
      for (const wallet of [f.wallets.stranger, f.wallets.admin, f.wallets.guardian]) {
        await f.viem.assertions.revertWithCustomErrorWithArgs(
          f.vault.write.proposeEpoch([1n, f.tree1.root, 1n, 0n, zeroHash], { account: wallet.account }),
          f.vault,
          "AccessControlUnauthorizedAccount",
          [wallet.account.address, RELAYER_ROLE],
        );
      }
      assert.equal(await f.vault.read.RELAYER_ROLE(), RELAYER_ROLE);
      assert.equal(await f.vault.read.GUARDIAN_ROLE(), GUARDIAN_ROLE);
    });

    it("reverts while paused", async () => {
      const f = await setup();
      await f.vault.write.pause({ account: f.wallets.guardian.account });
      await f.viem.assertions.revertWithCustomError(propose(f, 1n, f.tree1), f.vault, "EnforcedPause");
    });

    it("requires the first epoch id to be 1", async () => {
      const f = await setup();
      for (const epoch of [0n, 2n]) {
        await f.viem.assertions.revertWithCustomErrorWithArgs(propose(f, epoch, f.tree1), f.vault, "UnexpectedEpoch", [
          epoch,
          1n,
        ]);
      }
    });

    it("requires strictly sequential ids after a final epoch", async () => {
      const f = await setup();
      await settle(f, 1n, f.tree1);
      for (const epoch of [1n, 3n, 0n]) {
        await f.viem.assertions.revertWithCustomErrorWithArgs(propose(f, epoch, f.tree2), f.vault, "UnexpectedEpoch", [
          epoch,
          2n,
        ]);
      }
      await propose(f, 2n, f.tree2);
      assert.equal(await f.vault.read.pendingEpoch(), 2n);
    });

    it("rejects an empty root", async () => {
      const f = await setup();
      await f.viem.assertions.revertWithCustomError(
        f.vault.write.proposeEpoch([1n, zeroHash, 1n, 0n, zeroHash], { account: f.wallets.relayer.account }),
        f.vault,
        "EmptyRoot",
      );
    });

    it("rejects a cumulative total below the last final one", async () => {
      const f = await setup();
      await settle(f, 1n, f.tree1);
      const previous = f.tree1.cumulativeTotal;
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        propose(f, 2n, f.tree2, { cumulativeTotal: previous - 1n }),
        f.vault,
        "CumulativeTotalDecreased",
        [previous - 1n, previous],
      );
    });

    it("accepts an unchanged cumulative total (an epoch without rewards)", async () => {
      const f = await setup();
      await settle(f, 1n, f.tree1);
      await propose(f, 2n, f.tree1, { cumulativeTotal: f.tree1.cumulativeTotal });
      assert.equal(await f.vault.read.pendingEpoch(), 2n);
    });

    it("caps the node increase of one epoch at maxEmissionPerEpoch", async () => {
      const f = await setup();
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        propose(f, 1n, f.tree1, { cumulativeTotal: MAX_EMISSION + 1n }),
        f.vault,
        "EmissionCapExceeded",
        [MAX_EMISSION + 1n, MAX_EMISSION],
      );
      await propose(f, 1n, f.tree1, { cumulativeTotal: MAX_EMISSION });
      assert.equal((await f.vault.read.getEpoch([1n])).cumulativeTotal, MAX_EMISSION);
    });

    it("counts the network share against the emission cap too", async () => {
      const f = await setup();
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        propose(f, 1n, f.tree1, { cumulativeTotal: MAX_EMISSION - 10n, networkShare: 11n }),
        f.vault,
        "EmissionCapExceeded",
        [MAX_EMISSION + 1n, MAX_EMISSION],
      );
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        propose(f, 1n, f.tree1, { cumulativeTotal: 0n, networkShare: MAX_EMISSION + 1n }),
        f.vault,
        "EmissionCapExceeded",
        [MAX_EMISSION + 1n, MAX_EMISSION],
      );
      await propose(f, 1n, f.tree1, { cumulativeTotal: MAX_EMISSION - 10n, networkShare: 10n });
      assert.equal(await f.vault.read.pendingEpoch(), 1n);
    });

    it("measures the emission of a later epoch from the last final cumulative total", async () => {
      const f = await setup();
      const t1 = f.tree1.cumulativeTotal;
      await settle(f, 1n, f.tree1, { networkShare: parseEther("5") });
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        propose(f, 2n, f.tree2, { cumulativeTotal: t1 + MAX_EMISSION, networkShare: 1n }),
        f.vault,
        "EmissionCapExceeded",
        [MAX_EMISSION + 1n, MAX_EMISSION],
      );
      await propose(f, 2n, f.tree2, { cumulativeTotal: t1 + MAX_EMISSION });
      assert.equal((await f.vault.read.getEpoch([2n])).cumulativeTotal, t1 + MAX_EMISSION);
    });

    it("never promises more than the pool holds", async () => {
      const f = await setup({ maxEmissionPerEpoch: 10n ** 30n });
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        propose(f, 1n, f.tree1, { cumulativeTotal: POOL + 1n }),
        f.vault,
        "InsufficientRewardsPool",
        [POOL + 1n, POOL],
      );
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        propose(f, 1n, f.tree1, { cumulativeTotal: POOL - 5n, networkShare: 6n }),
        f.vault,
        "InsufficientRewardsPool",
        [POOL + 1n, POOL],
      );
      await propose(f, 1n, f.tree1, { cumulativeTotal: POOL - 5n, networkShare: 5n });
      assert.equal(await f.vault.read.pendingEpoch(), 1n);
    });

    it("checks the pool net of rewards already paid and network shares already sent", async () => {
      const f = await setup({ maxEmissionPerEpoch: 10n ** 30n });
      const { alice } = f.wallets;
      const a = nodeState(alice.account.address, 100_000_000n * GBT);
      const tree = nodeStateTree([a]);
      await settle(f, 1n, tree, { networkShare: 50_000_000n * GBT });
      await f.vault.write.claim([a, tree.proof(a)]);
      const held = await f.token.read.balanceOf([f.vault.address]);
      assert.equal(held, 250_000_000n * GBT);
      assert.equal(await f.token.read.payoutAllowance(), 0n);
      // owed = payout allowance + emission = 0 + (350M + 1 - 100M)
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        propose(f, 2n, tree, { cumulativeTotal: 350_000_000n * GBT + 1n }),
        f.vault,
        "InsufficientRewardsPool",
        [held + 1n, held],
      );
      await propose(f, 2n, tree, { cumulativeTotal: 350_000_000n * GBT });
      assert.equal(await f.vault.read.pendingEpoch(), 2n);
    });

    it("counts the unclaimed payout allowance of the final epoch as owed", async () => {
      const f = await setup({ maxEmissionPerEpoch: 10n ** 30n });
      const a = nodeState(f.wallets.alice.account.address, 100_000_000n * GBT);
      const tree = nodeStateTree([a]);
      await settle(f, 1n, tree, { networkShare: 50_000_000n * GBT });
      const held = await f.token.read.balanceOf([f.vault.address]);
      assert.equal(held, 350_000_000n * GBT);
      assert.equal(await f.token.read.payoutAllowance(), 100_000_000n * GBT);
      // owed = 100M still claimable + (250M + 1) new = held + 1
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        propose(f, 2n, tree, { cumulativeTotal: 350_000_000n * GBT + 1n }),
        f.vault,
        "InsufficientRewardsPool",
        [held + 1n, held],
      );
      await propose(f, 2n, tree, { cumulativeTotal: 350_000_000n * GBT });
      assert.equal(await f.vault.read.pendingEpoch(), 2n);
    });

    it("counts GBT sent into the vault as part of the pool", async () => {
      const f = await setup({ maxEmissionPerEpoch: 10n ** 30n });
      await f.viem.assertions.revertWithCustomError(
        propose(f, 1n, f.tree1, { cumulativeTotal: POOL + GBT }),
        f.vault,
        "InsufficientRewardsPool",
      );
      await f.token.write.transfer([f.vault.address, GBT], { account: f.wallets.admin.account });
      await propose(f, 1n, f.tree1, { cumulativeTotal: POOL + GBT });
      assert.equal((await f.vault.read.getEpoch([1n])).cumulativeTotal, POOL + GBT);
    });

    it("cannot replace or follow a pending epoch whose window is still open", async () => {
      const f = await setup();
      await propose(f, 1n, f.tree1);
      const { finalAt } = await f.vault.read.getEpoch([1n]);
      for (const epoch of [1n, 2n]) {
        await f.viem.assertions.revertWithCustomErrorWithArgs(
          propose(f, epoch, f.tree2),
          f.vault,
          "EpochAwaitingFinality",
          [1n, finalAt],
        );
      }
      await f.networkHelpers.time.setNextBlockTimestamp(finalAt - 1n);
      await f.viem.assertions.revertWithCustomErrorWithArgs(propose(f, 2n, f.tree2), f.vault, "EpochAwaitingFinality", [
        1n,
        finalAt,
      ]);
      assert.equal((await f.vault.read.getEpoch([1n])).root, f.tree1.root);
    });

    it("finalizes a due pending epoch in the same transaction before proposing the next", async () => {
      const f = await setup();
      const share1 = parseEther("7");
      await propose(f, 1n, f.tree1, { networkShare: share1 });
      await passChallengeWindow(f);
      const treasuryBefore = await f.token.read.balanceOf([f.addresses.treasury]);
      const hash = await propose(f, 2n, f.tree2);
      await f.viem.assertions.emitWithArgs(hash, f.vault, "EpochFinalized", [
        1n,
        f.tree1.root,
        f.tree1.cumulativeTotal,
        share1,
      ]);
      await f.viem.assertions.emit(hash, f.vault, "EpochProposed");
      assert.equal(await f.vault.read.latestFinalEpoch(), 1n);
      assert.equal(await f.vault.read.finalRoot(), f.tree1.root);
      assert.equal((await f.vault.read.getEpoch([1n])).status, FINAL);
      assert.equal(await f.vault.read.pendingEpoch(), 2n);
      assert.equal(await f.token.read.balanceOf([f.addresses.treasury]), treasuryBefore + share1);
    });

    it("checks the next proposal against the epoch it just auto-finalized, and undoes both if it fails", async () => {
      const f = await setup();
      await propose(f, 1n, f.tree1);
      await passChallengeWindow(f);
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        propose(f, 2n, f.tree2, { cumulativeTotal: f.tree1.cumulativeTotal - 1n }),
        f.vault,
        "CumulativeTotalDecreased",
        [f.tree1.cumulativeTotal - 1n, f.tree1.cumulativeTotal],
      );
      // The id check runs after the auto-finalization too: once epoch 1 is due, the next id is 2.
      await f.viem.assertions.revertWithCustomErrorWithArgs(propose(f, 1n, f.tree2), f.vault, "UnexpectedEpoch", [
        1n,
        2n,
      ]);
      assert.equal(await f.vault.read.latestFinalEpoch(), 0n);
      assert.equal(await f.vault.read.pendingEpoch(), 1n);
    });

    it("finalizes at once with a zero challenge window, paying the network share in the same transaction", async () => {
      const f = await setup({ challengeWindow: 0n });
      const share = parseEther("3");
      const treasuryBefore = await f.token.read.balanceOf([f.addresses.treasury]);
      const hash = await propose(f, 1n, f.tree1, { networkShare: share });
      const now = await latestTimestamp(f);
      await f.viem.assertions.emitWithArgs(hash, f.vault, "EpochProposed", [
        1n,
        f.tree1.root,
        f.tree1.cumulativeTotal,
        share,
        contentHash("epoch-1"),
        now,
      ]);
      await f.viem.assertions.emitWithArgs(hash, f.vault, "EpochFinalized", [
        1n,
        f.tree1.root,
        f.tree1.cumulativeTotal,
        share,
      ]);
      assert.equal(await f.vault.read.latestFinalEpoch(), 1n);
      assert.equal(await f.vault.read.pendingEpoch(), 0n);
      assert.equal(await f.vault.read.finalRoot(), f.tree1.root);
      assert.equal(await f.token.read.balanceOf([f.addresses.treasury]), treasuryBefore + share);
      await f.viem.assertions.revertWithCustomError(
        f.vault.write.vetoEpoch({ account: f.wallets.guardian.account }),
        f.vault,
        "NoPendingEpoch",
      );
      await propose(f, 2n, f.tree2);
      assert.equal(await f.vault.read.latestFinalEpoch(), 2n);
    });

    it("uses the challenge window in force when the epoch was proposed", async () => {
      const f = await setup();
      await propose(f, 1n, f.tree1);
      const { finalAt } = await f.vault.read.getEpoch([1n]);
      await f.vault.write.setChallengeWindow([10n * CHALLENGE_WINDOW], { account: f.wallets.admin.account });
      assert.equal((await f.vault.read.getEpoch([1n])).finalAt, finalAt);
      await f.networkHelpers.time.increaseTo(finalAt);
      await f.vault.write.finalizeEpoch();
      await propose(f, 2n, f.tree2);
      assert.equal((await f.vault.read.getEpoch([2n])).finalAt, (await latestTimestamp(f)) + 10n * CHALLENGE_WINDOW);
    });
  });

  describe("finalizeEpoch", () => {
    it("makes the pending epoch final at finalAt and sends its network share to the treasury", async () => {
      const f = await setup();
      const share = parseEther("40");
      await propose(f, 1n, f.tree1, { networkShare: share });
      const { finalAt } = await f.vault.read.getEpoch([1n]);
      const vaultBefore = await f.token.read.balanceOf([f.vault.address]);
      const treasuryBefore = await f.token.read.balanceOf([f.addresses.treasury]);
      await f.networkHelpers.time.setNextBlockTimestamp(finalAt);
      const hash = await f.vault.write.finalizeEpoch({ account: f.wallets.stranger.account });
      await f.viem.assertions.emitWithArgs(hash, f.vault, "EpochFinalized", [
        1n,
        f.tree1.root,
        f.tree1.cumulativeTotal,
        share,
      ]);
      await f.viem.assertions.emitWithArgs(hash, f.token, "Transfer", [f.vault.address, f.addresses.treasury, share]);
      assert.equal((await f.vault.read.getEpoch([1n])).status, FINAL);
      assert.equal(await f.vault.read.finalRoot(), f.tree1.root);
      assert.equal(await f.vault.read.latestFinalEpoch(), 1n);
      assert.equal(await f.vault.read.pendingEpoch(), 0n);
      assert.equal(await f.token.read.balanceOf([f.vault.address]), vaultBefore - share);
      assert.equal(await f.token.read.balanceOf([f.addresses.treasury]), treasuryBefore + share);
      assert.equal(await f.vault.read.totalClaimed(), 0n, "the network share is not a node reward");
      await f.viem.assertions.emitWithArgs(hash, f.token, "PayoutAllowanceIncreased", [
        f.tree1.cumulativeTotal,
        f.tree1.cumulativeTotal,
      ]);
      assert.equal(await f.token.read.payoutAllowance(), f.tree1.cumulativeTotal);
    });

    it("raises the payout allowance by the final total's increase over the previous final epoch", async () => {
      const f = await setup();
      await settle(f, 1n, f.tree1);
      const alice = f.tree1.states[0];
      assert.ok(alice);
      await f.vault.write.claim([alice, f.tree1.proof(alice)]);
      const left = f.tree1.cumulativeTotal - alice.cumulativeAmount;
      assert.equal(await f.token.read.payoutAllowance(), left);
      await propose(f, 2n, f.tree2);
      assert.equal(await f.token.read.payoutAllowance(), left, "a pending epoch adds nothing");
      await passChallengeWindow(f);
      const increase = f.tree2.cumulativeTotal - f.tree1.cumulativeTotal;
      await f.viem.assertions.emitWithArgs(f.vault.write.finalizeEpoch(), f.token, "PayoutAllowanceIncreased", [
        increase,
        left + increase,
      ]);
      assert.equal(await f.token.read.payoutAllowance(), f.tree2.cumulativeTotal - alice.cumulativeAmount);
      assert.equal(await f.vault.read.totalClaimed(), alice.cumulativeAmount);
    });

    it("leaves the allowance alone when the final total does not grow", async () => {
      const f = await setup();
      await settle(f, 1n, f.tree1);
      await propose(f, 2n, f.tree1, { networkShare: parseEther("2") });
      await passChallengeWindow(f);
      const hash = await f.vault.write.finalizeEpoch();
      await f.viem.assertions.emit(hash, f.vault, "EpochFinalized");
      const { logs } = await f.publicClient.getTransactionReceipt({ hash });
      assert.equal(parseEventLogs({ abi: f.token.abi, eventName: "PayoutAllowanceIncreased", logs }).length, 0);
      assert.equal(
        parseEventLogs({ abi: f.token.abi, eventName: "Transfer", logs }).length,
        1,
        "the share still moves",
      );
      assert.equal(await f.token.read.payoutAllowance(), f.tree1.cumulativeTotal);
      assert.equal(await f.vault.read.latestFinalEpoch(), 2n);
    });

    it("sends nothing to the treasury when the network share is zero", async () => {
      const f = await setup();
      await propose(f, 1n, f.tree1);
      await passChallengeWindow(f);
      const treasuryBefore = await f.token.read.balanceOf([f.addresses.treasury]);
      const vaultBefore = await f.token.read.balanceOf([f.vault.address]);
      const hash = await f.vault.write.finalizeEpoch();
      const receipt = await f.publicClient.getTransactionReceipt({ hash });
      const transfers = parseEventLogs({ abi: f.token.abi, eventName: "Transfer", logs: receipt.logs });
      assert.equal(transfers.length, 0);
      // The token's only log is the allowance increase.
      const tokenLogs = parseEventLogs({ abi: f.token.abi, logs: receipt.logs }).filter(
        (log) => log.address.toLowerCase() === f.token.address.toLowerCase(),
      );
      assert.deepEqual(
        tokenLogs.map((log) => log.eventName),
        ["PayoutAllowanceIncreased"],
      );
      assert.equal(await f.token.read.balanceOf([f.addresses.treasury]), treasuryBefore);
      assert.equal(await f.token.read.balanceOf([f.vault.address]), vaultBefore);
      assert.equal(await f.vault.read.latestFinalEpoch(), 1n);
    });

    it("reverts before finalAt", async () => {
      const f = await setup();
      await propose(f, 1n, f.tree1);
      const { finalAt } = await f.vault.read.getEpoch([1n]);
      await f.networkHelpers.time.setNextBlockTimestamp(finalAt - 1n);
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.vault.write.finalizeEpoch(),
        f.vault,
        "EpochAwaitingFinality",
        [1n, finalAt],
      );
      assert.equal(await f.vault.read.latestFinalEpoch(), 0n);
    });

    it("reverts when no epoch is pending", async () => {
      const f = await setup();
      await f.viem.assertions.revertWithCustomError(f.vault.write.finalizeEpoch(), f.vault, "NoPendingEpoch");
      await settle(f, 1n, f.tree1);
      await f.viem.assertions.revertWithCustomError(f.vault.write.finalizeEpoch(), f.vault, "NoPendingEpoch");
    });

    it("reverts while paused and works again after unpause", async () => {
      const f = await setup();
      await propose(f, 1n, f.tree1);
      await passChallengeWindow(f);
      await f.vault.write.pause({ account: f.wallets.guardian.account });
      await f.viem.assertions.revertWithCustomError(f.vault.write.finalizeEpoch(), f.vault, "EnforcedPause");
      await f.vault.write.unpause({ account: f.wallets.admin.account });
      await f.vault.write.finalizeEpoch();
      assert.equal(await f.vault.read.latestFinalEpoch(), 1n);
    });
  });

  describe("vetoEpoch", () => {
    it("vetoes the pending epoch inside the window; the same id can then be proposed again", async () => {
      const f = await setup();
      const share = parseEther("9");
      await propose(f, 1n, f.tree1, { networkShare: share });
      const { finalAt } = await f.vault.read.getEpoch([1n]);
      await f.networkHelpers.time.setNextBlockTimestamp(finalAt - 1n);
      await f.viem.assertions.emitWithArgs(
        f.vault.write.vetoEpoch({ account: f.wallets.guardian.account }),
        f.vault,
        "EpochVetoed",
        [1n, f.tree1.root, f.wallets.guardian.account.address],
      );
      assert.equal((await f.vault.read.getEpoch([1n])).status, VETOED);
      assert.equal((await f.vault.read.getEpoch([1n])).root, f.tree1.root, "a vetoed epoch keeps its last proposal");
      assert.equal(await f.vault.read.pendingEpoch(), 0n);
      await f.viem.assertions.revertWithCustomError(f.vault.write.finalizeEpoch(), f.vault, "NoPendingEpoch");
      await f.viem.assertions.revertWithCustomErrorWithArgs(propose(f, 2n, f.tree2), f.vault, "UnexpectedEpoch", [
        2n,
        1n,
      ]);

      await propose(f, 1n, f.tree2, { contentHash: contentHash("epoch-1-fixed") });
      const epoch = await f.vault.read.getEpoch([1n]);
      assert.equal(epoch.status, PENDING);
      assert.equal(epoch.root, f.tree2.root);
      assert.equal(epoch.contentHash, contentHash("epoch-1-fixed"));
      assert.equal(epoch.networkShare, 0n);
      await passChallengeWindow(f);
      await f.vault.write.finalizeEpoch();
      assert.equal(await f.vault.read.finalRoot(), f.tree2.root);
    });

    it("reverts once the challenge window is over", async () => {
      const f = await setup();
      await propose(f, 1n, f.tree1);
      const { finalAt } = await f.vault.read.getEpoch([1n]);
      await f.networkHelpers.time.setNextBlockTimestamp(finalAt);
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.vault.write.vetoEpoch({ account: f.wallets.guardian.account }),
        f.vault,
        "ChallengeWindowOver",
        [1n, finalAt],
      );
      assert.equal((await f.vault.read.getEpoch([1n])).status, PENDING);
    });

    it("reverts when no epoch is pending", async () => {
      const f = await setup();
      const veto = () => f.vault.write.vetoEpoch({ account: f.wallets.guardian.account });
      await f.viem.assertions.revertWithCustomError(veto(), f.vault, "NoPendingEpoch");
      await propose(f, 1n, f.tree1);
      await veto();
      await f.viem.assertions.revertWithCustomError(veto(), f.vault, "NoPendingEpoch");
      await propose(f, 1n, f.tree1);
      await passChallengeWindow(f);
      await f.vault.write.finalizeEpoch();
      await f.viem.assertions.revertWithCustomError(veto(), f.vault, "NoPendingEpoch");
    });

    it("is only open to guardians", async () => {
      const f = await setup();
      await propose(f, 1n, f.tree1);
      for (const wallet of [f.wallets.stranger, f.wallets.relayer, f.wallets.admin]) {
        await f.viem.assertions.revertWithCustomErrorWithArgs(
          f.vault.write.vetoEpoch({ account: wallet.account }),
          f.vault,
          "AccessControlUnauthorizedAccount",
          [wallet.account.address, GUARDIAN_ROLE],
        );
      }
      assert.equal(await f.vault.read.pendingEpoch(), 1n);
    });

    it("still works while the vault is paused", async () => {
      const f = await setup();
      await propose(f, 1n, f.tree1);
      await f.vault.write.pause({ account: f.wallets.guardian.account });
      await f.vault.write.vetoEpoch({ account: f.wallets.guardian.account });
      assert.equal((await f.vault.read.getEpoch([1n])).status, VETOED);
    });

    it("a pause holds finality: a window that ends during a pause can still be vetoed, and the id re-proposed", async () => {
      const f = await setup();
      const share = parseEther("4");
      await propose(f, 1n, f.tree1, { networkShare: share });
      await f.vault.write.pause({ account: f.wallets.guardian.account });
      const { finalAt } = await f.vault.read.getEpoch([1n]);
      await f.networkHelpers.time.increaseTo(finalAt + 10n * CHALLENGE_WINDOW);
      await f.viem.assertions.emitWithArgs(
        f.vault.write.vetoEpoch({ account: f.wallets.guardian.account }),
        f.vault,
        "EpochVetoed",
        [1n, f.tree1.root, f.wallets.guardian.account.address],
      );
      assert.equal((await f.vault.read.getEpoch([1n])).status, VETOED);
      assert.equal(await f.vault.read.pendingEpoch(), 0n);
      await f.vault.write.unpause({ account: f.wallets.admin.account });
      await f.viem.assertions.revertWithCustomError(f.vault.write.finalizeEpoch(), f.vault, "NoPendingEpoch");
      assert.equal(await f.vault.read.latestFinalEpoch(), 0n);
      assert.equal(await f.token.read.payoutAllowance(), 0n, "the vetoed epoch granted nothing");
      const treasuryBefore = await f.token.read.balanceOf([f.addresses.treasury]);

      // The relayer re-proposes the same epoch id, which settles normally.
      await f.viem.assertions.revertWithCustomErrorWithArgs(propose(f, 2n, f.tree2), f.vault, "UnexpectedEpoch", [
        2n,
        1n,
      ]);
      await settle(f, 1n, f.tree2);
      assert.equal(await f.vault.read.latestFinalEpoch(), 1n);
      assert.equal(await f.vault.read.finalRoot(), f.tree2.root);
      assert.equal(await f.token.read.payoutAllowance(), f.tree2.cumulativeTotal);
      assert.equal(await f.token.read.balanceOf([f.addresses.treasury]), treasuryBefore, "vetoed share never sent");
    });

    it("outside a pause, a veto at or after finalAt reverts with ChallengeWindowOver", async () => {
      const f = await setup();
      await propose(f, 1n, f.tree1);
      // Paused and unpaused again inside the window: the hold ends with the pause.
      await f.vault.write.pause({ account: f.wallets.guardian.account });
      const { finalAt } = await f.vault.read.getEpoch([1n]);
      await f.networkHelpers.time.increaseTo(finalAt + 5n);
      await f.vault.write.unpause({ account: f.wallets.admin.account });
      assert.equal(await f.vault.read.paused(), false);
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.vault.write.vetoEpoch({ account: f.wallets.guardian.account }),
        f.vault,
        "ChallengeWindowOver",
        [1n, finalAt],
      );
      assert.equal((await f.vault.read.getEpoch([1n])).status, PENDING);
      await f.vault.write.finalizeEpoch({ account: f.wallets.stranger.account });
      assert.equal(await f.vault.read.latestFinalEpoch(), 1n);
      assert.equal(await f.vault.read.finalRoot(), f.tree1.root);
    });

    it("a vetoed root never pays out or counts as final, even after its window", async () => {
      const f = await setup();
      const share = parseEther("11");
      await propose(f, 1n, f.tree1, { networkShare: share });
      await f.vault.write.vetoEpoch({ account: f.wallets.guardian.account });
      await passChallengeWindowOf(f, 1n);
      const alice = f.tree1.states[0];
      assert.ok(alice);
      const treasuryBefore = await f.token.read.balanceOf([f.addresses.treasury]);
      await f.viem.assertions.revertWithCustomError(
        f.vault.write.claim([alice, f.tree1.proof(alice)]),
        f.vault,
        "NoFinalEpoch",
      );
      assert.equal(await f.vault.read.verifyNodeState([1n, alice, f.tree1.proof(alice)]), false);

      // Re-proposed with another root and finalized: the vetoed root's proofs stay worthless.
      await settle(f, 1n, f.tree2);
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.vault.write.claim([alice, f.tree1.proof(alice)]),
        f.vault,
        "InvalidProof",
        [alice.account],
      );
      assert.equal(await f.vault.read.verifyNodeState([1n, alice, f.tree1.proof(alice)]), false);
      assert.equal(await f.token.read.balanceOf([f.addresses.treasury]), treasuryBefore, "vetoed share never sent");
      assert.equal(await f.token.read.balanceOf([alice.account]), 0n);
    });
  });
});

async function passChallengeWindowOf(f: Awaited<ReturnType<typeof setup>>, epoch: bigint) {
  const { finalAt } = await f.vault.read.getEpoch([epoch]);
  await f.networkHelpers.time.increaseTo(finalAt + 1n);
}
