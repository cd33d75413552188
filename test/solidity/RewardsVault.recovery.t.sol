// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IRewardsVault} from "../../contracts/interfaces/IRewardsVault.sol";
import {NodeState} from "../../contracts/libraries/NodeStateLib.sol";
import {Fixture} from "./utils/Fixture.sol";
import {vm} from "./utils/Vm.sol";

/// @notice Property-based tests of the ways out of a bad root: disputes with their bonds and rewards, the roll-back
/// of a final root, and retirement.
contract RewardsVaultRecoveryTest is Fixture {
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal watcher = makeAddr("watcher");

    function setUp() public {
        _deploy(WINDOW, CAP);
        vm.deal(watcher, 10 ether);
    }

    /// A dispute takes exactly the bond; anything else reverts and leaves the epoch pending.
    function testFuzz_DisputeTakesExactlyTheBond(uint256 value) public {
        value = bound(value, 0, 10 ether);
        vm.assume(value != BOND);
        vm.prank(relayer);
        vault.proposeEpoch(1, keccak256("r1"), 1, 0, bytes32(0));
        vm.prank(watcher);
        vm.expectRevert(abi.encodeWithSelector(IRewardsVault.WrongDisputeBond.selector, value, BOND));
        vault.dispute{value: value}(1);
        assertEq(uint256(vault.getEpoch(1).status), uint256(IRewardsVault.EpochStatus.Pending), "still pending");
    }

    /// Whatever the guardian decides and whenever, the bond ends up withdrawable by exactly one side, the reward
    /// never touches what the final root owes, and a rejected dispute's epoch becomes final no earlier than its
    /// own finalAt.
    function testFuzz_DisputeResolution(uint256 a, uint256 reward, uint256 dtDispute, uint256 dtResolve, bool upheld)
        public
    {
        a = bound(a, 1, CAP / 2);
        reward = bound(reward, 0, POOL);
        dtDispute = bound(dtDispute, 0, WINDOW - 1);
        dtResolve = bound(dtResolve, 0, 3 * WINDOW);
        vm.prank(admin);
        vault.setDisputeReward(reward);
        NodeState[] memory e1 = _two(alice, a, bob, a);
        _settle(e1, 0);
        uint64 proposedAt = uint64(block.timestamp);
        vm.prank(relayer);
        vault.proposeEpoch(2, keccak256("r2"), 3 * a, 0, bytes32(0));
        vm.warp(proposedAt + dtDispute);
        vm.prank(watcher);
        vault.dispute{value: BOND}(2);
        vm.warp(block.timestamp + dtResolve);
        uint256 owed = token.payoutAllowance();
        uint256 unowed = token.balanceOf(address(vault)) - owed;

        vm.prank(guardian);
        vault.resolveDispute(upheld);
        if (upheld) {
            assertEq(uint256(vault.getEpoch(2).status), uint256(IRewardsVault.EpochStatus.Vetoed), "vetoed");
            assertEq(vault.withdrawableBond(watcher), BOND, "bond back");
            assertEq(token.balanceOf(watcher), reward < unowed ? reward : unowed, "reward, capped by the unowed pool");
            assertEq(vault.withdrawableBond(treasury), 0, "treasury nothing");
        } else {
            bool due = block.timestamp >= proposedAt + WINDOW;
            assertEq(vault.latestFinalEpoch(), due ? 2 : 1, "final at once only if the window is over");
            assertEq(vault.withdrawableBond(treasury), BOND, "forfeited");
            assertEq(vault.withdrawableBond(watcher), 0, "watcher nothing");
            assertEq(token.balanceOf(watcher), 0, "no reward");
        }
        assertGe(token.balanceOf(address(vault)), token.payoutAllowance(), "what is owed stays covered");
        assertEq(address(vault).balance, BOND, "the bond is held until withdrawn");
        (address disputer,) = vault.openDispute();
        assertEq(disputer, address(0), "no dispute open");
    }

    /// Rolling back the newest final epoch restores the previous root, total and allowance (net of what was paid,
    /// never below zero), and `totalClaimed` stays exact.
    function testFuzz_RollBackRestoresPreviousFinalRoot(uint256 a1, uint256 b1, uint256 inflate, bool aliceClaimsBad)
        public
    {
        a1 = bound(a1, 1, CAP / 4);
        b1 = bound(b1, 1, CAP / 4);
        inflate = bound(inflate, 1, CAP / 2);
        NodeState[] memory e1 = _two(alice, a1, bob, b1);
        _settle(e1, 0);
        NodeState[] memory bad = _two(alice, a1 + inflate, bob, b1);
        _settle(bad, 0);
        uint256 paid;
        if (aliceClaimsBad) paid = vault.claim(bad[0], _proof(bad, 0));
        uint256 allowanceBefore = token.payoutAllowance();

        vm.prank(guardian);
        vault.pause();
        vm.prank(guardian);
        vault.rollBack();
        uint256 expectedAllowance = allowanceBefore > inflate ? allowanceBefore - inflate : 0;
        assertEq(token.payoutAllowance(), expectedAllowance, "allowance shrinks by the increase, saturating");
        assertEq(vault.overpaidByRolledBackRoots(), inflate - (allowanceBefore - expectedAllowance), "overpaid");
        assertEq(vault.totalClaimed(), paid, "totalClaimed exact");
        assertEq(vault.latestFinalEpoch(), 1, "epoch 1 again");
        assertEq(uint256(vault.getEpoch(2).status), uint256(IRewardsVault.EpochStatus.RolledBack), "rolled back");

        vm.prank(admin);
        vault.unpause();
        assertEq(vault.finalRoot(), _root(e1), "root of epoch 1");
        vm.expectRevert(abi.encodeWithSelector(IRewardsVault.InvalidProof.selector, alice));
        vault.claim(bad[0], _proof(bad, 0));
        if (!aliceClaimsBad) {
            assertEq(vault.claim(e1[0], _proof(e1, 0)), a1, "alice paid epoch 1's amount");
            assertEq(vault.claim(e1[1], _proof(e1, 1)), b1, "bob paid epoch 1's amount");
        }
        // The relayer carries on with epoch id 2.
        NodeState[] memory next = _two(alice, a1 + inflate + 1, bob, b1 + 1);
        assertEq(_settle(next, 0), 2, "epoch id 2 again");
    }

    /// A retired vault never takes another proposal, pays every claim of its final root, and sweeps exactly the
    /// rest of the pool to its successor.
    function testFuzz_RetireThenSweep(uint256 a, uint256 b, uint256 extra, address successor) public {
        vm.assume(successor != address(0) && successor != address(vault) && successor != treasury);
        vm.assume(successor != alice && successor != bob);
        a = bound(a, 1, CAP / 2);
        b = bound(b, 1, CAP / 2);
        extra = bound(extra, 0, 1_000_000e18);
        NodeState[] memory e1 = _two(alice, a, bob, b);
        _settle(e1, 0);
        uint256 before = token.balanceOf(successor);
        vm.prank(admin);
        vault.retire(successor);
        vm.prank(relayer);
        vm.expectRevert(IRewardsVault.VaultRetired.selector);
        vault.proposeEpoch(2, keccak256("r2"), a + b, 0, bytes32(0));
        vm.prank(treasury);
        token.transfer(address(vault), extra);
        vault.sweepUnowed();
        assertEq(token.balanceOf(successor) - before, POOL + extra - a - b, "the unowed rest");
        assertEq(vault.claim(e1[0], _proof(e1, 0)), a, "alice still paid");
        assertEq(vault.claim(e1[1], _proof(e1, 1)), b, "bob still paid");
        assertEq(token.balanceOf(address(vault)), 0, "nothing left");
    }
}
