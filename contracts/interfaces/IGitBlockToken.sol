// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title IGitBlockToken
/// @notice GBT: a fixed-supply ERC-20 whose balance slot also records each account's claimed node rewards,
/// so a first reward claim writes one fresh storage slot instead of two, and whose vault slot holds the vault's
/// payout allowance, so a claim needs no storage of the vault's own to bound what it pays.
/// @custom:security-contact security@gitblock.dev
interface IGitBlockToken is IERC20 {
    /// @notice The caller is not the rewards vault.
    error NotRewardsVault(address caller);
    /// @notice The account has already been paid everything up to `cumulativeAmount`.
    error NothingToClaim(address account, uint256 cumulativeAmount, uint256 alreadyClaimed);
    /// @notice The claim is larger than what the newest final epoch still allows the vault to pay out.
    error PayoutLimitExceeded(uint256 amount, uint256 payoutAllowance);
    /// @notice The vault cannot pay rewards to itself or to the zero address.
    error InvalidRewardAccount(address account);
    /// @notice A constructor address was zero.
    error ZeroAddress();

    /// @notice The vault may pay out `amount` more; `payoutAllowance` is the new total it may still pay.
    event PayoutAllowanceIncreased(uint256 amount, uint256 payoutAllowance);
    /// @notice A roll-back took `amount` off the vault's payout allowance; `payoutAllowance` is what is left.
    event PayoutAllowanceDecreased(uint256 amount, uint256 payoutAllowance);

    /// @notice The vault that holds the node rewards pool and alone may call `payReward`.
    function rewardsVault() external view returns (address);

    /// @notice Cumulative node rewards already paid to `account`.
    function rewardsClaimed(address account) external view returns (uint256);

    /// @notice What the vault may still pay out in node rewards: the newest final cumulative total minus what it paid.
    function payoutAllowance() external view returns (uint256);

    /// @notice Raises the vault's payout allowance when an epoch becomes final. Only the rewards vault.
    /// @param amount The final cumulative total's increase over the previous final epoch.
    function increasePayoutAllowance(uint256 amount) external;

    /// @notice Lowers the vault's payout allowance by `amount`, or to zero if it holds less, when a final epoch is
    /// rolled back. Only the rewards vault.
    /// @return decreased What was taken off (`amount`, or the whole allowance if smaller).
    function decreasePayoutAllowance(uint256 amount) external returns (uint256 decreased);

    /// @notice Moves `cumulativeAmount - rewardsClaimed(account)` from the vault to `account`.
    /// @dev Only the rewards vault. Reverts when nothing is due or when the amount exceeds the payout allowance.
    /// @param account The node that earned the rewards; the tokens always go to it.
    /// @param cumulativeAmount Everything the account has earned up to the newest final epoch.
    /// @return amount The amount transferred now.
    function payReward(address account, uint256 cumulativeAmount) external returns (uint256 amount);

    /// @notice `payReward`, except that nothing due pays and returns 0 instead of reverting (for batches).
    /// @dev Only the rewards vault. Every other failure reverts as in `payReward`.
    function payRewardIfDue(address account, uint256 cumulativeAmount) external returns (uint256 amount);
}
