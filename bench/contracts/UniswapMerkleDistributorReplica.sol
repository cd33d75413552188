// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

/// @title UniswapMerkleDistributorReplica
/// @notice Gas benchmark replica of the claim path of Uniswap's MerkleDistributor
/// (https://github.com/Uniswap/merkle-distributor, contracts/MerkleDistributor.sol). This is a minimal
/// re-implementation written for `npm run bench:gas`, not a copy of the original source. The original is
/// published under the GPL-3.0 license of that repository (its Solidity file is tagged UNLICENSED).
/// @dev What is reproduced, because it decides the gas: token and root immutable; claims recorded in a packed
/// bitmap (`index / 256` selects the word, `index % 256` the bit); leaf `keccak256(abi.encodePacked(index,
/// account, amount))` (a single hash, no double hashing); proof checked with OpenZeppelin `MerkleProof.verify`
/// (proof copied to memory, sorted-pair keccak); payout by `IERC20.transfer` whose return value is required; then
/// the `Claimed` event. Custom errors as in the 0.8 releases of the original. Not for production use.
contract UniswapMerkleDistributorReplica {
    address public immutable token;
    bytes32 public immutable merkleRoot;

    // A packed array of booleans: bit `index % 256` of word `index / 256`.
    mapping(uint256 wordIndex => uint256 word) private claimedBitMap;

    event Claimed(uint256 index, address account, uint256 amount);

    error AlreadyClaimed();
    error InvalidProof();
    error TransferFailed();

    constructor(address token_, bytes32 merkleRoot_) {
        token = token_;
        merkleRoot = merkleRoot_;
    }

    function isClaimed(uint256 index) public view returns (bool) {
        uint256 mask = 1 << (index % 256);
        return claimedBitMap[index / 256] & mask == mask;
    }

    function claim(uint256 index, address account, uint256 amount, bytes32[] calldata merkleProof) external {
        if (isClaimed(index)) revert AlreadyClaimed();

        bytes32 node = keccak256(abi.encodePacked(index, account, amount));
        if (!MerkleProof.verify(merkleProof, merkleRoot, node)) revert InvalidProof();

        _setClaimed(index);
        if (!IERC20(token).transfer(account, amount)) revert TransferFailed();

        emit Claimed(index, account, amount);
    }

    function _setClaimed(uint256 index) private {
        uint256 wordIndex = index / 256;
        claimedBitMap[wordIndex] = claimedBitMap[wordIndex] | (1 << (index % 256));
    }
}
