import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { NodeState } from "@gitblock/sdk";
import { rewardsVaultAbi } from "@gitblock/sdk";
import {
  BaseError,
  decodeErrorResult,
  encodeFunctionData,
  getAddress,
  type Hex,
  parseEther,
  parseEventLogs,
  zeroAddress,
  zeroHash,
} from "viem";
import { deployFixture } from "./fixture.ts";
import { GBT, propose, settle } from "./helpers.ts";
import { nodeState, nodeStateTree } from "./tree.ts";

async function setup() {
  const f = await deployFixture();
  const { alice, bob, carol } = f.wallets;
  const a1 = nodeState(alice.account.address, parseEther("100"));
  const b1 = nodeState(bob.account.address, parseEther("50"));
  const c1 = nodeState(carol.account.address, parseEther("25"));
  const tree1 = nodeStateTree([a1, b1, c1]);
  const a2 = nodeState(alice.account.address, parseEther("160"), { tasksValidated: 20n });
  const b2 = nodeState(bob.account.address, parseEther("50"), { tasksValidated: 11n });
  const c2 = nodeState(carol.account.address, parseEther("40"));
  const tree2 = nodeStateTree([a2, b2, c2]);
  return { ...f, a1, b1, c1, tree1, a2, b2, c2, tree2 };
}

async function balanceOf(f: Awaited<ReturnType<typeof setup>>, state: NodeState) {
  return f.token.read.balanceOf([state.account]);
}

describe("RewardsVault claims", () => {
  describe("claim", () => {
    it("pays the cumulative amount on a first claim and records it", async () => {
      const f = await setup();
      await settle(f, 1n, f.tree1);
      const vaultBefore = await f.token.read.balanceOf([f.vault.address]);
      assert.equal(
        await f.vault.simulate.claim([f.a1, f.tree1.proof(f.a1)]).then((r) => r.result),
        f.a1.cumulativeAmount,
      );
      const hash = await f.vault.write.claim([f.a1, f.tree1.proof(f.a1)], { account: f.wallets.alice.account });
      await f.viem.assertions.emitWithArgs(hash, f.vault, "Claimed", [
        f.a1.account,
        f.a1.cumulativeAmount,
        f.a1.cumulativeAmount,
      ]);
      await f.viem.assertions.emitWithArgs(hash, f.token, "Transfer", [
        f.vault.address,
        f.a1.account,
        f.a1.cumulativeAmount,
      ]);
      assert.equal(await balanceOf(f, f.a1), f.a1.cumulativeAmount);
      assert.equal(await f.vault.read.claimed([f.a1.account]), f.a1.cumulativeAmount);
      assert.equal(await f.token.read.rewardsClaimed([f.a1.account]), f.a1.cumulativeAmount);
      assert.equal(await f.vault.read.totalClaimed(), f.a1.cumulativeAmount);
      assert.equal(await f.token.read.payoutAllowance(), f.tree1.cumulativeTotal - f.a1.cumulativeAmount);
      assert.equal(await f.token.read.balanceOf([f.vault.address]), vaultBefore - f.a1.cumulativeAmount);
    });

    it("pays only the difference between the cumulative amount and what was already claimed after a later epoch", async () => {
      const f = await setup();
      await settle(f, 1n, f.tree1);
      await f.vault.write.claim([f.a1, f.tree1.proof(f.a1)]);
      await settle(f, 2n, f.tree2);
      const diff = f.a2.cumulativeAmount - f.a1.cumulativeAmount;
      await f.viem.assertions.emitWithArgs(f.vault.write.claim([f.a2, f.tree2.proof(f.a2)]), f.vault, "Claimed", [
        f.a2.account,
        diff,
        f.a2.cumulativeAmount,
      ]);
      assert.equal(await balanceOf(f, f.a2), f.a2.cumulativeAmount);
      assert.equal(await f.vault.read.claimed([f.a2.account]), f.a2.cumulativeAmount);
      assert.equal(await f.vault.read.totalClaimed(), f.a2.cumulativeAmount);
      assert.equal(await f.token.read.payoutAllowance(), f.tree2.cumulativeTotal - f.a2.cumulativeAmount);
    });

    it("lets a node that skipped epochs claim everything at once from the newest root", async () => {
      const f = await setup();
      await settle(f, 1n, f.tree1);
      await settle(f, 2n, f.tree2);
      await f.vault.write.claim([f.c2, f.tree2.proof(f.c2)]);
      assert.equal(await balanceOf(f, f.c2), f.c2.cumulativeAmount);
    });

    it("can be submitted by anyone but always pays the node", async () => {
      const f = await setup();
      await settle(f, 1n, f.tree1);
      const { stranger } = f.wallets;
      await f.vault.write.claim([f.b1, f.tree1.proof(f.b1)], { account: stranger.account });
      assert.equal(await balanceOf(f, f.b1), f.b1.cumulativeAmount);
      assert.equal(await f.token.read.balanceOf([stranger.account.address]), 0n);
      assert.equal(await f.vault.read.claimed([stranger.account.address]), 0n);
    });

    it("reverts with NothingToClaim when the node already claimed its cumulative amount", async () => {
      const f = await setup();
      await settle(f, 1n, f.tree1);
      await f.vault.write.claim([f.a1, f.tree1.proof(f.a1)]);
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.vault.write.claim([f.a1, f.tree1.proof(f.a1)]),
        f.token,
        "NothingToClaim",
        [f.a1.account, f.a1.cumulativeAmount, f.a1.cumulativeAmount],
      );
      // bob's cumulative amount is unchanged in epoch 2: still nothing new for him.
      await f.vault.write.claim([f.b1, f.tree1.proof(f.b1)]);
      await settle(f, 2n, f.tree2);
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.vault.write.claim([f.b2, f.tree2.proof(f.b2)]),
        f.token,
        "NothingToClaim",
        [f.b2.account, f.b2.cumulativeAmount, f.b1.cumulativeAmount],
      );
      assert.equal(await balanceOf(f, f.a1), f.a1.cumulativeAmount);
    });

    it("reverts with NothingToClaim for a node whose leaf holds a zero amount", async () => {
      const f = await setup();
      const zero = nodeState(f.wallets.stranger.account.address, 0n);
      const tree = nodeStateTree([f.a1, zero]);
      await settle(f, 1n, tree);
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.vault.write.claim([zero, tree.proof(zero)]),
        f.token,
        "NothingToClaim",
        [zero.account, 0n, 0n],
      );
    });

    it("rejects a state or proof that is not in the newest final root", async () => {
      const f = await setup();
      await settle(f, 1n, f.tree1);
      const inflated = { ...f.a1, cumulativeAmount: f.a1.cumulativeAmount + 1n };
      const otherReputation = { ...f.a1, reputationBps: f.a1.reputationBps + 1 };
      const cases: [NodeState, `0x${string}`[]][] = [
        [inflated, f.tree1.proof(f.a1)],
        [otherReputation, f.tree1.proof(f.a1)],
        [f.a1, f.tree1.proof(f.b1)],
        [f.a1, []],
        [{ ...f.b1, account: f.wallets.stranger.account.address }, f.tree1.proof(f.b1)],
      ];
      for (const [state, proof] of cases) {
        await f.viem.assertions.revertWithCustomErrorWithArgs(
          f.vault.write.claim([state, proof]),
          f.vault,
          "InvalidProof",
          [state.account],
        );
      }
      assert.equal(await f.vault.read.totalClaimed(), 0n);
      assert.equal(await f.token.read.payoutAllowance(), f.tree1.cumulativeTotal);
    });

    it("rejects a proof from an older final epoch once a newer one is final", async () => {
      const f = await setup();
      await settle(f, 1n, f.tree1);
      await settle(f, 2n, f.tree2);
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.vault.write.claim([f.a1, f.tree1.proof(f.a1)]),
        f.vault,
        "InvalidProof",
        [f.a1.account],
      );
    });

    it("pays against the newest final root while the next epoch is still pending", async () => {
      const f = await setup();
      await settle(f, 1n, f.tree1);
      await propose(f, 2n, f.tree2);
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.vault.write.claim([f.a2, f.tree2.proof(f.a2)]),
        f.vault,
        "InvalidProof",
        [f.a2.account],
      );
      await f.vault.write.claim([f.a1, f.tree1.proof(f.a1)]);
      assert.equal(await balanceOf(f, f.a1), f.a1.cumulativeAmount);
    });

    it("reverts with NoFinalEpoch before any epoch is final", async () => {
      const f = await setup();
      await f.viem.assertions.revertWithCustomError(
        f.vault.write.claim([f.a1, f.tree1.proof(f.a1)]),
        f.vault,
        "NoFinalEpoch",
      );
      await propose(f, 1n, f.tree1);
      await f.viem.assertions.revertWithCustomError(
        f.vault.write.claim([f.a1, f.tree1.proof(f.a1)]),
        f.vault,
        "NoFinalEpoch",
      );
    });

    it("reverts with EnforcedPause while paused and pays after unpause", async () => {
      const f = await setup();
      await settle(f, 1n, f.tree1);
      await f.vault.write.pause({ account: f.wallets.guardian.account });
      await f.viem.assertions.revertWithCustomError(
        f.vault.write.claim([f.a1, f.tree1.proof(f.a1)]),
        f.vault,
        "EnforcedPause",
      );
      // Even a bad proof or a node with nothing due reads as the pause, not as its own error.
      await f.viem.assertions.revertWithCustomError(f.vault.write.claim([f.a1, []]), f.vault, "EnforcedPause");
      assert.equal(await f.vault.read.finalRoot(), f.tree1.root, "finalRoot stays readable while paused");
      await f.vault.write.unpause({ account: f.wallets.admin.account });
      await f.vault.write.claim([f.a1, f.tree1.proof(f.a1)]);
      assert.equal(await balanceOf(f, f.a1), f.a1.cumulativeAmount);
    });

    it("claims resume against the same final root after unpause", async () => {
      const f = await setup();
      await settle(f, 1n, f.tree1);
      await settle(f, 2n, f.tree2);
      await f.vault.write.claim([f.b2, f.tree2.proof(f.b2)]);
      await f.vault.write.pause({ account: f.wallets.guardian.account });
      assert.equal(await f.vault.read.finalRoot(), f.tree2.root);
      for (const state of [f.a2, f.c2]) {
        await f.viem.assertions.revertWithCustomError(
          f.vault.write.claim([state, f.tree2.proof(state)]),
          f.vault,
          "EnforcedPause",
        );
      }
      await f.viem.assertions.revertWithCustomError(
        f.vault.write.claimMany([[f.a2], [f.tree2.proof(f.a2)]]),
        f.vault,
        "EnforcedPause",
      );
      await f.vault.write.unpause({ account: f.wallets.admin.account });
      assert.equal(await f.vault.read.finalRoot(), f.tree2.root);
      assert.equal(await f.vault.read.latestFinalEpoch(), 2n);
      // The newest final root is back, not an older one: epoch 1's proofs stay rejected.
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.vault.write.claim([f.a1, f.tree1.proof(f.a1)]),
        f.vault,
        "InvalidProof",
        [f.a1.account],
      );
      await f.vault.write.claim([f.a2, f.tree2.proof(f.a2)]);
      await f.vault.write.claimMany([[f.c2], [f.tree2.proof(f.c2)]]);
      assert.equal(await balanceOf(f, f.a2), f.a2.cumulativeAmount);
      assert.equal(await balanceOf(f, f.c2), f.c2.cumulativeAmount);
      // Claims made before the pause still count: bob has nothing more due.
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.vault.write.claim([f.b2, f.tree2.proof(f.b2)]),
        f.token,
        "NothingToClaim",
        [f.b2.account, f.b2.cumulativeAmount, f.b2.cumulativeAmount],
      );
      assert.equal(await f.vault.read.totalClaimed(), f.tree2.cumulativeTotal);
      assert.equal(await f.token.read.payoutAllowance(), 0n);
    });

    it("stays at NoFinalEpoch after a pause and unpause before any epoch is final", async () => {
      const f = await setup();
      await propose(f, 1n, f.tree1);
      await f.vault.write.pause({ account: f.wallets.guardian.account });
      await f.vault.write.unpause({ account: f.wallets.admin.account });
      assert.equal(await f.vault.read.finalRoot(), zeroHash);
      await f.viem.assertions.revertWithCustomError(
        f.vault.write.claim([f.a1, f.tree1.proof(f.a1)]),
        f.vault,
        "NoFinalEpoch",
      );
    });

    it("reverts with data that the sdk's rewardsVaultAbi decodes to the token's NothingToClaim", async () => {
      const f = await setup();
      await settle(f, 1n, f.tree1);
      await f.vault.write.claim([f.a1, f.tree1.proof(f.a1)]);
      const error = await f.publicClient
        .call({
          account: f.wallets.stranger.account.address,
          to: f.vault.address,
          data: encodeFunctionData({ abi: rewardsVaultAbi, functionName: "claim", args: [f.a1, f.tree1.proof(f.a1)] }),
        })
        .then(
          () => assert.fail("a claim with nothing due must revert"),
          (e: unknown) => e,
        );
      assert.ok(error instanceof BaseError, `expected a viem error, got ${String(error)}`);
      const withData = error.walk((e) => typeof (e as { data?: unknown }).data === "string") as { data?: Hex } | null;
      const data = withData?.data;
      if (!data?.startsWith("0x") || data.length <= 10)
        assert.fail(`the revert carries no error data: ${error.message}`);
      // The revert is the token's error, bubbled up through the vault.
      assert.equal(decodeErrorResult({ abi: f.token.abi, data }).errorName, "NothingToClaim");
      assert.ok(
        rewardsVaultAbi.some((item) => item.type === "error" && (item as { name: string }).name === "NothingToClaim"),
        "sdk rewardsVaultAbi must carry the token's errors (NothingToClaim)",
      );
      const { errorName, args } = decodeErrorResult({ abi: rewardsVaultAbi, data });
      assert.deepEqual(
        { errorName: errorName as string, args },
        { errorName: "NothingToClaim", args: [getAddress(f.a1.account), f.a1.cumulativeAmount, f.a1.cumulativeAmount] },
      );
    });
  });

  describe("payout bounds", () => {
    it("never pays a leaf beyond the epoch's declared cumulative total (PayoutLimitExceeded)", async () => {
      const f = await setup();
      const declared = parseEther("100");
      const greedy = nodeState(f.wallets.alice.account.address, parseEther("150"));
      const tree = nodeStateTree([greedy, f.b1]);
      await settle(f, 1n, tree, { cumulativeTotal: declared });
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.vault.write.claim([greedy, tree.proof(greedy)]),
        f.token,
        "PayoutLimitExceeded",
        [greedy.cumulativeAmount, declared],
      );
      assert.equal(await f.vault.read.totalClaimed(), 0n);
      assert.equal(await f.token.read.payoutAllowance(), declared);
    });

    it("stops paying once the claims of an under-declared epoch reach its total", async () => {
      const f = await setup();
      // Leaves sum to 175 but the relayer declared 130: claims are paid until one would cross 130.
      const declared = parseEther("130");
      await settle(f, 1n, f.tree1, { cumulativeTotal: declared });
      assert.equal(await f.token.read.payoutAllowance(), declared);
      await f.vault.write.claim([f.a1, f.tree1.proof(f.a1)]);
      // 30 left: bob's 50 is reported against what is left, not against the declared total.
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.vault.write.claim([f.b1, f.tree1.proof(f.b1)]),
        f.token,
        "PayoutLimitExceeded",
        [f.b1.cumulativeAmount, declared - f.a1.cumulativeAmount],
      );
      await f.vault.write.claim([f.c1, f.tree1.proof(f.c1)]);
      assert.equal(await f.vault.read.totalClaimed(), f.a1.cumulativeAmount + f.c1.cumulativeAmount);
      assert.equal(await f.token.read.payoutAllowance(), declared - f.a1.cumulativeAmount - f.c1.cumulativeAmount);
      assert.equal(await balanceOf(f, f.b1), 0n);
    });

    it("pays the rest once a later epoch declares a total that covers it", async () => {
      const f = await setup();
      await settle(f, 1n, f.tree1, { cumulativeTotal: parseEther("100") });
      await f.vault.write.claim([f.a1, f.tree1.proof(f.a1)]);
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.vault.write.claim([f.b1, f.tree1.proof(f.b1)]),
        f.token,
        "PayoutLimitExceeded",
        [f.b1.cumulativeAmount, 0n],
      );
      // Epoch 2 declares the honest 175: finality adds the 75 increase to the allowance.
      await settle(f, 2n, f.tree1);
      assert.equal(await f.token.read.payoutAllowance(), f.tree1.cumulativeTotal - f.a1.cumulativeAmount);
      await f.vault.write.claim([f.b1, f.tree1.proof(f.b1)]);
      assert.equal(await balanceOf(f, f.b1), f.b1.cumulativeAmount);
      assert.equal(await f.token.read.payoutAllowance(), f.c1.cumulativeAmount);
      assert.equal(await f.vault.read.totalClaimed(), f.a1.cumulativeAmount + f.b1.cumulativeAmount);
    });

    it("rejects a leaf larger than the whole pool: the allowance, which the pool always covers, stops it", async () => {
      const f = await deployFixture({ maxEmissionPerEpoch: 10n ** 30n });
      const pool = 400_000_000n * GBT;
      const huge = nodeState(f.wallets.alice.account.address, pool + 1n);
      const tree = nodeStateTree([huge]);
      // Even an epoch that declares the whole pool leaves the leaf one wei short.
      await settle(f, 1n, tree, { cumulativeTotal: pool });
      assert.equal(await f.token.read.payoutAllowance(), pool);
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.vault.write.claim([huge, tree.proof(huge)]),
        f.token,
        "PayoutLimitExceeded",
        [pool + 1n, pool],
      );
      assert.equal(await f.token.read.balanceOf([f.vault.address]), pool);
      assert.equal(await f.vault.read.totalClaimed(), 0n);
    });

    it("never pays a leaf for the vault itself or the zero address (InvalidRewardAccount)", async () => {
      const f = await setup();
      const self = nodeState(f.vault.address, parseEther("1"));
      const nobody = nodeState(zeroAddress, parseEther("1"));
      const tree = nodeStateTree([self, nobody, f.a1]);
      await settle(f, 1n, tree);
      for (const state of [self, nobody]) {
        await f.viem.assertions.revertWithCustomErrorWithArgs(
          f.vault.write.claim([state, tree.proof(state)]),
          f.token,
          "InvalidRewardAccount",
          [state.account],
        );
      }
      assert.equal(await f.vault.read.totalClaimed(), 0n);
      assert.equal(await f.token.read.payoutAllowance(), tree.cumulativeTotal);
    });
  });

  describe("claimMany", () => {
    it("pays every listed node in one transaction and returns the total", async () => {
      const f = await setup();
      await settle(f, 1n, f.tree1);
      await f.vault.write.claim([f.b1, f.tree1.proof(f.b1)]);
      await settle(f, 2n, f.tree2);
      const states = [f.a2, f.c2];
      const proofs = states.map((s) => f.tree2.proof(s));
      const expected = f.a2.cumulativeAmount + f.c2.cumulativeAmount;
      const { result } = await f.vault.simulate.claimMany([states, proofs]);
      assert.equal(result, expected);
      const hash = await f.vault.write.claimMany([states, proofs], { account: f.wallets.stranger.account });
      await f.viem.assertions.emitWithArgs(hash, f.vault, "Claimed", [
        f.a2.account,
        f.a2.cumulativeAmount,
        f.a2.cumulativeAmount,
      ]);
      await f.viem.assertions.emitWithArgs(hash, f.vault, "Claimed", [
        f.c2.account,
        f.c2.cumulativeAmount,
        f.c2.cumulativeAmount,
      ]);
      assert.equal(await balanceOf(f, f.a2), f.a2.cumulativeAmount);
      assert.equal(await balanceOf(f, f.c2), f.c2.cumulativeAmount);
      assert.equal(await f.vault.read.totalClaimed(), expected + f.b1.cumulativeAmount);
      assert.equal(await f.token.read.payoutAllowance(), f.tree2.cumulativeTotal - expected - f.b1.cumulativeAmount);
    });

    it("returns zero for empty lists once an epoch is final", async () => {
      const f = await setup();
      await settle(f, 1n, f.tree1);
      const { result } = await f.vault.simulate.claimMany([[], []]);
      assert.equal(result, 0n);
    });

    it("reverts with LengthMismatch when states and proofs differ in length", async () => {
      const f = await setup();
      await settle(f, 1n, f.tree1);
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.vault.write.claimMany([
          [f.a1, f.b1, f.c1],
          [f.tree1.proof(f.a1), f.tree1.proof(f.b1)],
        ]),
        f.vault,
        "LengthMismatch",
        [3n, 2n],
      );
    });

    it("reverts as a whole when one proof is bad", async () => {
      const f = await setup();
      await settle(f, 1n, f.tree1);
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.vault.write.claimMany([
          [f.a1, f.b1, f.c1],
          [f.tree1.proof(f.a1), f.tree1.proof(f.a1), f.tree1.proof(f.c1)],
        ]),
        f.vault,
        "InvalidProof",
        [f.b1.account],
      );
      assert.equal(await balanceOf(f, f.a1), 0n);
      assert.equal(await balanceOf(f, f.c1), 0n);
      assert.equal(await f.vault.read.totalClaimed(), 0n);
      assert.equal(await f.token.read.payoutAllowance(), f.tree1.cumulativeTotal);
    });

    it("skips an entry with nothing due with ClaimSkipped and pays the others (also a node listed twice)", async () => {
      const f = await setup();
      await settle(f, 1n, f.tree1);
      await f.vault.write.claim([f.b1, f.tree1.proof(f.b1)]);
      const states = [f.a1, f.b1, f.a1, f.c1];
      const proofs = states.map((s) => f.tree1.proof(s));
      const { result } = await f.vault.simulate.claimMany([states, proofs]);
      assert.equal(result, f.a1.cumulativeAmount + f.c1.cumulativeAmount);
      const hash = await f.vault.write.claimMany([states, proofs]);
      const { logs } = await f.publicClient.getTransactionReceipt({ hash });
      const events = parseEventLogs({ abi: f.vault.abi, logs }).filter(
        (log) => log.eventName === "Claimed" || log.eventName === "ClaimSkipped",
      );
      assert.deepEqual(
        events.map((log) => [log.eventName, log.args]),
        [
          [
            "Claimed",
            {
              account: getAddress(f.a1.account),
              amount: f.a1.cumulativeAmount,
              cumulativeAmount: f.a1.cumulativeAmount,
            },
          ],
          ["ClaimSkipped", { account: getAddress(f.b1.account), cumulativeAmount: f.b1.cumulativeAmount }],
          ["ClaimSkipped", { account: getAddress(f.a1.account), cumulativeAmount: f.a1.cumulativeAmount }],
          [
            "Claimed",
            {
              account: getAddress(f.c1.account),
              amount: f.c1.cumulativeAmount,
              cumulativeAmount: f.c1.cumulativeAmount,
            },
          ],
        ],
      );
      assert.equal(await balanceOf(f, f.a1), f.a1.cumulativeAmount, "paid once");
      assert.equal(await balanceOf(f, f.b1), f.b1.cumulativeAmount, "nothing more");
      assert.equal(await balanceOf(f, f.c1), f.c1.cumulativeAmount);
      assert.equal(await f.token.read.payoutAllowance(), 0n);
      const { result: again } = await f.vault.simulate.claimMany([states, proofs]);
      assert.equal(again, 0n, "a batch with nothing due pays nothing and succeeds");
    });

    it("a claim front-run into the same block just ahead of a keeper's batch no longer sinks the batch", async () => {
      const f = await setup();
      await settle(f, 1n, f.tree1);
      const states = [f.a1, f.b1, f.c1];
      const proofs = states.map((s) => f.tree1.proof(s));
      await f.connection.provider.request({ method: "evm_setAutomine", params: [false] });
      const frontRun = await f.vault.write.claim([f.b1, f.tree1.proof(f.b1)], {
        account: f.wallets.stranger.account,
        gas: 200_000n,
      });
      const batch = await f.vault.write.claimMany([states, proofs], {
        account: f.wallets.carol.account,
        gas: 500_000n,
      });
      await f.networkHelpers.mine();
      await f.connection.provider.request({ method: "evm_setAutomine", params: [true] });
      const frontRunReceipt = await f.publicClient.getTransactionReceipt({ hash: frontRun });
      const batchReceipt = await f.publicClient.getTransactionReceipt({ hash: batch });
      assert.equal(frontRunReceipt.blockNumber, batchReceipt.blockNumber, "one block");
      assert.ok(frontRunReceipt.transactionIndex < batchReceipt.transactionIndex, "the front-run came first");
      assert.equal(frontRunReceipt.status, "success");
      assert.equal(batchReceipt.status, "success", "the batch still went through");
      await f.viem.assertions.emitWithArgs(batch, f.vault, "ClaimSkipped", [f.b1.account, f.b1.cumulativeAmount]);
      for (const state of states) assert.equal(await balanceOf(f, state), state.cumulativeAmount);
      assert.equal(await f.token.read.payoutAllowance(), 0n);
    });

    it("reverts with NoFinalEpoch before any epoch and EnforcedPause while paused", async () => {
      const f = await setup();
      const args = [[f.a1], [f.tree1.proof(f.a1)]] as const;
      await f.viem.assertions.revertWithCustomError(
        f.vault.write.claimMany([[...args[0]], [...args[1]]]),
        f.vault,
        "NoFinalEpoch",
      );
      await settle(f, 1n, f.tree1);
      await f.vault.write.pause({ account: f.wallets.guardian.account });
      await f.viem.assertions.revertWithCustomError(
        f.vault.write.claimMany([[...args[0]], [...args[1]]]),
        f.vault,
        "EnforcedPause",
      );
    });
  });
});
