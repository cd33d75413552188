// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";
import {NodeState} from "../../../contracts/libraries/NodeStateLib.sol";

/// @notice Sorted-pair Merkle trees over a handful of leaves, compatible with OpenZeppelin's MerkleProof:
/// parents are `keccak256(min, max)`, and an odd node out is carried up a level unchanged.
library Merkle {
    function nodeLeaf(NodeState memory s) internal pure returns (bytes32) {
        return keccak256(
            bytes.concat(
                keccak256(
                    abi.encode(
                        s.account, s.cumulativeAmount, s.reputationBps, s.tasksValidated, s.tasksFailed, s.strikes
                    )
                )
            )
        );
    }

    function airdropLeaf(address account, uint256 amount) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(account, amount))));
    }

    function root(bytes32[] memory hashes) internal pure returns (bytes32) {
        require(hashes.length != 0, "Merkle: no leaves");
        bytes32[] memory level = _copy(hashes);
        uint256 n = level.length;
        while (n > 1) {
            for (uint256 i; i < n / 2; ++i) {
                level[i] = Hashes.commutativeKeccak256(level[2 * i], level[2 * i + 1]);
            }
            if (n % 2 == 1) level[n / 2] = level[n - 1];
            n = (n + 1) / 2;
        }
        return level[0];
    }

    function proof(bytes32[] memory hashes, uint256 index) internal pure returns (bytes32[] memory path) {
        require(index < hashes.length, "Merkle: index");
        bytes32[] memory level = _copy(hashes);
        bytes32[] memory tmp = new bytes32[](8);
        uint256 depth;
        uint256 n = level.length;
        while (n > 1) {
            uint256 sibling = index ^ 1;
            if (sibling < n) tmp[depth++] = level[sibling];
            for (uint256 i; i < n / 2; ++i) {
                level[i] = Hashes.commutativeKeccak256(level[2 * i], level[2 * i + 1]);
            }
            if (n % 2 == 1) level[n / 2] = level[n - 1];
            n = (n + 1) / 2;
            index /= 2;
        }
        path = new bytes32[](depth);
        for (uint256 i; i < depth; ++i) {
            path[i] = tmp[i];
        }
    }

    function leaves(NodeState[] memory states) internal pure returns (bytes32[] memory out) {
        out = new bytes32[](states.length);
        for (uint256 i; i < states.length; ++i) {
            out[i] = nodeLeaf(states[i]);
        }
    }

    function _copy(bytes32[] memory a) private pure returns (bytes32[] memory b) {
        b = new bytes32[](a.length);
        for (uint256 i; i < a.length; ++i) {
            b[i] = a[i];
        }
    }
}
