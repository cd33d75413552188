// Builds an epoch's NodeState Merkle tree the way the relayer does: an OpenZeppelin StandardMerkleTree over the
// shared leaf types, so every proof here is one the vault must accept.

import { NODE_STATE_LEAF_TYPES, type NodeState, nodeStateValues } from "@gitblock/sdk";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import type { Address, Hex } from "viem";

export type NodeStateTuple = [Address, bigint, number, bigint, bigint, number];

export function nodeStateTuple(state: NodeState): NodeStateTuple {
  return [...nodeStateValues(state)];
}

/** A node state with neutral reputation fields unless given. */
export function nodeState(account: Address, cumulativeAmount: bigint, fields: Partial<NodeState> = {}): NodeState {
  return {
    account,
    cumulativeAmount,
    reputationBps: 5_000,
    tasksValidated: 10n,
    tasksFailed: 1n,
    strikes: 0,
    ...fields,
  };
}

export interface NodeStateTree {
  tree: StandardMerkleTree<NodeStateTuple>;
  root: Hex;
  states: NodeState[];
  /** Sum of every leaf's cumulative amount: the epoch's honest `cumulativeTotal`. */
  cumulativeTotal: bigint;
  proof(state: NodeState): Hex[];
}

export function nodeStateTree(states: NodeState[]): NodeStateTree {
  if (states.length === 0) throw new Error("a tree needs at least one leaf");
  const tree = StandardMerkleTree.of(states.map(nodeStateTuple), [...NODE_STATE_LEAF_TYPES]);
  return {
    tree,
    root: tree.root as Hex,
    states,
    cumulativeTotal: states.reduce((sum, state) => sum + state.cumulativeAmount, 0n),
    proof: (state) => tree.getProof(nodeStateTuple(state)) as Hex[],
  };
}
