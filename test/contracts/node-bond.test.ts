import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Address, maxUint256, parseEther, zeroAddress } from "viem";
import { CHALLENGE_WINDOW, DAY, deployFixture } from "./fixture.ts";
import {
  contentHash,
  DEFAULT_ADMIN_ROLE,
  type Fixture,
  GUARDIAN_ROLE,
  latestTimestamp,
  RELAYER_ROLE,
} from "./helpers.ts";

const UNBONDING_DELAY = 2n * CHALLENGE_WINDOW; // deployProtocol's default: twice the challenge window
const NONE = 0;
const PENDING = 1;
const EXECUTED = 2;
const VETOED = 3;
const FUNDS = parseEther("1000");
const REASON = contentHash("dispute-1");

/** The protocol with NodeBond; alice, bob and carol each hold 1,000 GBT (from the treasury) and approved NodeBond. */
async function setup(overrides: Parameters<typeof deployFixture>[0] = {}) {
  const f = await deployFixture(overrides);
  const nodeBond = await f.viem.getContractAt("NodeBond", f.addresses.nodeBond);
  const { admin, alice, bob, carol } = f.wallets;
  for (const wallet of [alice, bob, carol]) {
    await f.token.write.transfer([wallet.account.address, FUNDS], { account: admin.account });
    await f.token.write.approve([nodeBond.address, maxUint256], { account: wallet.account });
  }
  return { ...f, nodeBond };
}

type Setup = Awaited<ReturnType<typeof setup>>;

const addressOf = (wallet: { account: { address: Address } }) => wallet.account.address;

/** The relayer proposes a slash of `amount` from `node`; resolves with its id and executableAt. */
async function proposeSlash(f: Setup, node: Address, amount: bigint, reason = REASON) {
  await f.nodeBond.write.proposeSlash([node, amount, reason], { account: f.wallets.relayer.account });
  const id = await f.nodeBond.read.slashCount();
  const { executableAt } = await f.nodeBond.read.getSlash([id]);
  return { id, executableAt };
}

/** The next transaction is mined exactly at `timestamp`. */
async function at(f: Fixture, timestamp: bigint) {
  await f.networkHelpers.time.setNextBlockTimestamp(timestamp);
}

describe("NodeBond", () => {
  describe("constructor", () => {
    it("is deployed with the protocol: vault's challenge window, twice it to unbond, treasury as admin and recipient", async () => {
      const f = await setup();
      const { admin, relayer, guardian, deployer, stranger } = f.wallets;
      assert.equal(await f.nodeBond.read.hasRole([DEFAULT_ADMIN_ROLE, admin.account.address]), true);
      assert.equal(await f.nodeBond.read.hasRole([RELAYER_ROLE, relayer.account.address]), true);
      assert.equal(await f.nodeBond.read.hasRole([GUARDIAN_ROLE, guardian.account.address]), true);
      for (const role of [DEFAULT_ADMIN_ROLE, RELAYER_ROLE, GUARDIAN_ROLE]) {
        assert.equal(await f.nodeBond.read.hasRole([role, deployer.account.address]), false);
        assert.equal(await f.nodeBond.read.hasRole([role, stranger.account.address]), false);
        assert.equal(await f.nodeBond.read.getRoleAdmin([role]), DEFAULT_ADMIN_ROLE);
      }
      assert.equal(await f.nodeBond.read.RELAYER_ROLE(), RELAYER_ROLE);
      assert.equal(await f.nodeBond.read.GUARDIAN_ROLE(), GUARDIAN_ROLE);
      assert.equal((await f.nodeBond.read.token()).toLowerCase(), f.token.address.toLowerCase());
      assert.equal(await f.nodeBond.read.challengeWindow(), await f.vault.read.challengeWindow());
      assert.equal(await f.nodeBond.read.unbondingDelay(), UNBONDING_DELAY);
      assert.equal((await f.nodeBond.read.slashRecipient()).toLowerCase(), f.addresses.treasury.toLowerCase());
      assert.equal(await f.nodeBond.read.paused(), false);
      assert.equal(await f.nodeBond.read.slashCount(), 0n);
      assert.equal(await f.nodeBond.read.totalBonded(), 0n);
      assert.equal(await f.nodeBond.read.totalUnbonding(), 0n);
      const [recipientSet] = await f.nodeBond.getEvents.SlashRecipientSet({ fromBlock: f.deployBlock });
      assert.equal(recipientSet?.args.slashRecipient?.toLowerCase(), f.addresses.treasury.toLowerCase());
    });

    it("takes an unbonding delay from the deployment parameters", async () => {
      const f = await setup({ unbondingDelay: 10n * CHALLENGE_WINDOW });
      assert.equal(await f.nodeBond.read.unbondingDelay(), 10n * CHALLENGE_WINDOW);
      const local = await setup({ challengeWindow: 0n });
      assert.equal(await local.nodeBond.read.challengeWindow(), 0n);
      assert.equal(await local.nodeBond.read.unbondingDelay(), 1n, "a zero window unbonds after one second");
    });

    it("requires a delay strictly longer than the challenge window and at most a year", async () => {
      const f = await setup();
      const ok = addressOf(f.wallets.admin);
      const deploy = (window: bigint, delay: bigint) =>
        f.viem.deployContract("NodeBond", [f.token.address, ok, [], [], ok, window, delay]);
      for (const [window, delay] of [
        [CHALLENGE_WINDOW, CHALLENGE_WINDOW],
        [CHALLENGE_WINDOW, CHALLENGE_WINDOW - 1n],
        [0n, 0n],
      ] as const) {
        await f.viem.assertions.revertWithCustomErrorWithArgs(
          deploy(window, delay),
          f.nodeBond,
          "UnbondingDelayTooShort",
          [delay, window],
        );
      }
      const year = 365n * DAY;
      assert.equal(await f.nodeBond.read.MAX_UNBONDING_DELAY(), year);
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        deploy(CHALLENGE_WINDOW, year + 1n),
        f.nodeBond,
        "UnbondingDelayTooLong",
        [year + 1n, year],
      );
      assert.equal(await (await deploy(0n, year)).read.unbondingDelay(), year);
      const deployed = await deploy(CHALLENGE_WINDOW, CHALLENGE_WINDOW + 1n);
      assert.equal(await deployed.read.unbondingDelay(), CHALLENGE_WINDOW + 1n);
      assert.equal(await deployed.read.hasRole([DEFAULT_ADMIN_ROLE, ok]), true, "no relayers or guardians is fine");
    });

    it("reverts with ZeroAddress for a zero token, admin or slash recipient", async () => {
      const f = await setup();
      const ok = addressOf(f.wallets.admin);
      for (const [token, admin, recipient] of [
        [zeroAddress, ok, ok],
        [f.token.address, zeroAddress, ok],
        [f.token.address, ok, zeroAddress],
      ] as const) {
        await f.viem.assertions.revertWithCustomError(
          f.viem.deployContract("NodeBond", [token, admin, [], [], recipient, 1n, 2n]),
          f.nodeBond,
          "ZeroAddress",
        );
      }
    });
  });

  describe("bond", () => {
    it("pulls the GBT, adds it to the caller's active bond and emits Bonded", async () => {
      const f = await setup();
      const { alice } = f.wallets;
      const amount = parseEther("100");
      await f.viem.assertions.emitWithArgs(
        f.nodeBond.write.bond([amount], { account: alice.account }),
        f.nodeBond,
        "Bonded",
        [addressOf(alice), addressOf(alice), amount, amount],
      );
      await f.viem.assertions.emitWithArgs(
        f.nodeBond.write.bond([amount], { account: alice.account }),
        f.nodeBond,
        "Bonded",
        [addressOf(alice), addressOf(alice), amount, 2n * amount],
      );
      assert.equal(await f.nodeBond.read.bondOf([addressOf(alice)]), 2n * amount);
      assert.equal(await f.nodeBond.read.slashableOf([addressOf(alice)]), 2n * amount);
      assert.deepEqual(await f.nodeBond.read.pendingUnbond([addressOf(alice)]), [0n, 0n]);
      assert.equal(await f.nodeBond.read.totalBonded(), 2n * amount);
      assert.equal(await f.token.read.balanceOf([f.nodeBond.address]), 2n * amount);
      assert.equal(await f.token.read.balanceOf([addressOf(alice)]), FUNDS - 2n * amount);
    });

    it("bondFor credits the node, charges the payer, and only the node can unbond it", async () => {
      const f = await setup();
      const { alice, carol } = f.wallets;
      const amount = parseEther("40");
      await f.viem.assertions.emitWithArgs(
        f.nodeBond.write.bondFor([addressOf(alice), amount], { account: carol.account }),
        f.nodeBond,
        "Bonded",
        [addressOf(alice), addressOf(carol), amount, amount],
      );
      assert.equal(await f.nodeBond.read.bondOf([addressOf(alice)]), amount);
      assert.equal(await f.nodeBond.read.bondOf([addressOf(carol)]), 0n);
      assert.equal(await f.token.read.balanceOf([addressOf(carol)]), FUNDS - amount);
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.nodeBond.write.requestUnbond([amount], { account: carol.account }),
        f.nodeBond,
        "InsufficientBond",
        [addressOf(carol), amount, 0n],
      );
      await f.nodeBond.write.requestUnbond([amount], { account: alice.account });
      assert.deepEqual((await f.nodeBond.read.pendingUnbond([addressOf(alice)]))[0], amount);
    });

    it("rejects a zero amount and a zero node", async () => {
      const f = await setup();
      const { alice } = f.wallets;
      await f.viem.assertions.revertWithCustomError(
        f.nodeBond.write.bond([0n], { account: alice.account }),
        f.nodeBond,
        "ZeroAmount",
      );
      await f.viem.assertions.revertWithCustomError(
        f.nodeBond.write.bondFor([addressOf(alice), 0n], { account: alice.account }),
        f.nodeBond,
        "ZeroAmount",
      );
      await f.viem.assertions.revertWithCustomError(
        f.nodeBond.write.bondFor([zeroAddress, 1n], { account: alice.account }),
        f.nodeBond,
        "ZeroAddress",
      );
    });

    it("fails without an allowance or a balance, and moves nothing", async () => {
      const f = await setup();
      const { alice, stranger } = f.wallets;
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.nodeBond.write.bond([1n], { account: stranger.account }),
        f.token,
        "ERC20InsufficientAllowance",
        [f.nodeBond.address, 0n, 1n],
      );
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.nodeBond.write.bond([FUNDS + 1n], { account: alice.account }),
        f.token,
        "ERC20InsufficientBalance",
        [addressOf(alice), FUNDS, FUNDS + 1n],
      );
      assert.equal(await f.nodeBond.read.totalBonded(), 0n);
    });

    it("reverts with EnforcedPause while paused", async () => {
      const f = await setup();
      const { alice, guardian } = f.wallets;
      await f.nodeBond.write.pause({ account: guardian.account });
      await f.viem.assertions.revertWithCustomError(
        f.nodeBond.write.bond([1n], { account: alice.account }),
        f.nodeBond,
        "EnforcedPause",
      );
      await f.viem.assertions.revertWithCustomError(
        f.nodeBond.write.bondFor([addressOf(alice), 1n], { account: alice.account }),
        f.nodeBond,
        "EnforcedPause",
      );
    });
  });

  describe("requestUnbond / withdraw", () => {
    it("moves the amount out of the active bond into a pending unbond that unlocks after the delay", async () => {
      const f = await setup();
      const { alice } = f.wallets;
      await f.nodeBond.write.bond([parseEther("100")], { account: alice.account });
      const now = (await latestTimestamp(f)) + 5n;
      await at(f, now);
      await f.viem.assertions.emitWithArgs(
        f.nodeBond.write.requestUnbond([parseEther("30")], { account: alice.account }),
        f.nodeBond,
        "UnbondRequested",
        [addressOf(alice), parseEther("30"), parseEther("30"), now + UNBONDING_DELAY],
      );
      assert.equal(await f.nodeBond.read.bondOf([addressOf(alice)]), parseEther("70"), "weight drops at once");
      assert.deepEqual(await f.nodeBond.read.pendingUnbond([addressOf(alice)]), [
        parseEther("30"),
        now + UNBONDING_DELAY,
      ]);
      assert.equal(await f.nodeBond.read.slashableOf([addressOf(alice)]), parseEther("100"), "still slashable");
      assert.equal(await f.nodeBond.read.totalBonded(), parseEther("70"));
      assert.equal(await f.nodeBond.read.totalUnbonding(), parseEther("30"));
      assert.deepEqual(await f.nodeBond.read.getBond([addressOf(alice)]), {
        active: parseEther("70"),
        pending: parseEther("30"),
        unlockAt: now + UNBONDING_DELAY,
        openSlashes: 0,
      });
      // A call runs on the latest block (mined at `now`).
      const { result } = await f.nodeBond.simulate.requestUnbond([1n], { account: addressOf(alice) });
      assert.equal(result, now + UNBONDING_DELAY, "returns unlockAt");
    });

    it("a second request adds to the pending unbond and restarts the delay for all of it", async () => {
      const f = await setup();
      const { alice } = f.wallets;
      await f.nodeBond.write.bond([parseEther("100")], { account: alice.account });
      await f.nodeBond.write.requestUnbond([parseEther("30")], { account: alice.account });
      const later = (await latestTimestamp(f)) + CHALLENGE_WINDOW;
      await at(f, later);
      await f.viem.assertions.emitWithArgs(
        f.nodeBond.write.requestUnbond([parseEther("20")], { account: alice.account }),
        f.nodeBond,
        "UnbondRequested",
        [addressOf(alice), parseEther("20"), parseEther("50"), later + UNBONDING_DELAY],
      );
      assert.deepEqual(await f.nodeBond.read.pendingUnbond([addressOf(alice)]), [
        parseEther("50"),
        later + UNBONDING_DELAY,
      ]);
    });

    it("rejects a zero amount and more than the active bond", async () => {
      const f = await setup();
      const { alice } = f.wallets;
      await f.nodeBond.write.bond([parseEther("10")], { account: alice.account });
      await f.viem.assertions.revertWithCustomError(
        f.nodeBond.write.requestUnbond([0n], { account: alice.account }),
        f.nodeBond,
        "ZeroAmount",
      );
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.nodeBond.write.requestUnbond([parseEther("10") + 1n], { account: alice.account }),
        f.nodeBond,
        "InsufficientBond",
        [addressOf(alice), parseEther("10") + 1n, parseEther("10")],
      );
      await f.nodeBond.write.requestUnbond([parseEther("10")], { account: alice.account });
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.nodeBond.write.requestUnbond([1n], { account: alice.account }),
        f.nodeBond,
        "InsufficientBond",
        [addressOf(alice), 1n, 0n],
      );
    });

    it("withdraw pays the pending unbond from unlockAt on, not a second earlier, and emits Withdrawn", async () => {
      const f = await setup();
      const { alice } = f.wallets;
      await f.nodeBond.write.bond([parseEther("100")], { account: alice.account });
      await f.nodeBond.write.requestUnbond([parseEther("60")], { account: alice.account });
      const [, unlockAt] = await f.nodeBond.read.pendingUnbond([addressOf(alice)]);
      await at(f, unlockAt - 1n);
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.nodeBond.write.withdraw({ account: alice.account }),
        f.nodeBond,
        "UnbondLocked",
        [addressOf(alice), unlockAt],
      );
      await at(f, unlockAt);
      await f.viem.assertions.emitWithArgs(
        f.nodeBond.write.withdraw({ account: alice.account }),
        f.nodeBond,
        "Withdrawn",
        [addressOf(alice), parseEther("60")],
      );
      assert.equal(await f.token.read.balanceOf([addressOf(alice)]), FUNDS - parseEther("40"));
      assert.deepEqual(await f.nodeBond.read.pendingUnbond([addressOf(alice)]), [0n, 0n]);
      assert.equal(await f.nodeBond.read.bondOf([addressOf(alice)]), parseEther("40"), "active bond untouched");
      assert.equal(await f.nodeBond.read.totalUnbonding(), 0n);
      assert.equal(await f.token.read.balanceOf([f.nodeBond.address]), parseEther("40"));
    });

    it("withdraw reverts with NothingToWithdraw without a pending unbond, also after a withdrawal", async () => {
      const f = await setup();
      const { alice } = f.wallets;
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.nodeBond.write.withdraw({ account: alice.account }),
        f.nodeBond,
        "NothingToWithdraw",
        [addressOf(alice)],
      );
      await f.nodeBond.write.bond([1n], { account: alice.account });
      await f.nodeBond.write.requestUnbond([1n], { account: alice.account });
      await f.networkHelpers.time.increase(UNBONDING_DELAY);
      await f.nodeBond.write.withdraw({ account: alice.account });
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.nodeBond.write.withdraw({ account: alice.account }),
        f.nodeBond,
        "NothingToWithdraw",
        [addressOf(alice)],
      );
    });

    it("exits stay open while paused", async () => {
      const f = await setup();
      const { alice, guardian } = f.wallets;
      await f.nodeBond.write.bond([parseEther("5")], { account: alice.account });
      await f.nodeBond.write.pause({ account: guardian.account });
      await f.nodeBond.write.requestUnbond([parseEther("5")], { account: alice.account });
      await f.networkHelpers.time.increase(UNBONDING_DELAY);
      await f.nodeBond.write.withdraw({ account: alice.account });
      assert.equal(await f.token.read.balanceOf([addressOf(alice)]), FUNDS);
    });
  });

  describe("proposeSlash", () => {
    it("records a pending slash executable after the challenge window and emits SlashProposed", async () => {
      const f = await setup();
      const { alice, relayer } = f.wallets;
      await f.nodeBond.write.bond([parseEther("100")], { account: alice.account });
      const now = (await latestTimestamp(f)) + 3n;
      await at(f, now);
      const { result } = await f.nodeBond.simulate.proposeSlash([addressOf(alice), parseEther("10"), REASON], {
        account: addressOf(relayer),
      });
      assert.equal(result, 1n, "ids start at 1");
      await at(f, now);
      await f.viem.assertions.emitWithArgs(
        f.nodeBond.write.proposeSlash([addressOf(alice), parseEther("10"), REASON], { account: relayer.account }),
        f.nodeBond,
        "SlashProposed",
        [1n, addressOf(alice), parseEther("10"), REASON, now + CHALLENGE_WINDOW],
      );
      assert.equal(await f.nodeBond.read.slashCount(), 1n);
      const slash = await f.nodeBond.read.getSlash([1n]);
      assert.deepEqual(
        { ...slash, node: slash.node.toLowerCase() },
        {
          node: addressOf(alice).toLowerCase(),
          executableAt: now + CHALLENGE_WINDOW,
          status: PENDING,
          amount: parseEther("10"),
          slashed: 0n,
          reason: REASON,
        },
      );
      assert.equal((await f.nodeBond.read.getBond([addressOf(alice)])).openSlashes, 1);
      assert.equal(await f.nodeBond.read.bondOf([addressOf(alice)]), parseEther("100"), "nothing taken yet");
      const second = await proposeSlash(f, addressOf(alice), 1n);
      assert.equal(second.id, 2n);
      assert.equal((await f.nodeBond.read.getBond([addressOf(alice)])).openSlashes, 2);
    });

    it("is only open to relayers", async () => {
      const f = await setup();
      await f.nodeBond.write.bond([1n], { account: f.wallets.alice.account });
      for (const wallet of [f.wallets.stranger, f.wallets.admin, f.wallets.guardian, f.wallets.alice]) {
        await f.viem.assertions.revertWithCustomErrorWithArgs(
          f.nodeBond.write.proposeSlash([addressOf(f.wallets.alice), 1n, REASON], { account: wallet.account }),
          f.nodeBond,
          "AccessControlUnauthorizedAccount",
          [addressOf(wallet), RELAYER_ROLE],
        );
      }
    });

    it("rejects a zero amount and a node with nothing to slash, but reaches a node that is only unbonding", async () => {
      const f = await setup();
      const { alice, bob, relayer } = f.wallets;
      await f.nodeBond.write.bond([parseEther("3")], { account: alice.account });
      await f.viem.assertions.revertWithCustomError(
        f.nodeBond.write.proposeSlash([addressOf(alice), 0n, REASON], { account: relayer.account }),
        f.nodeBond,
        "ZeroAmount",
      );
      for (const node of [addressOf(bob), zeroAddress]) {
        await f.viem.assertions.revertWithCustomErrorWithArgs(
          f.nodeBond.write.proposeSlash([node, 1n, REASON], { account: relayer.account }),
          f.nodeBond,
          "NothingToSlash",
          [node],
        );
      }
      await f.nodeBond.write.requestUnbond([parseEther("3")], { account: alice.account });
      assert.equal(await f.nodeBond.read.bondOf([addressOf(alice)]), 0n);
      const { id } = await proposeSlash(f, addressOf(alice), parseEther("1"));
      assert.equal((await f.nodeBond.read.getSlash([id])).status, PENDING);
    });

    it("reverts with EnforcedPause while paused", async () => {
      const f = await setup();
      await f.nodeBond.write.bond([1n], { account: f.wallets.alice.account });
      await f.nodeBond.write.pause({ account: f.wallets.guardian.account });
      await f.viem.assertions.revertWithCustomError(
        f.nodeBond.write.proposeSlash([addressOf(f.wallets.alice), 1n, REASON], { account: f.wallets.relayer.account }),
        f.nodeBond,
        "EnforcedPause",
      );
    });

    it("an open slash freezes the node's withdrawal, even past unlockAt, until it is executed or vetoed", async () => {
      const f = await setup();
      const { alice, guardian, stranger } = f.wallets;
      await f.nodeBond.write.bond([parseEther("100")], { account: alice.account });
      await f.nodeBond.write.requestUnbond([parseEther("100")], { account: alice.account });
      const first = await proposeSlash(f, addressOf(alice), parseEther("10"));
      const second = await proposeSlash(f, addressOf(alice), parseEther("10"));
      await f.networkHelpers.time.increase(UNBONDING_DELAY);
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.nodeBond.write.withdraw({ account: alice.account }),
        f.nodeBond,
        "SlashOpen",
        [addressOf(alice), 2],
      );
      // The veto is late (window over), so pause first: a pause lets a guardian veto a due slash.
      await f.nodeBond.write.pause({ account: guardian.account });
      await f.nodeBond.write.vetoSlash([first.id], { account: guardian.account });
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.nodeBond.write.withdraw({ account: alice.account }),
        f.nodeBond,
        "SlashOpen",
        [addressOf(alice), 1],
      );
      await f.nodeBond.write.unpause({ account: f.wallets.admin.account });
      await f.nodeBond.write.executeSlash([second.id], { account: stranger.account });
      await f.nodeBond.write.withdraw({ account: alice.account });
      assert.equal(await f.token.read.balanceOf([addressOf(alice)]), FUNDS - parseEther("10"));
    });
  });

  describe("vetoSlash", () => {
    it("a guardian vetoes during the window; the slash can then never be executed nor vetoed again", async () => {
      const f = await setup();
      const { alice, guardian, stranger } = f.wallets;
      await f.nodeBond.write.bond([parseEther("100")], { account: alice.account });
      const { id, executableAt } = await proposeSlash(f, addressOf(alice), parseEther("50"));
      await at(f, executableAt - 1n);
      await f.viem.assertions.emitWithArgs(
        f.nodeBond.write.vetoSlash([id], { account: guardian.account }),
        f.nodeBond,
        "SlashVetoed",
        [id, addressOf(alice), addressOf(guardian)],
      );
      assert.equal((await f.nodeBond.read.getSlash([id])).status, VETOED);
      assert.equal((await f.nodeBond.read.getBond([addressOf(alice)])).openSlashes, 0);
      await f.networkHelpers.time.increase(CHALLENGE_WINDOW);
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.nodeBond.write.executeSlash([id], { account: stranger.account }),
        f.nodeBond,
        "SlashNotPending",
        [id, VETOED],
      );
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.nodeBond.write.vetoSlash([id], { account: guardian.account }),
        f.nodeBond,
        "SlashNotPending",
        [id, VETOED],
      );
      assert.equal(await f.nodeBond.read.bondOf([addressOf(alice)]), parseEther("100"));
    });

    it("reverts with ChallengeWindowOver from executableAt on, unless paused", async () => {
      const f = await setup();
      const { alice, guardian } = f.wallets;
      await f.nodeBond.write.bond([parseEther("1")], { account: alice.account });
      const { id, executableAt } = await proposeSlash(f, addressOf(alice), parseEther("1"));
      await at(f, executableAt);
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.nodeBond.write.vetoSlash([id], { account: guardian.account }),
        f.nodeBond,
        "ChallengeWindowOver",
        [id, executableAt],
      );
      await f.nodeBond.write.pause({ account: guardian.account });
      await f.nodeBond.write.vetoSlash([id], { account: guardian.account });
      assert.equal((await f.nodeBond.read.getSlash([id])).status, VETOED);
    });

    it("reverts with SlashNotPending for an id never proposed", async () => {
      const f = await setup();
      for (const id of [0n, 1n]) {
        await f.viem.assertions.revertWithCustomErrorWithArgs(
          f.nodeBond.write.vetoSlash([id], { account: f.wallets.guardian.account }),
          f.nodeBond,
          "SlashNotPending",
          [id, NONE],
        );
      }
    });

    it("is only open to guardians", async () => {
      const f = await setup();
      await f.nodeBond.write.bond([1n], { account: f.wallets.alice.account });
      const { id } = await proposeSlash(f, addressOf(f.wallets.alice), 1n);
      for (const wallet of [f.wallets.stranger, f.wallets.admin, f.wallets.relayer]) {
        await f.viem.assertions.revertWithCustomErrorWithArgs(
          f.nodeBond.write.vetoSlash([id], { account: wallet.account }),
          f.nodeBond,
          "AccessControlUnauthorizedAccount",
          [addressOf(wallet), GUARDIAN_ROLE],
        );
      }
    });
  });

  describe("executeSlash", () => {
    it("anyone executes from executableAt on, not a second earlier; the GBT goes to the treasury", async () => {
      const f = await setup();
      const { alice, stranger } = f.wallets;
      await f.nodeBond.write.bond([parseEther("100")], { account: alice.account });
      const { id, executableAt } = await proposeSlash(f, addressOf(alice), parseEther("25"));
      await at(f, executableAt - 1n);
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.nodeBond.write.executeSlash([id], { account: stranger.account }),
        f.nodeBond,
        "SlashAwaitingWindow",
        [id, executableAt],
      );
      const treasuryBefore = await f.token.read.balanceOf([f.addresses.treasury]);
      await at(f, executableAt);
      await f.viem.assertions.emitWithArgs(
        f.nodeBond.write.executeSlash([id], { account: stranger.account }),
        f.nodeBond,
        "SlashExecuted",
        [id, addressOf(alice), parseEther("25"), 0n, f.addresses.treasury],
      );
      assert.equal(await f.token.read.balanceOf([f.addresses.treasury]), treasuryBefore + parseEther("25"));
      assert.equal(await f.nodeBond.read.bondOf([addressOf(alice)]), parseEther("75"));
      assert.equal(await f.nodeBond.read.totalBonded(), parseEther("75"));
      assert.equal(await f.token.read.balanceOf([f.nodeBond.address]), parseEther("75"));
      const slash = await f.nodeBond.read.getSlash([id]);
      assert.equal(slash.status, EXECUTED);
      assert.equal(slash.slashed, parseEther("25"));
      assert.equal((await f.nodeBond.read.getBond([addressOf(alice)])).openSlashes, 0);
    });

    it("cannot execute a slash twice", async () => {
      const f = await setup();
      await f.nodeBond.write.bond([parseEther("100")], { account: f.wallets.alice.account });
      const { id, executableAt } = await proposeSlash(f, addressOf(f.wallets.alice), parseEther("1"));
      await at(f, executableAt);
      await f.nodeBond.write.executeSlash([id]);
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.nodeBond.write.executeSlash([id]),
        f.nodeBond,
        "SlashNotPending",
        [id, EXECUTED],
      );
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.nodeBond.write.executeSlash([id + 1n]),
        f.nodeBond,
        "SlashNotPending",
        [id + 1n, NONE],
      );
      assert.equal(await f.nodeBond.read.bondOf([addressOf(f.wallets.alice)]), parseEther("99"));
    });

    it("takes from the active bond first, then the pending unbond, and at most what the node holds", async () => {
      const f = await setup();
      const { alice } = f.wallets;
      await f.nodeBond.write.bond([parseEther("100")], { account: alice.account });
      await f.nodeBond.write.requestUnbond([parseEther("40")], { account: alice.account });
      const [, unlockAt] = await f.nodeBond.read.pendingUnbond([addressOf(alice)]);
      const { id, executableAt } = await proposeSlash(f, addressOf(alice), parseEther("70"));
      await at(f, executableAt);
      await f.viem.assertions.emitWithArgs(f.nodeBond.write.executeSlash([id]), f.nodeBond, "SlashExecuted", [
        id,
        addressOf(alice),
        parseEther("60"),
        parseEther("10"),
        f.addresses.treasury,
      ]);
      assert.equal(await f.nodeBond.read.bondOf([addressOf(alice)]), 0n);
      assert.deepEqual(await f.nodeBond.read.pendingUnbond([addressOf(alice)]), [parseEther("30"), unlockAt]);
      assert.equal(await f.nodeBond.read.totalUnbonding(), parseEther("30"));

      // More than is left: takes the rest of the pending unbond and clears its unlock time.
      const rest = await proposeSlash(f, addressOf(alice), maxUint256);
      await f.networkHelpers.time.increaseTo(rest.executableAt);
      const { result } = await f.nodeBond.simulate.executeSlash([rest.id]);
      assert.equal(result, parseEther("30"), "returns what it took");
      await f.viem.assertions.emitWithArgs(f.nodeBond.write.executeSlash([rest.id]), f.nodeBond, "SlashExecuted", [
        rest.id,
        addressOf(alice),
        0n,
        parseEther("30"),
        f.addresses.treasury,
      ]);
      assert.equal((await f.nodeBond.read.getSlash([rest.id])).slashed, parseEther("30"));
      assert.deepEqual(await f.nodeBond.read.pendingUnbond([addressOf(alice)]), [0n, 0n]);
      assert.equal(await f.nodeBond.read.slashableOf([addressOf(alice)]), 0n);
      assert.equal(await f.token.read.balanceOf([f.nodeBond.address]), 0n);
    });

    it("a slash that finds nothing left takes nothing and is still executed", async () => {
      const f = await setup();
      const { alice } = f.wallets;
      await f.nodeBond.write.bond([parseEther("10")], { account: alice.account });
      const first = await proposeSlash(f, addressOf(alice), parseEther("10"));
      const second = await proposeSlash(f, addressOf(alice), parseEther("10"));
      await at(f, second.executableAt);
      await f.nodeBond.write.executeSlash([first.id]);
      const treasuryBefore = await f.token.read.balanceOf([f.addresses.treasury]);
      await f.viem.assertions.emitWithArgs(f.nodeBond.write.executeSlash([second.id]), f.nodeBond, "SlashExecuted", [
        second.id,
        addressOf(alice),
        0n,
        0n,
        f.addresses.treasury,
      ]);
      assert.equal(await f.token.read.balanceOf([f.addresses.treasury]), treasuryBefore);
      assert.equal((await f.nodeBond.read.getSlash([second.id])).status, EXECUTED);
      assert.equal((await f.nodeBond.read.getBond([addressOf(alice)])).openSlashes, 0);
    });

    it("reverts with EnforcedPause while paused and executes after the unpause", async () => {
      const f = await setup();
      const { alice, guardian, admin } = f.wallets;
      await f.nodeBond.write.bond([parseEther("10")], { account: alice.account });
      const { id, executableAt } = await proposeSlash(f, addressOf(alice), parseEther("4"));
      await f.nodeBond.write.pause({ account: guardian.account });
      await at(f, executableAt);
      await f.viem.assertions.revertWithCustomError(f.nodeBond.write.executeSlash([id]), f.nodeBond, "EnforcedPause");
      await f.nodeBond.write.unpause({ account: admin.account });
      await f.nodeBond.write.executeSlash([id]);
      assert.equal(await f.nodeBond.read.bondOf([addressOf(alice)]), parseEther("6"));
    });

    it("with a zero challenge window a slash is executable at once and cannot be vetoed", async () => {
      const f = await setup({ challengeWindow: 0n });
      const { alice, guardian } = f.wallets;
      await f.nodeBond.write.bond([parseEther("10")], { account: alice.account });
      const { id, executableAt } = await proposeSlash(f, addressOf(alice), parseEther("4"));
      assert.equal(executableAt, await latestTimestamp(f));
      await f.viem.assertions.revertWithCustomError(
        f.nodeBond.write.vetoSlash([id], { account: guardian.account }),
        f.nodeBond,
        "ChallengeWindowOver",
      );
      await f.nodeBond.write.executeSlash([id]);
      assert.equal(await f.nodeBond.read.bondOf([addressOf(alice)]), parseEther("6"));
    });

    it("a node that unbonds right after its fault cannot leave before the slash proposed within a window lands", async () => {
      const f = await setup();
      const { alice } = f.wallets;
      await f.nodeBond.write.bond([parseEther("100")], { account: alice.account });
      await f.nodeBond.write.requestUnbond([parseEther("100")], { account: alice.account });
      const [, unlockAt] = await f.nodeBond.read.pendingUnbond([addressOf(alice)]);
      // The relayer takes a whole challenge window to notice; the slash is still executable before unlockAt.
      await at(f, unlockAt - UNBONDING_DELAY + CHALLENGE_WINDOW - 1n);
      const { id, executableAt } = await proposeSlash(f, addressOf(alice), parseEther("100"));
      assert.ok(executableAt < unlockAt);
      await at(f, unlockAt);
      await f.viem.assertions.revertWithCustomError(
        f.nodeBond.write.withdraw({ account: alice.account }),
        f.nodeBond,
        "SlashOpen",
      );
      await f.nodeBond.write.executeSlash([id]);
      assert.equal(await f.nodeBond.read.slashableOf([addressOf(alice)]), 0n);
    });
  });

  describe("admin", () => {
    it("a guardian pauses and the admin unpauses, with events; both refuse the wrong state", async () => {
      const f = await setup();
      const { guardian, admin } = f.wallets;
      await f.viem.assertions.revertWithCustomError(
        f.nodeBond.write.unpause({ account: admin.account }),
        f.nodeBond,
        "ExpectedPause",
      );
      await f.viem.assertions.emitWithArgs(
        f.nodeBond.write.pause({ account: guardian.account }),
        f.nodeBond,
        "Paused",
        [addressOf(guardian)],
      );
      assert.equal(await f.nodeBond.read.paused(), true);
      await f.viem.assertions.revertWithCustomError(
        f.nodeBond.write.pause({ account: guardian.account }),
        f.nodeBond,
        "EnforcedPause",
      );
      await f.viem.assertions.emitWithArgs(
        f.nodeBond.write.unpause({ account: admin.account }),
        f.nodeBond,
        "Unpaused",
        [addressOf(admin)],
      );
      assert.equal(await f.nodeBond.read.paused(), false);
    });

    it("only guardians pause; only the admin unpauses and sets the slash recipient", async () => {
      const f = await setup();
      const { guardian, admin, relayer, stranger } = f.wallets;
      for (const wallet of [admin, relayer, stranger]) {
        await f.viem.assertions.revertWithCustomErrorWithArgs(
          f.nodeBond.write.pause({ account: wallet.account }),
          f.nodeBond,
          "AccessControlUnauthorizedAccount",
          [addressOf(wallet), GUARDIAN_ROLE],
        );
      }
      await f.nodeBond.write.pause({ account: guardian.account });
      for (const wallet of [guardian, relayer, stranger]) {
        for (const call of [
          () => f.nodeBond.write.unpause({ account: wallet.account }),
          () => f.nodeBond.write.setSlashRecipient([addressOf(wallet)], { account: wallet.account }),
        ]) {
          await f.viem.assertions.revertWithCustomErrorWithArgs(
            call(),
            f.nodeBond,
            "AccessControlUnauthorizedAccount",
            [addressOf(wallet), DEFAULT_ADMIN_ROLE],
          );
        }
      }
    });

    it("setSlashRecipient stores the recipient, emits SlashRecipientSet, redirects later slashes and rejects zero", async () => {
      const f = await setup();
      const { admin, alice, carol } = f.wallets;
      await f.viem.assertions.revertWithCustomError(
        f.nodeBond.write.setSlashRecipient([zeroAddress], { account: admin.account }),
        f.nodeBond,
        "ZeroAddress",
      );
      await f.viem.assertions.emitWithArgs(
        f.nodeBond.write.setSlashRecipient([addressOf(carol)], { account: admin.account }),
        f.nodeBond,
        "SlashRecipientSet",
        [addressOf(carol)],
      );
      assert.equal((await f.nodeBond.read.slashRecipient()).toLowerCase(), addressOf(carol).toLowerCase());
      await f.nodeBond.write.bond([parseEther("10")], { account: alice.account });
      const { id, executableAt } = await proposeSlash(f, addressOf(alice), parseEther("10"));
      await at(f, executableAt);
      await f.nodeBond.write.executeSlash([id]);
      assert.equal(await f.token.read.balanceOf([addressOf(carol)]), FUNDS + parseEther("10"));
    });

    it("supports the AccessControl and ERC-165 interfaces", async () => {
      const f = await setup();
      assert.equal(await f.nodeBond.read.supportsInterface(["0x7965db0b"]), true);
      assert.equal(await f.nodeBond.read.supportsInterface(["0x01ffc9a7"]), true);
      assert.equal(await f.nodeBond.read.supportsInterface(["0xffffffff"]), false);
    });
  });
});
