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
/// cumulative state; after a challenge window in which a guardian may veto it (or anyone may dispute it with a bond),
/// the root is final and nodes claim `cumulativeAmount - alreadyClaimed`. On-chain bounds (emission cap per epoch and,
/// off the local chain, at most one proposal per challenge window of at least a day; never more than the pool holds;
/// never more paid than the final cumulative total; pause; roll-back of a bad final root) limit what a wrong or stolen
/// relayer key can do. What the bounds cannot see, a root that moves one account's unclaimed amount to another within
/// the cap, is for the watchers' disputes and the guardians' vetoes to stop inside the window.
/// @custom:security-contact security@gitblock.dev
contract RewardsVault is IRewardsVault, AccessControl {
    using SafeERC20 for IGitBlockToken;

    /// @notice May propose epochs.
    bytes32 public constant RELAYER_ROLE = keccak256("RELAYER_ROLE");
    /// @notice May veto epochs, resolve disputes, pause and roll back.
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");
    /// @notice Hardhat's local chain id: the only chain where the challenge window may be shorter than
    /// `MIN_CHALLENGE_WINDOW` (0: final at once) and proposals may follow each other without waiting.
    uint256 public constant LOCAL_CHAIN_ID = 31337;
    /// @notice Shortest challenge window off the local chain, which is also the shortest interval between proposals
    /// there, so that `maxEmissionPerEpoch` caps emission per day at most, not per transaction.
    uint64 public constant MIN_CHALLENGE_WINDOW = 1 days;

    /// @dev Settlement state for proposals, finality, pause and roll-backs, one slot; claims never read it.
    struct Head {
        uint128 finalCumulativeTotal;
        uint64 latestFinalEpoch;
        /// When the last proposal (vetoed and disputed ones included) was made; seconds fit 32 bits until 2106.
        /// Zero before the first one: every real chain's clock is more than a window past 1970.
        uint32 lastProposedAt;
        /// Roll-backs so far (wraps after 65,535; it is only compared for equality with a record's).
        uint16 rollBacks;
        bool paused;
        bool retired;
    }

    /// @dev A `ReputationRecord` plus the roll-back count when it was made, in the record's one slot.
    struct StoredReputation {
        uint16 reputationBps;
        uint64 tasksValidated;
        uint64 tasksFailed;
        uint32 strikes;
        uint64 epoch;
        uint16 rollBacks;
    }

    /// @dev The open dispute of the pending epoch (disputer zero: none).
    struct Dispute {
        address disputer;
        uint256 bond;
    }

    /// @notice The GBT token, whose vault slot holds the payout allowance.
    IGitBlockToken public immutable token;

    /// @dev The only vault slot a claim reads: the newest final root, or zero while paused or before the first
    /// final epoch. The cap on what claims pay lives in the token's vault slot (`payoutAllowance`), read anyway.
    bytes32 private _claimRoot;
    Head private _head;

    /// @notice Receives network shares and forfeited dispute bonds.
    address public treasury;
    /// @notice Seconds between a proposal and its finality, and (off the local chain) between two proposals.
    uint64 public challengeWindow;
    /// @notice Cap on what one epoch may add: the cumulative total's increase plus the network share.
    uint256 public maxEmissionPerEpoch;
    /// @notice Native-currency wei a dispute posts.
    uint256 public disputeBond;
    /// @notice GBT an upheld dispute pays its disputer from the pool's unowed part (0 until the admin sets it).
    uint256 public disputeReward;
    /// @notice What claims under rolled-back roots paid beyond the total of the root rolled back to: gone, since a
    /// claim cannot be undone. The payout allowance is always `final total + this - paid`, so a root that declares
    /// `cumulativeTotal = sum over accounts of max(cumulativeAmount, claimed) - overpaidByRolledBackRoots` lets every
    /// account claim in full again (from the pool's unowed part); a root that declares the plain sum of its leaves
    /// leaves the shortfall to the last claimers (`PayoutLimitExceeded`) until later epochs cover it.
    uint256 public overpaidByRolledBackRoots;
    /// @inheritdoc IRewardsVault
    address public successor;

    Dispute private _dispute;

    mapping(uint64 epoch => Epoch) private _epochs;
    mapping(address node => StoredReputation) private _reputation;
    /// @inheritdoc IRewardsVault
    mapping(address account => uint256) public withdrawableBond;

    modifier whenNotPaused() {
        if (_head.paused) revert EnforcedPause();
        _;
    }

    /// @param token_ The GBT token (its constructor mints the pool to this vault).
    /// @param admin Administers roles and parameters: the treasury timelock.
    /// @param relayers Accounts allowed to propose epochs.
    /// @param guardians Accounts allowed to veto epochs, resolve disputes, pause and roll back.
    /// @param treasury_ Receives each final epoch's network share and forfeited dispute bonds.
    /// @param challengeWindow_ Seconds between a proposal and its finality (0: final at once, local chain only).
    /// @param maxEmissionPerEpoch_ Cap on what one epoch may add.
    /// @param disputeBond_ Native-currency wei a dispute posts.
    constructor(
        IGitBlockToken token_,
        address admin,
        address[] memory relayers,
        address[] memory guardians,
        address treasury_,
        uint64 challengeWindow_,
        uint256 maxEmissionPerEpoch_,
        uint256 disputeBond_
    ) {
        if (address(token_) == address(0) || admin == address(0) || treasury_ == address(0)) revert ZeroAddress();
        _checkChallengeWindow(challengeWindow_);
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
        disputeBond = disputeBond_;
        emit TreasurySet(treasury_);
        emit ChallengeWindowSet(challengeWindow_);
        emit MaxEmissionPerEpochSet(maxEmissionPerEpoch_);
        emit DisputeBondSet(disputeBond_);
    }

    // --- relayer ---

    /// @inheritdoc IRewardsVault
    function proposeEpoch(
        uint64 epoch,
        bytes32 root,
        uint256 cumulativeTotal,
        uint256 networkShare,
        bytes32 contentHash
    ) external onlyRole(RELAYER_ROLE) whenNotPaused {
        if (_head.retired) revert VaultRetired();
        uint64 window = challengeWindow;
        if (block.chainid != LOCAL_CHAIN_ID) {
            uint64 nextAt = uint64(_head.lastProposedAt) + window;
            if (block.timestamp < nextAt) revert ProposalTooSoon(nextAt);
        }
        uint64 expected = _finalizeDuePendingEpoch();
        if (epoch != expected) revert UnexpectedEpoch(epoch, expected);
        if (root == bytes32(0)) revert EmptyRoot();
        _checkEmission(cumulativeTotal, networkShare);

        _head.lastProposedAt = uint32(block.timestamp);
        uint64 finalAt = uint64(block.timestamp) + window;
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
        if (pending.status == EpochStatus.Disputed) revert DisputeOpen(epoch);
        if (pending.status != EpochStatus.Pending) revert NoPendingEpoch();
        if (block.timestamp < pending.finalAt) revert EpochAwaitingFinality(epoch, pending.finalAt);
        _finalize(epoch, pending);
    }

    /// @inheritdoc IRewardsVault
    function dispute(uint64 epoch) external payable {
        uint64 pendingId = _head.latestFinalEpoch + 1;
        Epoch storage pending = _epochs[pendingId];
        if (pending.status == EpochStatus.Disputed) revert DisputeOpen(pendingId);
        if (pending.status != EpochStatus.Pending) revert NoPendingEpoch();
        // The id keeps a dispute aimed at one root from landing on the next proposal.
        if (epoch != pendingId) revert UnexpectedEpoch(epoch, pendingId);
        if (block.timestamp >= pending.finalAt) revert ChallengeWindowOver(epoch, pending.finalAt);
        if (msg.value != disputeBond) revert WrongDisputeBond(msg.value, disputeBond);
        pending.status = EpochStatus.Disputed;
        _dispute = Dispute({disputer: msg.sender, bond: msg.value});
        emit EpochDisputed(epoch, msg.sender, msg.value);
    }

    /// @inheritdoc IRewardsVault
    function claim(NodeState calldata state, bytes32[] calldata proof) external returns (uint256 amount) {
        bytes32 root = _claimRoot;
        if (root == bytes32(0)) _revertUnclaimable();
        if (!MerkleLib.verifyCalldata(proof, root, NodeStateLib.leaf(state))) revert InvalidProof(state.account);
        // The token keeps the claim record in the account's balance slot, reverts when nothing is due, and caps the
        // payout by the allowance that finality granted.
        amount = token.payReward(state.account, state.cumulativeAmount);
        emit Claimed(state.account, amount, state.cumulativeAmount);
    }

    /// @inheritdoc IRewardsVault
    function claimMany(NodeState[] calldata states, bytes32[][] calldata proofs) external returns (uint256 total) {
        if (states.length != proofs.length) revert LengthMismatch(states.length, proofs.length);
        bytes32 root = _claimRoot;
        if (root == bytes32(0)) _revertUnclaimable();
        for (uint256 i; i < states.length; ++i) {
            NodeState calldata state = states[i];
            if (!MerkleLib.verifyCalldata(proofs[i], root, NodeStateLib.leaf(state))) {
                revert InvalidProof(state.account);
            }
            uint256 amount = token.payRewardIfDue(state.account, state.cumulativeAmount);
            if (amount == 0) {
                emit ClaimSkipped(state.account, state.cumulativeAmount);
            } else {
                total += amount;
                emit Claimed(state.account, amount, state.cumulativeAmount);
            }
        }
    }

    /// @inheritdoc IRewardsVault
    /// @dev A roll-back cannot reach the records it leaves behind, so each record keeps the roll-back count it was
    /// made under: a record from before the newest roll-back (perhaps from the rolled-back root) may be recorded
    /// again at once from the current final root, which is always the truth to record. `reputationOf` stays one
    /// storage read; until someone records it again, such a record still shows the rolled-back root's state.
    function recordReputation(NodeState calldata state, bytes32[] calldata proof) external {
        bytes32 root = _claimRoot;
        if (root == bytes32(0)) _revertUnclaimable();
        if (!MerkleLib.verifyCalldata(proof, root, NodeStateLib.leaf(state))) revert InvalidProof(state.account);
        Head memory head = _head;
        StoredReputation storage record = _reputation[state.account];
        uint64 recorded = record.epoch;
        if (recorded >= head.latestFinalEpoch && record.rollBacks == head.rollBacks) {
            revert ReputationAlreadyRecorded(state.account, recorded);
        }
        _reputation[state.account] = StoredReputation({
            reputationBps: state.reputationBps,
            tasksValidated: state.tasksValidated,
            tasksFailed: state.tasksFailed,
            strikes: state.strikes,
            epoch: head.latestFinalEpoch,
            rollBacks: head.rollBacks
        });
        emit ReputationRecorded(
            state.account,
            head.latestFinalEpoch,
            state.reputationBps,
            state.tasksValidated,
            state.tasksFailed,
            state.strikes
        );
    }

    /// @inheritdoc IRewardsVault
    function withdrawBond() external {
        uint256 amount = withdrawableBond[msg.sender];
        if (amount == 0) revert NothingToWithdraw(msg.sender);
        withdrawableBond[msg.sender] = 0;
        emit BondWithdrawn(msg.sender, amount);
        (bool sent,) = msg.sender.call{value: amount}("");
        if (!sent) revert BondTransferFailed(msg.sender, amount);
    }

    /// @inheritdoc IRewardsVault
    function sweepUnowed() external whenNotPaused {
        address to = successor;
        if (to == address(0)) revert VaultNotRetired();
        uint256 amount = _unowed();
        if (amount == 0) revert NothingToSweep();
        emit UnowedSwept(to, amount);
        token.safeTransfer(to, amount);
    }

    // --- guardian ---

    /// @inheritdoc IRewardsVault
    function vetoEpoch() external onlyRole(GUARDIAN_ROLE) {
        uint64 epoch = _head.latestFinalEpoch + 1;
        Epoch storage pending = _epochs[epoch];
        if (pending.status == EpochStatus.Pending) {
            // A pause holds finality, so a guardian who paused can still veto an epoch whose window ran out meanwhile.
            if (block.timestamp >= pending.finalAt && !_head.paused) {
                revert ChallengeWindowOver(epoch, pending.finalAt);
            }
        } else if (pending.status != EpochStatus.Disputed) {
            revert NoPendingEpoch();
        }
        _veto(epoch, pending);
    }

    /// @inheritdoc IRewardsVault
    function resolveDispute(bool upheld) external onlyRole(GUARDIAN_ROLE) {
        uint64 epoch = _head.latestFinalEpoch + 1;
        Epoch storage pending = _epochs[epoch];
        if (pending.status != EpochStatus.Disputed) revert NoOpenDispute();
        if (upheld) {
            _veto(epoch, pending);
            return;
        }
        Dispute memory d = _dispute;
        delete _dispute;
        pending.status = EpochStatus.Pending;
        emit DisputeResolved(epoch, d.disputer, false);
        _creditBond(treasury, d.bond);
        // The dispute held finality only; a pause holds it on.
        if (block.timestamp >= pending.finalAt && !_head.paused) _finalize(epoch, pending);
    }

    /// @inheritdoc IRewardsVault
    function pause() external onlyRole(GUARDIAN_ROLE) whenNotPaused {
        _head.paused = true;
        _claimRoot = bytes32(0);
        emit Paused(msg.sender);
    }

    /// @inheritdoc IRewardsVault
    function rollBack() external {
        if (!hasRole(GUARDIAN_ROLE, msg.sender) && !hasRole(DEFAULT_ADMIN_ROLE, msg.sender)) {
            revert AccessControlUnauthorizedAccount(msg.sender, GUARDIAN_ROLE);
        }
        Head memory head = _head;
        if (!head.paused) revert ExpectedPause();
        uint64 epoch = head.latestFinalEpoch;
        if (epoch == 0) revert NoFinalEpoch();

        // A pending epoch was checked against the root being rolled back: it goes too.
        Epoch storage next = _epochs[epoch + 1];
        if (next.status == EpochStatus.Pending || next.status == EpochStatus.Disputed) _veto(epoch + 1, next);

        Epoch storage bad = _epochs[epoch];
        bad.status = EpochStatus.RolledBack;
        uint64 restored = epoch - 1;
        uint128 restoredTotal = _epochs[restored].cumulativeTotal;
        uint256 increase = bad.cumulativeTotal - restoredTotal;
        _head.latestFinalEpoch = restored;
        _head.finalCumulativeTotal = restoredTotal;
        unchecked {
            ++_head.rollBacks;
        }
        // `_claimRoot` stays zero while paused; `unpause` restores the rolled-back-to root.
        uint256 overpaid;
        if (increase != 0) overpaid = increase - token.decreasePayoutAllowance(increase);
        overpaidByRolledBackRoots += overpaid;
        emit EpochRolledBack(epoch, bad.root, msg.sender, overpaid);
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
    function retire(address successor_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (successor_ == address(0)) revert ZeroAddress();
        if (_head.retired) revert VaultRetired();
        _head.retired = true;
        successor = successor_;
        emit Retired(successor_);
        uint64 epoch = _head.latestFinalEpoch + 1;
        Epoch storage pending = _epochs[epoch];
        if (pending.status == EpochStatus.Pending || pending.status == EpochStatus.Disputed) _veto(epoch, pending);
    }

    /// @inheritdoc IRewardsVault
    function setChallengeWindow(uint64 challengeWindow_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _checkChallengeWindow(challengeWindow_);
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

    /// @inheritdoc IRewardsVault
    function setDisputeBond(uint256 disputeBond_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        disputeBond = disputeBond_;
        emit DisputeBondSet(disputeBond_);
    }

    /// @inheritdoc IRewardsVault
    function setDisputeReward(uint256 disputeReward_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        disputeReward = disputeReward_;
        emit DisputeRewardSet(disputeReward_);
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
        return _head.finalCumulativeTotal + overpaidByRolledBackRoots - token.payoutAllowance();
    }

    /// @inheritdoc IRewardsVault
    function pendingEpoch() external view returns (uint64) {
        uint64 epoch = _head.latestFinalEpoch + 1;
        EpochStatus status = _epochs[epoch].status;
        return status == EpochStatus.Pending || status == EpochStatus.Disputed ? epoch : 0;
    }

    /// @inheritdoc IRewardsVault
    function openDispute() external view returns (address disputer, uint256 bond) {
        return (_dispute.disputer, _dispute.bond);
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
        StoredReputation memory r = _reputation[node];
        return ReputationRecord({
            reputationBps: r.reputationBps,
            tasksValidated: r.tasksValidated,
            tasksFailed: r.tasksFailed,
            strikes: r.strikes,
            epoch: r.epoch
        });
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

    /// @dev Off the local chain the window has a floor: with no pending state there is nothing to veto or dispute.
    function _checkChallengeWindow(uint64 window) private view {
        if (block.chainid != LOCAL_CHAIN_ID && window < MIN_CHALLENGE_WINDOW) {
            revert ChallengeWindowTooShort(window, MIN_CHALLENGE_WINDOW);
        }
    }

    /// @notice Finalizes the pending epoch if its window is over; reverts if it is still open or disputed.
    /// @return next The epoch id a proposal must carry.
    function _finalizeDuePendingEpoch() private returns (uint64 next) {
        next = _head.latestFinalEpoch + 1;
        Epoch storage pending = _epochs[next];
        if (pending.status == EpochStatus.Disputed) revert DisputeOpen(next);
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

    /// @dev The pool beyond what the final root still owes (the payout allowance).
    function _unowed() private view returns (uint256) {
        return token.balanceOf(address(this)) - token.payoutAllowance();
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

    /// @dev Vetoes the pending (or disputed) `epoch`. Vetoing a disputed epoch upholds its dispute: the bond goes back
    /// to the disputer with the dispute reward, as far as the pool's unowed part covers it.
    function _veto(uint64 epoch, Epoch storage pending) private {
        bool disputed = pending.status == EpochStatus.Disputed;
        pending.status = EpochStatus.Vetoed;
        emit EpochVetoed(epoch, pending.root, msg.sender);
        if (!disputed) return;
        Dispute memory d = _dispute;
        delete _dispute;
        emit DisputeResolved(epoch, d.disputer, true);
        _creditBond(d.disputer, d.bond);
        uint256 unowed = _unowed();
        uint256 reward = disputeReward < unowed ? disputeReward : unowed;
        if (reward != 0) {
            emit DisputeRewardPaid(epoch, d.disputer, reward);
            token.safeTransfer(d.disputer, reward);
        }
    }

    function _creditBond(address account, uint256 amount) private {
        if (amount == 0) return;
        withdrawableBond[account] += amount;
        emit BondCredited(account, amount);
    }
}
