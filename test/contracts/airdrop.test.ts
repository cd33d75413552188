import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { type Address, type Hex, parseEther, zeroAddress, zeroHash } from "viem";
import { DAY, deployFixture } from "./fixture.ts";
import { GBT } from "./helpers.ts";

const AIRDROP = 100_000_000n * GBT;

async function setup() {
  // The airdrop's tree needs the wallets' addresses: build it against a throwaway deployment's wallets, which
  // are the same Hardhat accounts on every fresh chain.
  const probe = await deployFixture();
  const { alice, bob, carol } = probe.wallets;
  const entries: [Address, bigint][] = [
    [alice.account.address, parseEther("1000")],
    [bob.account.address, parseEther("2000")],
    [carol.account.address, parseEther("3000")],
  ];
  const tree = StandardMerkleTree.of(entries, ["address", "uint256"]);
  const deadline = BigInt(await probe.networkHelpers.time.latest()) + 30n * DAY;
  const f = await deployFixture({ airdrop: { root: tree.root as Hex, deadline } });
  const proof = (index: number) => tree.getProof(index) as Hex[];
  const entry = (index: number) => {
    const value = entries[index];
    if (!value) throw new Error(`no entry ${index}`);
    return value;
  };
  return { ...f, tree, entries, entry, proof, deadline };
}

describe("GitBlockAirdrop", () => {
  it("is configured with the token, root, deadline and treasury and holds 100M GBT", async () => {
    const f = await setup();
    assert.equal((await f.airdrop.read.token()).toLowerCase(), f.token.address.toLowerCase());
    assert.equal(await f.airdrop.read.merkleRoot(), f.tree.root);
    assert.equal(await f.airdrop.read.deadline(), f.deadline);
    assert.equal((await f.airdrop.read.treasury()).toLowerCase(), f.addresses.treasury.toLowerCase());
    assert.equal(await f.token.read.balanceOf([f.airdrop.address]), AIRDROP);
  });

  describe("claim", () => {
    it("sends the amount to the account once, marks it claimed and emits Claimed", async () => {
      const f = await setup();
      const [account, amount] = f.entry(1);
      const hash = await f.airdrop.write.claim([account, amount, f.proof(1)], { account: f.wallets.stranger.account });
      await f.viem.assertions.emitWithArgs(hash, f.airdrop, "Claimed", [account, amount]);
      await f.viem.assertions.emitWithArgs(hash, f.token, "Transfer", [f.airdrop.address, account, amount]);
      assert.equal(await f.token.read.balanceOf([account]), amount);
      assert.equal(await f.token.read.balanceOf([f.wallets.stranger.account.address]), 0n);
      assert.equal(await f.airdrop.read.hasClaimed([account]), true);
      assert.equal(await f.airdrop.read.hasClaimed([f.entry(0)[0]]), false);
      assert.equal(await f.token.read.balanceOf([f.airdrop.address]), AIRDROP - amount);
    });

    it("reverts with AlreadyClaimed on a second claim", async () => {
      const f = await setup();
      const [account, amount] = f.entry(0);
      await f.airdrop.write.claim([account, amount, f.proof(0)]);
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.airdrop.write.claim([account, amount, f.proof(0)]),
        f.airdrop,
        "AlreadyClaimed",
        [account],
      );
      assert.equal(await f.token.read.balanceOf([account]), amount);
    });

    it("reverts with InvalidProof for a wrong amount, account or proof", async () => {
      const f = await setup();
      const [alice, aliceAmount] = f.entry(0);
      const [bob, bobAmount] = f.entry(1);
      const stranger = f.wallets.stranger.account.address;
      const cases: [Address, bigint, Hex[]][] = [
        [alice, aliceAmount + 1n, f.proof(0)],
        [alice, bobAmount, f.proof(1)],
        [stranger, bobAmount, f.proof(1)],
        [bob, bobAmount, f.proof(0)],
        [bob, bobAmount, []],
      ];
      for (const [account, amount, proof] of cases) {
        await f.viem.assertions.revertWithCustomErrorWithArgs(
          f.airdrop.write.claim([account, amount, proof]),
          f.airdrop,
          "InvalidProof",
          [account],
        );
      }
      assert.equal(await f.token.read.balanceOf([f.airdrop.address]), AIRDROP);
    });

    it("accepts a claim at the deadline second and reverts with ClaimWindowClosed after it", async () => {
      const f = await setup();
      const [alice, aliceAmount] = f.entry(0);
      const [bob, bobAmount] = f.entry(1);
      await f.networkHelpers.time.setNextBlockTimestamp(f.deadline);
      await f.airdrop.write.claim([alice, aliceAmount, f.proof(0)]);
      assert.equal(await f.token.read.balanceOf([alice]), aliceAmount);
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.airdrop.write.claim([bob, bobAmount, f.proof(1)]),
        f.airdrop,
        "ClaimWindowClosed",
        [f.deadline],
      );
    });

    it("fails with the token's ERC20InsufficientBalance when the tree promises more than the airdrop holds", async () => {
      const f = await setup();
      const [alice, amount] = f.entry(0);
      const tree = StandardMerkleTree.of([[alice, amount]], ["address", "uint256"]);
      const deadline = BigInt(await f.networkHelpers.time.latest()) + DAY;
      const small = await f.viem.deployContract("GitBlockAirdrop", [
        f.token.address,
        tree.root as Hex,
        deadline,
        f.addresses.treasury,
      ]);
      await f.token.write.transfer([small.address, amount - 1n], { account: f.wallets.admin.account });
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        small.write.claim([alice, amount, tree.getProof(0) as Hex[]]),
        f.token,
        "ERC20InsufficientBalance",
        [small.address, amount - 1n, amount],
      );
      assert.equal(await small.read.hasClaimed([alice]), false);
    });
  });

  describe("sweep", () => {
    it("reverts with ClaimWindowOpen up to and including the deadline", async () => {
      const f = await setup();
      await f.viem.assertions.revertWithCustomErrorWithArgs(f.airdrop.write.sweep(), f.airdrop, "ClaimWindowOpen", [
        f.deadline,
      ]);
      await f.networkHelpers.time.setNextBlockTimestamp(f.deadline);
      await f.viem.assertions.revertWithCustomErrorWithArgs(f.airdrop.write.sweep(), f.airdrop, "ClaimWindowOpen", [
        f.deadline,
      ]);
    });

    it("after the deadline sends the unclaimed remainder to the treasury, for anyone who calls", async () => {
      const f = await setup();
      const [alice, aliceAmount] = f.entry(0);
      await f.airdrop.write.claim([alice, aliceAmount, f.proof(0)]);
      await f.networkHelpers.time.increaseTo(f.deadline + 1n);
      const remainder = AIRDROP - aliceAmount;
      const treasuryBefore = await f.token.read.balanceOf([f.addresses.treasury]);
      const hash = await f.airdrop.write.sweep({ account: f.wallets.stranger.account });
      await f.viem.assertions.emitWithArgs(hash, f.airdrop, "Swept", [f.addresses.treasury, remainder]);
      await f.viem.assertions.emitWithArgs(hash, f.token, "Transfer", [
        f.airdrop.address,
        f.addresses.treasury,
        remainder,
      ]);
      assert.equal(await f.token.read.balanceOf([f.addresses.treasury]), treasuryBefore + remainder);
      assert.equal(await f.token.read.balanceOf([f.airdrop.address]), 0n);
    });

    it("reverts with NothingToSweep once empty", async () => {
      const f = await setup();
      await f.networkHelpers.time.increaseTo(f.deadline + 1n);
      await f.airdrop.write.sweep();
      await f.viem.assertions.revertWithCustomError(f.airdrop.write.sweep(), f.airdrop, "NothingToSweep");
    });
  });

  it("constructor reverts with ZeroAddress for a zero token or treasury", async () => {
    const f = await setup();
    const treasury = f.addresses.treasury;
    for (const [token, to] of [
      [zeroAddress, treasury],
      [f.token.address, zeroAddress],
    ] as const) {
      await f.viem.assertions.revertWithCustomError(
        f.viem.deployContract("GitBlockAirdrop", [token, zeroHash, f.deadline, to]),
        f.airdrop,
        "ZeroAddress",
      );
    }
    const ok = await f.viem.deployContract("GitBlockAirdrop", [f.token.address, zeroHash, 0n, treasury]);
    assert.equal(await ok.read.deadline(), 0n);
  });
});
