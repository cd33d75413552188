// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title INodeBond
/// @notice GBT that nodes bond for verifying weight. A relayer proposes slashes of misbehaving nodes; each waits out a
/// challenge window in which a guardian may veto it, then anyone executes it and the slashed GBT goes to the treasury.
/// Unbonding takes longer than that window, so a node cannot leave before a slash proposed against it lands.
/// @custom:security-contact security@gitblock.dev
interface INodeBond {
    enum SlashStatus {
        None,
        Pending,
        Executed,
        Vetoed
    }

    /// @notice A node's bond. `active` is its verifying weight; `pending` is on its way out and unlocks at `unlockAt`,
    /// but stays slashable until withdrawn. `openSlashes` counts proposed slashes neither executed nor vetoed.
    struct Bond {
        uint128 active;
        uint128 pending;
        uint64 unlockAt;
        uint32 openSlashes;
    }

    /// @notice A proposed slash. `amount` is a cap: execution takes at most what the node holds then (`slashed`).
    struct Slash {
        address node;
        uint64 executableAt;
        SlashStatus status;
        uint256 amount;
        uint256 slashed;
        bytes32 reason;
    }

    // --- events ---

    /// @notice `payer` bonded `amount` GBT for `node`, whose active bond is now `active`.
    event Bonded(address indexed node, address indexed payer, uint256 amount, uint256 active);
    /// @notice `node` moved `amount` from its active bond to its pending unbond, which is now `pending` in all and
    /// unlocks at `unlockAt`.
    event UnbondRequested(address indexed node, uint256 amount, uint256 pending, uint64 unlockAt);
    /// @notice `node` withdrew its matured pending unbond of `amount` GBT.
    event Withdrawn(address indexed node, uint256 amount);
    /// @notice A relayer proposed slash `id` of up to `amount` from `node`; it can be executed from `executableAt`
    /// unless a guardian vetoes it. `reason` identifies the evidence off-chain (e.g. the hash of the dispute record).
    event SlashProposed(uint256 indexed id, address indexed node, uint256 amount, bytes32 reason, uint64 executableAt);
    /// @notice A guardian vetoed slash `id` of `node`; it can never be executed.
    event SlashVetoed(uint256 indexed id, address indexed node, address indexed guardian);
    /// @notice Slash `id` took `fromActive` from `node`'s active bond and `fromPending` from its pending unbond, and
    /// sent both to `recipient`.
    event SlashExecuted(
        uint256 indexed id, address indexed node, uint256 fromActive, uint256 fromPending, address recipient
    );
    /// @notice Executed slashes now go to `slashRecipient`.
    event SlashRecipientSet(address slashRecipient);
    /// @notice A guardian (`account`) paused bonding and slashing.
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
    /// @notice The unbonding delay must be longer than the challenge window, or a node could leave with a slash open.
    error UnbondingDelayTooShort(uint64 unbondingDelay, uint64 challengeWindow);
    /// @notice The unbonding delay is longer than `maxUnbondingDelay`.
    error UnbondingDelayTooLong(uint64 unbondingDelay, uint64 maxUnbondingDelay);
    /// @notice `node` asked to unbond `amount` but has only `active` bonded.
    error InsufficientBond(address node, uint256 amount, uint256 active);
    /// @notice `node` has no pending unbond.
    error NothingToWithdraw(address node);
    /// @notice `node`'s pending unbond is locked until `unlockAt`.
    error UnbondLocked(address node, uint64 unlockAt);
    /// @notice `node` has `openSlashes` proposed slashes that are neither executed nor vetoed; it cannot withdraw.
    error SlashOpen(address node, uint32 openSlashes);
    /// @notice `node` has nothing bonded or unbonding to slash.
    error NothingToSlash(address node);
    /// @notice Slash `id` is not pending (`status`: none, executed or vetoed).
    error SlashNotPending(uint256 id, SlashStatus status);
    /// @notice Slash `id` can be executed only from `executableAt`.
    error SlashAwaitingWindow(uint256 id, uint64 executableAt);
    /// @notice Slash `id`'s challenge window ended at `executableAt`; it can no longer be vetoed.
    error ChallengeWindowOver(uint256 id, uint64 executableAt);

    // --- nodes ---

    /// @notice Bonds `amount` GBT from the caller to the caller's active bond. Not while paused.
    /// @dev Pulls the GBT with `transferFrom`: approve this contract first (or use the token's `permit`).
    function bond(uint256 amount) external;

    /// @notice Bonds `amount` GBT from the caller to `node`'s active bond (an operator funding its node). Not while
    /// paused. Only `node` can unbond it.
    function bondFor(address node, uint256 amount) external;

    /// @notice Moves `amount` of the caller's active bond to its pending unbond, unlocking `unbondingDelay` from now.
    /// @dev A node keeps one pending unbond: a new request adds to it and restarts its delay for the whole amount.
    /// Allowed while paused. Pending GBT gives no verifying weight but stays slashable until withdrawn.
    /// @return unlockAt When the whole pending unbond can be withdrawn.
    function requestUnbond(uint256 amount) external returns (uint64 unlockAt);

    /// @notice Pays the caller its pending unbond once it has unlocked and no slash against it is open.
    /// @dev Allowed while paused: a pause holds slashes, not exits.
    /// @return amount The GBT paid.
    function withdraw() external returns (uint256 amount);

    // --- relayer ---

    /// @notice Proposes to slash up to `amount` from `node`, executable after the challenge window. Only relayers, not
    /// while paused. Until it is executed or vetoed the node cannot withdraw.
    /// @param reason Identifies the evidence off-chain (e.g. the hash of the dispute tier's decision).
    /// @return id The slash id (1, 2, 3 …).
    function proposeSlash(address node, uint256 amount, bytes32 reason) external returns (uint256 id);

    // --- guardian ---

    /// @notice Vetoes pending slash `id` during its challenge window, or at any time while paused. Only guardians.
    function vetoSlash(uint256 id) external;

    /// @notice Stops bonding, slash proposals and slash execution. Only guardians.
    function pause() external;

    // --- anyone ---

    /// @notice Executes pending slash `id` once its challenge window is over: takes the smaller of its amount and what
    /// the node holds, from the active bond first, then from the pending unbond, and sends it to `slashRecipient`.
    /// @dev Not while paused (a pause holds execution, so a guardian can still veto).
    /// @return slashed The GBT taken.
    function executeSlash(uint256 id) external returns (uint256 slashed);

    // --- admin ---

    /// @notice Resumes after a pause. Only the admin.
    function unpause() external;

    /// @notice Sets where executed slashes go. Only the admin.
    function setSlashRecipient(address slashRecipient) external;

    // --- views ---

    /// @notice `node`'s active bond: what its verifying weight is read from.
    function bondOf(address node) external view returns (uint256);

    /// @notice `node`'s pending unbond and when it unlocks (0, 0 when there is none).
    function pendingUnbond(address node) external view returns (uint256 amount, uint64 unlockAt);

    /// @notice What a slash of `node` could take now: its active bond plus its pending unbond.
    function slashableOf(address node) external view returns (uint256);

    /// @notice `node`'s whole bond record.
    function getBond(address node) external view returns (Bond memory);

    /// @notice Slash `id` as stored (all zero for an id never proposed).
    function getSlash(uint256 id) external view returns (Slash memory);

    /// @notice How many slashes were ever proposed: the newest id.
    function slashCount() external view returns (uint256);

    /// @notice Sum of every node's active bond.
    function totalBonded() external view returns (uint256);

    /// @notice Sum of every node's pending unbond.
    function totalUnbonding() external view returns (uint256);

    /// @notice Whether bonding and slashing are paused.
    function paused() external view returns (bool);
}
