// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

/// @title GitBlockAirdrop
/// @notice Early-adopter airdrop: each account in the Merkle tree claims its amount once, until the deadline.
/// After the deadline anyone may sweep the remainder to the treasury.
/// @dev Leaves are `keccak256(bytes.concat(keccak256(abi.encode(account, amount))))`, i.e. an OpenZeppelin
/// StandardMerkleTree over ["address","uint256"].
/// @custom:security-contact security@gitblock.dev
contract GitBlockAirdrop {
    using SafeERC20 for IERC20;

    /// @notice The GBT token this airdrop pays out.
    IERC20 public immutable token;
    /// @notice Root of the StandardMerkleTree over (account, amount).
    bytes32 public immutable merkleRoot;
    /// @notice Last second (inclusive) at which claims are accepted.
    uint64 public immutable deadline;
    /// @notice Receives whatever is left after the deadline.
    address public immutable treasury;

    /// @notice Whether `account` has claimed its airdrop.
    mapping(address account => bool) public hasClaimed;

    /// @notice `account` claimed its `amount` GBT.
    event Claimed(address indexed account, uint256 amount);
    /// @notice The remainder, `amount` GBT, went to `treasury` after the deadline.
    event Swept(address indexed treasury, uint256 amount);

    error ZeroAddress();
    error AlreadyClaimed(address account);
    error InvalidProof(address account);
    error ClaimWindowClosed(uint64 deadline);
    error ClaimWindowOpen(uint64 deadline);
    error NothingToSweep();

    /// @param token_ The GBT token.
    /// @param merkleRoot_ Root of the StandardMerkleTree over (account, amount).
    /// @param deadline_ Unix time after which claims stop and the remainder may be swept.
    /// @param treasury_ Receives the remainder.
    constructor(IERC20 token_, bytes32 merkleRoot_, uint64 deadline_, address treasury_) {
        if (address(token_) == address(0) || treasury_ == address(0)) revert ZeroAddress();
        token = token_;
        merkleRoot = merkleRoot_;
        deadline = deadline_;
        treasury = treasury_;
    }

    /// @notice Sends `amount` GBT to `account` if (account, amount) is in the tree. Anyone may call.
    function claim(address account, uint256 amount, bytes32[] calldata proof) external {
        if (block.timestamp > deadline) revert ClaimWindowClosed(deadline);
        if (hasClaimed[account]) revert AlreadyClaimed(account);
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(account, amount))));
        if (!MerkleProof.verifyCalldata(proof, merkleRoot, leaf)) revert InvalidProof(account);
        hasClaimed[account] = true;
        emit Claimed(account, amount);
        token.safeTransfer(account, amount);
    }

    /// @notice Sends everything left to the treasury, once the deadline has passed. Anyone may call.
    function sweep() external {
        if (block.timestamp <= deadline) revert ClaimWindowOpen(deadline);
        uint256 remainder = token.balanceOf(address(this));
        if (remainder == 0) revert NothingToSweep();
        emit Swept(treasury, remainder);
        token.safeTransfer(treasury, remainder);
    }
}
