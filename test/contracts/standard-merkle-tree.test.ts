import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { MerkleTree } from "merkletreejs";
import { type Hex, keccak256, maxUint256, parseEther, toBytes } from "viem";
import { NODE_STATE_LEAF_TYPES, type NodeState, nodeStateLeaf, nodeStateValues } from "../../sdk/src/leaf.ts";
import { deployFixture } from "./fixture.ts";
import { nodeState, nodeStateTuple } from "./tree.ts";

async function setup() {
  const f = await deployFixture();
  const { alice, bob, carol, stranger, teamMember } = f.wallets;
  // Five leaves: an odd count, so the tree is unbalanced and proofs have different lengths.
  const states: NodeState[] = [
    nodeState(alice.account.address, parseEther("12.5"), { reputationBps: 10_000, strikes: 3 }),
    nodeState(bob.account.address, parseEther("7"), { tasksValidated: 0n, tasksFailed: 9n }),
    nodeState(carol.account.address, 1n),
    nodeState(stranger.account.address, parseEther("1000")),
    nodeState(teamMember.account.address, parseEther("0.001"), { reputationBps: 0 }),
  ];
  const tree = StandardMerkleTree.of(
    states.map((s) => [...nodeStateValues(s)]),
    [...NODE_STATE_LEAF_TYPES],
  );
  const cumulativeTotal = states.reduce((sum, s) => sum + s.cumulativeAmount, 0n);
  /** Proposes `root` as epoch 1 and makes it final. */
  const finalize = async (root: Hex, total = cumulativeTotal) => {
    await f.vault.write.proposeEpoch([1n, root, total, 0n, root], { account: f.wallets.relayer.account });
    await f.networkHelpers.time.increase(await f.vault.read.challengeWindow());
    await f.vault.write.finalizeEpoch();
  };
  return { ...f, states, tree, cumulativeTotal, finalize };
}

describe("StandardMerkleTree compatibility", () => {
  it("the sdk's nodeStateLeaf equals StandardMerkleTree.leafHash for the same values", async () => {
    const f = await setup();
    const extreme = nodeState(f.wallets.alice.account.address, maxUint256, {
      reputationBps: 2 ** 16 - 1,
      tasksValidated: 2n ** 64n - 1n,
      tasksFailed: 2n ** 64n - 1n,
      strikes: 2 ** 32 - 1,
    });
    for (const state of [...f.states, extreme]) {
      assert.equal(nodeStateLeaf(state), f.tree.leafHash(nodeStateTuple(state)));
    }
    assert.notEqual(nodeStateLeaf(f.states[0] as NodeState), nodeStateLeaf(f.states[1] as NodeState));
  });

  it("the vault hashes a leaf exactly like the sdk (a one-leaf tree's root is the leaf)", async () => {
    const f = await setup();
    const state = f.states[0] as NodeState;
    await f.finalize(nodeStateLeaf(state), state.cumulativeAmount);
    assert.equal(await f.vault.read.verifyNodeState([1n, state, []]), true);
    await f.vault.write.claim([state, []]);
    assert.equal(await f.token.read.balanceOf([state.account]), state.cumulativeAmount);
  });

  it("accepts every StandardMerkleTree proof in claim and verifyNodeState", async () => {
    const f = await setup();
    await f.finalize(f.tree.root as Hex);
    for (const [index, values] of f.tree.entries()) {
      const state = f.states.find((s) => s.account === values[0]) as NodeState;
      const proof = f.tree.getProof(index) as Hex[];
      assert.equal(StandardMerkleTree.verify(f.tree.root, [...NODE_STATE_LEAF_TYPES], values, proof), true);
      assert.equal(await f.vault.read.verifyNodeState([1n, state, proof]), true);
      await f.vault.write.claim([state, proof]);
      assert.equal(await f.token.read.balanceOf([state.account]), state.cumulativeAmount);
    }
    assert.equal(await f.token.read.totalRewardsPaid(), f.cumulativeTotal);
  });

  it("binds the field order: swapping two same-typed fields breaks the proof", async () => {
    const f = await setup();
    const state = f.states[1] as NodeState;
    await f.finalize(f.tree.root as Hex);
    const proof = f.tree.getProof(nodeStateTuple(state)) as Hex[];
    const swapped = { ...state, tasksValidated: state.tasksFailed, tasksFailed: state.tasksValidated };
    assert.equal(await f.vault.read.verifyNodeState([1n, state, proof]), true);
    assert.equal(await f.vault.read.verifyNodeState([1n, swapped, proof]), false);
  });

  it("also accepts sorted-pair proofs built independently with merkletreejs over the sdk leaves", async () => {
    const f = await setup();
    const hash = (data: Buffer) => Buffer.from(toBytes(keccak256(data)));
    const leaves = f.states.map((s) => Buffer.from(toBytes(nodeStateLeaf(s))));
    const other = new MerkleTree(leaves, hash, { sortPairs: true });
    const root = other.getHexRoot() as Hex;
    assert.notEqual(root, f.tree.root, "a differently shaped tree over the same leaves");
    await f.finalize(root);
    for (const state of f.states) {
      const proof = other.getHexProof(Buffer.from(toBytes(nodeStateLeaf(state)))) as Hex[];
      assert.equal(await f.vault.read.verifyNodeState([1n, state, proof]), true);
      await f.vault.write.claim([state, proof]);
    }
    assert.equal(await f.token.read.totalRewardsPaid(), f.cumulativeTotal);
  });
});
