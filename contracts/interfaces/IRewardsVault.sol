// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {NodeState} from "../libraries/NodeStateLib.sol";
import {IGitBlockReputation} from "./IGitBlockReputation.sol";

/// @title IRewardsVault
/// @notice Holds the node rewards pool, settles one Merkle root of every node's cumulative state per epoch,
/// pays claims against the newest final root and records proven reputation. Anyone may dispute a pending root by
/// posting a bond; a guardian resolves the dispute, vetoes, pauses, and can roll a bad final root back.
/// @custom:security-contact security@gitblock.dev
interface IRewardsVault is IGitBlockReputation {
    /// @dev Values are only ever appended, so stored and off-chain numbers keep their meaning.
    enum EpochStatus {
        None,
        Pending,
        Final,
        Vetoed,
        /// A bonded dispute holds the epoch's finality until a guardian resolves it.
        Disputed,
        /// The epoch was final; a guardian (or the admin) rolled the claim root back to the epoch before it.
        RolledBack
    }

    /// @notice A settled (or settling) epoch.
    struct Epoch {
        bytes32 root;
        bytes32 contentHash;
        uint128 cumulativeTotal;
        uint128 networkShare;
        uint64 finalAt;
        EpochStatus status;
    }

    // --- events ---

    /// @notice A relayer proposed `epoch`; it becomes final at `finalAt` unless a guardian vetoes it.
    event EpochProposed(
        uint64 indexed epoch,
        bytes32 root,
        uint256 cumulativeTotal,
        uint256 networkShare,
        bytes32 contentHash,
        uint64 finalAt
    );
    /// @notice A guardian vetoed the pending `epoch` (or a roll-back or retirement dropped it); the relayer may
    /// propose it again (not after retirement).
    event EpochVetoed(uint64 indexed epoch, bytes32 root, address indexed guardian);
    /// @notice `epoch` is final: claims now use `root`, and `networkShare` went to the treasury.
    event EpochFinalized(uint64 indexed epoch, bytes32 root, uint256 cumulativeTotal, uint256 networkShare);
    /// @notice `disputer` posted `bond` against the pending `epoch`, which cannot become final until resolved.
    event EpochDisputed(uint64 indexed epoch, address indexed disputer, uint256 bond);
    /// @notice A guardian resolved the dispute of `epoch`: upheld (vetoed, bond returned and rewarded) or not
    /// (bond forfeited to the treasury, the epoch pending again).
    event DisputeResolved(uint64 indexed epoch, address indexed disputer, bool upheld);
    /// @notice An upheld dispute of `epoch` paid `disputer` `amount` GBT from the pool's unowed part.
    event DisputeRewardPaid(uint64 indexed epoch, address indexed disputer, uint256 amount);
    /// @notice `amount` wei of dispute bonds became withdrawable by `account` (`withdrawBond`).
    event BondCredited(address indexed account, uint256 amount);
    /// @notice `account` withdrew `amount` wei of dispute bonds.
    event BondWithdrawn(address indexed account, uint256 amount);
    /// @notice The final `epoch` (root `root`) was rolled back by `account`; claims use the previous final root
    /// once unpaused. `overpaid` is what claims under the rolled-back root paid beyond the restored total.
    event EpochRolledBack(uint64 indexed epoch, bytes32 root, address indexed account, uint256 overpaid);
    /// @notice The vault takes no more proposals; claims under the final root go on. `successor` receives the
    /// pool's unowed part.
    event Retired(address indexed successor);
    /// @notice `amount` GBT the final roots do not owe moved to the successor of a retired vault.
    event UnowedSwept(address indexed successor, uint256 amount);
    /// @notice A batch entry had nothing due (already paid up to `cumulativeAmount`) and was skipped.
    event ClaimSkipped(address indexed account, uint256 cumulativeAmount);
    /// @notice `account` received `amount` GBT; `cumulativeAmount` is everything it has claimed so far.
    event Claimed(address indexed account, uint256 amount, uint256 cumulativeAmount);
    /// @notice A node's reputation from final `epoch` was recorded on-chain.
    event ReputationRecorded(
        address indexed account,
        uint64 indexed epoch,
        uint16 reputationBps,
        uint64 tasksValidated,
        uint64 tasksFailed,
        uint32 strikes
    );
    /// @notice Epochs proposed from now on wait `challengeWindow` seconds.
    event ChallengeWindowSet(uint64 challengeWindow);
    /// @notice One epoch may add at most `maxEmissionPerEpoch` from now on.
    event MaxEmissionPerEpochSet(uint256 maxEmissionPerEpoch);
    /// @notice Network shares and forfeited bonds go to `treasury` from now on.
    event TreasurySet(address treasury);
    /// @notice A dispute posts `disputeBond` wei from now on.
    event DisputeBondSet(uint256 disputeBond);
    /// @notice An upheld dispute pays `disputeReward` GBT from now on.
    event DisputeRewardSet(uint256 disputeReward);
    /// @notice `account` (a guardian) paused the vault.
    event Paused(address account);
    /// @notice `account` (the admin) unpaused the vault.
    event Unpaused(address account);

    // --- errors ---

    error ZeroAddress();
    error EnforcedPause();
    error ExpectedPause();
    error UnexpectedEpoch(uint64 epoch, uint64 expected);
    error EpochAwaitingFinality(uint64 epoch, uint64 finalAt);
    error NoPendingEpoch();
    error ChallengeWindowOver(uint64 epoch, uint64 finalAt);
    error EmptyRoot();
    error CumulativeTotalDecreased(uint256 cumulativeTotal, uint256 previousTotal);
    error EmissionCapExceeded(uint256 emission, uint256 maxEmissionPerEpoch);
    error InsufficientRewardsPool(uint256 owed, uint256 held);
    error NoFinalEpoch();
    error InvalidProof(address account);
    error LengthMismatch(uint256 states, uint256 proofs);
    error ReputationAlreadyRecorded(address account, uint64 epoch);
    /// @notice Off the local chain the challenge window must be at least `minimum` seconds.
    error ChallengeWindowTooShort(uint64 challengeWindow, uint64 minimum);
    /// @notice Off the local chain proposals are at least one challenge window apart; the next may come at `nextAt`.
    error ProposalTooSoon(uint64 nextAt);
    /// @notice The pending `epoch` is disputed: it cannot become final (or be replaced) until a guardian resolves it.
    error DisputeOpen(uint64 epoch);
    /// @notice `dispute` takes exactly the dispute bond.
    error WrongDisputeBond(uint256 sent, uint256 disputeBond);
    /// @notice No pending epoch is disputed.
    error NoOpenDispute();
    /// @notice The caller has no dispute bond to withdraw.
    error NothingToWithdraw(address account);
    /// @notice Sending `amount` wei to `account` failed (it stays withdrawable).
    error BondTransferFailed(address account, uint256 amount);
    /// @notice The vault is retired: it takes no more proposals.
    error VaultRetired();
    /// @notice Only a retired vault hands its unowed pool on.
    error VaultNotRetired();
    /// @notice The pool holds nothing beyond what the final roots owe.
    error NothingToSweep();

    // --- relayer ---

    /// @notice Proposes the Merkle root of every node's cumulative state at the end of `epoch`.
    /// @dev Only relayers, not while paused or retired. Finalizes the previous pending epoch first if its window is
    /// over (and reverts with `DisputeOpen` while it is disputed). With a zero challenge window the epoch is final at
    /// once. Off the local chain (chain id 31337) a proposal comes at least one challenge window after the previous
    /// one, vetoed and disputed ones included, so `maxEmissionPerEpoch` caps emission per challenge window.
    /// @param epoch Must be the newest final epoch + 1 (after a roll-back: the rolled-back epoch's id again).
    /// @param root Merkle root over `NodeState` leaves.
    /// @param cumulativeTotal Sum of every leaf's `cumulativeAmount`; never decreases.
    /// @param networkShare The network's 25% of this epoch's task rewards, sent to the treasury on finality.
    /// @param contentHash Hash of the relayer's published epoch file (every leaf), which watchers rebuild the root
    /// from.
    function proposeEpoch(
        uint64 epoch,
        bytes32 root,
        uint256 cumulativeTotal,
        uint256 networkShare,
        bytes32 contentHash
    ) external;

    // --- anyone ---

    /// @notice Makes the pending epoch final once its challenge window is over and pays its network share.
    /// @dev Reverts with `DisputeOpen` while the epoch is disputed.
    function finalizeEpoch() external;

    /// @notice Disputes the pending `epoch` inside its challenge window, posting exactly `disputeBond()` wei; finality
    /// waits until a guardian resolves it (`resolveDispute`). Anyone may call (a watcher that found a bad root).
    /// @dev One dispute at a time; a rejected dispute leaves the epoch open to another one inside its window.
    function dispute(uint64 epoch) external payable;

    /// @notice Pays `state.account` what it earned up to the newest final epoch minus what it already claimed.
    /// @dev Anyone may call; the tokens always go to `state.account`. Nothing due reverts (`NothingToClaim`).
    /// @return amount The GBT paid now.
    function claim(NodeState calldata state, bytes32[] calldata proof) external returns (uint256 amount);

    /// @notice `claim` for many accounts in one transaction. An entry with nothing due (already claimed, perhaps by
    /// someone just ahead of this batch) is skipped with `ClaimSkipped`, so one early claim cannot sink a keeper's
    /// batch. An invalid proof still reverts the batch: nobody else can make a valid proof invalid (only a new final
    /// root can, and then every proof of the batch is stale), so it means the batch was built wrong.
    /// @return total The GBT paid in all.
    function claimMany(NodeState[] calldata states, bytes32[][] calldata proofs) external returns (uint256 total);

    /// @notice Records `state`'s reputation, proven against the newest final root, for cheap reads by any contract.
    /// @dev Once per node and final epoch; a record made before a roll-back may be recorded again from the current
    /// final root at once (it may come from a rolled-back root).
    function recordReputation(NodeState calldata state, bytes32[] calldata proof) external;

    /// @notice Sends the caller the dispute bonds credited to it (returned, or forfeited to the treasury).
    /// @dev Pull payment: an account that rejects native currency cannot block a dispute's resolution.
    function withdrawBond() external;

    /// @notice Moves the retired vault's pool beyond what the final root still owes to its successor. Anyone may
    /// call, again whenever more GBT arrives (e.g. InferenceCredits' node share).
    function sweepUnowed() external;

    // --- guardian ---

    /// @notice Vetoes the pending epoch during its challenge window, at any time while paused, and a disputed
    /// epoch at any time (which upholds the dispute). Only guardians.
    function vetoEpoch() external;

    /// @notice Resolves the open dispute. Only guardians.
    /// @param upheld True: the epoch is vetoed; the disputer's bond is returned plus `disputeReward` GBT from the
    /// pool's unowed part (less if the unowed part is smaller). False: the bond is forfeited to the treasury and the
    /// epoch is pending again (final at once if its window is over and the vault is not paused).
    function resolveDispute(bool upheld) external;

    /// @notice Stops proposals, finalization, claims and reputation records. Only guardians.
    function pause() external;

    /// @notice While paused, rolls the claim root back from the newest final epoch to the one before it (repeat to
    /// go further back). Only guardians or the admin.
    /// @dev The rolled-back epoch becomes `RolledBack`, a pending epoch proposed on top of it is vetoed, the payout
    /// allowance shrinks by the rolled-back increase (never below zero: what was claimed under the bad root is gone,
    /// counted in `overpaidByRolledBackRoots`), the network share already sent to the treasury stays there, and the
    /// next proposal carries the rolled-back epoch's id again. Reverts with `NoFinalEpoch` when none is left.
    function rollBack() external;

    // --- admin ---

    /// @notice Resumes after a pause (claims use the newest final root, the one rolled back to if any). Only the
    /// admin.
    function unpause() external;

    /// @notice Irreversibly retires the vault for an upgrade: no more proposals (a pending epoch is vetoed), while
    /// claims under the final root go on; `sweepUnowed` then hands the unowed pool to `successor`. Only the admin.
    function retire(address successor) external;

    /// @notice Sets the challenge window for epochs proposed from now on (and the minimum interval between
    /// proposals). At least `MIN_CHALLENGE_WINDOW` off the local chain. Only the admin.
    function setChallengeWindow(uint64 challengeWindow) external;

    /// @notice Sets the cap on what one epoch may add (node increase + network share). Only the admin.
    function setMaxEmissionPerEpoch(uint256 maxEmissionPerEpoch) external;

    /// @notice Sets where network shares and forfeited bonds go. Only the admin.
    function setTreasury(address treasury) external;

    /// @notice Sets the native-currency bond (wei) a dispute posts from now on. Only the admin.
    function setDisputeBond(uint256 disputeBond) external;

    /// @notice Sets the GBT an upheld dispute pays its disputer. Only the admin.
    function setDisputeReward(uint256 disputeReward) external;

    // --- views ---

    /// @notice Epoch `epoch` as stored (a vetoed epoch keeps its last proposal until proposed again).
    function getEpoch(uint64 epoch) external view returns (Epoch memory);

    /// @notice The epoch awaiting finality (pending or disputed), or 0.
    function pendingEpoch() external view returns (uint64);

    /// @notice Who disputed the pending epoch and the bond posted (zero when no dispute is open).
    function openDispute() external view returns (address disputer, uint256 bond);

    /// @notice Dispute bonds (wei) `account` can withdraw.
    function withdrawableBond(address account) external view returns (uint256);

    /// @notice The newest final epoch's root, which claims are checked against (even while paused, for display).
    function finalRoot() external view returns (bytes32);

    /// @notice Node rewards paid out in total.
    function totalClaimed() external view returns (uint256);

    /// @notice Cumulative GBT already paid to `account`.
    function claimed(address account) external view returns (uint256);

    /// @notice Whether the vault is paused.
    function paused() external view returns (bool);

    /// @notice Where a retired vault's unowed pool goes; zero while the vault is not retired.
    function successor() external view returns (address);
}
