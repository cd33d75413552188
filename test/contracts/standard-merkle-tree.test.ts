import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { NODE_STATE_LEAF_TYPES, type NodeState, nodeStateLeaf, nodeStateValues } from "@gitblock/sdk";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { MerkleTree } from "merkletreejs";
import { type Hex, keccak256, maxUint256, parseEther, toBytes } from "viem";
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
    assert.equal(await f.vault.read.totalClaimed(), f.cumulativeTotal);
    assert.equal(await f.token.read.payoutAllowance(), 0n);
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
    assert.equal(await f.vault.read.totalClaimed(), f.cumulativeTotal);
    assert.equal(await f.token.read.payoutAllowance(), 0n);
  });

  it("verifyNodeState rejects a wrong sibling, a truncated proof and an extra element", async () => {
    const f = await setup();
    await f.finalize(f.tree.root as Hex);
    let checked = 0;
    for (const [index, values] of f.tree.entries()) {
      const state = f.states.find((s) => s.account === values[0]) as NodeState;
      const proof = f.tree.getProof(index) as Hex[];
      assert.ok(proof.length >= 2, "five leaves: every proof has at least two levels");
      assert.equal(await f.vault.read.verifyNodeState([1n, state, proof]), true);
      const flipped = (word: Hex): Hex => `${word.slice(0, -1)}${word.endsWith("0") ? "1" : "0"}` as Hex;
      const bad: [string, Hex[]][] = [
        ["wrong first sibling", [flipped(proof[0] as Hex), ...proof.slice(1)]],
        ["wrong last sibling", [...proof.slice(0, -1), flipped(proof.at(-1) as Hex)]],
        ["sibling of another leaf", f.tree.getProof((index + 1) % f.states.length) as Hex[]],
        ["truncated", proof.slice(0, -1)],
        ["empty", []],
        ["extra element", [...proof, proof[0] as Hex]],
        ["the root appended", [...proof, f.tree.root as Hex]],
      ];
      for (const [label, badProof] of bad) {
        assert.equal(await f.vault.read.verifyNodeState([1n, state, badProof]), false, `${label} (leaf ${index})`);
      }
      checked++;
    }
    assert.equal(checked, f.states.length);
    // The claim path uses the same verification.
    const state = f.states[0] as NodeState;
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      f.vault.write.claim([state, (f.tree.getProof(nodeStateTuple(state)) as Hex[]).slice(0, -1)]),
      f.vault,
      "InvalidProof",
      [state.account],
    );
  });

  it("an empty proof verifies a single-leaf tree (root == leaf) and nothing else", async () => {
    const f = await setup();
    const [state, other] = f.states as [NodeState, NodeState];
    const single = StandardMerkleTree.of([nodeStateTuple(state)], [...NODE_STATE_LEAF_TYPES]);
    assert.equal(single.root, nodeStateLeaf(state));
    assert.deepEqual(single.getProof(0), []);
    await f.finalize(single.root as Hex, state.cumulativeAmount);
    assert.equal(await f.vault.read.verifyNodeState([1n, state, []]), true);
    assert.equal(await f.vault.read.verifyNodeState([1n, other, []]), false);
    assert.equal(await f.vault.read.verifyNodeState([1n, state, [nodeStateLeaf(other)]]), false, "an extra element");
    assert.equal(await f.vault.read.verifyNodeState([2n, state, []]), false, "not a final epoch");
    await f.vault.write.claim([state, []]);
    assert.equal(await f.token.read.balanceOf([state.account]), state.cumulativeAmount);
  });
});
