// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {NodeState} from "../libraries/NodeStateLib.sol";
import {IGitBlockReputation} from "./IGitBlockReputation.sol";

/// @title IRewardsVault
/// @notice Holds the node rewards pool, settles one Merkle root of every node's cumulative state per epoch,
/// pays claims against the newest final root and records proven reputation.
interface IRewardsVault is IGitBlockReputation {
    enum EpochStatus {
        None,
        Pending,
        Final,
        Vetoed
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
    /// @notice A guardian vetoed the pending `epoch`; the relayer may propose it again.
    event EpochVetoed(uint64 indexed epoch, bytes32 root, address indexed guardian);
    /// @notice `epoch` is final: claims now use `root`, and `networkShare` went to the treasury.
    event EpochFinalized(uint64 indexed epoch, bytes32 root, uint256 cumulativeTotal, uint256 networkShare);
    /// @notice `account` received `amount` GBT; `cumulativeAmount` is everything it has claimed so far.
    event Claimed(address indexed account, uint256 amount, uint256 cumulativeAmount);
    /// @notice A node's reputation from final `epoch` was recorded on-chain.
    event ReputationRecorded(
        address indexed account, uint64 indexed epoch, uint16 reputationBps, uint64 tasksValidated, uint64 tasksFailed, uint32 strikes
    );
    event ChallengeWindowSet(uint64 challengeWindow);
    event MaxEmissionPerEpochSet(uint256 maxEmissionPerEpoch);
    event TreasurySet(address treasury);
    event Paused(address account);
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

    // --- relayer ---

    /// @notice Proposes the Merkle root of every node's cumulative state at the end of `epoch`.
    /// @dev Only relayers, not while paused. Finalizes the previous pending epoch first if its window is over.
    /// With a zero challenge window the epoch is final at once.
    /// @param epoch Must be the newest final epoch + 1.
    /// @param root Merkle root over `NodeState` leaves.
    /// @param cumulativeTotal Sum of every leaf's `cumulativeAmount`; never decreases.
    /// @param networkShare The network's 25% of this epoch's task rewards, sent to the treasury on finality.
    /// @param contentHash Hash of the off-chain epoch data (the relayer's epoch file) for audits.
    function proposeEpoch(uint64 epoch, bytes32 root, uint256 cumulativeTotal, uint256 networkShare, bytes32 contentHash)
        external;

    // --- anyone ---

    /// @notice Makes the pending epoch final once its challenge window is over and pays its network share.
    function finalizeEpoch() external;

    /// @notice Pays `state.account` what it earned up to the newest final epoch minus what it already claimed.
    /// @dev Anyone may call; the tokens always go to `state.account`.
    /// @return amount The GBT paid now.
    function claim(NodeState calldata state, bytes32[] calldata proof) external returns (uint256 amount);

    /// @notice `claim` for many accounts in one transaction; reverts as a whole if any claim fails.
    /// @return total The GBT paid in all.
    function claimMany(NodeState[] calldata states, bytes32[][] calldata proofs) external returns (uint256 total);

    /// @notice Records `state`'s reputation, proven against the newest final root, for cheap reads by any contract.
    function recordReputation(NodeState calldata state, bytes32[] calldata proof) external;

    // --- guardian ---

    /// @notice Vetoes the pending epoch during its challenge window, or at any time while paused. Only guardians.
    function vetoEpoch() external;

    /// @notice Stops proposals, finalization, claims and reputation records. Only guardians.
    function pause() external;

    // --- admin ---

    /// @notice Resumes after a pause. Only the admin.
    function unpause() external;

    /// @notice Sets the challenge window for epochs proposed from now on. Only the admin.
    function setChallengeWindow(uint64 challengeWindow) external;

    /// @notice Sets the cap on what one epoch may add (node increase + network share). Only the admin.
    function setMaxEmissionPerEpoch(uint256 maxEmissionPerEpoch) external;

    /// @notice Sets where network shares go. Only the admin.
    function setTreasury(address treasury) external;

    // --- views ---

    /// @notice Epoch `epoch` as stored (a vetoed epoch keeps its last proposal until proposed again).
    function getEpoch(uint64 epoch) external view returns (Epoch memory);

    /// @notice The epoch awaiting finality, or 0.
    function pendingEpoch() external view returns (uint64);

    /// @notice The newest final epoch's root, which claims are checked against (even while paused, for display).
    function finalRoot() external view returns (bytes32);

    /// @notice Node rewards paid out in total.
    function totalClaimed() external view returns (uint256);

    /// @notice Cumulative GBT already paid to `account`.
    function claimed(address account) external view returns (uint256);

    /// @notice Whether the vault is paused.
    function paused() external view returns (bool);
}
