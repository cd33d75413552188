// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {INodeBond} from "./interfaces/INodeBond.sol";

/// @title NodeBond
/// @notice Nodes bond GBT for verifying weight (read from the active bond). Leaving takes `unbondingDelay`, which is
/// longer than the slash `challengeWindow`, and a node with a proposed slash cannot withdraw at all until the slash is
/// executed or vetoed, so a node cannot run from a slash. Slashes follow the vault's pattern: a relayer proposes, a
/// guardian may veto during the challenge window, then anyone executes and the GBT goes to `slashRecipient`.
/// @dev Accounting never reads the token balance: GBT sent here by plain transfer is not anyone's bond.
/// @custom:security-contact security@gitblock.dev
contract NodeBond is INodeBond, AccessControl {
    using SafeERC20 for IERC20;

    /// @notice May propose slashes.
    bytes32 public constant RELAYER_ROLE = keccak256("RELAYER_ROLE");
    /// @notice May veto slashes and pause.
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");
    /// @notice Longest unbonding delay the constructor accepts: there is no upgrade, so a mistyped delay would otherwise
    /// hold every bond for good.
    uint64 public constant MAX_UNBONDING_DELAY = 365 days;

    /// @dev Sums over every node's bond, one slot.
    struct Totals {
        uint128 active;
        uint128 pending;
    }

    /// @notice The GBT token nodes bond.
    IERC20 public immutable token;
    /// @notice Seconds between a slash's proposal and the earliest time it can be executed.
    uint64 public immutable challengeWindow;
    /// @notice Seconds between an unbond request and the earliest withdrawal; always longer than `challengeWindow`.
    uint64 public immutable unbondingDelay;

    /// @notice Receives executed slashes: the treasury.
    address public slashRecipient;
    bool private _paused;
    /// @notice Slashes proposed so far; the newest slash's id (ids start at 1).
    uint256 public slashCount;
    Totals private _totals;

    mapping(address node => Bond) private _bonds;
    mapping(uint256 id => Slash) private _slashes;

    modifier whenNotPaused() {
        if (_paused) revert EnforcedPause();
        _;
    }

    /// @param token_ The GBT token.
    /// @param admin Administers roles, the slash recipient and unpausing: the treasury timelock.
    /// @param relayers Accounts allowed to propose slashes.
    /// @param guardians Accounts allowed to veto slashes and pause.
    /// @param slashRecipient_ Receives executed slashes: the treasury.
    /// @param challengeWindow_ Seconds a proposed slash waits before it can be executed (0: at once).
    /// @param unbondingDelay_ Seconds an unbond waits before it can be withdrawn; must exceed `challengeWindow_` and be
    /// at most `MAX_UNBONDING_DELAY`.
    constructor(
        IERC20 token_,
        address admin,
        address[] memory relayers,
        address[] memory guardians,
        address slashRecipient_,
        uint64 challengeWindow_,
        uint64 unbondingDelay_
    ) {
        if (address(token_) == address(0) || admin == address(0) || slashRecipient_ == address(0)) {
            revert ZeroAddress();
        }
        if (unbondingDelay_ <= challengeWindow_) revert UnbondingDelayTooShort(unbondingDelay_, challengeWindow_);
        if (unbondingDelay_ > MAX_UNBONDING_DELAY) revert UnbondingDelayTooLong(unbondingDelay_, MAX_UNBONDING_DELAY);
        token = token_;
        challengeWindow = challengeWindow_;
        unbondingDelay = unbondingDelay_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        for (uint256 i; i < relayers.length; ++i) {
            _grantRole(RELAYER_ROLE, relayers[i]);
        }
        for (uint256 i; i < guardians.length; ++i) {
            _grantRole(GUARDIAN_ROLE, guardians[i]);
        }
        slashRecipient = slashRecipient_;
        emit SlashRecipientSet(slashRecipient_);
    }

    // --- nodes ---

    /// @inheritdoc INodeBond
    function bond(uint256 amount) external whenNotPaused {
        _bond(msg.sender, amount);
    }

    /// @inheritdoc INodeBond
    function bondFor(address node, uint256 amount) external whenNotPaused {
        if (node == address(0)) revert ZeroAddress();
        _bond(node, amount);
    }

    /// @inheritdoc INodeBond
    function requestUnbond(uint256 amount) external returns (uint64 unlockAt) {
        if (amount == 0) revert ZeroAmount();
        Bond memory b = _bonds[msg.sender];
        if (amount > b.active) revert InsufficientBond(msg.sender, amount, b.active);
        // One pending unbond per node keeps a node's whole bond in two slots; restarting the delay for the whole
        // amount is the price. The narrowing casts are safe: `amount <= b.active`, and every sum of bonds fits 128
        // bits (see `_bond`).
        unlockAt = uint64(block.timestamp) + unbondingDelay;
        b.active -= uint128(amount);
        b.pending += uint128(amount);
        b.unlockAt = unlockAt;
        _bonds[msg.sender] = b;
        Totals memory t = _totals;
        _totals = Totals(t.active - uint128(amount), t.pending + uint128(amount));
        emit UnbondRequested(msg.sender, amount, b.pending, unlockAt);
    }

    /// @inheritdoc INodeBond
    function withdraw() external returns (uint256 amount) {
        Bond memory b = _bonds[msg.sender];
        amount = b.pending;
        if (amount == 0) revert NothingToWithdraw(msg.sender);
        if (b.openSlashes != 0) revert SlashOpen(msg.sender, b.openSlashes);
        if (block.timestamp < b.unlockAt) revert UnbondLocked(msg.sender, b.unlockAt);
        _bonds[msg.sender] = Bond(b.active, 0, 0, 0);
        _totals.pending -= uint128(amount);
        emit Withdrawn(msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
    }

    // --- relayer ---

    /// @inheritdoc INodeBond
    function proposeSlash(address node, uint256 amount, bytes32 reason)
        external
        onlyRole(RELAYER_ROLE)
        whenNotPaused
        returns (uint256 id)
    {
        if (amount == 0) revert ZeroAmount();
        Bond storage b = _bonds[node];
        if (b.active == 0 && b.pending == 0) revert NothingToSlash(node);
        ++b.openSlashes;
        id = ++slashCount;
        uint64 executableAt = uint64(block.timestamp) + challengeWindow;
        _slashes[id] = Slash({
            node: node,
            executableAt: executableAt,
            status: SlashStatus.Pending,
            amount: amount,
            slashed: 0,
            reason: reason
        });
        emit SlashProposed(id, node, amount, reason, executableAt);
    }

    // --- guardian ---

    /// @inheritdoc INodeBond
    function vetoSlash(uint256 id) external onlyRole(GUARDIAN_ROLE) {
        Slash storage s = _slashes[id];
        if (s.status != SlashStatus.Pending) revert SlashNotPending(id, s.status);
        // A pause holds execution, so a guardian who paused can still veto a slash whose window ran out meanwhile.
        if (block.timestamp >= s.executableAt && !_paused) revert ChallengeWindowOver(id, s.executableAt);
        s.status = SlashStatus.Vetoed;
        address node = s.node;
        --_bonds[node].openSlashes;
        emit SlashVetoed(id, node, msg.sender);
    }

    /// @inheritdoc INodeBond
    function pause() external onlyRole(GUARDIAN_ROLE) whenNotPaused {
        _paused = true;
        emit Paused(msg.sender);
    }

    // --- anyone ---

    /// @inheritdoc INodeBond
    function executeSlash(uint256 id) external whenNotPaused returns (uint256 slashed) {
        Slash storage s = _slashes[id];
        if (s.status != SlashStatus.Pending) revert SlashNotPending(id, s.status);
        if (block.timestamp < s.executableAt) revert SlashAwaitingWindow(id, s.executableAt);
        address node = s.node;
        Bond memory b = _bonds[node];
        // Active first: the slash takes the misbehaving node's verifying weight away at once, and the pending unbond
        // (frozen while this slash is open) is only reached for what the active bond cannot cover.
        uint256 fromActive = Math.min(s.amount, b.active);
        uint256 fromPending = Math.min(s.amount - fromActive, b.pending);
        slashed = fromActive + fromPending;
        s.status = SlashStatus.Executed;
        s.slashed = slashed;
        // Both amounts are bounded by fields of `b`, so the narrowing casts are safe.
        b.active -= uint128(fromActive);
        b.pending -= uint128(fromPending);
        if (b.pending == 0) b.unlockAt = 0;
        --b.openSlashes;
        _bonds[node] = b;
        Totals memory t = _totals;
        _totals = Totals(t.active - uint128(fromActive), t.pending - uint128(fromPending));
        address recipient = slashRecipient;
        emit SlashExecuted(id, node, fromActive, fromPending, recipient);
        if (slashed != 0) token.safeTransfer(recipient, slashed);
    }

    // --- admin ---

    /// @inheritdoc INodeBond
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (!_paused) revert ExpectedPause();
        _paused = false;
        emit Unpaused(msg.sender);
    }

    /// @inheritdoc INodeBond
    function setSlashRecipient(address slashRecipient_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (slashRecipient_ == address(0)) revert ZeroAddress();
        slashRecipient = slashRecipient_;
        emit SlashRecipientSet(slashRecipient_);
    }

    // --- views ---

    /// @inheritdoc INodeBond
    function bondOf(address node) external view returns (uint256) {
        return _bonds[node].active;
    }

    /// @inheritdoc INodeBond
    function pendingUnbond(address node) external view returns (uint256 amount, uint64 unlockAt) {
        Bond storage b = _bonds[node];
        return (b.pending, b.unlockAt);
    }

    /// @inheritdoc INodeBond
    function slashableOf(address node) external view returns (uint256) {
        Bond storage b = _bonds[node];
        return uint256(b.active) + b.pending;
    }

    /// @inheritdoc INodeBond
    function getBond(address node) external view returns (Bond memory) {
        return _bonds[node];
    }

    /// @inheritdoc INodeBond
    function getSlash(uint256 id) external view returns (Slash memory) {
        return _slashes[id];
    }

    /// @inheritdoc INodeBond
    function totalBonded() external view returns (uint256) {
        return _totals.active;
    }

    /// @inheritdoc INodeBond
    function totalUnbonding() external view returns (uint256) {
        return _totals.pending;
    }

    /// @inheritdoc INodeBond
    function paused() external view returns (bool) {
        return _paused;
    }

    // --- internal ---

    function _bond(address node, uint256 amount) private {
        if (amount == 0) revert ZeroAmount();
        // Everything bonded fits 128 bits: then so does every sum of bonds, and the narrowing casts in this contract
        // are safe. (GBT's fixed supply is below 2^90; the check guards another token.)
        Totals memory t = _totals;
        SafeCast.toUint128(uint256(t.active) + t.pending + amount);
        _totals.active = t.active + uint128(amount);
        uint128 active = _bonds[node].active + uint128(amount);
        _bonds[node].active = active;
        emit Bonded(node, msg.sender, amount, active);
        token.safeTransferFrom(msg.sender, address(this), amount);
    }
}
