// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IGitBlockReputation, ReputationRecord} from "./interfaces/IGitBlockReputation.sol";
import {IGitBlockToken} from "./interfaces/IGitBlockToken.sol";
import {IRewardsVault} from "./interfaces/IRewardsVault.sol";
import {MerkleLib} from "./libraries/MerkleLib.sol";
import {NodeState, NodeStateLib} from "./libraries/NodeStateLib.sol";

/// @title RewardsVault
/// @notice Holds the 400M GBT node rewards pool. Each epoch a relayer proposes the Merkle root of every node's
/// cumulative state; after a challenge window in which a guardian may veto it, the root is final and nodes claim
/// `cumulativeAmount - alreadyClaimed`. On-chain bounds (emission cap per epoch, never more than the pool holds,
/// never more paid than the final cumulative total, pause) limit what a wrong or stolen relayer key can do.
contract RewardsVault is IRewardsVault, AccessControl {
    using SafeERC20 for IGitBlockToken;

    bytes32 public constant RELAYER_ROLE = keccak256("RELAYER_ROLE");
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");

    /// @dev Settlement state for proposals, finality and pause; claims never read it.
    struct Head {
        uint128 finalCumulativeTotal;
        uint64 latestFinalEpoch;
        bool paused;
    }

    IGitBlockToken public immutable token;

    /// @dev The only vault slot a claim reads: the newest final root, or zero while paused or before the first
    /// final epoch. The cap on what claims pay lives in the token's vault slot (`payoutAllowance`), read anyway.
    bytes32 private _claimRoot;
    Head private _head;

    address public treasury;
    uint64 public challengeWindow;
    uint256 public maxEmissionPerEpoch;

    mapping(uint64 epoch => Epoch) private _epochs;
    mapping(address node => ReputationRecord) private _reputation;

    modifier whenNotPaused() {
        if (_head.paused) revert EnforcedPause();
        _;
    }

    /// @param token_ The GBT token (its constructor mints the pool to this vault).
    /// @param admin Administers roles and parameters: the treasury timelock.
    /// @param relayers Accounts allowed to propose epochs.
    /// @param guardians Accounts allowed to veto epochs and pause.
    /// @param treasury_ Receives each final epoch's network share.
    /// @param challengeWindow_ Seconds between a proposal and its finality (0: final at once).
    /// @param maxEmissionPerEpoch_ Cap on what one epoch may add.
    constructor(
        IGitBlockToken token_,
        address admin,
        address[] memory relayers,
        address[] memory guardians,
        address treasury_,
        uint64 challengeWindow_,
        uint256 maxEmissionPerEpoch_
    ) {
        if (address(token_) == address(0) || admin == address(0) || treasury_ == address(0)) revert ZeroAddress();
        token = token_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        for (uint256 i; i < relayers.length; ++i) {
            _grantRole(RELAYER_ROLE, relayers[i]);
        }
        for (uint256 i; i < guardians.length; ++i) {
            _grantRole(GUARDIAN_ROLE, guardians[i]);
        }
        treasury = treasury_;
        challengeWindow = challengeWindow_;
        maxEmissionPerEpoch = maxEmissionPerEpoch_;
        emit TreasurySet(treasury_);
        emit ChallengeWindowSet(challengeWindow_);
        emit MaxEmissionPerEpochSet(maxEmissionPerEpoch_);
    }

    // --- relayer ---

    /// @inheritdoc IRewardsVault
    function proposeEpoch(uint64 epoch, bytes32 root, uint256 cumulativeTotal, uint256 networkShare, bytes32 contentHash)
        external
        onlyRole(RELAYER_ROLE)
        whenNotPaused
    {
        uint64 expected = _finalizeDuePendingEpoch();
        if (epoch != expected) revert UnexpectedEpoch(epoch, expected);
        if (root == bytes32(0)) revert EmptyRoot();
        _checkEmission(cumulativeTotal, networkShare);

        uint64 finalAt = uint64(block.timestamp) + challengeWindow;
        // Both fit in 128 bits: `_checkEmission` bounds them by the pool.
        _epochs[epoch] = Epoch({
            root: root,
            contentHash: contentHash,
            cumulativeTotal: uint128(cumulativeTotal),
            networkShare: uint128(networkShare),
            finalAt: finalAt,
            status: EpochStatus.Pending
        });
        emit EpochProposed(epoch, root, cumulativeTotal, networkShare, contentHash, finalAt);
        if (finalAt == block.timestamp) _finalize(epoch, _epochs[epoch]);
    }

    // --- anyone ---

    /// @inheritdoc IRewardsVault
    function finalizeEpoch() external whenNotPaused {
        uint64 epoch = _head.latestFinalEpoch + 1;
        Epoch storage pending = _epochs[epoch];
        if (pending.status != EpochStatus.Pending) revert NoPendingEpoch();
        if (block.timestamp < pending.finalAt) revert EpochAwaitingFinality(epoch, pending.finalAt);
        _finalize(epoch, pending);
    }

    /// @inheritdoc IRewardsVault
    function claim(NodeState calldata state, bytes32[] calldata proof) external returns (uint256 amount) {
        bytes32 root = _claimRoot;
        if (root == bytes32(0)) _revertUnclaimable();
        amount = _claim(state, proof, root);
    }

    /// @inheritdoc IRewardsVault
    function claimMany(NodeState[] calldata states, bytes32[][] calldata proofs) external returns (uint256 total) {
        if (states.length != proofs.length) revert LengthMismatch(states.length, proofs.length);
        bytes32 root = _claimRoot;
        if (root == bytes32(0)) _revertUnclaimable();
        for (uint256 i; i < states.length; ++i) {
            total += _claim(states[i], proofs[i], root);
        }
    }

    /// @inheritdoc IRewardsVault
    function recordReputation(NodeState calldata state, bytes32[] calldata proof) external {
        bytes32 root = _claimRoot;
        if (root == bytes32(0)) _revertUnclaimable();
        if (!MerkleLib.verifyCalldata(proof, root, NodeStateLib.leaf(state))) revert InvalidProof(state.account);
        Head memory head = _head;
        uint64 recorded = _reputation[state.account].epoch;
        if (recorded >= head.latestFinalEpoch) revert ReputationAlreadyRecorded(state.account, recorded);
        _reputation[state.account] = ReputationRecord({
            reputationBps: state.reputationBps,
            tasksValidated: state.tasksValidated,
            tasksFailed: state.tasksFailed,
            strikes: state.strikes,
            epoch: head.latestFinalEpoch
        });
        emit ReputationRecorded(
            state.account, head.latestFinalEpoch, state.reputationBps, state.tasksValidated, state.tasksFailed, state.strikes
        );
    }

    // --- guardian ---

    /// @inheritdoc IRewardsVault
    function vetoEpoch() external onlyRole(GUARDIAN_ROLE) {
        uint64 epoch = _head.latestFinalEpoch + 1;
        Epoch storage pending = _epochs[epoch];
        if (pending.status != EpochStatus.Pending) revert NoPendingEpoch();
        // A pause holds finality, so a guardian who paused can still veto an epoch whose window ran out meanwhile.
        if (block.timestamp >= pending.finalAt && !_head.paused) revert ChallengeWindowOver(epoch, pending.finalAt);
        pending.status = EpochStatus.Vetoed;
        emit EpochVetoed(epoch, pending.root, msg.sender);
    }

    /// @inheritdoc IRewardsVault
    function pause() external onlyRole(GUARDIAN_ROLE) whenNotPaused {
        _head.paused = true;
        _claimRoot = bytes32(0);
        emit Paused(msg.sender);
    }

    // --- admin ---

    /// @inheritdoc IRewardsVault
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (!_head.paused) revert ExpectedPause();
        _head.paused = false;
        _claimRoot = _epochs[_head.latestFinalEpoch].root;
        emit Unpaused(msg.sender);
    }

    /// @inheritdoc IRewardsVault
    function setChallengeWindow(uint64 challengeWindow_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        challengeWindow = challengeWindow_;
        emit ChallengeWindowSet(challengeWindow_);
    }

    /// @inheritdoc IRewardsVault
    function setMaxEmissionPerEpoch(uint256 maxEmissionPerEpoch_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        maxEmissionPerEpoch = maxEmissionPerEpoch_;
        emit MaxEmissionPerEpochSet(maxEmissionPerEpoch_);
    }

    /// @inheritdoc IRewardsVault
    function setTreasury(address treasury_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (treasury_ == address(0)) revert ZeroAddress();
        treasury = treasury_;
        emit TreasurySet(treasury_);
    }

    // --- views ---

    /// @inheritdoc IRewardsVault
    function getEpoch(uint64 epoch) external view returns (Epoch memory) {
        return _epochs[epoch];
    }

    /// @inheritdoc IRewardsVault
    function finalRoot() external view returns (bytes32) {
        return _epochs[_head.latestFinalEpoch].root;
    }

    /// @inheritdoc IRewardsVault
    function totalClaimed() external view returns (uint256) {
        return _head.finalCumulativeTotal - token.payoutAllowance();
    }

    /// @inheritdoc IRewardsVault
    function pendingEpoch() external view returns (uint64) {
        uint64 epoch = _head.latestFinalEpoch + 1;
        return _epochs[epoch].status == EpochStatus.Pending ? epoch : 0;
    }

    /// @inheritdoc IGitBlockReputation
    function latestFinalEpoch() external view returns (uint64) {
        return _head.latestFinalEpoch;
    }

    /// @inheritdoc IRewardsVault
    function paused() external view returns (bool) {
        return _head.paused;
    }

    /// @inheritdoc IRewardsVault
    function claimed(address account) external view returns (uint256) {
        return token.rewardsClaimed(account);
    }

    /// @inheritdoc IGitBlockReputation
    function reputationOf(address node) external view returns (ReputationRecord memory) {
        return _reputation[node];
    }

    /// @inheritdoc IGitBlockReputation
    function verifyNodeState(uint64 epoch, NodeState calldata state, bytes32[] calldata proof)
        external
        view
        returns (bool)
    {
        Epoch storage e = _epochs[epoch];
        return e.status == EpochStatus.Final && MerkleLib.verifyCalldata(proof, e.root, NodeStateLib.leaf(state));
    }

    // --- internal ---

    /// @dev Only reached on the failure path, so claims that succeed never read `_head`.
    function _revertUnclaimable() private view {
        if (_head.paused) revert EnforcedPause();
        revert NoFinalEpoch();
    }

    function _claim(NodeState calldata state, bytes32[] calldata proof, bytes32 root) private returns (uint256 amount) {
        if (!MerkleLib.verifyCalldata(proof, root, NodeStateLib.leaf(state))) revert InvalidProof(state.account);
        // The token keeps the claim record in the account's balance slot, reverts when nothing is due, and caps the
        // payout by the allowance that finality granted.
        amount = token.payReward(state.account, state.cumulativeAmount);
        emit Claimed(state.account, amount, state.cumulativeAmount);
    }

    /// @dev Finalizes the pending epoch if its window is over; reverts if it is still open.
    /// @return next The epoch id a proposal must carry.
    function _finalizeDuePendingEpoch() private returns (uint64 next) {
        next = _head.latestFinalEpoch + 1;
        Epoch storage pending = _epochs[next];
        if (pending.status == EpochStatus.Pending) {
            if (block.timestamp < pending.finalAt) revert EpochAwaitingFinality(next, pending.finalAt);
            _finalize(next, pending);
            ++next;
        }
    }

    /// @dev The on-chain bounds on a proposal: monotone total, emission cap, and everything owed covered by the pool.
    function _checkEmission(uint256 cumulativeTotal, uint256 networkShare) private view {
        uint256 previousTotal = _head.finalCumulativeTotal;
        if (cumulativeTotal < previousTotal) revert CumulativeTotalDecreased(cumulativeTotal, previousTotal);
        uint256 emission = cumulativeTotal - previousTotal + networkShare;
        if (emission > maxEmissionPerEpoch) revert EmissionCapExceeded(emission, maxEmissionPerEpoch);
        // Still owed under the final root (the payout allowance) plus what this epoch adds.
        uint256 owed = token.payoutAllowance() + emission;
        uint256 held = token.balanceOf(address(this));
        if (owed > held) revert InsufficientRewardsPool(owed, held);
    }

    function _finalize(uint64 epoch, Epoch storage e) private {
        e.status = EpochStatus.Final;
        bytes32 root = e.root;
        uint128 cumulativeTotal = e.cumulativeTotal;
        uint128 networkShare = e.networkShare;
        uint256 increase = cumulativeTotal - _head.finalCumulativeTotal;
        _claimRoot = root;
        _head.finalCumulativeTotal = cumulativeTotal;
        _head.latestFinalEpoch = epoch;
        emit EpochFinalized(epoch, root, cumulativeTotal, networkShare);
        if (increase != 0) token.increasePayoutAllowance(increase);
        if (networkShare != 0) token.safeTransfer(treasury, networkShare);
    }
}
