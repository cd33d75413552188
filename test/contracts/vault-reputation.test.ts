import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseEther } from "viem";
import { deployFixture } from "./fixture.ts";
import { propose, settle } from "./helpers.ts";
import { nodeState, nodeStateTree } from "./tree.ts";

async function setup() {
  const f = await deployFixture();
  const { alice, bob } = f.wallets;
  const a1 = nodeState(alice.account.address, parseEther("10"), {
    reputationBps: 7_250,
    tasksValidated: 120n,
    tasksFailed: 3n,
    strikes: 1,
  });
  const b1 = nodeState(bob.account.address, parseEther("5"), { reputationBps: 9_999, tasksValidated: 2n ** 64n - 1n });
  const tree1 = nodeStateTree([a1, b1]);
  const a2 = nodeState(alice.account.address, parseEther("20"), {
    reputationBps: 8_000,
    tasksValidated: 200n,
    tasksFailed: 4n,
    strikes: 2 ** 32 - 1,
  });
  const b2 = nodeState(bob.account.address, parseEther("6"), { reputationBps: 10_000 });
  const tree2 = nodeStateTree([a2, b2]);
  return { ...f, a1, b1, tree1, a2, b2, tree2 };
}

describe("RewardsVault reputation", () => {
  describe("recordReputation", () => {
    it("stores the proven state with the final epoch and emits ReputationRecorded", async () => {
      const f = await setup();
      await settle(f, 1n, f.tree1);
      await f.viem.assertions.emitWithArgs(
        f.vault.write.recordReputation([f.a1, f.tree1.proof(f.a1)], { account: f.wallets.stranger.account }),
        f.vault,
        "ReputationRecorded",
        [f.a1.account, 1n, f.a1.reputationBps, f.a1.tasksValidated, f.a1.tasksFailed, f.a1.strikes],
      );
      assert.deepEqual(await f.vault.read.reputationOf([f.a1.account]), {
        reputationBps: f.a1.reputationBps,
        tasksValidated: f.a1.tasksValidated,
        tasksFailed: f.a1.tasksFailed,
        strikes: f.a1.strikes,
        epoch: 1n,
      });
      assert.equal(await f.token.read.balanceOf([f.a1.account]), 0n, "recording pays nothing");
    });

    it("keeps full-width values of every field", async () => {
      const f = await setup();
      await settle(f, 1n, f.tree1);
      await settle(f, 2n, f.tree2);
      await f.vault.write.recordReputation([f.a2, f.tree2.proof(f.a2)]);
      await f.vault.write.recordReputation([f.b2, f.tree2.proof(f.b2)]);
      assert.equal((await f.vault.read.reputationOf([f.a2.account])).strikes, 2 ** 32 - 1);
      assert.equal((await f.vault.read.reputationOf([f.b2.account])).reputationBps, 10_000);
    });

    it("reads all zero for a node never recorded", async () => {
      const f = await setup();
      await settle(f, 1n, f.tree1);
      await f.vault.write.recordReputation([f.a1, f.tree1.proof(f.a1)]);
      assert.deepEqual(await f.vault.read.reputationOf([f.b1.account]), {
        reputationBps: 0,
        tasksValidated: 0n,
        tasksFailed: 0n,
        strikes: 0,
        epoch: 0n,
      });
    });

    it("records once per final epoch (ReputationAlreadyRecorded) and updates with a newer one", async () => {
      const f = await setup();
      await settle(f, 1n, f.tree1);
      await f.vault.write.recordReputation([f.a1, f.tree1.proof(f.a1)]);
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.vault.write.recordReputation([f.a1, f.tree1.proof(f.a1)]),
        f.vault,
        "ReputationAlreadyRecorded",
        [f.a1.account, 1n],
      );
      // Still epoch 1 final while epoch 2 is pending.
      await propose(f, 2n, f.tree2);
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.vault.write.recordReputation([f.a1, f.tree1.proof(f.a1)]),
        f.vault,
        "ReputationAlreadyRecorded",
        [f.a1.account, 1n],
      );
      await f.networkHelpers.time.increaseTo((await f.vault.read.getEpoch([2n])).finalAt);
      await f.vault.write.finalizeEpoch();
      await f.viem.assertions.emitWithArgs(
        f.vault.write.recordReputation([f.a2, f.tree2.proof(f.a2)]),
        f.vault,
        "ReputationRecorded",
        [f.a2.account, 2n, f.a2.reputationBps, f.a2.tasksValidated, f.a2.tasksFailed, f.a2.strikes],
      );
      const record = await f.vault.read.reputationOf([f.a2.account]);
      assert.equal(record.epoch, 2n);
      assert.equal(record.reputationBps, f.a2.reputationBps);
      assert.equal(record.tasksValidated, f.a2.tasksValidated);
    });

    it("only accepts states of the newest final root (InvalidProof)", async () => {
      const f = await setup();
      await settle(f, 1n, f.tree1);
      const boosted = { ...f.a1, reputationBps: 10_000 };
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.vault.write.recordReputation([boosted, f.tree1.proof(f.a1)]),
        f.vault,
        "InvalidProof",
        [f.a1.account],
      );
      await settle(f, 2n, f.tree2);
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.vault.write.recordReputation([f.b1, f.tree1.proof(f.b1)]),
        f.vault,
        "InvalidProof",
        [f.b1.account],
      );
      assert.equal((await f.vault.read.reputationOf([f.a1.account])).epoch, 0n);
    });

    it("reverts with NoFinalEpoch before any epoch is final and EnforcedPause while paused", async () => {
      const f = await setup();
      await f.viem.assertions.revertWithCustomError(
        f.vault.write.recordReputation([f.a1, f.tree1.proof(f.a1)]),
        f.vault,
        "NoFinalEpoch",
      );
      await settle(f, 1n, f.tree1);
      await f.vault.write.pause({ account: f.wallets.guardian.account });
      await f.viem.assertions.revertWithCustomError(
        f.vault.write.recordReputation([f.a1, f.tree1.proof(f.a1)]),
        f.vault,
        "EnforcedPause",
      );
    });

    it("is independent of claims in both directions", async () => {
      const f = await setup();
      await settle(f, 1n, f.tree1);
      await f.vault.write.claim([f.a1, f.tree1.proof(f.a1)]);
      assert.equal((await f.vault.read.reputationOf([f.a1.account])).epoch, 0n, "a claim records nothing");
      await f.vault.write.recordReputation([f.a1, f.tree1.proof(f.a1)]);
      await f.vault.write.recordReputation([f.b1, f.tree1.proof(f.b1)]);
      await f.vault.write.claim([f.b1, f.tree1.proof(f.b1)]);
      assert.equal(await f.token.read.balanceOf([f.b1.account]), f.b1.cumulativeAmount);
    });
  });

  describe("verifyNodeState", () => {
    it("is true for a leaf of a final epoch, including older final epochs", async () => {
      const f = await setup();
      await settle(f, 1n, f.tree1);
      assert.equal(await f.vault.read.verifyNodeState([1n, f.a1, f.tree1.proof(f.a1)]), true);
      await settle(f, 2n, f.tree2);
      assert.equal(await f.vault.read.verifyNodeState([1n, f.b1, f.tree1.proof(f.b1)]), true);
      assert.equal(await f.vault.read.verifyNodeState([2n, f.a2, f.tree2.proof(f.a2)]), true);
    });

    it("is false for a pending epoch", async () => {
      const f = await setup();
      await propose(f, 1n, f.tree1);
      assert.equal(await f.vault.read.verifyNodeState([1n, f.a1, f.tree1.proof(f.a1)]), false);
      await f.networkHelpers.time.increaseTo((await f.vault.read.getEpoch([1n])).finalAt);
      assert.equal(
        await f.vault.read.verifyNodeState([1n, f.a1, f.tree1.proof(f.a1)]),
        false,
        "due but not yet finalized is still not final",
      );
    });

    it("is false for a vetoed epoch", async () => {
      const f = await setup();
      await propose(f, 1n, f.tree1);
      await f.vault.write.vetoEpoch({ account: f.wallets.guardian.account });
      assert.equal(await f.vault.read.verifyNodeState([1n, f.a1, f.tree1.proof(f.a1)]), false);
    });

    it("is false for an unknown epoch or the wrong epoch", async () => {
      const f = await setup();
      await settle(f, 1n, f.tree1);
      await settle(f, 2n, f.tree2);
      for (const epoch of [0n, 3n, 2n ** 64n - 1n]) {
        assert.equal(await f.vault.read.verifyNodeState([epoch, f.a1, f.tree1.proof(f.a1)]), false);
      }
      assert.equal(await f.vault.read.verifyNodeState([2n, f.a1, f.tree1.proof(f.a1)]), false);
    });

    it("is false for a tampered state or a bad proof", async () => {
      const f = await setup();
      await settle(f, 1n, f.tree1);
      const proof = f.tree1.proof(f.a1);
      const tampered = [
        { ...f.a1, cumulativeAmount: f.a1.cumulativeAmount + 1n },
        { ...f.a1, reputationBps: f.a1.reputationBps + 1 },
        { ...f.a1, tasksValidated: f.a1.tasksValidated + 1n },
        { ...f.a1, tasksFailed: f.a1.tasksFailed - 1n },
        { ...f.a1, strikes: 0 },
        { ...f.a1, account: f.wallets.carol.account.address },
      ];
      for (const state of tampered) {
        assert.equal(await f.vault.read.verifyNodeState([1n, state, proof]), false);
      }
      assert.equal(await f.vault.read.verifyNodeState([1n, f.a1, f.tree1.proof(f.b1)]), false);
      assert.equal(await f.vault.read.verifyNodeState([1n, f.a1, []]), false);
    });
  });
});
