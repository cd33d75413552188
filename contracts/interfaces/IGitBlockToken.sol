// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title IGitBlockToken
/// @notice GBT: a fixed-supply ERC-20 whose balance slot also records each account's claimed node rewards,
/// so a first reward claim writes one fresh storage slot instead of two.
interface IGitBlockToken is IERC20 {
    /// @notice The caller is not the rewards vault.
    error NotRewardsVault(address caller);
    /// @notice The account has already been paid everything up to `cumulativeAmount`.
    error NothingToClaim(address account, uint256 cumulativeAmount, uint256 alreadyClaimed);
    /// @notice Paying would push the vault's total payout above the newest final cumulative total.
    error PayoutLimitExceeded(uint256 totalPaid, uint256 limit);
    /// @notice The vault cannot pay rewards to itself or to the zero address.
    error InvalidRewardAccount(address account);
    /// @notice A constructor address was zero.
    error ZeroAddress();

    /// @notice The vault that holds the node rewards pool and alone may call `payReward`.
    function rewardsVault() external view returns (address);

    /// @notice Cumulative node rewards already paid to `account`.
    function rewardsClaimed(address account) external view returns (uint256);

    /// @notice Node rewards the vault has paid out in total.
    function totalRewardsPaid() external view returns (uint256);

    /// @notice Moves `cumulativeAmount - rewardsClaimed(account)` from the vault to `account`.
    /// @dev Only the rewards vault. Reverts when nothing is due or when the vault's total payout would exceed `payoutLimit`.
    /// @param account The node that earned the rewards; the tokens always go to it.
    /// @param cumulativeAmount Everything the account has earned up to the newest final epoch.
    /// @param payoutLimit The newest final cumulative total: the vault may never pay out more.
    /// @return amount The amount transferred now.
    function payReward(address account, uint256 cumulativeAmount, uint256 payoutLimit)
        external
        returns (uint256 amount);
}
