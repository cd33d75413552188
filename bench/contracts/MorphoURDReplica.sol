// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

/// @title MorphoURDReplica
/// @notice Gas benchmark replica of the claim path of Morpho's Universal Rewards Distributor
/// (https://github.com/morpho-org/universal-rewards-distributor, src/UniversalRewardsDistributor.sol). This is a
/// minimal re-implementation written for `npm run bench:gas`, not a copy of the original source, which is
/// licensed GPL-2.0-or-later.
/// @dev What is reproduced, because it decides the gas: root in storage (checked non-zero, then read again for the
/// proof, as upstream); leaf `keccak256(bytes.concat(keccak256(abi.encode(account, reward, claimable))))`; proof
/// checked with OpenZeppelin `MerkleProof.verifyCalldata`; cumulative `claimed[account][reward]`, paying
/// `claimable - claimed`; safe transfer; then the `Claimed` event. Upstream uses solmate's SafeTransferLib, this
/// replica OpenZeppelin's SafeERC20 (same checks). Root timelock, pending root, updaters and ipfs hash are left
/// out: they are not on the claim path. Not for production use.
contract MorphoURDReplica {
    using SafeERC20 for IERC20;

    bytes32 public root;
    mapping(address account => mapping(address reward => uint256 amount)) public claimed;
    address public immutable owner;

    event RootSet(bytes32 indexed newRoot);
    event Claimed(address indexed account, address indexed reward, uint256 amount);

    constructor(address owner_, bytes32 root_) {
        owner = owner_;
        root = root_;
        emit RootSet(root_);
    }

    /// @notice Replaces the root (upstream: `setRoot` by the owner, or `submitRoot` with a zero timelock).
    function setRoot(bytes32 newRoot) external {
        require(msg.sender == owner, "caller is not the owner");
        root = newRoot;
        emit RootSet(newRoot);
    }

    function claim(address account, address reward, uint256 claimable, bytes32[] calldata proof)
        external
        returns (uint256 amount)
    {
        require(root != bytes32(0), "root is not set");
        require(
            MerkleProof.verifyCalldata(
                proof, root, keccak256(bytes.concat(keccak256(abi.encode(account, reward, claimable))))
            ),
            "invalid proof or expired"
        );

        amount = claimable - claimed[account][reward];
        require(amount > 0, "claimable too low");

        claimed[account][reward] = claimable;

        IERC20(reward).safeTransfer(account, amount);

        emit Claimed(account, reward, amount);
    }
}
