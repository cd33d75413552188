import { type Address, encodeAbiParameters, type Hex, keccak256 } from "viem";

/** A node's cumulative state at the end of an epoch: one leaf of the epoch's Merkle tree. */
export interface NodeState {
  account: Address;
  cumulativeAmount: bigint;
  reputationBps: number;
  tasksValidated: bigint;
  tasksFailed: bigint;
  strikes: number;
}

/** Leaf types, as `@openzeppelin/merkle-tree`'s StandardMerkleTree names them; matches contracts/libraries/NodeStateLib.sol. */
export const NODE_STATE_LEAF_TYPES = ["address", "uint256", "uint16", "uint64", "uint64", "uint32"] as const;

const leafParameters = NODE_STATE_LEAF_TYPES.map((type) => ({ type }));

export function nodeStateValues(state: NodeState) {
  return [
    state.account,
    state.cumulativeAmount,
    state.reputationBps,
    state.tasksValidated,
    state.tasksFailed,
    state.strikes,
  ] as const;
}

/** `keccak256(bytes.concat(keccak256(abi.encode(...))))`, the OpenZeppelin standard leaf. */
export function nodeStateLeaf(state: NodeState): Hex {
  return keccak256(keccak256(encodeAbiParameters(leafParameters, nodeStateValues(state))));
}
