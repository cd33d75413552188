// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {GitBlockToken} from "../../contracts/GitBlockToken.sol";
import {RewardsVault} from "../../contracts/RewardsVault.sol";
import {IRewardsVault} from "../../contracts/interfaces/IRewardsVault.sol";
import {NodeState} from "../../contracts/libraries/NodeStateLib.sol";
import {Fixture} from "./utils/Fixture.sol";
import {Merkle} from "./utils/Merkle.sol";
import {vm} from "./utils/Vm.sol";

/// @notice What the invariant fuzzer drives: a relayer proposing growing cumulative states for four nodes, time
/// passing, finalization, guardian vetoes and pauses, admin unpauses, claims with correct proofs, transfers, and
/// unauthorized attempts that must all fail. Ghost variables mirror what the vault should hold.
contract VaultHandler {
    uint256 internal constant NODES = 4;
    uint256 internal constant MAX_INCREASE = 300_000e18;
    uint256 internal constant MAX_SHARE = 50_000e18;

    GitBlockToken public immutable token;
    RewardsVault public immutable vault;
    address public immutable relayer;
    address public immutable guardian;
    address public immutable admin;

    address[NODES] public nodes;
    address[3] public strangers;

    // --- model of the vault ---
    uint64 public ghostFinalEpoch;
    uint256[NODES] public finalCum;
    uint256 public finalTotal;
    uint64 public finalTag;

    bool public hasPending;
    uint64 public pendingFinalAt;
    uint256[NODES] public pendingCum;
    uint256 public pendingTotal;
    uint256 public pendingShare;
    uint64 public pendingTag;
    bytes32 public pendingRoot;

    struct Vetoed {
        bytes32 root;
        uint64 tag;
        uint256[NODES] cum;
    }

    Vetoed[] internal _vetoed;
    uint64 internal _proposalCount;

    // --- ghosts ---
    uint256[NODES] public ghostReceived;
    uint256 public ghostSharesPaid;
    uint256 public ghostUnauthorizedSuccesses;
    uint256 public ghostVetoedPaid;
    uint256 public ghostPausedMoves;
    uint256 public ghostClaimMismatches;
    uint256 public ghostClaimLivenessFailures;
    uint256 public ghostModelDivergences;
    uint256 public ghostMaxEmission;
    uint256 public calls;
    uint256 public successfulProposals;
    uint256 public successfulClaims;
    uint256 public successfulVetoes;

    constructor(GitBlockToken token_, RewardsVault vault_, address relayer_, address guardian_, address admin_) {
        token = token_;
        vault = vault_;
        relayer = relayer_;
        guardian = guardian_;
        admin = admin_;
        for (uint256 i; i < NODES; ++i) {
            nodes[i] = vm.addr(0xA000 + i);
        }
        for (uint256 i; i < 3; ++i) {
            strangers[i] = vm.addr(0xB000 + i);
        }
    }

    /// @dev Every action: nothing may leave the vault while it is paused, and the model must match the vault.
    modifier tracked() {
        ++calls;
        bool wasPaused = vault.paused();
        uint256 vaultBefore = token.balanceOf(address(vault));
        uint256 allowanceBefore = token.payoutAllowance();
        _;
        if (wasPaused && (token.balanceOf(address(vault)) != vaultBefore || token.payoutAllowance() != allowanceBefore)) {
            ++ghostPausedMoves;
        }
        if (vault.latestFinalEpoch() != ghostFinalEpoch) ++ghostModelDivergences;
        if (vault.latestFinalEpoch() != 0 && vault.finalRoot() != _root(finalCum, finalTag)) ++ghostModelDivergences;
    }

    // --- relayer ---

    function propose(uint256 seed, uint256 shareSeed, bool understate) external tracked {
        if (hasPending && block.timestamp < pendingFinalAt && seed % 2 == 0) vm.warp(pendingFinalAt);
        bool pendingDue = hasPending && block.timestamp >= pendingFinalAt;
        if (hasPending && !pendingDue) {
            // The vault must refuse while the window is open.
            vm.prank(relayer);
            try vault.proposeEpoch(ghostFinalEpoch + 1, keccak256("x"), pendingTotal, 0, bytes32(0)) {
                ++ghostModelDivergences;
            } catch {}
            return;
        }
        uint256[NODES] memory base = pendingDue ? pendingCum : finalCum;
        uint256 baseTotal = pendingDue ? pendingTotal : finalTotal;
        uint64 epoch = ghostFinalEpoch + (pendingDue ? 2 : 1);

        uint256[NODES] memory cum;
        uint256 sum;
        for (uint256 i; i < NODES; ++i) {
            cum[i] = base[i] + uint256(keccak256(abi.encode(seed, i))) % MAX_INCREASE;
            sum += cum[i];
        }
        uint256 total = sum;
        if (understate) {
            uint256 cut = seed % (sum - baseTotal + 1);
            total = sum - cut;
        }
        uint256 share = shareSeed % MAX_SHARE;
        uint64 tag = ++_proposalCount;
        bytes32 root = _root(cum, tag);

        vm.prank(relayer);
        try vault.proposeEpoch(epoch, root, total, share, bytes32(uint256(tag))) {
            ++successfulProposals;
            if (pendingDue) _applyFinal();
            hasPending = true;
            pendingFinalAt = uint64(block.timestamp) + vault.challengeWindow();
            pendingCum = cum;
            pendingTotal = total;
            pendingShare = share;
            pendingTag = tag;
            pendingRoot = root;
            if (pendingFinalAt == block.timestamp) _applyFinal();
        } catch {}
    }

    // --- anyone ---

    function warp(uint256 dt) external tracked {
        vm.warp(block.timestamp + dt % (2 hours));
    }

    function finalize() external tracked {
        try vault.finalizeEpoch() {
            _applyFinal();
        } catch {}
    }

    function claim(uint256 nodeSeed, uint256 callerSeed) external tracked {
        if (ghostFinalEpoch == 0) return;
        uint256 i = nodeSeed % NODES;
        NodeState[] memory states = _states(finalCum, finalTag);
        uint256 due = finalCum[i] - token.rewardsClaimed(nodes[i]);
        bool shouldPay = !vault.paused() && due != 0 && due <= token.payoutAllowance();
        vm.prank(_anyone(callerSeed));
        try vault.claim(states[i], Merkle.proof(Merkle.leaves(states), i)) returns (uint256 amount) {
            ++successfulClaims;
            ghostReceived[i] += amount;
            if (amount != due) ++ghostClaimMismatches;
        } catch {
            if (shouldPay) ++ghostClaimLivenessFailures;
        }
    }

    function claimMany(uint256 mask) external tracked {
        if (ghostFinalEpoch == 0) return;
        NodeState[] memory all = _states(finalCum, finalTag);
        bytes32[] memory hashes = Merkle.leaves(all);
        uint256 count;
        for (uint256 i; i < NODES; ++i) {
            if ((mask >> i) & 1 == 1) ++count;
        }
        NodeState[] memory states = new NodeState[](count);
        bytes32[][] memory proofs = new bytes32[][](count);
        uint256[] memory idx = new uint256[](count);
        uint256[] memory before = new uint256[](count);
        uint256 k;
        for (uint256 i; i < NODES; ++i) {
            if ((mask >> i) & 1 == 1) {
                states[k] = all[i];
                proofs[k] = Merkle.proof(hashes, i);
                idx[k] = i;
                before[k] = token.rewardsClaimed(nodes[i]);
                ++k;
            }
        }
        try vault.claimMany(states, proofs) returns (uint256 total) {
            uint256 sum;
            for (uint256 j; j < count; ++j) {
                uint256 got = token.rewardsClaimed(nodes[idx[j]]) - before[j];
                ghostReceived[idx[j]] += got;
                sum += got;
                if (got != finalCum[idx[j]] - before[j]) ++ghostClaimMismatches;
            }
            if (sum != total) ++ghostClaimMismatches;
            if (count != 0) ++successfulClaims;
        } catch {}
    }

    /// Tries to claim with a correct proof against a root that a guardian vetoed.
    function claimVetoed(uint256 which, uint256 nodeSeed) external tracked {
        if (_vetoed.length == 0) return;
        Vetoed storage v = _vetoed[which % _vetoed.length];
        uint256 i = nodeSeed % NODES;
        NodeState[] memory states = _states(v.cum, v.tag);
        try vault.claim(states[i], Merkle.proof(Merkle.leaves(states), i)) returns (uint256 amount) {
            ghostVetoedPaid += amount + 1;
        } catch {}
    }

    function recordReputation(uint256 nodeSeed) external tracked {
        if (ghostFinalEpoch == 0) return;
        uint256 i = nodeSeed % NODES;
        NodeState[] memory states = _states(finalCum, finalTag);
        try vault.recordReputation(states[i], Merkle.proof(Merkle.leaves(states), i)) {
            if (vault.reputationOf(nodes[i]).epoch != ghostFinalEpoch) ++ghostModelDivergences;
        } catch {}
    }

    function transfer(uint256 fromSeed, uint256 toSeed, uint256 amount) external tracked {
        address from = nodes[fromSeed % NODES];
        address to = nodes[toSeed % NODES];
        uint256 claimedFrom = token.rewardsClaimed(from);
        uint256 claimedTo = token.rewardsClaimed(to);
        amount = amount % (token.balanceOf(from) + 1);
        vm.prank(from);
        token.transfer(to, amount);
        if (token.rewardsClaimed(from) != claimedFrom || token.rewardsClaimed(to) != claimedTo) {
            ++ghostModelDivergences;
        }
    }

    // --- guardian / admin ---

    function veto() external tracked {
        vm.prank(guardian);
        try vault.vetoEpoch() {
            ++successfulVetoes;
            Vetoed storage v = _vetoed.push();
            v.root = pendingRoot;
            v.tag = pendingTag;
            v.cum = pendingCum;
            hasPending = false;
        } catch {}
    }

    /// @dev Pauses one time in four, so that most of each run is spent unpaused.
    function pause(uint256 seed) external tracked {
        if (seed % 4 != 0) return;
        vm.prank(guardian);
        try vault.pause() {} catch {}
    }

    function unpause() external tracked {
        vm.prank(admin);
        try vault.unpause() {} catch {}
    }

    function setChallengeWindow(bool zero) external tracked {
        vm.prank(admin);
        vault.setChallengeWindow(zero ? 0 : 1 hours);
    }

    // --- unauthorized attempts: none may succeed ---

    function unauthorizedPropose(uint256 callerSeed, uint256 total) external tracked {
        address caller = _notRole(vault.RELAYER_ROLE(), callerSeed);
        vm.prank(caller);
        try vault.proposeEpoch(ghostFinalEpoch + 1, keccak256(abi.encode(total)), finalTotal + total % 1e24, 0, 0) {
            ++ghostUnauthorizedSuccesses;
        } catch {}
    }

    function unauthorizedVeto(uint256 callerSeed) external tracked {
        address caller = _notRole(vault.GUARDIAN_ROLE(), callerSeed);
        vm.prank(caller);
        try vault.vetoEpoch() {
            ++ghostUnauthorizedSuccesses;
        } catch {}
        vm.prank(caller);
        try vault.pause() {
            ++ghostUnauthorizedSuccesses;
        } catch {}
    }

    function unauthorizedAdmin(uint256 callerSeed) external tracked {
        address caller = _notRole(vault.DEFAULT_ADMIN_ROLE(), callerSeed);
        vm.prank(caller);
        try vault.unpause() {
            ++ghostUnauthorizedSuccesses;
        } catch {}
        vm.prank(caller);
        try vault.setMaxEmissionPerEpoch(type(uint256).max) {
            ++ghostUnauthorizedSuccesses;
        } catch {}
    }

    function unauthorizedPayReward(uint256 callerSeed, uint256 nodeSeed, uint256 amount) external tracked {
        address caller = _anyone(callerSeed);
        vm.prank(caller);
        try token.payReward(nodes[nodeSeed % NODES], amount) {
            ++ghostUnauthorizedSuccesses;
        } catch {}
        vm.prank(caller);
        try token.increasePayoutAllowance(amount) {
            ++ghostUnauthorizedSuccesses;
        } catch {}
    }

    // --- views for the invariants ---

    function nodeCount() external pure returns (uint256) {
        return NODES;
    }

    function vetoedCount() external view returns (uint256) {
        return _vetoed.length;
    }

    function vetoedRoot(uint256 i) external view returns (bytes32) {
        return _vetoed[i].root;
    }

    // --- internal ---

    function _applyFinal() internal {
        uint256 emission = pendingTotal - finalTotal + pendingShare;
        if (emission > ghostMaxEmission) ghostMaxEmission = emission;
        ++ghostFinalEpoch;
        finalCum = pendingCum;
        finalTotal = pendingTotal;
        finalTag = pendingTag;
        ghostSharesPaid += pendingShare;
        hasPending = false;
    }

    function _states(uint256[NODES] memory cum, uint64 tag) internal view returns (NodeState[] memory states) {
        states = new NodeState[](NODES);
        for (uint256 i; i < NODES; ++i) {
            states[i] = NodeState({
                account: nodes[i],
                cumulativeAmount: cum[i],
                reputationBps: uint16(5_000 + i),
                tasksValidated: tag,
                tasksFailed: uint64(i),
                strikes: 0
            });
        }
    }

    function _root(uint256[NODES] memory cum, uint64 tag) internal view returns (bytes32) {
        return Merkle.root(Merkle.leaves(_states(cum, tag)));
    }

    function _anyone(uint256 seed) internal view returns (address) {
        uint256 pick = seed % 7;
        if (pick < 3) return strangers[pick];
        if (pick < 6) return nodes[pick - 3];
        return admin;
    }

    function _notRole(bytes32 role, uint256 seed) internal view returns (address caller) {
        address[7] memory candidates = [strangers[0], strangers[1], nodes[0], nodes[1], relayer, guardian, admin];
        for (uint256 k; k < 7; ++k) {
            caller = candidates[(seed + k) % 7];
            if (!vault.hasRole(role, caller)) return caller;
        }
        revert("no unprivileged caller");
    }
}

/// @notice System invariants of the vault and token under random sequences of handler actions.
contract RewardsVaultInvariantTest is Fixture {
    VaultHandler internal handler;

    function setUp() public {
        _deploy(WINDOW, CAP);
        handler = new VaultHandler(token, vault, relayer, guardian, admin);
        vm.label(address(handler), "handler");

        // Weighted: proposals, warps and claims drive the interesting paths.
        bytes4[] memory selectors = new bytes4[](22);
        selectors[0] = VaultHandler.propose.selector;
        selectors[1] = VaultHandler.propose.selector;
        selectors[2] = VaultHandler.propose.selector;
        selectors[3] = VaultHandler.warp.selector;
        selectors[4] = VaultHandler.warp.selector;
        selectors[5] = VaultHandler.finalize.selector;
        selectors[6] = VaultHandler.claim.selector;
        selectors[7] = VaultHandler.claim.selector;
        selectors[8] = VaultHandler.claim.selector;
        selectors[9] = VaultHandler.claimMany.selector;
        selectors[10] = VaultHandler.claimVetoed.selector;
        selectors[11] = VaultHandler.recordReputation.selector;
        selectors[12] = VaultHandler.transfer.selector;
        selectors[13] = VaultHandler.veto.selector;
        selectors[14] = VaultHandler.pause.selector;
        selectors[15] = VaultHandler.unpause.selector;
        selectors[16] = VaultHandler.setChallengeWindow.selector;
        selectors[17] = VaultHandler.unauthorizedPropose.selector;
        selectors[18] = VaultHandler.unauthorizedVeto.selector;
        selectors[19] = VaultHandler.unauthorizedAdmin.selector;
        selectors[20] = VaultHandler.unauthorizedPayReward.selector;
        selectors[21] = VaultHandler.claimMany.selector;
        targetContract(address(handler));
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    function _finalTotal() internal view returns (uint256) {
        uint64 latest = vault.latestFinalEpoch();
        return latest == 0 ? 0 : vault.getEpoch(latest).cumulativeTotal;
    }

    /// total paid <= newest final cumulative total <= what the vault ever received (less the network shares).
    function invariant_PaidBoundedByFinalTotalAndFunds() public view {
        // Paid, counted from balances alone (every token that left the vault is a claim or a network share).
        uint256 paid = POOL - token.balanceOf(address(vault)) - handler.ghostSharesPaid();
        uint256 finalTotal = _finalTotal();
        assertEq(vault.totalClaimed(), paid, "totalClaimed == paid");
        assertEq(token.payoutAllowance(), finalTotal - paid, "allowance == final total - paid");
        assertLe(paid, finalTotal, "paid <= final cumulative total");
        assertLe(finalTotal + handler.ghostSharesPaid(), POOL, "final total + shares <= pool");
        assertGe(token.balanceOf(address(vault)), token.payoutAllowance(), "vault solvent for the final root");
        assertEq(finalTotal, handler.finalTotal(), "model final total");
    }

    /// No account ever received more than its cumulative amount in the newest final root, and each claim paid
    /// exactly what was due.
    function invariant_AccountsNeverExceedCumulative() public view {
        uint256 sum;
        for (uint256 i; i < handler.nodeCount(); ++i) {
            address node = handler.nodes(i);
            uint256 received = token.rewardsClaimed(node);
            assertEq(received, handler.ghostReceived(i), "claim record == ghost received");
            assertLe(received, handler.finalCum(i), "received <= final cumulative");
            sum += received;
        }
        assertEq(sum, POOL - token.balanceOf(address(vault)) - handler.ghostSharesPaid(), "sum of claims == total paid");
        assertEq(handler.ghostClaimMismatches(), 0, "a claim paid other than cumulative - claimed");
        assertEq(handler.ghostClaimLivenessFailures(), 0, "a due, in-limit claim was refused");
        assertEq(handler.ghostModelDivergences(), 0, "vault diverged from the model");
    }

    /// The supply is fixed and every token is held by a tracked account.
    function invariant_SupplyConstantAndBalancesConsistent() public view {
        assertEq(token.totalSupply(), 1_000_000_000e18, "total supply");
        uint256 sum = token.balanceOf(address(vault)) + token.balanceOf(treasury) + token.balanceOf(address(vesting))
            + token.balanceOf(address(airdrop));
        for (uint256 i; i < handler.nodeCount(); ++i) {
            sum += token.balanceOf(handler.nodes(i));
        }
        assertEq(sum, token.totalSupply(), "sum of tracked balances");
        assertEq(token.balanceOf(treasury), 300_000_000e18 + handler.ghostSharesPaid(), "treasury got the shares");
    }

    /// Only relayers proposed, only guardians vetoed or paused, only the admin unpaused, only the vault paid.
    function invariant_OnlyAuthorizedRolesActed() public view {
        assertEq(handler.ghostUnauthorizedSuccesses(), 0, "an unauthorized call succeeded");
    }

    /// Each final epoch added at most the emission cap (node increase + network share).
    function invariant_EmissionPerEpochCapped() public view {
        uint64 latest = vault.latestFinalEpoch();
        uint256 previous;
        for (uint64 e = 1; e <= latest; ++e) {
            IRewardsVault.Epoch memory ep = vault.getEpoch(e);
            assertEq(uint256(ep.status), uint256(IRewardsVault.EpochStatus.Final), "final epochs stay final");
            assertGe(ep.cumulativeTotal, previous, "cumulative total monotone");
            assertLe(ep.cumulativeTotal - previous + ep.networkShare, CAP, "emission <= cap");
            previous = ep.cumulativeTotal;
        }
        assertLe(handler.ghostMaxEmission(), CAP, "ghost emission <= cap");
    }

    /// Nothing left the vault during any action that started while it was paused.
    function invariant_NothingMovesWhilePaused() public view {
        assertEq(handler.ghostPausedMoves(), 0, "tokens moved while paused");
    }

    /// A vetoed root is never final and never paid.
    function invariant_VetoedRootsNeverPaid() public view {
        assertEq(handler.ghostVetoedPaid(), 0, "a vetoed root paid");
        bytes32 root = vault.finalRoot();
        for (uint256 i; i < handler.vetoedCount(); ++i) {
            assertNotEq(handler.vetoedRoot(i), root, "vetoed root became final");
        }
    }
}
