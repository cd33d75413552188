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

/// @notice A node's reputation as last proven on-chain from a final epoch root.
struct ReputationRecord {
    uint16 reputationBps;
    uint64 tasksValidated;
    uint64 tasksFailed;
    uint32 strikes;
    uint64 epoch;
}

/// @title IGitBlockReputation
/// @notice What another protocol needs to trust a GitBlock node's reputation. Import this file and call the
/// RewardsVault address from `deployments/<network>.json`.
/// @custom:security-contact security@gitblock.dev
interface IGitBlockReputation {
    /// @notice The newest proven reputation of `node` (all zero if it was never recorded). One storage read.
    /// @dev `epoch` tells how fresh it is; compare with `latestFinalEpoch()`.
    function reputationOf(address node) external view returns (ReputationRecord memory);

    /// @notice Whether `state` is a leaf of the root of the final epoch `epoch`.
    /// @return False when the proof does not match or `epoch` is not final.
    function verifyNodeState(uint64 epoch, NodeState calldata state, bytes32[] calldata proof)
        external
        view
        returns (bool);

    /// @notice The newest final epoch (0 before the first one).
    function latestFinalEpoch() external view returns (uint64);
}
