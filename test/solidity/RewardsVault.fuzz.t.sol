// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {GitBlockAirdrop} from "../../contracts/GitBlockAirdrop.sol";
import {IGitBlockToken} from "../../contracts/interfaces/IGitBlockToken.sol";
import {IRewardsVault} from "../../contracts/interfaces/IRewardsVault.sol";
import {NodeState} from "../../contracts/libraries/NodeStateLib.sol";
import {Fixture} from "./utils/Fixture.sol";
import {Merkle} from "./utils/Merkle.sol";
import {vm} from "./utils/Vm.sol";

/// @notice Property-based tests of the vault, the token's reward accounting and the airdrop windows.
contract RewardsVaultFuzzTest is Fixture {
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal carol = makeAddr("carol");

    function setUp() public {
        _deploy(WINDOW, CAP);
    }

    // --- claims ---

    /// Each claim pays exactly the cumulative amount minus what was already claimed, across two epochs.
    function testFuzz_ClaimPaysCumulativeMinusClaimed(
        uint256 a1,
        uint256 b1,
        uint256 da,
        uint256 db,
        bool aliceClaimsEarly
    ) public {
        a1 = bound(a1, 1, CAP / 4);
        b1 = bound(b1, 0, CAP / 4);
        da = bound(da, 0, CAP / 4);
        db = bound(db, 1, CAP / 4);

        NodeState[] memory e1 = _two(alice, a1, bob, b1);
        _settle(e1, 0);
        if (aliceClaimsEarly) {
            vm.prank(carol); // anyone may claim; the tokens go to the node
            assertEq(vault.claim(e1[0], _proof(e1, 0)), a1, "epoch 1 payout");
            assertEq(token.balanceOf(alice), a1, "alice balance after epoch 1");
            assertEq(vault.claimed(alice), a1, "claimed after epoch 1");
        }

        NodeState[] memory e2 = _two(alice, a1 + da, bob, b1 + db);
        _settle(e2, 0);

        uint256 aliceDue = aliceClaimsEarly ? da : a1 + da;
        if (aliceDue == 0) {
            vm.expectRevert(abi.encodeWithSelector(IGitBlockToken.NothingToClaim.selector, alice, a1 + da, a1));
            vault.claim(e2[0], _proof(e2, 0));
        } else {
            assertEq(vault.claim(e2[0], _proof(e2, 0)), aliceDue, "epoch 2 payout (alice)");
        }
        assertEq(vault.claim(e2[1], _proof(e2, 1)), b1 + db, "epoch 2 payout (bob)");

        assertEq(token.balanceOf(alice), a1 + da, "alice total");
        assertEq(token.balanceOf(bob), b1 + db, "bob total");
        assertEq(vault.claimed(alice), a1 + da, "alice claimed");
        assertEq(vault.totalClaimed(), a1 + da + b1 + db, "total paid");
        assertEq(token.payoutAllowance(), 0, "allowance used up");
        assertEq(token.balanceOf(address(vault)), POOL - (a1 + da + b1 + db), "vault balance");
    }

    /// However often a node claims (and whatever it does with its tokens), it never receives more than its
    /// cumulative amount in the newest final root; the stale root of an older epoch pays nothing more.
    function testFuzz_NeverMoreThanCumulative(uint256 a1, uint256 a2, uint8 repeats, uint256 moved) public {
        a1 = bound(a1, 1, CAP / 2);
        a2 = bound(a2, a1, CAP / 2);
        repeats = uint8(bound(repeats, 1, 4));

        NodeState[] memory e1 = _two(alice, a1, bob, 1);
        _settle(e1, 0);
        vault.claim(e1[0], _proof(e1, 0));
        // Moving tokens away must not reset the claim record packed next to the balance.
        moved = bound(moved, 0, a1);
        vm.prank(alice);
        token.transfer(carol, moved);

        NodeState[] memory e2 = _two(alice, a2, bob, 2);
        _settle(e2, 0);
        if (a2 > a1) vault.claim(e2[0], _proof(e2, 0));
        for (uint256 i; i < repeats; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IGitBlockToken.NothingToClaim.selector, alice, a2, a2));
            vault.claim(e2[0], _proof(e2, 0));
        }
        // The epoch-1 leaf is not in the newest final root.
        vm.expectRevert(abi.encodeWithSelector(IRewardsVault.InvalidProof.selector, alice));
        vault.claim(e1[0], _proof(e1, 0));

        assertEq(vault.claimed(alice), a2, "claimed == cumulative");
        assertEq(token.balanceOf(alice) + token.balanceOf(carol), a2, "received == cumulative");
    }

    /// A leaf claiming more than the final cumulative total can never be paid past that total.
    function testFuzz_PayoutLimitedByFinalTotal(uint256 a, uint256 b, uint256 declared) public {
        a = bound(a, 1, CAP / 2);
        b = bound(b, 1, CAP / 2);
        declared = bound(declared, 0, a + b);
        NodeState[] memory e1 = _two(alice, a, bob, b);
        vm.prank(relayer);
        vault.proposeEpoch(1, _root(e1), declared, 0, bytes32(0));
        vm.warp(block.timestamp + WINDOW);
        vault.finalizeEpoch();

        if (a > declared) {
            vm.expectRevert(abi.encodeWithSelector(IGitBlockToken.PayoutLimitExceeded.selector, a, declared));
            vault.claim(e1[0], _proof(e1, 0));
        } else {
            vault.claim(e1[0], _proof(e1, 0));
            assertEq(token.payoutAllowance(), declared - a, "allowance after alice");
            if (a + b > declared) {
                vm.expectRevert(abi.encodeWithSelector(IGitBlockToken.PayoutLimitExceeded.selector, b, declared - a));
            }
            vault.claim(e1[1], _proof(e1, 1));
        }
        assertLe(vault.totalClaimed(), declared, "paid <= final total");
        assertEq(vault.totalClaimed() + token.payoutAllowance(), declared, "paid + allowance == final total");
    }

    /// A forged state (wrong amount or account) never verifies.
    function testFuzz_ForgedStateNeverPays(uint256 a, uint256 forged, address other) public {
        a = bound(a, 1, CAP / 2);
        forged = bound(forged, 0, CAP);
        vm.assume(forged != a && other != alice);
        NodeState[] memory e1 = _two(alice, a, bob, 1);
        _settle(e1, 0);
        bytes32[] memory proof = _proof(e1, 0);

        NodeState memory fake = _state(alice, a); // a copy: memory structs alias on assignment
        fake.cumulativeAmount = forged;
        vm.expectRevert(abi.encodeWithSelector(IRewardsVault.InvalidProof.selector, alice));
        vault.claim(fake, proof);

        fake = _state(alice, a);
        fake.account = other;
        vm.expectRevert(abi.encodeWithSelector(IRewardsVault.InvalidProof.selector, other));
        vault.claim(fake, proof);
        assertEq(vault.totalClaimed(), 0, "nothing paid");
    }

    // --- emission bounds ---

    /// A proposal is accepted exactly when the increase plus the network share fits the cap.
    function testFuzz_EmissionCap(uint256 cap, uint256 first, uint256 total, uint256 share) public {
        cap = bound(cap, 1, POOL);
        first = bound(first, 0, cap);
        total = bound(total, first, POOL);
        share = bound(share, 0, POOL);

        vm.prank(admin);
        vault.setMaxEmissionPerEpoch(cap);
        NodeState[] memory e1 = _two(alice, first, bob, 0);
        if (first != 0) _settle(e1, 0);
        uint256 previous = vault.latestFinalEpoch() == 0 ? 0 : first;
        uint64 epoch = vault.latestFinalEpoch() + 1;
        uint256 emission = total - previous + share;
        uint256 treasuryBefore = token.balanceOf(treasury);

        vm.prank(relayer);
        if (emission > cap) {
            vm.expectRevert(abi.encodeWithSelector(IRewardsVault.EmissionCapExceeded.selector, emission, cap));
        } else if (total + share > POOL) {
            vm.expectRevert(abi.encodeWithSelector(IRewardsVault.InsufficientRewardsPool.selector, total + share, POOL));
        }
        vault.proposeEpoch(epoch, keccak256("root"), total, share, bytes32(0));
        if (emission <= cap && total + share <= POOL) {
            vm.warp(block.timestamp + WINDOW);
            vault.finalizeEpoch();
            IRewardsVault.Epoch memory e = vault.getEpoch(epoch);
            assertLe(e.cumulativeTotal - previous + e.networkShare, cap, "emission <= cap");
            assertEq(token.balanceOf(treasury) - treasuryBefore, share, "network share paid");
        }
    }

    /// The cumulative total never decreases.
    function testFuzz_CumulativeTotalNeverDecreases(uint256 first, uint256 second) public {
        first = bound(first, 1, CAP);
        second = bound(second, 0, first - 1);
        _settle(_two(alice, first, bob, 0), 0);
        vm.prank(relayer);
        vm.expectRevert(abi.encodeWithSelector(IRewardsVault.CumulativeTotalDecreased.selector, second, first));
        vault.proposeEpoch(2, keccak256("r2"), second, 0, bytes32(0));
    }

    // --- roles ---

    function testFuzz_ProposeByNonRelayerReverts(address caller, uint256 total) public {
        vm.assume(caller != relayer);
        total = bound(total, 0, CAP);
        bytes32 role = vault.RELAYER_ROLE();
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, caller, role));
        vault.proposeEpoch(1, keccak256("root"), total, 0, bytes32(0));
        assertEq(vault.pendingEpoch(), 0, "nothing pending");
    }

    function testFuzz_VetoByNonGuardianReverts(address caller, uint256 dt) public {
        vm.assume(caller != guardian);
        dt = bound(dt, 0, WINDOW - 1);
        vm.prank(relayer);
        vault.proposeEpoch(1, keccak256("root"), 1e18, 0, bytes32(0));
        vm.warp(block.timestamp + dt);
        bytes32 role = vault.GUARDIAN_ROLE();
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, caller, role));
        vault.vetoEpoch();
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, caller, role));
        vault.pause();
        assertEq(vault.pendingEpoch(), 1, "still pending");
    }

    function testFuzz_PayRewardOnlyFromVault(address caller, uint256 amount) public {
        vm.assume(caller != address(vault));
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(IGitBlockToken.NotRewardsVault.selector, caller));
        token.payReward(caller, amount);
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(IGitBlockToken.NotRewardsVault.selector, caller));
        token.payRewardIfDue(caller, amount);
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(IGitBlockToken.NotRewardsVault.selector, caller));
        token.increasePayoutAllowance(amount);
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(IGitBlockToken.NotRewardsVault.selector, caller));
        token.decreasePayoutAllowance(amount);
    }

    function testFuzz_AdminFunctionsOnlyAdmin(address caller, uint64 window) public {
        vm.assume(caller != admin);
        bytes memory err = abi.encodeWithSelector(
            IAccessControl.AccessControlUnauthorizedAccount.selector, caller, vault.DEFAULT_ADMIN_ROLE()
        );
        vm.startPrank(caller);
        vm.expectRevert(err);
        vault.setChallengeWindow(window);
        vm.expectRevert(err);
        vault.setMaxEmissionPerEpoch(window);
        vm.expectRevert(err);
        vault.setTreasury(caller);
        vm.expectRevert(err);
        vault.unpause();
        vm.expectRevert(err);
        vault.setDisputeBond(window);
        vm.expectRevert(err);
        vault.setDisputeReward(window);
        vm.expectRevert(err);
        vault.retire(caller);
        vm.stopPrank();
    }

    // --- pause ---

    /// While paused nothing moves: proposals, finalization, claims and reputation records all revert.
    function testFuzz_PausedBlocksEverything(uint256 a, uint256 dt, address caller) public {
        a = bound(a, 1, CAP / 2);
        dt = bound(dt, 0, 30 days);
        NodeState[] memory e1 = _two(alice, a, bob, 1);
        _settle(e1, 0);
        NodeState[] memory e2 = _two(alice, a + 1, bob, 2);
        vm.prank(relayer);
        vault.proposeEpoch(2, _root(e2), a + 3, 0, bytes32(0));

        vm.prank(guardian);
        vault.pause();
        vm.warp(block.timestamp + dt);
        uint256 vaultBalance = token.balanceOf(address(vault));

        vm.startPrank(caller);
        vm.expectRevert(IRewardsVault.EnforcedPause.selector);
        vault.claim(e1[0], _proof(e1, 0));
        NodeState[] memory states = new NodeState[](1);
        bytes32[][] memory proofs = new bytes32[][](1);
        states[0] = e1[0];
        proofs[0] = _proof(e1, 0);
        vm.expectRevert(IRewardsVault.EnforcedPause.selector);
        vault.claimMany(states, proofs);
        vm.expectRevert(IRewardsVault.EnforcedPause.selector);
        vault.recordReputation(e1[0], _proof(e1, 0));
        vm.expectRevert(IRewardsVault.EnforcedPause.selector);
        vault.finalizeEpoch();
        vm.stopPrank();
        vm.prank(relayer);
        vm.expectRevert(IRewardsVault.EnforcedPause.selector);
        vault.proposeEpoch(3, keccak256("r3"), a + 3, 0, bytes32(0));
        vm.prank(guardian);
        vm.expectRevert(IRewardsVault.EnforcedPause.selector);
        vault.pause();

        assertEq(token.balanceOf(address(vault)), vaultBalance, "vault balance unchanged");
        assertEq(token.balanceOf(alice), 0, "alice unpaid");
        assertEq(vault.latestFinalEpoch(), 1, "no finalization while paused");

        vm.prank(admin);
        vault.unpause();
        assertFalse(vault.paused(), "unpaused");
        vm.prank(admin);
        vm.expectRevert(IRewardsVault.ExpectedPause.selector);
        vault.unpause();
        assertEq(vault.claim(e1[0], _proof(e1, 0)), a, "claims resume");
    }

    // --- veto ---

    /// A vetoed root never becomes final and never pays, even after the window and a re-proposal.
    function testFuzz_VetoedRootNeverPays(uint256 a, uint256 dtVeto, uint256 dtAfter, bool repropose) public {
        a = bound(a, 1, CAP / 2);
        dtVeto = bound(dtVeto, 0, WINDOW - 1);
        dtAfter = bound(dtAfter, 0, 30 days);
        NodeState[] memory bad = _two(alice, a, bob, 7);
        bytes32 badRoot = _root(bad);
        vm.prank(relayer);
        vault.proposeEpoch(1, badRoot, a + 7, 0, bytes32(0));
        vm.warp(block.timestamp + dtVeto);
        vm.prank(guardian);
        vault.vetoEpoch();
        vm.warp(block.timestamp + dtAfter);

        assertEq(uint256(vault.getEpoch(1).status), uint256(IRewardsVault.EpochStatus.Vetoed), "vetoed");
        assertEq(vault.pendingEpoch(), 0, "nothing pending");
        assertFalse(vault.verifyNodeState(1, bad[0], _proof(bad, 0)), "vetoed root does not verify");
        vm.expectRevert(IRewardsVault.NoPendingEpoch.selector);
        vault.finalizeEpoch();
        vm.expectRevert(IRewardsVault.NoFinalEpoch.selector);
        vault.claim(bad[0], _proof(bad, 0));

        if (repropose) {
            NodeState[] memory good = _two(alice, a / 2, carol, 5);
            _settle(good, 0);
            assertNotEq(vault.finalRoot(), badRoot, "final root");
            vm.expectRevert(abi.encodeWithSelector(IRewardsVault.InvalidProof.selector, alice));
            vault.claim(bad[0], _proof(bad, 0));
            if (a / 2 != 0) assertEq(vault.claim(good[0], _proof(good, 0)), a / 2, "good root pays");
        }
        assertLe(token.balanceOf(alice), a / 2, "never paid from the vetoed root");
        assertEq(token.balanceOf(bob), 0, "bob never paid");
    }

    /// Veto is possible exactly before `finalAt`, finalization exactly from `finalAt`.
    function testFuzz_ChallengeWindowBoundary(uint256 dt) public {
        dt = bound(dt, 0, 3 * WINDOW);
        vm.prank(relayer);
        vault.proposeEpoch(1, keccak256("root"), 1e18, 0, bytes32(0));
        uint64 finalAt = uint64(block.timestamp) + WINDOW;
        vm.warp(block.timestamp + dt);
        if (dt < WINDOW) {
            vm.expectRevert(abi.encodeWithSelector(IRewardsVault.EpochAwaitingFinality.selector, 1, finalAt));
            vault.finalizeEpoch();
            vm.prank(guardian);
            vault.vetoEpoch();
        } else {
            vm.prank(guardian);
            vm.expectRevert(abi.encodeWithSelector(IRewardsVault.ChallengeWindowOver.selector, 1, finalAt));
            vault.vetoEpoch();
            vault.finalizeEpoch();
            assertEq(vault.latestFinalEpoch(), 1, "final");
        }
    }

    // --- airdrop ---

    function testFuzz_AirdropClaimOnlyUntilDeadline(uint256 t, uint256 index) public {
        t = bound(t, block.timestamp, uint256(airdropDeadline) + 365 days);
        index = bound(index, 0, airdropAccounts.length - 1);
        vm.warp(t);
        address account = airdropAccounts[index];
        uint256 amount = airdropAmounts[index];
        bytes32[] memory proof = Merkle.proof(airdropLeaves, index);
        if (t > airdropDeadline) {
            vm.expectRevert(abi.encodeWithSelector(GitBlockAirdrop.ClaimWindowClosed.selector, airdropDeadline));
            airdrop.claim(account, amount, proof);
            assertEq(token.balanceOf(account), 0, "no late claim");
        } else {
            airdrop.claim(account, amount, proof);
            assertEq(token.balanceOf(account), amount, "claimed");
            vm.expectRevert(abi.encodeWithSelector(GitBlockAirdrop.AlreadyClaimed.selector, account));
            airdrop.claim(account, amount, proof);
            vm.expectRevert(abi.encodeWithSelector(GitBlockAirdrop.InvalidProof.selector, alice));
            airdrop.claim(alice, amount, proof);
        }
    }

    function testFuzz_AirdropSweepOnlyAfterDeadline(uint256 t, bool someoneClaimed) public {
        t = bound(t, block.timestamp, uint256(airdropDeadline) + 365 days);
        if (someoneClaimed) airdrop.claim(airdropAccounts[0], airdropAmounts[0], Merkle.proof(airdropLeaves, 0));
        vm.warp(t);
        uint256 remainder = AIRDROP_POOL - (someoneClaimed ? airdropAmounts[0] : 0);
        uint256 treasuryBefore = token.balanceOf(treasury);
        if (t <= airdropDeadline) {
            vm.expectRevert(abi.encodeWithSelector(GitBlockAirdrop.ClaimWindowOpen.selector, airdropDeadline));
            airdrop.sweep();
            assertEq(token.balanceOf(address(airdrop)), remainder, "nothing swept");
        } else {
            airdrop.sweep();
            assertEq(token.balanceOf(treasury) - treasuryBefore, remainder, "swept to treasury");
            vm.expectRevert(GitBlockAirdrop.NothingToSweep.selector);
            airdrop.sweep();
        }
    }

    // --- token ---

    /// Transfers move balances but never the claim record packed in the same slot.
    function testFuzz_TransfersKeepClaimRecord(uint256 a, uint256 x, uint256 y) public {
        a = bound(a, 1, CAP / 2);
        NodeState[] memory e1 = _two(alice, a, bob, a);
        _settle(e1, 0);
        vault.claim(e1[0], _proof(e1, 0));
        vault.claim(e1[1], _proof(e1, 1));
        x = bound(x, 0, a);
        y = bound(y, 0, a + x);
        vm.prank(alice);
        token.transfer(bob, x);
        vm.prank(bob);
        token.transfer(alice, y);
        assertEq(token.balanceOf(alice) + token.balanceOf(bob), 2 * a, "balances conserved");
        assertEq(vault.claimed(alice), a, "alice record");
        assertEq(vault.claimed(bob), a, "bob record");
        assertEq(vault.totalClaimed(), 2 * a, "vault record");
        assertEq(token.payoutAllowance(), 0, "allowance");
        assertEq(token.rewardsClaimed(address(vault)), 0, "vault has no claim record");
        uint256 aliceBalance = token.balanceOf(alice);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSignature("ERC20InsufficientBalance(address,uint256,uint256)", alice, aliceBalance, 2 * a + 1)
        );
        token.transfer(bob, 2 * a + 1);
    }
}
