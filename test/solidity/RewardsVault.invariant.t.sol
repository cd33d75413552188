// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {GitBlockToken} from "../../contracts/GitBlockToken.sol";
import {RewardsVault} from "../../contracts/RewardsVault.sol";
import {IRewardsVault} from "../../contracts/interfaces/IRewardsVault.sol";
import {NodeState} from "../../contracts/libraries/NodeStateLib.sol";
import {Fixture} from "./utils/Fixture.sol";
import {Merkle} from "./utils/Merkle.sol";
import {vm} from "./utils/Vm.sol";

/// @notice What the invariant fuzzer drives: a relayer proposing growing cumulative states for four nodes, and
/// redistributing ones (the review's attack) that a watcher disputes at once, as the watcher does for every root that
/// moves an account backwards; time passing, finalization, wrong disputes, guardian resolutions, vetoes, pauses and
/// roll-backs, admin unpauses and retirement, sweeps, bond withdrawals, claims with correct proofs, GBT deposits into
/// the pool, transfers, and unauthorized attempts that must all fail. Ghost variables mirror what the vault should
/// hold.
contract VaultHandler {
    uint256 internal constant NODES = 4;
    uint256 internal constant MAX_INCREASE = 300_000e18;
    uint256 internal constant MAX_SHARE = 50_000e18;

    GitBlockToken public immutable token;
    RewardsVault public immutable vault;
    address public immutable relayer;
    address public immutable guardian;
    address public immutable admin;
    address public immutable treasury;

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

    /// A final state, kept so that a roll-back can restore the one before it.
    struct Final {
        uint256[NODES] cum;
        uint256 total;
        uint64 tag;
    }

    Vetoed[] internal _vetoed;
    uint64 internal _proposalCount;
    mapping(uint64 epoch => Final) internal _finals;

    address public immutable watcher;
    address public immutable successor;
    uint256 public immutable bond;
    /// The pending epoch moves an account backwards (proposed by `proposeRedistribution`).
    bool public pendingBad;
    bool public pendingDisputed;
    bool public retired;

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
    uint256 public ghostDeposits;
    uint256 public ghostBackwardFinalizations;
    uint256[NODES] public ghostMaxFinalCum;
    uint256 public successfulDisputes;
    uint256 public successfulRollBacks;
    uint256 public calls;
    uint256 public successfulProposals;
    uint256 public successfulClaims;
    uint256 public successfulVetoes;

    constructor(
        GitBlockToken token_,
        RewardsVault vault_,
        address relayer_,
        address guardian_,
        address admin_,
        address treasury_
    ) {
        token = token_;
        vault = vault_;
        relayer = relayer_;
        guardian = guardian_;
        admin = admin_;
        treasury = treasury_;
        watcher = vm.addr(0xC000);
        successor = vm.addr(0xC001);
        bond = vault_.disputeBond();
        for (uint256 i; i < NODES; ++i) {
            nodes[i] = vm.addr(0xA000 + i);
        }
        for (uint256 i; i < 3; ++i) {
            strangers[i] = vm.addr(0xB000 + i);
        }
    }

    /// @dev Every action: nothing owed may move while the vault is paused (no claim paid, no epoch final, no allowance
    /// granted), and the model must match the vault.
    modifier tracked() {
        ++calls;
        bool wasPaused = vault.paused();
        uint256 claimedBefore = _claimedByNodes();
        uint256 allowanceBefore = token.payoutAllowance();
        uint64 finalBefore = vault.latestFinalEpoch();
        _;
        if (
            wasPaused
                && (_claimedByNodes() != claimedBefore
                    || token.payoutAllowance() > allowanceBefore
                    || vault.latestFinalEpoch() > finalBefore)
        ) {
            ++ghostPausedMoves;
        }
        if (vault.latestFinalEpoch() != ghostFinalEpoch) ++ghostModelDivergences;
        if (vault.latestFinalEpoch() != 0 && vault.finalRoot() != _root(finalCum, finalTag)) ++ghostModelDivergences;
        if (vault.pendingEpoch() != (hasPending ? ghostFinalEpoch + 1 : 0)) ++ghostModelDivergences;
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
            pendingBad = false;
            pendingDisputed = false;
            if (pendingFinalAt == block.timestamp) _applyFinal();
        } catch {}
    }

    /// The review's attack: the same cumulative total, one node's unclaimed GBT moved onto another. The watcher
    /// rebuilds the root from the published epoch file and disputes it at once (real chains' windows are a day or more;
    /// with the local zero window a proposal is final at once and there is nothing to dispute, so none is made).
    function proposeRedistribution(uint256 fromSeed, uint256 toSeed) external tracked {
        if (hasPending || vault.challengeWindow() == 0) return;
        uint256 from = fromSeed % NODES;
        uint256 to = (from + 1 + toSeed % (NODES - 1)) % NODES;
        uint256 claimedFrom = token.rewardsClaimed(nodes[from]);
        if (finalCum[from] <= claimedFrom) return;
        uint256[NODES] memory cum = finalCum;
        uint256 moved = finalCum[from] - claimedFrom;
        cum[from] -= moved;
        cum[to] += moved;
        uint64 tag = ++_proposalCount;
        bytes32 root = _root(cum, tag);
        uint64 epoch = ghostFinalEpoch + 1;
        vm.prank(relayer);
        try vault.proposeEpoch(epoch, root, finalTotal, 0, bytes32(uint256(tag))) {
            ++successfulProposals;
            hasPending = true;
            pendingFinalAt = uint64(block.timestamp) + vault.challengeWindow();
            pendingCum = cum;
            pendingTotal = finalTotal;
            pendingShare = 0;
            pendingTag = tag;
            pendingRoot = root;
            pendingBad = true;
            pendingDisputed = false;
        } catch {
            return;
        }
        vm.prank(watcher);
        try vault.dispute{value: bond}(epoch) {
            ++successfulDisputes;
            pendingDisputed = true;
        } catch {
            ++ghostModelDivergences; // inside the window a dispute with the bond must be taken
        }
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

    /// A wrong dispute of an honest pending epoch (a guardian will reject it).
    function disputeHonest() external tracked {
        if (!hasPending || pendingBad || pendingDisputed) return;
        vm.prank(watcher);
        try vault.dispute{value: bond}(ghostFinalEpoch + 1) {
            ++successfulDisputes;
            pendingDisputed = true;
        } catch {}
    }

    /// A user sends GBT into the pool.
    function deposit(uint256 amount) external tracked {
        amount = amount % 1_000_000e18;
        vm.prank(treasury);
        token.transfer(address(vault), amount);
        ghostDeposits += amount;
    }

    function withdrawBonds() external tracked {
        vm.prank(watcher);
        try vault.withdrawBond() {} catch {}
        vm.prank(treasury);
        try vault.withdrawBond() {} catch {}
    }

    function sweep() external tracked {
        try vault.sweepUnowed() {} catch {}
    }

    function claim(uint256 nodeSeed, uint256 callerSeed) external tracked {
        if (ghostFinalEpoch == 0) return;
        uint256 i = nodeSeed % NODES;
        NodeState[] memory states = _states(finalCum, finalTag);
        uint256 due = _due(i);
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
                if (got != (finalCum[idx[j]] > before[j] ? finalCum[idx[j]] - before[j] : 0)) ++ghostClaimMismatches;
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
            _dropPending();
        } catch {}
    }

    /// The guardian judges the open dispute rightly: upheld exactly when the root moves an account backwards.
    function resolve() external tracked {
        if (!pendingDisputed) return;
        bool upheld = pendingBad;
        vm.prank(guardian);
        try vault.resolveDispute(upheld) {
            if (upheld) {
                _dropPending();
            } else {
                pendingDisputed = false;
                if (block.timestamp >= pendingFinalAt && !vault.paused()) _applyFinal();
            }
        } catch {
            ++ghostModelDivergences; // a guardian can always resolve an open dispute
        }
    }

    /// One time in two, the guardian pauses (if it has not) and rolls the newest final root back.
    function rollBack(uint256 seed) external tracked {
        if (seed % 2 != 0) return;
        if (!vault.paused()) {
            vm.prank(guardian);
            vault.pause();
        }
        vm.prank(guardian);
        try vault.rollBack() {
            ++successfulRollBacks;
            if (hasPending) _dropPending();
            Vetoed storage v = _vetoed.push();
            v.root = _root(finalCum, finalTag);
            v.tag = finalTag;
            v.cum = finalCum;
            --ghostFinalEpoch;
            Final storage restored = _finals[ghostFinalEpoch];
            finalCum = restored.cum;
            finalTotal = restored.total;
            finalTag = restored.tag;
        } catch {}
    }

    /// Rarely (the rest of the run only claims), the admin retires the vault.
    function retire(uint256 seed) external tracked {
        if (seed % 16 != 0 || retired) return;
        vm.prank(admin);
        vault.retire(successor);
        retired = true;
        if (hasPending) _dropPending();
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
        vm.prank(caller);
        try vault.resolveDispute(false) {
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
        vm.prank(caller);
        try vault.retire(caller) {
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
        vm.prank(caller);
        try token.decreasePayoutAllowance(amount) {
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
        for (uint256 i; i < NODES; ++i) {
            if (pendingCum[i] < finalCum[i]) ++ghostBackwardFinalizations;
            if (pendingCum[i] > ghostMaxFinalCum[i]) ghostMaxFinalCum[i] = pendingCum[i];
        }
        ++ghostFinalEpoch;
        finalCum = pendingCum;
        finalTotal = pendingTotal;
        finalTag = pendingTag;
        ghostSharesPaid += pendingShare;
        hasPending = false;
        pendingDisputed = false;
        Final storage saved = _finals[ghostFinalEpoch];
        saved.cum = finalCum;
        saved.total = finalTotal;
        saved.tag = finalTag;
    }

    function _dropPending() internal {
        Vetoed storage v = _vetoed.push();
        v.root = pendingRoot;
        v.tag = pendingTag;
        v.cum = pendingCum;
        hasPending = false;
        pendingBad = false;
        pendingDisputed = false;
    }

    function _due(uint256 i) internal view returns (uint256) {
        uint256 claimedSoFar = token.rewardsClaimed(nodes[i]);
        return finalCum[i] > claimedSoFar ? finalCum[i] - claimedSoFar : 0;
    }

    function _claimedByNodes() internal view returns (uint256 sum) {
        for (uint256 i; i < NODES; ++i) {
            sum += token.rewardsClaimed(nodes[i]);
        }
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
        handler = new VaultHandler(token, vault, relayer, guardian, admin, treasury);
        vm.label(address(handler), "handler");
        vm.deal(handler.watcher(), 1_000 ether);
        vm.prank(admin);
        vault.setDisputeReward(1_000e18);

        // Weighted: proposals, warps and claims drive the interesting paths.
        bytes4[] memory selectors = new bytes4[](32);
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
        selectors[22] = VaultHandler.proposeRedistribution.selector;
        selectors[23] = VaultHandler.proposeRedistribution.selector;
        selectors[24] = VaultHandler.disputeHonest.selector;
        selectors[25] = VaultHandler.resolve.selector;
        selectors[26] = VaultHandler.resolve.selector;
        selectors[27] = VaultHandler.rollBack.selector;
        selectors[28] = VaultHandler.retire.selector;
        selectors[29] = VaultHandler.sweep.selector;
        selectors[30] = VaultHandler.deposit.selector;
        selectors[31] = VaultHandler.withdrawBonds.selector;
        targetContract(address(handler));
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// GBT that left the vault to nodes: what the pool received (the 400M and every deposit) minus what it holds and
    /// what went elsewhere (network shares, dispute rewards to the watcher, the unowed pool to a successor).
    function _paid() internal view returns (uint256) {
        return POOL + handler.ghostDeposits() - token.balanceOf(address(vault)) - handler.ghostSharesPaid()
            - token.balanceOf(handler.watcher()) - token.balanceOf(handler.successor());
    }

    function _finalTotal() internal view returns (uint256) {
        uint64 latest = vault.latestFinalEpoch();
        return latest == 0 ? 0 : vault.getEpoch(latest).cumulativeTotal;
    }

    /// total paid <= newest final cumulative total (plus what rolled-back roots overpaid), and the vault stays solvent
    /// for what the final root owes.
    function invariant_PaidBoundedByFinalTotalAndFunds() public view {
        uint256 paid = _paid();
        uint256 finalTotal = _finalTotal();
        uint256 overpaid = vault.overpaidByRolledBackRoots();
        assertEq(vault.totalClaimed(), paid, "totalClaimed == paid");
        assertEq(token.payoutAllowance(), finalTotal + overpaid - paid, "allowance == final total + overpaid - paid");
        assertLe(paid, finalTotal + overpaid, "paid <= final cumulative total + overpaid");
        assertGe(token.balanceOf(address(vault)), token.payoutAllowance(), "vault solvent for the final root");
        assertEq(finalTotal, handler.finalTotal(), "model final total");
    }

    /// Total paid to nodes never exceeds what was deposited into the vault (the 400M pool and every GBT sent in).
    function invariant_PaidNeverExceedsDeposits() public view {
        uint256 sum;
        for (uint256 i; i < handler.nodeCount(); ++i) {
            sum += token.rewardsClaimed(handler.nodes(i));
        }
        assertEq(sum, _paid(), "node claim records == GBT that left the vault to nodes");
        assertLe(sum, POOL + handler.ghostDeposits(), "paid <= deposits");
    }

    /// With every root that moves an account backwards disputed (the watcher's check), no finalization ever moves an
    /// account's cumulative amount, and so what it can claim, below the previous final root's.
    function invariant_NoFinalizationMovesAnAccountBackwards() public view {
        assertEq(handler.ghostBackwardFinalizations(), 0, "a final root moved an account backwards");
    }

    /// The vault holds exactly the dispute bonds it owes: the open one and those credited but not withdrawn.
    function invariant_BondsHeldExactly() public view {
        (, uint256 open) = vault.openDispute();
        uint256 credited = vault.withdrawableBond(handler.watcher()) + vault.withdrawableBond(treasury);
        assertEq(address(vault).balance, open + credited, "ETH held == bonds owed");
    }

    /// No account ever received more than the largest cumulative amount a final root gave it, and each claim paid
    /// exactly what was due.
    function invariant_AccountsNeverExceedCumulative() public view {
        uint256 sum;
        for (uint256 i; i < handler.nodeCount(); ++i) {
            address node = handler.nodes(i);
            uint256 received = token.rewardsClaimed(node);
            assertEq(received, handler.ghostReceived(i), "claim record == ghost received");
            assertLe(received, handler.ghostMaxFinalCum(i), "received <= largest final cumulative");
            sum += received;
        }
        assertEq(sum, _paid(), "sum of claims == total paid");
        assertEq(handler.ghostClaimMismatches(), 0, "a claim paid other than cumulative - claimed");
        assertEq(handler.ghostClaimLivenessFailures(), 0, "a due, in-limit claim was refused");
        assertEq(handler.ghostModelDivergences(), 0, "vault diverged from the model");
    }

    /// The supply is fixed and every token is held by a tracked account.
    function invariant_SupplyConstantAndBalancesConsistent() public view {
        assertEq(token.totalSupply(), 1_000_000_000e18, "total supply");
        uint256 sum = token.balanceOf(address(vault)) + token.balanceOf(treasury) + token.balanceOf(address(vesting))
            + token.balanceOf(address(airdrop)) + token.balanceOf(handler.watcher())
            + token.balanceOf(handler.successor());
        for (uint256 i; i < handler.nodeCount(); ++i) {
            sum += token.balanceOf(handler.nodes(i));
        }
        assertEq(sum, token.totalSupply(), "sum of tracked balances");
        assertEq(
            token.balanceOf(treasury),
            300_000_000e18 + handler.ghostSharesPaid() - handler.ghostDeposits(),
            "treasury got the shares and paid the deposits"
        );
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

    /// No claim was paid, no epoch became final and no allowance was granted during an action that started paused.
    function invariant_NothingOwedMovesWhilePaused() public view {
        assertEq(handler.ghostPausedMoves(), 0, "something owed moved while paused");
    }

    /// A vetoed or rolled-back root is never final again and never paid.
    function invariant_VetoedRootsNeverPaid() public view {
        assertEq(handler.ghostVetoedPaid(), 0, "a vetoed root paid");
        bytes32 root = vault.finalRoot();
        for (uint256 i; i < handler.vetoedCount(); ++i) {
            assertNotEq(handler.vetoedRoot(i), root, "vetoed root became final");
        }
    }
}
