import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type NodeState, nodeStateLeaf } from "@gitblock/sdk";
import { MerkleTree } from "merkletreejs";
import { type Address, keccak256 } from "viem";
import { buildEpochTree, EpochTree, LeafEncoder } from "../../src/settlement/merkle.ts";
import { buildEpochTreeParallel } from "../../src/settlement/merkle-parallel.ts";

const state = (i: number): NodeState => ({
  account: `0x${(i * 7919 + 1).toString(16).padStart(40, "0")}` as Address,
  cumulativeAmount: i % 2 ? 10n ** 27n + BigInt(i) : BigInt(i),
  reputationBps: (i * 37) % 10_001,
  tasksValidated: BigInt(i) * 1_000_000_007n,
  tasksFailed: BigInt(i % 5),
  strikes: i % 4,
});

describe("epoch tree", () => {
  it("hashes leaves exactly like the sdk's nodeStateLeaf (OpenZeppelin standard leaf)", async () => {
    const encoder = await LeafEncoder.create();
    for (let i = 0; i < 50; i++) assert.equal(encoder.hash(state(i)), nodeStateLeaf(state(i)));
    const max: NodeState = {
      account: "0xFFfFfFffFFfffFFfFFfFFFFFffFFFffffFfFFFfF",
      cumulativeAmount: 2n ** 256n - 1n,
      reputationBps: 65_535,
      tasksValidated: 2n ** 64n - 1n,
      tasksFailed: 2n ** 64n - 1n,
      strikes: 2 ** 32 - 1,
    };
    assert.equal(encoder.hash(max), nodeStateLeaf(max));
  });

  it("gives merkletreejs's root and proofs (sortPairs) for every size from 1 to 33", async () => {
    for (let n = 1; n <= 33; n++) {
      const states = Array.from({ length: n }, (_, i) => state(i));
      const tree = await buildEpochTree(states, n);
      const reference = new MerkleTree(states.map(nodeStateLeaf), keccak256, { sortPairs: true });
      assert.equal(tree.root, reference.getHexRoot(), `root of ${n}`);
      for (let i = 0; i < n; i++) {
        assert.deepEqual(
          tree.proof(i),
          reference.getHexProof(nodeStateLeaf(states[i] as NodeState), i),
          `proof ${i}/${n}`,
        );
      }
      // The stored form (the flat layers) reloads into the same tree.
      const reloaded = new EpochTree(tree.layers, n);
      assert.equal(reloaded.root, tree.root);
    }
  });

  it("builds the same tree on worker threads as on one thread", async () => {
    const n = 70_001; // above the parallel threshold, odd at several layers
    const states = Array.from({ length: n }, (_, i) => state(i));
    const single = await buildEpochTree(states, n);
    const parallel = await buildEpochTreeParallel(states, n, () => {}, 2);
    assert.equal(parallel.root, single.root);
    assert.deepEqual(parallel.layers, single.layers);
  });
});
