// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IInferenceCredits
/// @notice Prepaid GBT credit for the relayer's `/v1` gateway. Users deposit GBT (with an ERC-2612 permit in the same
/// transaction); the relayer debits each premium message off-chain at the model's price and, once per epoch, settles
/// every account's cumulative spending here, which moves the spent GBT to the rewards pool (75%) and the treasury
/// (25%). Unspent credit can be withdrawn after a delay that outlasts an epoch, so the relayer's last debits settle
/// first.
/// @custom:security-contact security@gitblock.dev
interface IInferenceCredits {
    /// @notice One account's credit. `funded` is everything deposited minus everything withdrawn; `spent` is what the
    /// relayer has settled as spent (cumulative, never above `funded`), so the unspent credit is `funded - spent`.
    /// `pendingWithdrawal` is the part the account asked to withdraw (the relayer no longer debits it); it can be
    /// withdrawn from `unlockAt`.
    /// @dev Two storage slots: settlement reads and writes only the first (`funded`, `spent`).
    struct Account {
        uint128 funded;
        uint128 spent;
        uint128 pendingWithdrawal;
        uint64 unlockAt;
    }

    // --- events ---

    /// @notice `account` deposited `amount` GBT; `funded` is its deposits minus its withdrawals now.
    event Deposited(address indexed account, uint256 amount, uint256 funded);
    /// @notice `account` asked to withdraw `amount` more; its pending withdrawal is now `pendingWithdrawal` in all and
    /// unlocks at `unlockAt`. The relayer stops debiting that part.
    event WithdrawalRequested(address indexed account, uint256 amount, uint256 pendingWithdrawal, uint64 unlockAt);
    /// @notice `account` cancelled its pending withdrawal of `amount`; the relayer may debit it again.
    event WithdrawalCancelled(address indexed account, uint256 amount);
    /// @notice `account` was paid `amount` GBT of the `requested` pending withdrawal (less when settled spending left
    /// less unspent credit); `funded` is its deposits minus its withdrawals now.
    event Withdrawn(address indexed account, uint256 amount, uint256 requested, uint256 funded);
    /// @notice Settling `epoch` recorded `amount` more spent by `account`, `cumulativeSpent` in all.
    event CreditSpent(address indexed account, uint64 epoch, uint256 amount, uint256 cumulativeSpent);
    /// @notice `epoch` was settled for `accounts` accounts: `spent` GBT in all, of which `toRewardsPool` went to the
    /// rewards vault and `toTreasury` to the treasury.
    event EpochSettled(
        uint64 indexed epoch, uint256 accounts, uint256 spent, uint256 toRewardsPool, uint256 toTreasury
    );
    /// @notice The network's share of spent credit now goes to `treasury`.
    event TreasurySet(address treasury);
    /// @notice A guardian (`account`) paused deposits and settlement.
    event Paused(address account);
    /// @notice The admin (`account`) lifted the pause.
    event Unpaused(address account);

    // --- errors ---

    /// @notice A constructor or setter address was zero.
    error ZeroAddress();
    /// @notice An amount was zero.
    error ZeroAmount();
    /// @notice The call is not allowed while paused.
    error EnforcedPause();
    /// @notice `unpause` was called while not paused.
    error ExpectedPause();
    /// @notice The withdrawal delay is shorter than `minWithdrawalDelay`.
    error WithdrawalDelayTooShort(uint64 withdrawalDelay, uint64 minWithdrawalDelay);
    /// @notice The withdrawal delay is longer than `maxWithdrawalDelay`.
    error WithdrawalDelayTooLong(uint64 withdrawalDelay, uint64 maxWithdrawalDelay);
    /// @notice The permit failed and the allowance `account` gave this contract does not cover the deposit.
    error PermitFailed(address account);
    /// @notice Settlements come in sequence: `epoch` was given, `expected` is the next one.
    error UnexpectedEpoch(uint64 epoch, uint64 expected);
    /// @notice `accounts` and `cumulativeSpent` have different lengths.
    error LengthMismatch(uint256 accounts, uint256 amounts);
    /// @notice `account`'s cumulative spending of `cumulativeSpent` is below the `spent` already settled.
    error SpentDecreased(address account, uint256 cumulativeSpent, uint256 spent);
    /// @notice `account`'s cumulative spending of `cumulativeSpent` is above what it `funded` (deposits minus
    /// withdrawals).
    error SpentExceedsCredit(address account, uint256 cumulativeSpent, uint256 funded);
    /// @notice `account` asked for a pending withdrawal of `requested` in all but has only `credit` unspent.
    error InsufficientCredit(address account, uint256 requested, uint256 credit);
    /// @notice `account` has no pending withdrawal.
    error NoWithdrawalPending(address account);
    /// @notice `account`'s pending withdrawal is locked until `unlockAt`.
    error WithdrawalLocked(address account, uint64 unlockAt);

    // --- users ---

    /// @notice Adds `amount` GBT from the caller to the caller's credit. Not while paused.
    /// @dev Pulls the GBT with `transferFrom`: approve this contract first, or use `depositWithPermit`.
    function deposit(uint256 amount) external;

    /// @notice `deposit` with an ERC-2612 permit for `amount` signed by the caller, in one transaction. Not while
    /// paused.
    /// @dev A permit seen in the mempool can be submitted by someone else first; it then fails here, and the deposit
    /// goes ahead on the allowance that permit already set. Reverts with `PermitFailed` only when the permit failed
    /// and the allowance does not cover `amount`.
    function depositWithPermit(uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external;

    /// @notice Asks to withdraw `amount` more of the caller's unspent credit, `withdrawalDelay` from now.
    /// @dev An account keeps one pending withdrawal: a new request adds to it and restarts the delay for the whole
    /// amount (the relayer may have debited the new part until it saw this request). The pending total may not exceed
    /// the unspent credit. Allowed while paused.
    /// @return unlockAt When the whole pending withdrawal can be withdrawn.
    function requestWithdrawal(uint256 amount) external returns (uint64 unlockAt);

    /// @notice Drops the caller's pending withdrawal; the credit stays and can be spent again. Allowed while paused.
    function cancelWithdrawal() external;

    /// @notice Pays the caller its pending withdrawal once unlocked, capped by its unspent credit after settlement.
    /// @dev Allowed while paused. Pays `min(pendingWithdrawal, funded - spent)` (possibly 0) and clears the request.
    /// @return amount The GBT paid.
    function withdraw() external returns (uint256 amount);

    // --- relayer ---

    /// @notice Records each account's cumulative spending up to the end of `epoch` and moves the sum of the increases
    /// to the rewards pool (75%) and the treasury (25%, rounded down) in one go. Only relayers, not while paused.
    /// @dev Reverts as a whole if any account fails a check. An account may appear more than once (each entry is
    /// checked against the one before); an epoch with nothing spent may be settled with empty arrays. A settlement
    /// later than the withdrawal delay may find part of a debited credit withdrawn: cap each figure at the account's
    /// `funded` (read it first) and write the rest off, or the whole call reverts.
    /// @param epoch Must be `lastSettledEpoch() + 1`.
    /// @param accounts Accounts whose spending changed in the epoch.
    /// @param cumulativeSpent Each account's spending since its first deposit; never below what was already settled
    /// and never above its `funded` (deposits minus withdrawals).
    function settle(uint64 epoch, address[] calldata accounts, uint256[] calldata cumulativeSpent) external;

    // --- guardian ---

    /// @notice Stops deposits and settlement; requests, cancellations and withdrawals stay open. Only guardians.
    function pause() external;

    // --- admin ---

    /// @notice Resumes after a pause. Only the admin.
    function unpause() external;

    /// @notice Sets where the network's share of spent credit goes. Only the admin.
    function setTreasury(address treasury) external;

    // --- views ---

    /// @notice `account`'s whole credit record.
    function getAccount(address account) external view returns (Account memory);

    /// @notice `account`'s unspent credit as of the last settlement: `funded - spent` (its pending withdrawal
    /// included).
    function creditOf(address account) external view returns (uint256);

    /// @notice What the relayer may still debit `account` for, as of the last settlement: its unspent credit minus its
    /// pending withdrawal (0 when the withdrawal covers it all). The relayer also subtracts what it debited since.
    function availableCreditOf(address account) external view returns (uint256);

    /// @notice `account`'s pending withdrawal and when it unlocks (0, 0 when there is none).
    function pendingWithdrawal(address account) external view returns (uint256 amount, uint64 unlockAt);

    /// @notice The newest settled epoch (0 before the first).
    function lastSettledEpoch() external view returns (uint64);

    /// @notice Spent credit moved to the rewards pool and the treasury, in all.
    function totalSpent() external view returns (uint256);

    /// @notice Whether deposits and settlement are paused.
    function paused() external view returns (bool);
}
