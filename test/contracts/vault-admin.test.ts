import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseEther, zeroAddress, zeroHash } from "viem";
import { CHALLENGE_WINDOW, DISPUTE_BOND, deployFixture, MAX_EMISSION } from "./fixture.ts";
import { DEFAULT_ADMIN_ROLE, GUARDIAN_ROLE, propose, RELAYER_ROLE, settle } from "./helpers.ts";
import { nodeState, nodeStateTree } from "./tree.ts";

async function setup() {
  const f = await deployFixture();
  const tree = nodeStateTree([
    nodeState(f.wallets.alice.account.address, parseEther("10")),
    nodeState(f.wallets.bob.account.address, parseEther("20")),
  ]);
  return { ...f, tree };
}

describe("RewardsVault admin", () => {
  describe("constructor", () => {
    it("grants the roles, stores the parameters and emits them", async () => {
      const f = await setup();
      const { admin, relayer, guardian, deployer, stranger } = f.wallets;
      assert.equal(await f.vault.read.DEFAULT_ADMIN_ROLE(), DEFAULT_ADMIN_ROLE);
      assert.equal(await f.vault.read.hasRole([DEFAULT_ADMIN_ROLE, admin.account.address]), true);
      assert.equal(await f.vault.read.hasRole([RELAYER_ROLE, relayer.account.address]), true);
      assert.equal(await f.vault.read.hasRole([GUARDIAN_ROLE, guardian.account.address]), true);
      for (const role of [DEFAULT_ADMIN_ROLE, RELAYER_ROLE, GUARDIAN_ROLE]) {
        assert.equal(await f.vault.read.hasRole([role, deployer.account.address]), false);
        assert.equal(await f.vault.read.hasRole([role, stranger.account.address]), false);
        assert.equal(await f.vault.read.getRoleAdmin([role]), DEFAULT_ADMIN_ROLE);
      }
      assert.equal((await f.vault.read.token()).toLowerCase(), f.token.address.toLowerCase());
      assert.equal((await f.vault.read.treasury()).toLowerCase(), admin.account.address.toLowerCase());
      assert.equal(await f.vault.read.challengeWindow(), CHALLENGE_WINDOW);
      assert.equal(await f.vault.read.maxEmissionPerEpoch(), MAX_EMISSION);
      assert.equal(await f.vault.read.disputeBond(), DISPUTE_BOND);
      assert.equal(await f.vault.read.disputeReward(), 0n, "no reward until the admin sets one");
      assert.equal(await f.vault.read.successor(), zeroAddress, "not retired");
      assert.deepEqual(await f.vault.read.openDispute(), [zeroAddress, 0n]);
      assert.equal(await f.vault.read.paused(), false);
      assert.equal(await f.vault.read.latestFinalEpoch(), 0n);
      assert.equal(await f.vault.read.pendingEpoch(), 0n);
      assert.equal(await f.vault.read.finalRoot(), zeroHash);
      assert.equal((await f.vault.read.getEpoch([1n])).status, 0);

      const fromBlock = f.deployBlock;
      const [treasurySet] = await f.vault.getEvents.TreasurySet({ fromBlock });
      const [windowSet] = await f.vault.getEvents.ChallengeWindowSet({ fromBlock });
      const [capSet] = await f.vault.getEvents.MaxEmissionPerEpochSet({ fromBlock });
      const [bondSet] = await f.vault.getEvents.DisputeBondSet({ fromBlock });
      assert.equal(treasurySet?.args.treasury?.toLowerCase(), admin.account.address.toLowerCase());
      assert.equal(windowSet?.args.challengeWindow, CHALLENGE_WINDOW);
      assert.equal(capSet?.args.maxEmissionPerEpoch, MAX_EMISSION);
      assert.equal(bondSet?.args.disputeBond, DISPUTE_BOND);
    });

    it("reverts with ZeroAddress for a zero token, admin or treasury", async () => {
      const f = await setup();
      const { admin, relayer, guardian } = f.wallets;
      const args = (token: `0x${string}`, adminAddress: `0x${string}`, treasury: `0x${string}`) =>
        [token, adminAddress, [relayer.account.address], [guardian.account.address], treasury, 0n, 1n, 1n] as const;
      const ok = admin.account.address;
      for (const [token, adminAddress, treasury] of [
        [zeroAddress, ok, ok],
        [f.token.address, zeroAddress, ok],
        [f.token.address, ok, zeroAddress],
      ] as const) {
        await f.viem.assertions.revertWithCustomError(
          f.viem.deployContract("RewardsVault", [...args(token, adminAddress, treasury)]),
          f.vault,
          "ZeroAddress",
        );
      }
      const deployed = await f.viem.deployContract("RewardsVault", [f.token.address, ok, [], [], ok, 0n, 1n, 1n]);
      assert.equal(await deployed.read.hasRole([DEFAULT_ADMIN_ROLE, ok]), true, "no relayers or guardians is fine");
    });
  });

  describe("pause / unpause", () => {
    it("a guardian pauses and the admin unpauses, with events", async () => {
      const f = await setup();
      const { guardian, admin } = f.wallets;
      await f.viem.assertions.emitWithArgs(f.vault.write.pause({ account: guardian.account }), f.vault, "Paused", [
        guardian.account.address,
      ]);
      assert.equal(await f.vault.read.paused(), true);
      await f.viem.assertions.emitWithArgs(f.vault.write.unpause({ account: admin.account }), f.vault, "Unpaused", [
        admin.account.address,
      ]);
      assert.equal(await f.vault.read.paused(), false);
    });

    it("pausing twice reverts with EnforcedPause", async () => {
      const f = await setup();
      await f.vault.write.pause({ account: f.wallets.guardian.account });
      await f.viem.assertions.revertWithCustomError(
        f.vault.write.pause({ account: f.wallets.guardian.account }),
        f.vault,
        "EnforcedPause",
      );
    });

    it("unpausing when not paused reverts with ExpectedPause", async () => {
      const f = await setup();
      await f.viem.assertions.revertWithCustomError(
        f.vault.write.unpause({ account: f.wallets.admin.account }),
        f.vault,
        "ExpectedPause",
      );
    });

    it("only guardians pause and only the admin unpauses", async () => {
      const f = await setup();
      const { guardian, admin, relayer, stranger } = f.wallets;
      for (const wallet of [admin, relayer, stranger]) {
        await f.viem.assertions.revertWithCustomErrorWithArgs(
          f.vault.write.pause({ account: wallet.account }),
          f.vault,
          "AccessControlUnauthorizedAccount",
          [wallet.account.address, GUARDIAN_ROLE],
        );
      }
      await f.vault.write.pause({ account: guardian.account });
      for (const wallet of [guardian, relayer, stranger]) {
        await f.viem.assertions.revertWithCustomErrorWithArgs(
          f.vault.write.unpause({ account: wallet.account }),
          f.vault,
          "AccessControlUnauthorizedAccount",
          [wallet.account.address, DEFAULT_ADMIN_ROLE],
        );
      }
      assert.equal(await f.vault.read.paused(), true);
    });
  });

  describe("setters", () => {
    it("setChallengeWindow stores the window and emits ChallengeWindowSet", async () => {
      const f = await setup();
      await f.viem.assertions.emitWithArgs(
        f.vault.write.setChallengeWindow([0n], { account: f.wallets.admin.account }),
        f.vault,
        "ChallengeWindowSet",
        [0n],
      );
      assert.equal(await f.vault.read.challengeWindow(), 0n);
      await propose(f, 1n, f.tree);
      assert.equal(await f.vault.read.latestFinalEpoch(), 1n, "a zero window makes new epochs final at once");
    });

    it("setMaxEmissionPerEpoch stores the cap, emits MaxEmissionPerEpochSet and bounds later proposals", async () => {
      const f = await setup();
      const cap = f.tree.cumulativeTotal - 1n;
      await f.viem.assertions.emitWithArgs(
        f.vault.write.setMaxEmissionPerEpoch([cap], { account: f.wallets.admin.account }),
        f.vault,
        "MaxEmissionPerEpochSet",
        [cap],
      );
      assert.equal(await f.vault.read.maxEmissionPerEpoch(), cap);
      await f.viem.assertions.revertWithCustomErrorWithArgs(propose(f, 1n, f.tree), f.vault, "EmissionCapExceeded", [
        f.tree.cumulativeTotal,
        cap,
      ]);
    });

    it("setTreasury stores the treasury, emits TreasurySet and redirects later network shares", async () => {
      const f = await setup();
      const newTreasury = f.wallets.carol.account.address;
      await f.viem.assertions.emitWithArgs(
        f.vault.write.setTreasury([newTreasury], { account: f.wallets.admin.account }),
        f.vault,
        "TreasurySet",
        [newTreasury],
      );
      assert.equal((await f.vault.read.treasury()).toLowerCase(), newTreasury.toLowerCase());
      const oldTreasuryBalance = await f.token.read.balanceOf([f.addresses.treasury]);
      await settle(f, 1n, f.tree, { networkShare: parseEther("4") });
      assert.equal(await f.token.read.balanceOf([newTreasury]), parseEther("4"));
      assert.equal(await f.token.read.balanceOf([f.addresses.treasury]), oldTreasuryBalance);
    });

    it("setDisputeBond and setDisputeReward store the value and emit DisputeBondSet / DisputeRewardSet", async () => {
      const f = await setup();
      const { admin } = f.wallets;
      await f.viem.assertions.emitWithArgs(
        f.vault.write.setDisputeBond([parseEther("2")], { account: admin.account }),
        f.vault,
        "DisputeBondSet",
        [parseEther("2")],
      );
      await f.viem.assertions.emitWithArgs(
        f.vault.write.setDisputeReward([parseEther("500")], { account: admin.account }),
        f.vault,
        "DisputeRewardSet",
        [parseEther("500")],
      );
      assert.equal(await f.vault.read.disputeBond(), parseEther("2"));
      assert.equal(await f.vault.read.disputeReward(), parseEther("500"));
      await propose(f, 1n, f.tree);
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.vault.write.dispute([1n], { account: f.wallets.stranger.account, value: DISPUTE_BOND }),
        f.vault,
        "WrongDisputeBond",
        [DISPUTE_BOND, parseEther("2")],
      );
    });

    it("setTreasury rejects the zero address", async () => {
      const f = await setup();
      await f.viem.assertions.revertWithCustomError(
        f.vault.write.setTreasury([zeroAddress], { account: f.wallets.admin.account }),
        f.vault,
        "ZeroAddress",
      );
    });

    it("every setter is admin-only", async () => {
      const f = await setup();
      const { relayer, guardian, stranger } = f.wallets;
      for (const wallet of [relayer, guardian, stranger]) {
        const calls = [
          () => f.vault.write.setChallengeWindow([1n], { account: wallet.account }),
          () => f.vault.write.setMaxEmissionPerEpoch([1n], { account: wallet.account }),
          () => f.vault.write.setTreasury([wallet.account.address], { account: wallet.account }),
          () => f.vault.write.setDisputeBond([1n], { account: wallet.account }),
          () => f.vault.write.setDisputeReward([1n], { account: wallet.account }),
          () => f.vault.write.retire([wallet.account.address], { account: wallet.account }),
        ];
        for (const call of calls) {
          await f.viem.assertions.revertWithCustomErrorWithArgs(call(), f.vault, "AccessControlUnauthorizedAccount", [
            wallet.account.address,
            DEFAULT_ADMIN_ROLE,
          ]);
        }
      }
      assert.equal(await f.vault.read.challengeWindow(), CHALLENGE_WINDOW);
      assert.equal(await f.vault.read.maxEmissionPerEpoch(), MAX_EMISSION);
      assert.equal(await f.vault.read.disputeBond(), DISPUTE_BOND);
      assert.equal(await f.vault.read.successor(), zeroAddress);
    });

    it("setters still work while paused", async () => {
      const f = await setup();
      await f.vault.write.pause({ account: f.wallets.guardian.account });
      await f.vault.write.setChallengeWindow([7n], { account: f.wallets.admin.account });
      await f.vault.write.setMaxEmissionPerEpoch([8n], { account: f.wallets.admin.account });
      await f.vault.write.setTreasury([f.wallets.carol.account.address], { account: f.wallets.admin.account });
      await f.vault.write.setDisputeBond([9n], { account: f.wallets.admin.account });
      await f.vault.write.setDisputeReward([10n], { account: f.wallets.admin.account });
      assert.equal(await f.vault.read.challengeWindow(), 7n);
      assert.equal(await f.vault.read.disputeBond(), 9n);
      assert.equal(await f.vault.read.disputeReward(), 10n);
      assert.equal(await f.vault.read.maxEmissionPerEpoch(), 8n);
    });
  });

  describe("roles", () => {
    it("the admin grants and revokes relayers", async () => {
      const f = await setup();
      const { admin, carol, relayer } = f.wallets;
      await f.viem.assertions.emitWithArgs(
        f.vault.write.grantRole([RELAYER_ROLE, carol.account.address], { account: admin.account }),
        f.vault,
        "RoleGranted",
        [RELAYER_ROLE, carol.account.address, admin.account.address],
      );
      await f.vault.write.proposeEpoch([1n, f.tree.root, f.tree.cumulativeTotal, 0n, zeroHash], {
        account: carol.account,
      });
      assert.equal(await f.vault.read.pendingEpoch(), 1n);
      await f.vault.write.revokeRole([RELAYER_ROLE, relayer.account.address], { account: admin.account });
      await f.viem.assertions.revertWithCustomError(
        propose(f, 2n, f.tree),
        f.vault,
        "AccessControlUnauthorizedAccount",
      );
    });

    it("non-admins cannot grant roles and a holder can renounce its own role", async () => {
      const f = await setup();
      const { relayer, guardian, stranger } = f.wallets;
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.vault.write.grantRole([RELAYER_ROLE, stranger.account.address], { account: relayer.account }),
        f.vault,
        "AccessControlUnauthorizedAccount",
        [relayer.account.address, DEFAULT_ADMIN_ROLE],
      );
      await f.viem.assertions.revertWithCustomError(
        f.vault.write.renounceRole([GUARDIAN_ROLE, guardian.account.address], { account: stranger.account }),
        f.vault,
        "AccessControlBadConfirmation",
      );
      await f.vault.write.renounceRole([GUARDIAN_ROLE, guardian.account.address], { account: guardian.account });
      assert.equal(await f.vault.read.hasRole([GUARDIAN_ROLE, guardian.account.address]), false);
    });

    it("supports the AccessControl and ERC-165 interfaces", async () => {
      const f = await setup();
      assert.equal(await f.vault.read.supportsInterface(["0x7965db0b"]), true);
      assert.equal(await f.vault.read.supportsInterface(["0x01ffc9a7"]), true);
      assert.equal(await f.vault.read.supportsInterface(["0xffffffff"]), false);
    });
  });
});
