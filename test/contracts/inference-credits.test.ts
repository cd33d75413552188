import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Address, maxUint256, parseEther, zeroAddress } from "viem";
import { DAY, deployFixture } from "./fixture.ts";
import {
  DEFAULT_ADMIN_ROLE,
  type Fixture,
  GUARDIAN_ROLE,
  latestTimestamp,
  RELAYER_ROLE,
  signPermit,
} from "./helpers.ts";

const HOUR = 3_600n;
const DELAY = HOUR; // deployProtocol's default: InferenceCredits' floor
const FUNDS = parseEther("1000");

/** The protocol; alice, bob and carol each hold 1,000 GBT (from the treasury), alice and bob approved the credits. */
async function setup(overrides: Parameters<typeof deployFixture>[0] = {}) {
  const f = await deployFixture(overrides);
  const { admin, alice, bob, carol } = f.wallets;
  for (const wallet of [alice, bob, carol]) {
    await f.token.write.transfer([wallet.account.address, FUNDS], { account: admin.account });
  }
  for (const wallet of [alice, bob]) {
    await f.token.write.approve([f.credits.address, maxUint256], { account: wallet.account });
  }
  return f;
}

type Wallet = Fixture["wallets"]["alice"];

const addressOf = (wallet: Wallet) => wallet.account.address;

/** The next transaction is mined exactly at `timestamp`. */
async function at(f: Fixture, timestamp: bigint) {
  await f.networkHelpers.time.setNextBlockTimestamp(timestamp);
}

async function deposit(f: Fixture, wallet: Wallet, amount: bigint) {
  await f.credits.write.deposit([amount], { account: wallet.account });
}

/** The relayer settles `epoch` with the given cumulative spending. */
function settle(f: Fixture, epoch: bigint, spent: Array<[Wallet | Address, bigint]>, sender = f.wallets.relayer) {
  const accounts = spent.map(([who]) => (typeof who === "string" ? who : addressOf(who)));
  const amounts = spent.map(([, amount]) => amount);
  return f.credits.write.settle([epoch, accounts, amounts], { account: sender.account });
}

/** GBT balances of `addresses`, to compare before and after. */
async function balances(f: Fixture, addresses: Address[]): Promise<bigint[]> {
  return Promise.all(addresses.map((address) => f.token.read.balanceOf([address])));
}

/** A permit from `wallet` to the credits contract for `value`, valid for an hour. */
async function permitFor(f: Fixture, wallet: Wallet, value: bigint, deadline?: bigint) {
  const owner = addressOf(wallet);
  const nonce = await f.token.read.nonces([owner]);
  const until = deadline ?? (await latestTimestamp(f)) + HOUR;
  const signature = await signPermit(f, wallet, { owner, spender: f.credits.address, value, nonce, deadline: until });
  return { ...signature, deadline: until };
}

describe("InferenceCredits", () => {
  describe("constructor", () => {
    it("is deployed with the protocol: vault and treasury as recipients, the timelock as admin, the delay floor", async () => {
      const f = await setup();
      const { admin, relayer, guardian, deployer, stranger } = f.wallets;
      assert.equal(await f.credits.read.hasRole([DEFAULT_ADMIN_ROLE, admin.account.address]), true);
      assert.equal(await f.credits.read.hasRole([RELAYER_ROLE, relayer.account.address]), true);
      assert.equal(await f.credits.read.hasRole([GUARDIAN_ROLE, guardian.account.address]), true);
      for (const role of [DEFAULT_ADMIN_ROLE, RELAYER_ROLE, GUARDIAN_ROLE]) {
        assert.equal(await f.credits.read.hasRole([role, deployer.account.address]), false);
        assert.equal(await f.credits.read.hasRole([role, stranger.account.address]), false);
        assert.equal(await f.credits.read.getRoleAdmin([role]), DEFAULT_ADMIN_ROLE);
      }
      assert.equal(await f.credits.read.RELAYER_ROLE(), RELAYER_ROLE);
      assert.equal(await f.credits.read.GUARDIAN_ROLE(), GUARDIAN_ROLE);
      assert.equal((await f.credits.read.token()).toLowerCase(), f.token.address.toLowerCase());
      assert.equal((await f.credits.read.rewardsVault()).toLowerCase(), f.vault.address.toLowerCase());
      assert.equal((await f.credits.read.treasury()).toLowerCase(), f.addresses.treasury.toLowerCase());
      assert.equal(await f.credits.read.withdrawalDelay(), DELAY);
      assert.equal(await f.credits.read.NETWORK_SHARE_BPS(), 2_500n);
      assert.equal(await f.credits.read.MIN_WITHDRAWAL_DELAY(), HOUR);
      assert.equal(await f.credits.read.MAX_WITHDRAWAL_DELAY(), 30n * DAY);
      assert.equal(await f.credits.read.paused(), false);
      assert.equal(await f.credits.read.lastSettledEpoch(), 0n);
      assert.equal(await f.credits.read.totalSpent(), 0n);
      const [treasurySet] = await f.credits.getEvents.TreasurySet({ fromBlock: f.deployBlock });
      assert.equal(treasurySet?.args.treasury?.toLowerCase(), f.addresses.treasury.toLowerCase());
    });

    it("takes a withdrawal delay from the deployment parameters", async () => {
      const f = await setup({ withdrawalDelay: 2n * DAY });
      assert.equal(await f.credits.read.withdrawalDelay(), 2n * DAY);
    });

    it("accepts a withdrawal delay from one hour to thirty days, and no other", async () => {
      const f = await setup();
      const ok = addressOf(f.wallets.admin);
      const deploy = (delay: bigint) =>
        f.viem.deployContract("InferenceCredits", [f.token.address, f.vault.address, ok, [], [], ok, delay]);
      for (const delay of [0n, HOUR - 1n]) {
        await f.viem.assertions.revertWithCustomErrorWithArgs(deploy(delay), f.credits, "WithdrawalDelayTooShort", [
          delay,
          HOUR,
        ]);
      }
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        deploy(30n * DAY + 1n),
        f.credits,
        "WithdrawalDelayTooLong",
        [30n * DAY + 1n, 30n * DAY],
      );
      assert.equal(await (await deploy(HOUR)).read.withdrawalDelay(), HOUR);
      const longest = await deploy(30n * DAY);
      assert.equal(await longest.read.withdrawalDelay(), 30n * DAY);
      assert.equal(await longest.read.hasRole([DEFAULT_ADMIN_ROLE, ok]), true, "no relayers or guardians is fine");
    });

    it("reverts with ZeroAddress for a zero token, rewards vault, admin or treasury", async () => {
      const f = await setup();
      const ok = addressOf(f.wallets.admin);
      for (const [token, vault, admin, treasury] of [
        [zeroAddress, ok, ok, ok],
        [ok, zeroAddress, ok, ok],
        [ok, ok, zeroAddress, ok],
        [ok, ok, ok, zeroAddress],
      ] as const) {
        await f.viem.assertions.revertWithCustomError(
          f.viem.deployContract("InferenceCredits", [token, vault, admin, [], [], treasury, HOUR]),
          f.credits,
          "ZeroAddress",
        );
      }
    });
  });

  describe("deposit", () => {
    it("pulls the GBT, adds it to the caller's credit and emits Deposited with the funded total", async () => {
      const f = await setup();
      const { alice } = f.wallets;
      await f.viem.assertions.emitWithArgs(
        f.credits.write.deposit([parseEther("100")], { account: alice.account }),
        f.credits,
        "Deposited",
        [addressOf(alice), parseEther("100"), parseEther("100")],
      );
      await f.viem.assertions.emitWithArgs(
        f.credits.write.deposit([parseEther("50")], { account: alice.account }),
        f.credits,
        "Deposited",
        [addressOf(alice), parseEther("50"), parseEther("150")],
      );
      assert.equal(await f.credits.read.creditOf([addressOf(alice)]), parseEther("150"));
      assert.equal(await f.credits.read.availableCreditOf([addressOf(alice)]), parseEther("150"));
      assert.deepEqual(await f.credits.read.getAccount([addressOf(alice)]), {
        funded: parseEther("150"),
        spent: 0n,
        pendingWithdrawal: 0n,
        unlockAt: 0n,
      });
      assert.equal(await f.token.read.balanceOf([f.credits.address]), parseEther("150"));
      assert.equal(await f.token.read.balanceOf([addressOf(alice)]), FUNDS - parseEther("150"));
    });

    it("rejects a zero amount, and fails without an allowance or a balance", async () => {
      const f = await setup();
      const { alice, carol } = f.wallets;
      await f.viem.assertions.revertWithCustomError(
        f.credits.write.deposit([0n], { account: alice.account }),
        f.credits,
        "ZeroAmount",
      );
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.credits.write.deposit([1n], { account: carol.account }),
        f.token,
        "ERC20InsufficientAllowance",
        [f.credits.address, 0n, 1n],
      );
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.credits.write.deposit([FUNDS + 1n], { account: alice.account }),
        f.token,
        "ERC20InsufficientBalance",
        [addressOf(alice), FUNDS, FUNDS + 1n],
      );
      assert.equal(await f.credits.read.creditOf([addressOf(alice)]), 0n);
    });
  });

  describe("depositWithPermit", () => {
    it("deposits in one transaction with a permit and no prior approval", async () => {
      const f = await setup();
      const { carol } = f.wallets;
      const amount = parseEther("40");
      const { v, r, s, deadline } = await permitFor(f, carol, amount);
      await f.viem.assertions.emitWithArgs(
        f.credits.write.depositWithPermit([amount, deadline, v, r, s], { account: carol.account }),
        f.credits,
        "Deposited",
        [addressOf(carol), amount, amount],
      );
      assert.equal(await f.credits.read.creditOf([addressOf(carol)]), amount);
      assert.equal(await f.token.read.balanceOf([addressOf(carol)]), FUNDS - amount);
      assert.equal(await f.token.read.allowance([addressOf(carol), f.credits.address]), 0n, "permit used up");
      assert.equal(await f.token.read.nonces([addressOf(carol)]), 1n);
    });

    it("still deposits when someone front-ran the permit: the allowance it set is used", async () => {
      const f = await setup();
      const { carol, stranger } = f.wallets;
      const amount = parseEther("25");
      const { v, r, s, deadline } = await permitFor(f, carol, amount);
      // The permit, copied from the mempool, lands first.
      await f.token.write.permit([addressOf(carol), f.credits.address, amount, deadline, v, r, s], {
        account: stranger.account,
      });
      await f.viem.assertions.emitWithArgs(
        f.credits.write.depositWithPermit([amount, deadline, v, r, s], { account: carol.account }),
        f.credits,
        "Deposited",
        [addressOf(carol), amount, amount],
      );
      assert.equal(await f.credits.read.creditOf([addressOf(carol)]), amount);
      assert.equal(await f.token.read.allowance([addressOf(carol), f.credits.address]), 0n);
    });

    it("a failed permit falls back on an existing approval", async () => {
      const f = await setup();
      const { alice } = f.wallets;
      const { v, r, s } = await permitFor(f, alice, 1n);
      // Expired deadline: the permit reverts, alice's standing approval pays.
      const past = (await latestTimestamp(f)) - 1n;
      await f.credits.write.depositWithPermit([parseEther("3"), past, v, r, s], { account: alice.account });
      assert.equal(await f.credits.read.creditOf([addressOf(alice)]), parseEther("3"));
    });

    it("reverts with PermitFailed when the permit fails and the allowance does not cover the deposit", async () => {
      const f = await setup();
      const { carol, bob } = f.wallets;
      const amount = parseEther("10");
      const signed = await permitFor(f, carol, amount);
      const expired = await permitFor(f, carol, amount, (await latestTimestamp(f)) - 1n);
      const foreign = await permitFor(f, bob, amount);
      for (const [what, permit] of [
        ["expired", expired],
        ["signed by another account", foreign],
        ["for less than the deposit", signed],
      ] as const) {
        const value = what === "for less than the deposit" ? amount + 1n : amount;
        await f.viem.assertions.revertWithCustomErrorWithArgs(
          f.credits.write.depositWithPermit([value, permit.deadline, permit.v, permit.r, permit.s], {
            account: carol.account,
          }),
          f.credits,
          "PermitFailed",
          [addressOf(carol)],
        );
      }
      // A partial allowance is not enough either.
      await f.token.write.approve([f.credits.address, amount - 1n], { account: carol.account });
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.credits.write.depositWithPermit([amount, expired.deadline, expired.v, expired.r, expired.s], {
          account: carol.account,
        }),
        f.credits,
        "PermitFailed",
        [addressOf(carol)],
      );
      assert.equal(await f.credits.read.creditOf([addressOf(carol)]), 0n);
    });

    it("rejects a zero amount", async () => {
      const f = await setup();
      const { carol } = f.wallets;
      const { v, r, s, deadline } = await permitFor(f, carol, 0n);
      await f.viem.assertions.revertWithCustomError(
        f.credits.write.depositWithPermit([0n, deadline, v, r, s], { account: carol.account }),
        f.credits,
        "ZeroAmount",
      );
    });
  });

  describe("settle", () => {
    it("records cumulative spending and moves exactly 75% to the rewards vault and 25% to the treasury", async () => {
      const f = await setup();
      const { alice, bob } = f.wallets;
      await deposit(f, alice, parseEther("100"));
      await deposit(f, bob, parseEther("60"));
      const watched = [f.vault.address, f.addresses.treasury, f.credits.address];
      const before = await balances(f, watched);
      const tx = settle(f, 1n, [
        [alice, parseEther("30")],
        [bob, parseEther("10")],
      ]);
      await f.viem.assertions.emitWithArgs(tx, f.credits, "EpochSettled", [
        1n,
        2n,
        parseEther("40"),
        parseEther("30"),
        parseEther("10"),
      ]);
      const after = await balances(f, watched);
      assert.deepEqual(
        after.map((balance, i) => balance - (before[i] ?? 0n)),
        [parseEther("30"), parseEther("10"), -parseEther("40")],
        "vault +75%, treasury +25%, credits −100%",
      );
      assert.equal(await f.credits.read.creditOf([addressOf(alice)]), parseEther("70"));
      assert.equal(await f.credits.read.creditOf([addressOf(bob)]), parseEther("50"));
      assert.equal(await f.credits.read.lastSettledEpoch(), 1n);
      assert.equal(await f.credits.read.totalSpent(), parseEther("40"));
      const spent = await f.credits.getEvents.CreditSpent({}, { fromBlock: f.deployBlock });
      assert.deepEqual(
        spent.map(({ args }) => [args.account?.toLowerCase(), args.epoch, args.amount, args.cumulativeSpent]),
        [
          [addressOf(alice).toLowerCase(), 1n, parseEther("30"), parseEther("30")],
          [addressOf(bob).toLowerCase(), 1n, parseEther("10"), parseEther("10")],
        ],
      );

      // Epoch 2 moves only the increase of each cumulative figure.
      await f.viem.assertions.emitWithArgs(settle(f, 2n, [[alice, parseEther("50")]]), f.credits, "CreditSpent", [
        addressOf(alice),
        2n,
        parseEther("20"),
        parseEther("50"),
      ]);
      assert.equal(await f.token.read.balanceOf([f.vault.address]), (before[0] ?? 0n) + parseEther("45"));
      assert.equal(await f.credits.read.totalSpent(), parseEther("60"));
      assert.deepEqual(await f.credits.read.getAccount([addressOf(alice)]), {
        funded: parseEther("100"),
        spent: parseEther("50"),
        pendingWithdrawal: 0n,
        unlockAt: 0n,
      });
    });

    it("rounds the treasury's share down, so the pool gets the remainder and nothing is lost", async () => {
      const f = await setup();
      const { alice } = f.wallets;
      await deposit(f, alice, 10n);
      const before = await balances(f, [f.vault.address, f.addresses.treasury]);
      await f.viem.assertions.emitWithArgs(settle(f, 1n, [[alice, 7n]]), f.credits, "EpochSettled", [
        1n,
        1n,
        7n,
        6n,
        1n,
      ]);
      const after = await balances(f, [f.vault.address, f.addresses.treasury]);
      assert.deepEqual([(after[0] ?? 0n) - (before[0] ?? 0n), (after[1] ?? 0n) - (before[1] ?? 0n)], [6n, 1n]);
      // One wei: all of it to the pool.
      await f.viem.assertions.emitWithArgs(settle(f, 2n, [[alice, 8n]]), f.credits, "EpochSettled", [
        2n,
        1n,
        1n,
        1n,
        0n,
      ]);
    });

    it("settles an epoch with nothing spent, and an account whose figure did not change, moving nothing", async () => {
      const f = await setup();
      const { alice } = f.wallets;
      await deposit(f, alice, parseEther("5"));
      const before = await balances(f, [f.vault.address, f.addresses.treasury, f.credits.address]);
      await f.viem.assertions.emitWithArgs(settle(f, 1n, []), f.credits, "EpochSettled", [1n, 0n, 0n, 0n, 0n]);
      await f.viem.assertions.emitWithArgs(settle(f, 2n, [[alice, 0n]]), f.credits, "CreditSpent", [
        addressOf(alice),
        2n,
        0n,
        0n,
      ]);
      await settle(f, 3n, [[alice, parseEther("5")]]);
      await f.viem.assertions.emitWithArgs(settle(f, 4n, [[alice, parseEther("5")]]), f.credits, "EpochSettled", [
        4n,
        1n,
        0n,
        0n,
        0n,
      ]);
      const after = await balances(f, [f.vault.address, f.addresses.treasury, f.credits.address]);
      assert.equal((after[2] ?? 0n) - (before[2] ?? 0n), -parseEther("5"));
      assert.equal(await f.credits.read.lastSettledEpoch(), 4n);
    });

    it("checks a repeated account against its own earlier entry", async () => {
      const f = await setup();
      const { alice } = f.wallets;
      await deposit(f, alice, parseEther("10"));
      await settle(f, 1n, [
        [alice, parseEther("2")],
        [alice, parseEther("6")],
      ]);
      assert.equal(await f.credits.read.totalSpent(), parseEther("6"));
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        settle(f, 2n, [
          [alice, parseEther("8")],
          [alice, parseEther("7")],
        ]),
        f.credits,
        "SpentDecreased",
        [addressOf(alice), parseEther("7"), parseEther("8")],
      );
    });

    it("reverts with UnexpectedEpoch unless the epoch is the next one", async () => {
      const f = await setup();
      for (const epoch of [0n, 2n]) {
        await f.viem.assertions.revertWithCustomErrorWithArgs(settle(f, epoch, []), f.credits, "UnexpectedEpoch", [
          epoch,
          1n,
        ]);
      }
      await settle(f, 1n, []);
      for (const epoch of [1n, 3n, 0n]) {
        await f.viem.assertions.revertWithCustomErrorWithArgs(settle(f, epoch, []), f.credits, "UnexpectedEpoch", [
          epoch,
          2n,
        ]);
      }
    });

    it("reverts with SpentDecreased when an account's cumulative spending goes down", async () => {
      const f = await setup();
      const { alice } = f.wallets;
      await deposit(f, alice, parseEther("10"));
      await settle(f, 1n, [[alice, parseEther("4")]]);
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        settle(f, 2n, [[alice, parseEther("4") - 1n]]),
        f.credits,
        "SpentDecreased",
        [addressOf(alice), parseEther("4") - 1n, parseEther("4")],
      );
    });

    it("reverts with SpentExceedsCredit above what the account funded, and the whole batch moves nothing", async () => {
      const f = await setup();
      const { alice, bob, stranger } = f.wallets;
      await deposit(f, alice, parseEther("10"));
      await deposit(f, bob, parseEther("1"));
      const before = await balances(f, [f.vault.address, f.credits.address]);
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        settle(f, 1n, [
          [alice, parseEther("10")],
          [bob, parseEther("1") + 1n],
        ]),
        f.credits,
        "SpentExceedsCredit",
        [addressOf(bob), parseEther("1") + 1n, parseEther("1")],
      );
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        settle(f, 1n, [[stranger, 1n]]),
        f.credits,
        "SpentExceedsCredit",
        [addressOf(stranger), 1n, 0n],
      );
      assert.deepEqual(await balances(f, [f.vault.address, f.credits.address]), before);
      assert.equal(await f.credits.read.creditOf([addressOf(alice)]), parseEther("10"));
      assert.equal(await f.credits.read.lastSettledEpoch(), 0n);
    });

    it("reverts with LengthMismatch when accounts and amounts differ in length", async () => {
      const f = await setup();
      const { alice, relayer } = f.wallets;
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.credits.write.settle([1n, [addressOf(alice)], []], { account: relayer.account }),
        f.credits,
        "LengthMismatch",
        [1n, 0n],
      );
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.credits.write.settle([1n, [], [1n, 2n]], { account: relayer.account }),
        f.credits,
        "LengthMismatch",
        [0n, 2n],
      );
    });

    it("is only open to relayers", async () => {
      const f = await setup();
      const { admin, guardian, alice, stranger } = f.wallets;
      for (const wallet of [stranger, admin, guardian, alice]) {
        await f.viem.assertions.revertWithCustomErrorWithArgs(
          settle(f, 1n, [], wallet),
          f.credits,
          "AccessControlUnauthorizedAccount",
          [addressOf(wallet), RELAYER_ROLE],
        );
      }
    });

    it("spent credit lands in the vault's pool, which funds the epochs the vault settles", async () => {
      const f = await setup();
      const { alice } = f.wallets;
      await deposit(f, alice, parseEther("400"));
      const poolBefore = await f.token.read.balanceOf([f.vault.address]);
      await settle(f, 1n, [[alice, parseEther("400")]]);
      assert.equal(await f.token.read.balanceOf([f.vault.address]), poolBefore + parseEther("300"));
      assert.equal(await f.credits.read.creditOf([addressOf(alice)]), 0n);
      assert.equal(await f.token.read.balanceOf([f.credits.address]), 0n);
    });
  });

  describe("withdrawals", () => {
    it("requestWithdrawal holds part of the credit back from the relayer until the delay is over", async () => {
      const f = await setup();
      const { alice } = f.wallets;
      await deposit(f, alice, parseEther("100"));
      const now = (await latestTimestamp(f)) + 5n;
      await at(f, now);
      await f.viem.assertions.emitWithArgs(
        f.credits.write.requestWithdrawal([parseEther("30")], { account: alice.account }),
        f.credits,
        "WithdrawalRequested",
        [addressOf(alice), parseEther("30"), parseEther("30"), now + DELAY],
      );
      assert.deepEqual(await f.credits.read.pendingWithdrawal([addressOf(alice)]), [parseEther("30"), now + DELAY]);
      assert.equal(await f.credits.read.creditOf([addressOf(alice)]), parseEther("100"), "still alice's credit");
      assert.equal(await f.credits.read.availableCreditOf([addressOf(alice)]), parseEther("70"), "not debitable");
      const { result } = await f.credits.simulate.requestWithdrawal([1n], { account: addressOf(alice) });
      assert.equal(result, now + DELAY, "returns unlockAt (a call runs on the latest block)");
    });

    it("a second request adds to the pending withdrawal and restarts the delay for all of it", async () => {
      const f = await setup();
      const { alice } = f.wallets;
      await deposit(f, alice, parseEther("100"));
      await f.credits.write.requestWithdrawal([parseEther("30")], { account: alice.account });
      const later = (await latestTimestamp(f)) + HOUR / 2n;
      await at(f, later);
      await f.viem.assertions.emitWithArgs(
        f.credits.write.requestWithdrawal([parseEther("20")], { account: alice.account }),
        f.credits,
        "WithdrawalRequested",
        [addressOf(alice), parseEther("20"), parseEther("50"), later + DELAY],
      );
      assert.deepEqual(await f.credits.read.pendingWithdrawal([addressOf(alice)]), [parseEther("50"), later + DELAY]);
    });

    it("rejects a zero amount and a pending total above the unspent credit", async () => {
      const f = await setup();
      const { alice, carol } = f.wallets;
      await deposit(f, alice, parseEther("10"));
      await settle(f, 1n, [[alice, parseEther("4")]]);
      await f.viem.assertions.revertWithCustomError(
        f.credits.write.requestWithdrawal([0n], { account: alice.account }),
        f.credits,
        "ZeroAmount",
      );
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.credits.write.requestWithdrawal([parseEther("6") + 1n], { account: alice.account }),
        f.credits,
        "InsufficientCredit",
        [addressOf(alice), parseEther("6") + 1n, parseEther("6")],
      );
      await f.credits.write.requestWithdrawal([parseEther("5")], { account: alice.account });
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.credits.write.requestWithdrawal([parseEther("1") + 1n], { account: alice.account }),
        f.credits,
        "InsufficientCredit",
        [addressOf(alice), parseEther("6") + 1n, parseEther("6")],
      );
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.credits.write.requestWithdrawal([1n], { account: carol.account }),
        f.credits,
        "InsufficientCredit",
        [addressOf(carol), 1n, 0n],
      );
    });

    it("withdraw pays the request from unlockAt on, not a second earlier, and emits Withdrawn", async () => {
      const f = await setup();
      const { alice } = f.wallets;
      await deposit(f, alice, parseEther("100"));
      await f.credits.write.requestWithdrawal([parseEther("60")], { account: alice.account });
      const [, unlockAt] = await f.credits.read.pendingWithdrawal([addressOf(alice)]);
      await at(f, unlockAt - 1n);
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.credits.write.withdraw({ account: alice.account }),
        f.credits,
        "WithdrawalLocked",
        [addressOf(alice), unlockAt],
      );
      await at(f, unlockAt);
      await f.viem.assertions.emitWithArgs(
        f.credits.write.withdraw({ account: alice.account }),
        f.credits,
        "Withdrawn",
        [addressOf(alice), parseEther("60"), parseEther("60"), parseEther("40")],
      );
      assert.equal(await f.token.read.balanceOf([addressOf(alice)]), FUNDS - parseEther("40"));
      assert.deepEqual(await f.credits.read.pendingWithdrawal([addressOf(alice)]), [0n, 0n]);
      assert.equal(await f.credits.read.creditOf([addressOf(alice)]), parseEther("40"));
      assert.equal(await f.token.read.balanceOf([f.credits.address]), parseEther("40"));
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.credits.write.withdraw({ account: alice.account }),
        f.credits,
        "NoWithdrawalPending",
        [addressOf(alice)],
      );
    });

    it("withdraw pays only what settled spending left of the request, down to nothing", async () => {
      const f = await setup();
      const { alice, bob } = f.wallets;
      await deposit(f, alice, parseEther("100"));
      await deposit(f, bob, parseEther("10"));
      await f.credits.write.requestWithdrawal([parseEther("80")], { account: alice.account });
      await f.credits.write.requestWithdrawal([parseEther("10")], { account: bob.account });
      // Debits made before the relayer saw the requests settle within the delay.
      await settle(f, 1n, [
        [alice, parseEther("30")],
        [bob, parseEther("10")],
      ]);
      assert.equal(await f.credits.read.availableCreditOf([addressOf(alice)]), 0n, "saturates at zero");
      await f.networkHelpers.time.increase(DELAY);
      const { result } = await f.credits.simulate.withdraw({ account: addressOf(alice) });
      assert.equal(result, parseEther("70"), "returns what it paid");
      await f.viem.assertions.emitWithArgs(
        f.credits.write.withdraw({ account: alice.account }),
        f.credits,
        "Withdrawn",
        [addressOf(alice), parseEther("70"), parseEther("80"), parseEther("30")],
      );
      assert.equal(await f.credits.read.creditOf([addressOf(alice)]), 0n);
      const bobBefore = await f.token.read.balanceOf([addressOf(bob)]);
      await f.viem.assertions.emitWithArgs(f.credits.write.withdraw({ account: bob.account }), f.credits, "Withdrawn", [
        addressOf(bob),
        0n,
        parseEther("10"),
        parseEther("10"),
      ]);
      assert.equal(await f.token.read.balanceOf([addressOf(bob)]), bobBefore, "nothing left to pay");
      assert.deepEqual(await f.credits.read.pendingWithdrawal([addressOf(bob)]), [0n, 0n], "request cleared");
    });

    it("after a withdrawal the relayer cannot settle spending above what is left funded", async () => {
      const f = await setup();
      const { alice } = f.wallets;
      await deposit(f, alice, parseEther("10"));
      await f.credits.write.requestWithdrawal([parseEther("10")], { account: alice.account });
      await f.networkHelpers.time.increase(DELAY);
      await f.credits.write.withdraw({ account: alice.account });
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        settle(f, 1n, [[alice, 1n]]),
        f.credits,
        "SpentExceedsCredit",
        [addressOf(alice), 1n, 0n],
      );
      await deposit(f, alice, parseEther("2"));
      await settle(f, 1n, [[alice, parseEther("2")]]);
      assert.equal(await f.credits.read.creditOf([addressOf(alice)]), 0n);
    });

    it("cancelWithdrawal drops the request and the credit is debitable again", async () => {
      const f = await setup();
      const { alice } = f.wallets;
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.credits.write.cancelWithdrawal({ account: alice.account }),
        f.credits,
        "NoWithdrawalPending",
        [addressOf(alice)],
      );
      await deposit(f, alice, parseEther("10"));
      await f.credits.write.requestWithdrawal([parseEther("4")], { account: alice.account });
      await f.viem.assertions.emitWithArgs(
        f.credits.write.cancelWithdrawal({ account: alice.account }),
        f.credits,
        "WithdrawalCancelled",
        [addressOf(alice), parseEther("4")],
      );
      assert.deepEqual(await f.credits.read.pendingWithdrawal([addressOf(alice)]), [0n, 0n]);
      assert.equal(await f.credits.read.availableCreditOf([addressOf(alice)]), parseEther("10"));
      await f.networkHelpers.time.increase(DELAY);
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.credits.write.withdraw({ account: alice.account }),
        f.credits,
        "NoWithdrawalPending",
        [addressOf(alice)],
      );
    });
  });

  describe("pause", () => {
    it("stops deposits and settlement, never requests, cancellations or matured withdrawals", async () => {
      const f = await setup();
      const { alice, carol, guardian, admin } = f.wallets;
      await deposit(f, alice, parseEther("10"));
      await f.credits.write.requestWithdrawal([parseEther("6")], { account: alice.account });
      await f.viem.assertions.emitWithArgs(f.credits.write.pause({ account: guardian.account }), f.credits, "Paused", [
        addressOf(guardian),
      ]);
      assert.equal(await f.credits.read.paused(), true);
      await f.viem.assertions.revertWithCustomError(
        f.credits.write.deposit([1n], { account: alice.account }),
        f.credits,
        "EnforcedPause",
      );
      const { v, r, s, deadline } = await permitFor(f, carol, 1n);
      await f.viem.assertions.revertWithCustomError(
        f.credits.write.depositWithPermit([1n, deadline, v, r, s], { account: carol.account }),
        f.credits,
        "EnforcedPause",
      );
      await f.viem.assertions.revertWithCustomError(settle(f, 1n, [[alice, 1n]]), f.credits, "EnforcedPause");

      await f.credits.write.cancelWithdrawal({ account: alice.account });
      await f.credits.write.requestWithdrawal([parseEther("7")], { account: alice.account });
      await f.networkHelpers.time.increase(DELAY);
      await f.credits.write.withdraw({ account: alice.account });
      assert.equal(await f.token.read.balanceOf([addressOf(alice)]), FUNDS - parseEther("3"));

      await f.viem.assertions.emitWithArgs(f.credits.write.unpause({ account: admin.account }), f.credits, "Unpaused", [
        addressOf(admin),
      ]);
      assert.equal(await f.credits.read.paused(), false);
      await settle(f, 1n, [[alice, parseEther("3")]]);
      await deposit(f, alice, 1n);
      assert.equal(await f.credits.read.creditOf([addressOf(alice)]), 1n);
    });

    it("pause and unpause refuse the wrong state", async () => {
      const f = await setup();
      const { guardian, admin } = f.wallets;
      await f.viem.assertions.revertWithCustomError(
        f.credits.write.unpause({ account: admin.account }),
        f.credits,
        "ExpectedPause",
      );
      await f.credits.write.pause({ account: guardian.account });
      await f.viem.assertions.revertWithCustomError(
        f.credits.write.pause({ account: guardian.account }),
        f.credits,
        "EnforcedPause",
      );
    });
  });

  describe("admin", () => {
    it("only guardians pause; only the admin unpauses and sets the treasury", async () => {
      const f = await setup();
      const { guardian, admin, relayer, stranger } = f.wallets;
      for (const wallet of [admin, relayer, stranger]) {
        await f.viem.assertions.revertWithCustomErrorWithArgs(
          f.credits.write.pause({ account: wallet.account }),
          f.credits,
          "AccessControlUnauthorizedAccount",
          [addressOf(wallet), GUARDIAN_ROLE],
        );
      }
      await f.credits.write.pause({ account: guardian.account });
      for (const wallet of [guardian, relayer, stranger]) {
        for (const call of [
          () => f.credits.write.unpause({ account: wallet.account }),
          () => f.credits.write.setTreasury([addressOf(wallet)], { account: wallet.account }),
        ]) {
          await f.viem.assertions.revertWithCustomErrorWithArgs(call(), f.credits, "AccessControlUnauthorizedAccount", [
            addressOf(wallet),
            DEFAULT_ADMIN_ROLE,
          ]);
        }
      }
    });

    it("setTreasury stores the treasury, emits TreasurySet, redirects the network share and rejects zero", async () => {
      const f = await setup();
      const { admin, alice, carol } = f.wallets;
      await f.viem.assertions.revertWithCustomError(
        f.credits.write.setTreasury([zeroAddress], { account: admin.account }),
        f.credits,
        "ZeroAddress",
      );
      await f.viem.assertions.emitWithArgs(
        f.credits.write.setTreasury([addressOf(carol)], { account: admin.account }),
        f.credits,
        "TreasurySet",
        [addressOf(carol)],
      );
      assert.equal((await f.credits.read.treasury()).toLowerCase(), addressOf(carol).toLowerCase());
      await deposit(f, alice, parseEther("8"));
      await settle(f, 1n, [[alice, parseEther("8")]]);
      assert.equal(await f.token.read.balanceOf([addressOf(carol)]), FUNDS + parseEther("2"));
    });

    it("supports the AccessControl and ERC-165 interfaces", async () => {
      const f = await setup();
      assert.equal(await f.credits.read.supportsInterface(["0x7965db0b"]), true);
      assert.equal(await f.credits.read.supportsInterface(["0x01ffc9a7"]), true);
      assert.equal(await f.credits.read.supportsInterface(["0xffffffff"]), false);
    });
  });
});
