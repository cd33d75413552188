// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IInferenceCredits} from "./interfaces/IInferenceCredits.sol";

/// @title InferenceCredits
/// @notice Prepaid GBT credit for premium models on the relayer's `/v1` gateway, so that paying users fund node
/// rewards. Users deposit GBT; the relayer debits each message off-chain at the model's price (a message costs no
/// transaction) and once per epoch settles every account's cumulative spending here, moving the spent GBT to the
/// rewards vault, whose balance is the node rewards pool (75%), and to the treasury (25%): the protocol's node/network
/// split. Unspent credit leaves through a withdrawal request that matures after `withdrawalDelay`, longer than an
/// epoch, so the debits the relayer made before it saw the request are settled before the withdrawal pays.
/// @dev Cumulative spending rather than per-epoch amounts makes settlement idempotent per account (a value can only go
/// up, and never above what the account funded), the same shape as the vault's cumulative claims. What a wrong or
/// stolen relayer key can do is bounded: it can only mark an account's own credit as spent, and spent credit only ever
/// goes to the rewards vault and the treasury, never to the relayer; a guardian pause stops it. Accounting never reads
/// the token balance: GBT sent here by plain transfer is nobody's credit.
/// @custom:security-contact security@gitblock.dev
contract InferenceCredits is IInferenceCredits, AccessControl {
    using SafeERC20 for IERC20;

    /// @notice May settle spent credit.
    bytes32 public constant RELAYER_ROLE = keccak256("RELAYER_ROLE");
    /// @notice May pause deposits and settlement.
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");
    /// @notice The network's share of spent credit, in basis points: the protocol's 75/25 node/network split, fixed
    /// here (not an admin setting) because it is a rule users are told, not a parameter.
    uint256 public constant NETWORK_SHARE_BPS = 2_500;
    uint256 private constant BPS = 10_000;
    /// @notice Shortest withdrawal delay the constructor accepts: the relayer's epochs are closed hourly by default,
    /// and a withdrawal must not mature before the debits made just ahead of its request are settled.
    uint64 public constant MIN_WITHDRAWAL_DELAY = 1 hours;
    /// @notice Longest withdrawal delay the constructor accepts: there is no upgrade, so a mistyped delay would
    /// otherwise hold every user's credit for good.
    uint64 public constant MAX_WITHDRAWAL_DELAY = 30 days;

    /// @dev Settlement state, one slot.
    struct Head {
        uint128 totalSpent;
        uint64 lastSettledEpoch;
        bool paused;
    }

    /// @notice The GBT token credit is paid in.
    IERC20 public immutable token;
    /// @notice Receives 75% of spent credit: the RewardsVault, whose GBT balance is the node rewards pool.
    address public immutable rewardsVault;
    /// @notice Seconds between a withdrawal request and the earliest withdrawal.
    uint64 public immutable withdrawalDelay;

    /// @notice Receives the network's 25% of spent credit.
    address public treasury;
    Head private _head;

    mapping(address account => Account) private _accounts;

    modifier whenNotPaused() {
        if (_head.paused) revert EnforcedPause();
        _;
    }

    /// @param token_ The GBT token (ERC-20 with ERC-2612 permit).
    /// @param rewardsVault_ The RewardsVault: receives the node share of spent credit.
    /// @param admin Administers roles, the treasury and unpausing: the treasury timelock.
    /// @param relayers Accounts allowed to settle epochs.
    /// @param guardians Accounts allowed to pause.
    /// @param treasury_ Receives the network share of spent credit.
    /// @param withdrawalDelay_ Seconds a withdrawal request waits; from `MIN_WITHDRAWAL_DELAY` to
    /// `MAX_WITHDRAWAL_DELAY`. Pick one longer than the relayer's epoch interval plus the time it takes to settle.
    constructor(
        IERC20 token_,
        address rewardsVault_,
        address admin,
        address[] memory relayers,
        address[] memory guardians,
        address treasury_,
        uint64 withdrawalDelay_
    ) {
        if (
            address(token_) == address(0) || rewardsVault_ == address(0) || admin == address(0)
                || treasury_ == address(0)
        ) revert ZeroAddress();
        if (withdrawalDelay_ < MIN_WITHDRAWAL_DELAY) {
            revert WithdrawalDelayTooShort(withdrawalDelay_, MIN_WITHDRAWAL_DELAY);
        }
        if (withdrawalDelay_ > MAX_WITHDRAWAL_DELAY) {
            revert WithdrawalDelayTooLong(withdrawalDelay_, MAX_WITHDRAWAL_DELAY);
        }
        token = token_;
        rewardsVault = rewardsVault_;
        withdrawalDelay = withdrawalDelay_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        for (uint256 i; i < relayers.length; ++i) {
            _grantRole(RELAYER_ROLE, relayers[i]);
        }
        for (uint256 i; i < guardians.length; ++i) {
            _grantRole(GUARDIAN_ROLE, guardians[i]);
        }
        treasury = treasury_;
        emit TreasurySet(treasury_);
    }

    // --- users ---

    /// @inheritdoc IInferenceCredits
    function deposit(uint256 amount) external whenNotPaused {
        _deposit(amount);
    }

    /// @inheritdoc IInferenceCredits
    function depositWithPermit(uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external whenNotPaused {
        // OpenZeppelin's advice for permit-then-pull: anyone can submit a permit they saw in the mempool, which makes
        // this call's permit revert (nonce used). That must not fail the deposit, so the failure is caught and the
        // allowance, which the front-run permit set, decides. The allowance is read only on that path. Hence the empty
        // success block.
        // solhint-disable-next-line no-empty-blocks
        try IERC20Permit(address(token)).permit(msg.sender, address(this), amount, deadline, v, r, s) {}
        catch {
            if (token.allowance(msg.sender, address(this)) < amount) revert PermitFailed(msg.sender);
        }
        _deposit(amount);
    }

    /// @inheritdoc IInferenceCredits
    function requestWithdrawal(uint256 amount) external returns (uint64 unlockAt) {
        if (amount == 0) revert ZeroAmount();
        Account storage a = _accounts[msg.sender];
        uint256 requested = uint256(a.pendingWithdrawal) + amount;
        uint256 credit = a.funded - a.spent;
        if (requested > credit) revert InsufficientCredit(msg.sender, requested, credit);
        // Restarting the delay for the whole amount keeps one request (one slot) per account; the relayer may have
        // debited the added part until it saw this request, and those debits must settle before it can leave.
        unlockAt = uint64(block.timestamp) + withdrawalDelay;
        // `requested <= credit <= funded`, a uint128.
        a.pendingWithdrawal = uint128(requested);
        a.unlockAt = unlockAt;
        emit WithdrawalRequested(msg.sender, amount, requested, unlockAt);
    }

    /// @inheritdoc IInferenceCredits
    function cancelWithdrawal() external {
        Account storage a = _accounts[msg.sender];
        uint256 amount = a.pendingWithdrawal;
        if (amount == 0) revert NoWithdrawalPending(msg.sender);
        a.pendingWithdrawal = 0;
        a.unlockAt = 0;
        emit WithdrawalCancelled(msg.sender, amount);
    }

    /// @inheritdoc IInferenceCredits
    /// @dev Not held by a pause: a pause exists to stop a suspect relayer key or a bug on the way in, while a matured
    /// withdrawal pays an account nothing but its own unspent credit, after the delay gave the relayer time to settle
    /// what the account spent. Holding it would make the guardian key a way to freeze every user's GBT. What a pause
    /// costs instead: debits the relayer made before a request but could not settle during the pause may leave.
    function withdraw() external returns (uint256 amount) {
        Account memory a = _accounts[msg.sender];
        if (a.pendingWithdrawal == 0) revert NoWithdrawalPending(msg.sender);
        if (block.timestamp < a.unlockAt) revert WithdrawalLocked(msg.sender, a.unlockAt);
        // Settlement may have spent part of the request since it was made: pay what is left of it.
        amount = Math.min(a.pendingWithdrawal, a.funded - a.spent);
        // `amount <= funded - spent`, so `funded` stays at or above `spent`.
        uint128 funded = a.funded - uint128(amount);
        _accounts[msg.sender] = Account({funded: funded, spent: a.spent, pendingWithdrawal: 0, unlockAt: 0});
        emit Withdrawn(msg.sender, amount, a.pendingWithdrawal, funded);
        if (amount != 0) token.safeTransfer(msg.sender, amount);
    }

    // --- relayer ---

    /// @inheritdoc IInferenceCredits
    function settle(uint64 epoch, address[] calldata accounts, uint256[] calldata cumulativeSpent)
        external
        onlyRole(RELAYER_ROLE)
        whenNotPaused
    {
        Head memory head = _head;
        uint64 expected = head.lastSettledEpoch + 1;
        if (epoch != expected) revert UnexpectedEpoch(epoch, expected);
        uint256 count = accounts.length;
        if (count != cumulativeSpent.length) revert LengthMismatch(count, cumulativeSpent.length);

        uint256 total;
        for (uint256 i; i < count; ++i) {
            total += _spend(accounts[i], cumulativeSpent[i], epoch);
        }

        // The treasury's share is rounded down, so rounding never takes from the nodes.
        uint256 toTreasury = total * NETWORK_SHARE_BPS / BPS;
        uint256 toRewardsPool = total - toTreasury;
        // Every increase is bounded by an account's credit; the cast only guards 2^128 of spending over all time
        // (GBT's whole fixed supply is below 2^90).
        head.totalSpent = SafeCast.toUint128(uint256(head.totalSpent) + total);
        head.lastSettledEpoch = epoch;
        _head = head;
        emit EpochSettled(epoch, count, total, toRewardsPool, toTreasury);
        if (total != 0) {
            token.safeTransfer(rewardsVault, toRewardsPool);
            token.safeTransfer(treasury, toTreasury);
        }
    }

    // --- guardian ---

    /// @inheritdoc IInferenceCredits
    function pause() external onlyRole(GUARDIAN_ROLE) whenNotPaused {
        _head.paused = true;
        emit Paused(msg.sender);
    }

    // --- admin ---

    /// @inheritdoc IInferenceCredits
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (!_head.paused) revert ExpectedPause();
        _head.paused = false;
        emit Unpaused(msg.sender);
    }

    /// @inheritdoc IInferenceCredits
    function setTreasury(address treasury_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (treasury_ == address(0)) revert ZeroAddress();
        treasury = treasury_;
        emit TreasurySet(treasury_);
    }

    // --- views ---

    /// @inheritdoc IInferenceCredits
    function getAccount(address account) external view returns (Account memory) {
        return _accounts[account];
    }

    /// @inheritdoc IInferenceCredits
    function creditOf(address account) external view returns (uint256) {
        Account storage a = _accounts[account];
        return a.funded - a.spent;
    }

    /// @inheritdoc IInferenceCredits
    function availableCreditOf(address account) external view returns (uint256) {
        Account storage a = _accounts[account];
        return Math.saturatingSub(a.funded - a.spent, a.pendingWithdrawal);
    }

    /// @inheritdoc IInferenceCredits
    function pendingWithdrawal(address account) external view returns (uint256 amount, uint64 unlockAt) {
        Account storage a = _accounts[account];
        return (a.pendingWithdrawal, a.unlockAt);
    }

    /// @inheritdoc IInferenceCredits
    function lastSettledEpoch() external view returns (uint64) {
        return _head.lastSettledEpoch;
    }

    /// @inheritdoc IInferenceCredits
    function totalSpent() external view returns (uint256) {
        return _head.totalSpent;
    }

    /// @inheritdoc IInferenceCredits
    function paused() external view returns (bool) {
        return _head.paused;
    }

    // --- internal ---

    /// @dev Raises `account`'s settled spending to `cumulative`; returns the increase.
    function _spend(address account, uint256 cumulative, uint64 epoch) private returns (uint256 amount) {
        // One slot per account: `funded` and `spent` are read and written together.
        Account storage a = _accounts[account];
        uint128 spent = a.spent;
        uint128 funded = a.funded;
        if (cumulative < spent) revert SpentDecreased(account, cumulative, spent);
        if (cumulative > funded) revert SpentExceedsCredit(account, cumulative, funded);
        amount = cumulative - spent;
        // `cumulative <= funded`, a uint128.
        a.spent = uint128(cumulative);
        emit CreditSpent(account, epoch, amount, cumulative);
    }

    function _deposit(uint256 amount) private {
        if (amount == 0) revert ZeroAmount();
        Account storage a = _accounts[msg.sender];
        // Credit fits 128 bits, so every narrowing cast in this contract is safe (GBT's supply is below 2^90; the
        // check guards another token).
        uint128 funded = SafeCast.toUint128(uint256(a.funded) + amount);
        a.funded = funded;
        emit Deposited(msg.sender, amount, funded);
        token.safeTransferFrom(msg.sender, address(this), amount);
    }
}
