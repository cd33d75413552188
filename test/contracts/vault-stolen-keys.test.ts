// What a stolen relayer, guardian or admin key can do to the vault: each test pins one sentence of the README's
// "What a stolen key can do" (Contracts → Rewards vault).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseEther, zeroHash } from "viem";
import { DISPUTE_BOND, deployFixture, MAX_EMISSION } from "./fixture.ts";
import {
  DEFAULT_ADMIN_ROLE,
  dispute,
  EPOCH_STATUS,
  GUARDIAN_ROLE,
  passChallengeWindow,
  propose,
  RELAYER_ROLE,
  settle,
} from "./helpers.ts";
import { nodeState, nodeStateTree } from "./tree.ts";

const POOL = 400_000_000n * 10n ** 18n;
const REWARD = parseEther("1000");

async function setup() {
  const f = await deployFixture();
  const { alice, bob, carol } = f.wallets;
  // Alice, Bob and Carol earned; nobody has claimed yet.
  const earned = nodeStateTree([
    nodeState(alice.account.address, parseEther("100")),
    nodeState(bob.account.address, parseEther("200")),
    nodeState(carol.account.address, parseEther("300")),
  ]);
  await f.vault.write.setDisputeReward([REWARD], { account: f.wallets.admin.account });
  await settle(f, 1n, earned);
  const [a, b, c] = earned.states;
  assert.ok(a && b && c);
  // The thief's root: the same cumulative total (zero emission), with Bob's and Carol's unclaimed GBT on Alice.
  const thief = nodeState(alice.account.address, parseEther("600"));
  const redistributing = nodeStateTree([
    thief,
    nodeState(bob.account.address, 0n),
    nodeState(carol.account.address, 0n),
  ]);
  return { ...f, earned, a, b, c, thief, redistributing };
}

type Setup = Awaited<ReturnType<typeof setup>>;

/** Every call that needs a role, as `wallet`. */
function privilegedCalls(f: Setup, wallet: Setup["wallets"]["alice"]) {
  const account = wallet.account;
  return {
    propose: () => f.vault.write.proposeEpoch([2n, f.redistributing.root, 0n, 0n, zeroHash], { account }),
    veto: () => f.vault.write.vetoEpoch({ account }),
    resolveDispute: () => f.vault.write.resolveDispute([true], { account }),
    pause: () => f.vault.write.pause({ account }),
    rollBack: () => f.vault.write.rollBack({ account }),
    unpause: () => f.vault.write.unpause({ account }),
    retire: () => f.vault.write.retire([account.address], { account }),
    setChallengeWindow: () => f.vault.write.setChallengeWindow([0n], { account }),
    setMaxEmissionPerEpoch: () => f.vault.write.setMaxEmissionPerEpoch([POOL], { account }),
    setTreasury: () => f.vault.write.setTreasury([account.address], { account }),
    setDisputeBond: () => f.vault.write.setDisputeBond([0n], { account }),
    setDisputeReward: () => f.vault.write.setDisputeReward([POOL], { account }),
    grantRole: () => f.vault.write.grantRole([RELAYER_ROLE, account.address], { account }),
  };
}

describe("what a stolen key can do", () => {
  describe("relayer key", () => {
    it("can propose a root that moves others' unclaimed GBT onto its own account within the cap, final if nobody disputes it", async () => {
      const f = await setup();
      await propose(f, 2n, f.redistributing);
      assert.equal((await f.vault.read.getEpoch([2n])).cumulativeTotal, f.earned.cumulativeTotal, "zero emission");
      await passChallengeWindow(f);
      await f.vault.write.finalizeEpoch();
      await f.vault.write.claim([f.thief, f.redistributing.proof(f.thief)]);
      assert.equal(await f.token.read.balanceOf([f.thief.account]), f.earned.cumulativeTotal, "alice took it all");
      // Bob's and Carol's proofs of what they earned are stale, and the allowance is spent anyway.
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.vault.write.claim([f.b, f.earned.proof(f.b)]),
        f.vault,
        "InvalidProof",
        [f.b.account],
      );
      assert.equal(await f.token.read.payoutAllowance(), 0n);
    });

    it("is stopped inside the challenge window by a watcher's dispute, or by a guardian's veto", async () => {
      const f = await setup();
      await propose(f, 2n, f.redistributing);
      await dispute(f, 2n);
      await passChallengeWindow(f);
      await f.viem.assertions.revertWithCustomError(f.vault.write.finalizeEpoch(), f.vault, "DisputeOpen");
      await f.vault.write.resolveDispute([true], { account: f.wallets.guardian.account });
      assert.equal((await f.vault.read.getEpoch([2n])).status, EPOCH_STATUS.vetoed);

      await propose(f, 2n, f.redistributing);
      await f.vault.write.vetoEpoch({ account: f.wallets.guardian.account });
      assert.equal((await f.vault.read.getEpoch([2n])).status, EPOCH_STATUS.vetoed);
      for (const state of [f.a, f.b, f.c]) await f.vault.write.claim([state, f.earned.proof(state)]);
      assert.equal(
        await f.token.read.balanceOf([f.c.account]),
        f.c.cumulativeAmount,
        "everyone is paid what they earned",
      );
    });

    it("adds at most the emission cap per proposal, and never more than the pool holds", async () => {
      const f = await setup();
      const previous = f.earned.cumulativeTotal;
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        propose(f, 2n, f.redistributing, { cumulativeTotal: previous + MAX_EMISSION + 1n }),
        f.vault,
        "EmissionCapExceeded",
        [MAX_EMISSION + 1n, MAX_EMISSION],
      );
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        propose(f, 2n, f.redistributing, { cumulativeTotal: previous - 1n }),
        f.vault,
        "CumulativeTotalDecreased",
        [previous - 1n, previous],
      );
      await propose(f, 2n, f.redistributing, { cumulativeTotal: previous + MAX_EMISSION });
      assert.equal(await f.vault.read.pendingEpoch(), 2n);
    });

    it("can do nothing else that needs a role", async () => {
      const f = await setup();
      const { relayer } = f.wallets;
      const calls = privilegedCalls(f, relayer);
      for (const [name, call] of Object.entries(calls)) {
        if (name === "propose") continue;
        await f.viem.assertions.revertWithCustomError(call(), f.vault, "AccessControlUnauthorizedAccount");
      }
    });
  });

  describe("guardian key", () => {
    it("can veto every proposal and freeze claims with a pause, which only the admin lifts", async () => {
      const f = await setup();
      const { guardian, admin } = f.wallets;
      await propose(f, 2n, f.earned);
      await f.vault.write.vetoEpoch({ account: guardian.account });
      await f.vault.write.pause({ account: guardian.account });
      await f.viem.assertions.revertWithCustomError(
        f.vault.write.claim([f.a, f.earned.proof(f.a)]),
        f.vault,
        "EnforcedPause",
      );
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.vault.write.unpause({ account: guardian.account }),
        f.vault,
        "AccessControlUnauthorizedAccount",
        [guardian.account.address, DEFAULT_ADMIN_ROLE],
      );
      await f.vault.write.unpause({ account: admin.account });
      await f.vault.write.claim([f.a, f.earned.proof(f.a)]);
      assert.equal(await f.token.read.balanceOf([f.a.account]), f.a.cumulativeAmount);
    });

    it("can roll final roots back while paused, which costs nodes time, not GBT: the epoch is proposed again", async () => {
      const f = await setup();
      await f.vault.write.pause({ account: f.wallets.guardian.account });
      await f.vault.write.rollBack({ account: f.wallets.guardian.account });
      await f.vault.write.unpause({ account: f.wallets.admin.account });
      assert.equal(await f.vault.read.latestFinalEpoch(), 0n);
      await settle(f, 1n, f.earned);
      for (const state of [f.a, f.b, f.c]) await f.vault.write.claim([state, f.earned.proof(state)]);
      assert.equal(await f.vault.read.totalClaimed(), f.earned.cumulativeTotal);
      assert.equal(await f.token.read.balanceOf([f.wallets.guardian.account.address]), 0n);
    });

    it("gains at most the dispute reward per proposal by upholding its own disputes; rejected bonds go to the treasury", async () => {
      const f = await setup();
      const { guardian, stranger } = f.wallets;
      await propose(f, 2n, f.earned);
      await dispute(f, 2n, guardian);
      await f.vault.write.resolveDispute([true], { account: guardian.account });
      assert.equal(await f.token.read.balanceOf([guardian.account.address]), REWARD, "one reward for one proposal");
      assert.equal(await f.vault.read.withdrawableBond([guardian.account.address]), DISPUTE_BOND, "its own bond");
      await f.viem.assertions.revertWithCustomError(dispute(f, 2n, guardian), f.vault, "NoPendingEpoch");

      // An honest watcher's dispute rejected by the stolen key: the bond goes to the treasury, not to the guardian.
      await propose(f, 2n, f.redistributing);
      await dispute(f, 2n, stranger);
      await f.vault.write.resolveDispute([false], { account: guardian.account });
      assert.equal(await f.vault.read.withdrawableBond([f.addresses.treasury]), DISPUTE_BOND);
      assert.equal(await f.vault.read.withdrawableBond([guardian.account.address]), DISPUTE_BOND, "unchanged");
    });

    it("can do nothing that needs the admin or the relayer", async () => {
      const f = await setup();
      const { guardian } = f.wallets;
      const calls = privilegedCalls(f, guardian);
      for (const name of [
        "propose",
        "unpause",
        "retire",
        "setChallengeWindow",
        "setMaxEmissionPerEpoch",
        "setTreasury",
        "setDisputeBond",
        "setDisputeReward",
        "grantRole",
      ] as const) {
        await f.viem.assertions.revertWithCustomError(calls[name](), f.vault, "AccessControlUnauthorizedAccount");
      }
      assert.equal(await f.vault.read.hasRole([GUARDIAN_ROLE, guardian.account.address]), true);
    });
  });

  describe("admin key (the treasury timelock, once a call has waited its delay)", () => {
    it("can make itself a relayer, lift the cap and after one challenge window pay itself the unclaimed pool", async () => {
      const f = await setup();
      const { admin } = f.wallets;
      await f.vault.write.grantRole([RELAYER_ROLE, admin.account.address], { account: admin.account });
      await f.vault.write.setMaxEmissionPerEpoch([POOL], { account: admin.account });
      const all = nodeStateTree([nodeState(admin.account.address, POOL)]);
      await f.vault.write.proposeEpoch([2n, all.root, POOL, 0n, zeroHash], { account: admin.account });
      await passChallengeWindow(f);
      await f.vault.write.finalizeEpoch();
      const [state] = all.states;
      assert.ok(state);
      await f.vault.write.claim([state, all.proof(state)]);
      assert.equal(await f.token.read.balanceOf([f.vault.address]), 0n);
    });

    it("can retire the vault to itself and sweep the unowed pool at once, but not what the final root owes", async () => {
      const f = await setup();
      const { admin } = f.wallets;
      const before = await f.token.read.balanceOf([admin.account.address]);
      await f.vault.write.retire([admin.account.address], { account: admin.account });
      await f.vault.write.sweepUnowed();
      assert.equal(await f.token.read.balanceOf([admin.account.address]), before + POOL - f.earned.cumulativeTotal);
      for (const state of [f.a, f.b, f.c]) await f.vault.write.claim([state, f.earned.proof(state)]);
      assert.equal(await f.vault.read.totalClaimed(), f.earned.cumulativeTotal, "every node is still paid");
    });
  });
});
