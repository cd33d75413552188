// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IGitBlockToken} from "./interfaces/IGitBlockToken.sol";

/// @title GitBlockToken (GBT)
/// @notice ERC-20 with ERC-2612 permit. All 1,000,000,000 GBT are minted once, in the constructor:
/// 40% node rewards (vault), 30% treasury, 20% team vesting, 10% airdrop. There is no mint function.
/// @dev Balances live in a packed `Account` slot instead of OpenZeppelin's `_balances`, so that the vault's
/// per-account claim record shares the balance slot. For the vault's own slot, `rewards` is its payout allowance
/// (what the newest final epoch still lets it pay); for every other account it is what that account has claimed.
/// @custom:security-contact security@gitblock.dev
contract GitBlockToken is ERC20, ERC20Permit, IGitBlockToken {
    /// @notice Every GBT there will ever be, minted in the constructor.
    uint256 public constant TOTAL_SUPPLY = 1_000_000_000e18;
    /// @notice The node rewards pool (40%), minted to the RewardsVault.
    uint256 public constant NODE_REWARDS_SUPPLY = 400_000_000e18;
    /// @notice The community treasury's share (30%).
    uint256 public constant TREASURY_SUPPLY = 300_000_000e18;
    /// @notice The team's share (20%), minted to its vesting wallet.
    uint256 public constant TEAM_SUPPLY = 200_000_000e18;
    /// @notice The early adopters' airdrop (10%).
    uint256 public constant AIRDROP_SUPPLY = 100_000_000e18;

    struct Account {
        uint128 balance;
        uint128 rewards;
    }

    /// @inheritdoc IGitBlockToken
    address public immutable rewardsVault;

    mapping(address account => Account) private _accounts;

    /// @param vault The RewardsVault, which receives the node rewards pool.
    /// @param treasury The community treasury (a TimelockController or a multisig).
    /// @param teamVesting The team's vesting wallet.
    /// @param airdrop The early-adopters airdrop.
    constructor(address vault, address treasury, address teamVesting, address airdrop)
        ERC20("GitBlock Token", "GBT")
        ERC20Permit("GitBlock Token")
    {
        if (vault == address(0) || treasury == address(0) || teamVesting == address(0) || airdrop == address(0)) {
            revert ZeroAddress();
        }
        rewardsVault = vault;
        _mint(vault, NODE_REWARDS_SUPPLY);
        _mint(treasury, TREASURY_SUPPLY);
        _mint(teamVesting, TEAM_SUPPLY);
        _mint(airdrop, AIRDROP_SUPPLY);
    }

    /// @notice The fixed total supply: 1,000,000,000 GBT.
    function totalSupply() public pure override(ERC20, IERC20) returns (uint256) {
        return TOTAL_SUPPLY;
    }

    /// @notice The GBT balance of `account`.
    function balanceOf(address account) public view override(ERC20, IERC20) returns (uint256) {
        return _accounts[account].balance;
    }

    /// @inheritdoc IGitBlockToken
    function rewardsClaimed(address account) external view returns (uint256) {
        return account == rewardsVault ? 0 : _accounts[account].rewards;
    }

    /// @inheritdoc IGitBlockToken
    function payoutAllowance() external view returns (uint256) {
        return _accounts[rewardsVault].rewards;
    }

    /// @inheritdoc IGitBlockToken
    function increasePayoutAllowance(uint256 amount) external {
        _onlyVault();
        Account storage vault = _accounts[msg.sender];
        uint128 allowance = vault.rewards + SafeCast.toUint128(amount);
        vault.rewards = allowance;
        emit PayoutAllowanceIncreased(amount, allowance);
    }

    /// @inheritdoc IGitBlockToken
    function decreasePayoutAllowance(uint256 amount) external returns (uint256 decreased) {
        _onlyVault();
        Account storage vault = _accounts[msg.sender];
        uint128 allowance = vault.rewards;
        // Saturates: claims under the rolled-back root may already have used more than the roll-back takes off.
        decreased = amount < allowance ? amount : allowance;
        allowance -= uint128(decreased);
        vault.rewards = allowance;
        emit PayoutAllowanceDecreased(decreased, allowance);
    }

    /// @inheritdoc IGitBlockToken
    function payReward(address account, uint256 cumulativeAmount) external returns (uint256 amount) {
        amount = _payReward(account, cumulativeAmount, true);
    }

    /// @inheritdoc IGitBlockToken
    function payRewardIfDue(address account, uint256 cumulativeAmount) external returns (uint256 amount) {
        amount = _payReward(account, cumulativeAmount, false);
    }

    /// @notice Pays `account` what is due up to `cumulativeAmount` within the vault's payout allowance.
    /// @param revertIfNothingDue Whether nothing due reverts (`payReward`) or pays 0 (`payRewardIfDue`).
    function _payReward(address account, uint256 cumulativeAmount, bool revertIfNothingDue)
        private
        returns (uint256 amount)
    {
        _onlyVault();
        if (account == address(0) || account == msg.sender) revert InvalidRewardAccount(account);

        Account memory node = _accounts[account];
        if (cumulativeAmount <= node.rewards) {
            if (revertIfNothingDue) revert NothingToClaim(account, cumulativeAmount, node.rewards);
            return 0;
        }
        amount = cumulativeAmount - node.rewards;

        Account memory vault = _accounts[msg.sender];
        if (amount > vault.rewards) revert PayoutLimitExceeded(amount, vault.rewards);
        if (amount > vault.balance) revert ERC20InsufficientBalance(msg.sender, vault.balance, amount);

        // Whole-slot writes; the narrowing casts are safe because amounts are bounded by the fixed supply (< 2^90).
        _accounts[msg.sender] = Account(uint128(vault.balance - amount), uint128(vault.rewards - amount));
        _accounts[account] = Account(uint128(node.balance + amount), SafeCast.toUint128(cumulativeAmount));
        emit Transfer(msg.sender, account, amount);
    }

    function _onlyVault() private view {
        if (msg.sender != rewardsVault) revert NotRewardsVault(msg.sender);
    }

    /// @dev Same semantics as OpenZeppelin's `_update`, on the packed slot. Supply is minted once and never burnt,
    /// so balances stay below the fixed supply and the additions cannot overflow.
    function _update(address from, address to, uint256 value) internal override {
        if (from != address(0)) {
            uint256 fromBalance = _accounts[from].balance;
            if (fromBalance < value) revert ERC20InsufficientBalance(from, fromBalance, value);
            _accounts[from].balance = uint128(fromBalance - value);
        }
        _accounts[to].balance += uint128(value);
        emit Transfer(from, to, value);
    }
}
