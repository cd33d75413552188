// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice A node's cumulative state as settled by the relayer at the end of an epoch.
/// @dev One Merkle leaf per node. Field order and types are the leaf encoding shared with the relayer
/// and `@openzeppelin/merkle-tree`: ["address","uint256","uint16","uint64","uint64","uint32"].
struct NodeState {
    address account;
    uint256 cumulativeAmount;
    uint16 reputationBps;
    uint64 tasksValidated;
    uint64 tasksFailed;
    uint32 strikes;
}

/// @title NodeStateLib
/// @notice Hashes a node state into its Merkle leaf, the OpenZeppelin standard way:
/// `keccak256(bytes.concat(keccak256(abi.encode(...))))`.
library NodeStateLib {
    /// @dev The double hash keeps a leaf (64 bytes of preimage) from ever being read as an inner node.
    /// `NodeState` is six static words, so its calldata is exactly `abi.encode` of its fields: hashing the raw
    /// bytes skips per-field decoding. Non-canonical input (dirty high bits) hashes to a leaf no tree contains.
    function leaf(NodeState calldata state) internal pure returns (bytes32 hash) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, state, 0xc0)
            mstore(0x00, keccak256(ptr, 0xc0))
            hash := keccak256(0x00, 0x20)
        }
    }
}
