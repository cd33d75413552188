import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Address, domainSeparator, maxUint256, parseEther, zeroAddress } from "viem";
import { deployFixture } from "./fixture.ts";
import { GBT, impersonate, settle, signPermit } from "./helpers.ts";
import { nodeState, nodeStateTree } from "./tree.ts";

const TOTAL = 1_000_000_000n * GBT;
const POOL = 400_000_000n * GBT;

async function setup() {
  const f = await deployFixture();
  // alice starts with some GBT from the treasury (an EOA in the fixture).
  await f.token.write.transfer([f.wallets.alice.account.address, parseEther("1000")], {
    account: f.wallets.admin.account,
  });
  return f;
}

describe("GitBlockToken", () => {
  describe("supply", () => {
    it("has the GBT metadata", async () => {
      const f = await deployFixture();
      assert.equal(await f.token.read.name(), "GitBlock Token");
      assert.equal(await f.token.read.symbol(), "GBT");
      assert.equal(await f.token.read.decimals(), 18);
    });

    it("mints the fixed 1B supply split 40/30/20/10 to vault, treasury, team vesting and airdrop", async () => {
      const f = await deployFixture();
      const { token, addresses } = f;
      assert.equal(await token.read.TOTAL_SUPPLY(), TOTAL);
      assert.equal(await token.read.NODE_REWARDS_SUPPLY(), POOL);
      assert.equal(await token.read.TREASURY_SUPPLY(), 300_000_000n * GBT);
      assert.equal(await token.read.TEAM_SUPPLY(), 200_000_000n * GBT);
      assert.equal(await token.read.AIRDROP_SUPPLY(), 100_000_000n * GBT);
      const balances = await Promise.all(
        [addresses.rewardsVault, addresses.treasury, addresses.teamVesting, addresses.airdrop].map((a) =>
          token.read.balanceOf([a]),
        ),
      );
      assert.deepEqual(balances, [POOL, 300_000_000n * GBT, 200_000_000n * GBT, 100_000_000n * GBT]);
      assert.equal(
        balances.reduce((a, b) => a + b, 0n),
        await token.read.totalSupply(),
      );
      assert.equal(await token.read.balanceOf([f.wallets.deployer.account.address]), 0n);
      assert.equal((await token.read.rewardsVault()).toLowerCase(), addresses.rewardsVault.toLowerCase());
      assert.equal(await token.read.payoutAllowance(), 0n, "nothing is payable before a final epoch");
      assert.equal(await f.vault.read.totalClaimed(), 0n);

      const mints = await token.getEvents.Transfer({ from: zeroAddress }, { fromBlock: f.deployBlock });
      assert.equal(mints.length, 4);
      assert.equal(
        mints.reduce((sum, log) => sum + (log.args.value ?? 0n), 0n),
        TOTAL,
      );
    });

    it("has no mint or burn entry point and keeps the supply fixed through transfers and claims", async () => {
      const f = await setup();
      const names = f.token.abi.filter((item) => item.type === "function").map((item) => item.name.toLowerCase());
      assert.ok(names.includes("transfer"));
      for (const name of names) assert.ok(!/mint|burn/.test(name), `unexpected supply function ${name}`);
      const a = nodeState(f.wallets.bob.account.address, parseEther("5"));
      const tree = nodeStateTree([a]);
      await settle(f, 1n, tree, { networkShare: parseEther("1") });
      await f.vault.write.claim([a, tree.proof(a)]);
      assert.equal(await f.token.read.totalSupply(), TOTAL);
    });
  });

  describe("ERC-20 transfers", () => {
    it("transfer moves balances and emits Transfer", async () => {
      const f = await setup();
      const { alice, bob } = f.wallets;
      const amount = parseEther("250");
      await f.viem.assertions.emitWithArgs(
        f.token.write.transfer([bob.account.address, amount], { account: alice.account }),
        f.token,
        "Transfer",
        [alice.account.address, bob.account.address, amount],
      );
      assert.equal(await f.token.read.balanceOf([alice.account.address]), parseEther("750"));
      assert.equal(await f.token.read.balanceOf([bob.account.address]), amount);
    });

    it("a transfer to oneself leaves the balance unchanged", async () => {
      const f = await setup();
      const { alice } = f.wallets;
      await f.token.write.transfer([alice.account.address, parseEther("400")], { account: alice.account });
      assert.equal(await f.token.read.balanceOf([alice.account.address]), parseEther("1000"));
    });

    it("reverts with ERC20InsufficientBalance beyond the balance and ERC20InvalidReceiver to zero", async () => {
      const f = await setup();
      const { alice, bob } = f.wallets;
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.token.write.transfer([bob.account.address, parseEther("1000") + 1n], { account: alice.account }),
        f.token,
        "ERC20InsufficientBalance",
        [alice.account.address, parseEther("1000"), parseEther("1000") + 1n],
      );
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.token.write.transfer([zeroAddress, 1n], { account: alice.account }),
        f.token,
        "ERC20InvalidReceiver",
        [zeroAddress],
      );
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.token.write.transfer([bob.account.address, 2n ** 128n], { account: alice.account }),
        f.token,
        "ERC20InsufficientBalance",
        [alice.account.address, parseEther("1000"), 2n ** 128n],
      );
      assert.equal(await f.token.read.balanceOf([alice.account.address]), parseEther("1000"));
    });

    it("approve and transferFrom spend the allowance; an infinite allowance is not spent", async () => {
      const f = await setup();
      const { alice, bob, carol } = f.wallets;
      await f.viem.assertions.emitWithArgs(
        f.token.write.approve([bob.account.address, parseEther("300")], { account: alice.account }),
        f.token,
        "Approval",
        [alice.account.address, bob.account.address, parseEther("300")],
      );
      await f.token.write.transferFrom([alice.account.address, carol.account.address, parseEther("100")], {
        account: bob.account,
      });
      assert.equal(await f.token.read.allowance([alice.account.address, bob.account.address]), parseEther("200"));
      assert.equal(await f.token.read.balanceOf([carol.account.address]), parseEther("100"));
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.token.write.transferFrom([alice.account.address, carol.account.address, parseEther("201")], {
          account: bob.account,
        }),
        f.token,
        "ERC20InsufficientAllowance",
        [bob.account.address, parseEther("200"), parseEther("201")],
      );
      await f.token.write.approve([bob.account.address, maxUint256], { account: alice.account });
      await f.token.write.transferFrom([alice.account.address, carol.account.address, parseEther("1")], {
        account: bob.account,
      });
      assert.equal(await f.token.read.allowance([alice.account.address, bob.account.address]), maxUint256);
    });

    it("transfers never touch the claimed-rewards record sharing the balance slot", async () => {
      const f = await setup();
      const { alice, bob } = f.wallets;
      const a = nodeState(alice.account.address, parseEther("40"));
      const tree = nodeStateTree([a]);
      await settle(f, 1n, tree);
      await f.vault.write.claim([a, tree.proof(a)]);
      assert.equal(await f.token.read.balanceOf([alice.account.address]), parseEther("1040"), "added to the balance");
      await f.token.write.transfer([bob.account.address, parseEther("1040")], { account: alice.account });
      await f.token.write.transfer([alice.account.address, parseEther("3")], { account: bob.account });
      assert.equal(await f.token.read.rewardsClaimed([alice.account.address]), parseEther("40"));
      assert.equal(await f.token.read.rewardsClaimed([bob.account.address]), 0n);
      assert.equal(await f.token.read.balanceOf([alice.account.address]), parseEther("3"));
      await f.viem.assertions.revertWithCustomError(f.vault.write.claim([a, tree.proof(a)]), f.token, "NothingToClaim");
    });

    it("the vault's network-share transfers neither count as rewards paid nor use the payout allowance", async () => {
      const f = await setup();
      const a = nodeState(f.wallets.bob.account.address, parseEther("2"));
      const tree = nodeStateTree([a]);
      await settle(f, 1n, tree, { networkShare: parseEther("9") });
      assert.equal(await f.vault.read.totalClaimed(), 0n);
      assert.equal(await f.token.read.payoutAllowance(), parseEther("2"));
      await f.vault.write.claim([a, tree.proof(a)]);
      assert.equal(await f.vault.read.totalClaimed(), parseEther("2"));
      assert.equal(await f.token.read.payoutAllowance(), 0n);
      assert.equal(await f.token.read.balanceOf([f.vault.address]), POOL - parseEther("11"));
    });

    it("vault transfers out of its balance leave the payout allowance sharing its slot untouched", async () => {
      const f = await setup();
      const vault = await impersonate(f, f.vault.address);
      await f.token.write.increasePayoutAllowance([parseEther("50")], { account: vault.account });
      await f.token.write.transfer([f.wallets.bob.account.address, parseEther("7")], { account: vault.account });
      await f.token.write.transfer([f.vault.address, parseEther("3")], { account: f.wallets.alice.account });
      assert.equal(await f.token.read.payoutAllowance(), parseEther("50"));
      assert.equal(await f.token.read.balanceOf([f.vault.address]), POOL - parseEther("4"));
      assert.equal(await f.token.read.rewardsClaimed([f.vault.address]), 0n, "the vault never counts as a claimant");
    });
  });

  describe("permit", () => {
    it("sets the allowance from an EIP-2612 signature and bumps the nonce", async () => {
      const f = await setup();
      const { alice, bob, carol } = f.wallets;
      const owner = alice.account.address;
      const spender = bob.account.address;
      const value = parseEther("123");
      const deadline = BigInt(await f.networkHelpers.time.latest()) + 3600n;
      assert.equal(await f.token.read.nonces([owner]), 0n);
      const { v, r, s } = await signPermit(f, alice, { owner, spender, value, nonce: 0n, deadline });
      // Anyone may submit the signature.
      await f.viem.assertions.emitWithArgs(
        f.token.write.permit([owner, spender, value, deadline, v, r, s], { account: carol.account }),
        f.token,
        "Approval",
        [owner, spender, value],
      );
      assert.equal(await f.token.read.allowance([owner, spender]), value);
      assert.equal(await f.token.read.nonces([owner]), 1n);
      await f.token.write.transferFrom([owner, carol.account.address, value], { account: bob.account });
      assert.equal(await f.token.read.balanceOf([carol.account.address]), value);
    });

    it("rejects a replayed, foreign or altered signature with ERC2612InvalidSigner", async () => {
      const f = await setup();
      const { alice, bob } = f.wallets;
      const owner = alice.account.address;
      const spender = bob.account.address;
      const deadline = BigInt(await f.networkHelpers.time.latest()) + 3600n;
      const sig = await signPermit(f, alice, { owner, spender, value: 5n, nonce: 0n, deadline });
      await f.token.write.permit([owner, spender, 5n, deadline, sig.v, sig.r, sig.s]);
      // replay: the nonce moved on
      await f.viem.assertions.revertWithCustomError(
        f.token.write.permit([owner, spender, 5n, deadline, sig.v, sig.r, sig.s]),
        f.token,
        "ERC2612InvalidSigner",
      );
      // bob signs for alice
      const foreign = await signPermit(f, bob, { owner, spender, value: 5n, nonce: 1n, deadline });
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.token.write.permit([owner, spender, 5n, deadline, foreign.v, foreign.r, foreign.s]),
        f.token,
        "ERC2612InvalidSigner",
        [bob.account.address, owner],
      );
      // a different value than signed
      const signed = await signPermit(f, alice, { owner, spender, value: 5n, nonce: 1n, deadline });
      await f.viem.assertions.revertWithCustomError(
        f.token.write.permit([owner, spender, 6n, deadline, signed.v, signed.r, signed.s]),
        f.token,
        "ERC2612InvalidSigner",
      );
      assert.equal(await f.token.read.nonces([owner]), 1n);
    });

    it("rejects an expired signature with ERC2612ExpiredSignature", async () => {
      const f = await setup();
      const { alice, bob } = f.wallets;
      const owner = alice.account.address;
      const deadline = BigInt(await f.networkHelpers.time.latest()) - 1n;
      const { v, r, s } = await signPermit(f, alice, {
        owner,
        spender: bob.account.address,
        value: 1n,
        nonce: 0n,
        deadline,
      });
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.token.write.permit([owner, bob.account.address, 1n, deadline, v, r, s]),
        f.token,
        "ERC2612ExpiredSignature",
        [deadline],
      );
    });

    it("exposes the EIP-712 domain", async () => {
      const f = await deployFixture();
      const [, name, version, chainId, verifyingContract] = await f.token.read.eip712Domain();
      assert.equal(name, "GitBlock Token");
      assert.equal(version, "1");
      assert.equal(chainId, BigInt(await f.publicClient.getChainId()));
      assert.equal(verifyingContract.toLowerCase(), f.token.address.toLowerCase());
      assert.equal(
        await f.token.read.DOMAIN_SEPARATOR(),
        domainSeparator({ domain: { name, version, chainId: Number(chainId), verifyingContract } }),
      );
    });
  });

  describe("increasePayoutAllowance", () => {
    it("reverts with NotRewardsVault for any caller but the vault", async () => {
      const f = await setup();
      const { alice, admin, relayer, guardian } = f.wallets;
      for (const wallet of [alice, admin, relayer, guardian]) {
        await f.viem.assertions.revertWithCustomErrorWithArgs(
          f.token.write.increasePayoutAllowance([1n], { account: wallet.account }),
          f.token,
          "NotRewardsVault",
          [wallet.account.address],
        );
      }
      assert.equal(await f.token.read.payoutAllowance(), 0n);
    });

    it("called by the vault, adds to the allowance and emits PayoutAllowanceIncreased with the new total", async () => {
      const f = await setup();
      const vault = await impersonate(f, f.vault.address);
      await f.viem.assertions.emitWithArgs(
        f.token.write.increasePayoutAllowance([parseEther("30")], { account: vault.account }),
        f.token,
        "PayoutAllowanceIncreased",
        [parseEther("30"), parseEther("30")],
      );
      await f.viem.assertions.emitWithArgs(
        f.token.write.increasePayoutAllowance([parseEther("12")], { account: vault.account }),
        f.token,
        "PayoutAllowanceIncreased",
        [parseEther("12"), parseEther("42")],
      );
      assert.equal(await f.token.read.payoutAllowance(), parseEther("42"));
      assert.equal(await f.token.read.balanceOf([f.vault.address]), POOL, "the allowance moves no tokens");
      assert.equal(await f.token.read.rewardsClaimed([f.vault.address]), 0n);
    });
  });

  describe("payReward", () => {
    it("reverts with NotRewardsVault for any caller but the vault", async () => {
      const f = await setup();
      const { alice, admin, relayer } = f.wallets;
      const vault = await impersonate(f, f.vault.address);
      await f.token.write.increasePayoutAllowance([POOL], { account: vault.account });
      for (const wallet of [alice, admin, relayer]) {
        await f.viem.assertions.revertWithCustomErrorWithArgs(
          f.token.write.payReward([alice.account.address, 1n], { account: wallet.account }),
          f.token,
          "NotRewardsVault",
          [wallet.account.address],
        );
      }
      assert.equal(await f.token.read.payoutAllowance(), POOL);
    });

    it("called by the vault, moves cumulative - claimed, records both sides and spends the allowance", async () => {
      const f = await setup();
      const vault = await impersonate(f, f.vault.address);
      const alice = f.wallets.alice.account.address;
      await f.token.write.increasePayoutAllowance([parseEther("100")], { account: vault.account });
      const hash = await f.token.write.payReward([alice, parseEther("30")], { account: vault.account });
      await f.viem.assertions.emitWithArgs(hash, f.token, "Transfer", [f.vault.address, alice, parseEther("30")]);
      assert.equal(await f.token.read.payoutAllowance(), parseEther("70"));
      await f.viem.assertions.emitWithArgs(
        f.token.write.payReward([alice, parseEther("45")], { account: vault.account }),
        f.token,
        "Transfer",
        [f.vault.address, alice, parseEther("15")],
      );
      assert.equal(await f.token.read.balanceOf([alice]), parseEther("1045"));
      assert.equal(await f.token.read.rewardsClaimed([alice]), parseEther("45"));
      assert.equal(await f.token.read.payoutAllowance(), parseEther("55"));
      assert.equal(await f.token.read.balanceOf([f.vault.address]), POOL - parseEther("45"));
      assert.equal(await f.token.read.rewardsClaimed([f.vault.address]), 0n, "the vault's slot holds its allowance");
    });

    it("reverts with InvalidRewardAccount for the vault itself or the zero address", async () => {
      const f = await setup();
      const vault = await impersonate(f, f.vault.address);
      // No allowance yet: the account check comes before the allowance check.
      for (const account of [f.vault.address, zeroAddress]) {
        await f.viem.assertions.revertWithCustomErrorWithArgs(
          f.token.write.payReward([account, 1n], { account: vault.account }),
          f.token,
          "InvalidRewardAccount",
          [account],
        );
      }
      await f.token.write.increasePayoutAllowance([POOL], { account: vault.account });
      for (const account of [f.vault.address, zeroAddress]) {
        await f.viem.assertions.revertWithCustomErrorWithArgs(
          f.token.write.payReward([account, 1n], { account: vault.account }),
          f.token,
          "InvalidRewardAccount",
          [account],
        );
      }
      assert.equal(await f.token.read.payoutAllowance(), POOL);
    });

    it("reverts with NothingToClaim when the cumulative amount is not above what was claimed", async () => {
      const f = await setup();
      const vault = await impersonate(f, f.vault.address);
      const alice = f.wallets.alice.account.address;
      // Checked before the allowance: with none at all, a zero amount is still NothingToClaim.
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.token.write.payReward([alice, 0n], { account: vault.account }),
        f.token,
        "NothingToClaim",
        [alice, 0n, 0n],
      );
      await f.token.write.increasePayoutAllowance([10n], { account: vault.account });
      await f.token.write.payReward([alice, 10n], { account: vault.account });
      assert.equal(await f.token.read.payoutAllowance(), 0n);
      for (const cumulative of [10n, 9n]) {
        await f.viem.assertions.revertWithCustomErrorWithArgs(
          f.token.write.payReward([alice, cumulative], { account: vault.account }),
          f.token,
          "NothingToClaim",
          [alice, cumulative, 10n],
        );
      }
    });

    it("reverts with PayoutLimitExceeded(amount, allowance) when the claim exceeds the payout allowance", async () => {
      const f = await setup();
      const vault = await impersonate(f, f.vault.address);
      const { alice, bob } = f.wallets;
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.token.write.payReward([alice.account.address, 1n], { account: vault.account }),
        f.token,
        "PayoutLimitExceeded",
        [1n, 0n],
      );
      await f.token.write.increasePayoutAllowance([100n], { account: vault.account });
      await f.token.write.payReward([alice.account.address, 60n], { account: vault.account });
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.token.write.payReward([bob.account.address, 41n], { account: vault.account }),
        f.token,
        "PayoutLimitExceeded",
        [41n, 40n],
      );
      // Only the amount due now counts, not the cumulative amount: alice's 60 -> 101 is 41 too.
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.token.write.payReward([alice.account.address, 101n], { account: vault.account }),
        f.token,
        "PayoutLimitExceeded",
        [41n, 40n],
      );
      await f.token.write.payReward([bob.account.address, 40n], { account: vault.account });
      assert.equal(await f.token.read.payoutAllowance(), 0n);
      assert.equal(await f.token.read.rewardsClaimed([bob.account.address]), 40n);
      assert.equal(await f.token.read.balanceOf([f.vault.address]), POOL - 100n);
    });

    it("reverts with ERC20InsufficientBalance when an allowance beyond the balance meets a larger claim", async () => {
      const f = await setup();
      const vault = await impersonate(f, f.vault.address);
      const alice = f.wallets.alice.account.address;
      await f.token.write.increasePayoutAllowance([POOL + 1n], { account: vault.account });
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.token.write.payReward([alice, POOL + 1n], { account: vault.account }),
        f.token,
        "ERC20InsufficientBalance",
        [f.vault.address, POOL, POOL + 1n],
      );
      // The allowance check comes first.
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.token.write.payReward([alice, POOL + 2n], { account: vault.account }),
        f.token,
        "PayoutLimitExceeded",
        [POOL + 2n, POOL + 1n],
      );
      await f.token.write.payReward([alice, POOL], { account: vault.account });
      assert.equal(await f.token.read.balanceOf([f.vault.address]), 0n);
      assert.equal(await f.token.read.payoutAllowance(), 1n);
    });
  });

  describe("constructor", () => {
    it("reverts with ZeroAddress when any recipient is zero", async () => {
      const f = await deployFixture();
      const some = f.wallets.stranger.account.address;
      for (let i = 0; i < 4; i++) {
        const args = [some, some, some, some] as [Address, Address, Address, Address];
        args[i] = zeroAddress;
        await f.viem.assertions.revertWithCustomError(
          f.viem.deployContract("GitBlockToken", args),
          f.token,
          "ZeroAddress",
        );
      }
      const token = await f.viem.deployContract("GitBlockToken", [some, some, some, some]);
      assert.equal(await token.read.balanceOf([some]), TOTAL, "every share can go to one address");
    });
  });
});
