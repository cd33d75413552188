// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {NodeState} from "../interfaces/IGitBlockReputation.sol";

/// @title NodeStateLib
/// @notice Hashes a node state into its Merkle leaf, the OpenZeppelin standard way:
/// `keccak256(bytes.concat(keccak256(abi.encode(...))))`.
/// @dev `NodeState` itself lives in `IGitBlockReputation.sol`, the file integrators import; this library imports it,
/// so `import {NodeState, NodeStateLib} from ".../NodeStateLib.sol"` keeps working.
/// @custom:security-contact security@gitblock.dev
library NodeStateLib {
    /// @dev The double hash keeps a leaf (64 bytes of preimage) from ever being read as an inner node.
    /// `NodeState` is six static words, so its calldata is exactly `abi.encode` of its fields: hashing the raw
    /// bytes skips per-field decoding. Non-canonical input (dirty high bits) hashes to a leaf no tree contains.
    function leaf(NodeState calldata state) internal pure returns (bytes32 hash) {
        // Assembly on purpose (see @dev); MerkleLib.diff.t.sol fuzzes it against the `abi.encode` leaf.
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, state, 0xc0)
            mstore(0x00, keccak256(ptr, 0xc0))
            hash := keccak256(0x00, 0x20)
        }
    }
}
