// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {GitBlockAirdrop} from "../../contracts/GitBlockAirdrop.sol";
import {GitBlockToken} from "../../contracts/GitBlockToken.sol";
import {RewardsVault} from "../../contracts/RewardsVault.sol";
import {IGitBlockToken} from "../../contracts/interfaces/IGitBlockToken.sol";
import {IRewardsVault} from "../../contracts/interfaces/IRewardsVault.sol";
import {NodeState} from "../../contracts/libraries/NodeStateLib.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Fixture} from "./utils/Fixture.sol";
import {vm} from "./utils/Vm.sol";

/// @notice Fuzzed input validation: constructor arguments, epoch ids, proofs, reputation records and the
/// token's own guards on `payReward`.
contract RewardsVaultEdgesTest is Fixture {
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");

    function setUp() public {
        _deploy(WINDOW, CAP);
    }

    function testFuzz_ConstructorsRejectZeroAddresses(uint8 which, address a, address b, address c) public {
        vm.assume(a != address(0) && b != address(0) && c != address(0));
        which = uint8(bound(which, 0, 3));
        address[] memory none = new address[](0);
        // Vault: token, admin or treasury zero.
        vm.expectRevert(IRewardsVault.ZeroAddress.selector);
        new RewardsVault(
            IGitBlockToken(which % 3 == 0 ? address(0) : a),
            which % 3 == 1 ? address(0) : b,
            none,
            none,
            which % 3 == 2 ? address(0) : c,
            0,
            0,
            BOND
        );
        // Token: any of the four recipients zero.
        vm.expectRevert(IGitBlockToken.ZeroAddress.selector);
        new GitBlockToken(
            which == 0 ? address(0) : a,
            which == 1 ? address(0) : b,
            which == 2 ? address(0) : c,
            which == 3 ? address(0) : a
        );
        // Airdrop: token or treasury zero.
        vm.expectRevert(GitBlockAirdrop.ZeroAddress.selector);
        new GitBlockAirdrop(IERC20(which % 2 == 0 ? address(0) : a), bytes32(0), 0, which % 2 == 1 ? address(0) : b);
    }

    function testFuzz_ProposeRejectsWrongEpochAndEmptyRoot(uint64 epoch, bytes32 root) public {
        vm.assume(epoch != 1 && root != bytes32(0));
        vm.startPrank(relayer);
        vm.expectRevert(abi.encodeWithSelector(IRewardsVault.UnexpectedEpoch.selector, epoch, 1));
        vault.proposeEpoch(epoch, root, 1, 0, bytes32(0));
        vm.expectRevert(IRewardsVault.EmptyRoot.selector);
        vault.proposeEpoch(1, bytes32(0), 1, 0, bytes32(0));
        vault.proposeEpoch(1, root, 1, 0, bytes32(0));
        // While epoch 1 awaits finality nothing else may be proposed.
        vm.expectRevert(
            abi.encodeWithSelector(IRewardsVault.EpochAwaitingFinality.selector, 1, uint64(block.timestamp) + WINDOW)
        );
        vault.proposeEpoch(2, root, 1, 0, bytes32(0));
        vm.stopPrank();
        assertEq(vault.pendingEpoch(), 1, "pending");
    }

    /// A due pending epoch is finalized by the next proposal, which then must carry the following id.
    function testFuzz_ProposalFinalizesDuePendingEpoch(uint256 a, uint256 share, uint256 late) public {
        a = bound(a, 1, CAP / 2);
        share = bound(share, 0, CAP / 2);
        late = bound(late, 0, 30 days);
        vm.prank(relayer);
        vault.proposeEpoch(1, keccak256("r1"), a, share, bytes32(0));
        vm.warp(block.timestamp + WINDOW + late);
        vm.prank(relayer);
        vm.expectRevert(abi.encodeWithSelector(IRewardsVault.UnexpectedEpoch.selector, 1, 2));
        vault.proposeEpoch(1, keccak256("r1"), a, share, bytes32(0));
        vm.prank(relayer);
        vault.proposeEpoch(2, keccak256("r2"), a, 0, bytes32(0));
        assertEq(vault.latestFinalEpoch(), 1, "epoch 1 finalized by the proposal");
        assertEq(vault.pendingEpoch(), 2, "epoch 2 pending");
        assertEq(token.balanceOf(treasury), 300_000_000e18 + share, "share paid once");
    }

    /// With a zero challenge window a proposal is final at once and cannot be vetoed.
    function testFuzz_ZeroWindowFinalAtOnce(uint256 a, uint256 share) public {
        a = bound(a, 1, CAP / 2);
        share = bound(share, 0, CAP / 2);
        vm.prank(admin);
        vault.setChallengeWindow(0);
        NodeState[] memory e1 = _two(alice, a, bob, 0);
        vm.prank(relayer);
        vault.proposeEpoch(1, _root(e1), a, share, bytes32(0));
        assertEq(vault.latestFinalEpoch(), 1, "final at once");
        assertEq(vault.finalRoot(), _root(e1), "final root");
        vm.prank(guardian);
        vm.expectRevert(IRewardsVault.NoPendingEpoch.selector);
        vault.vetoEpoch();
        assertEq(vault.claim(e1[0], _proof(e1, 0)), a, "claimable at once");
    }

    function testFuzz_ClaimManyLengthMismatch(uint8 n, uint8 m) public {
        n = uint8(bound(n, 0, 4));
        m = uint8(bound(m, 0, 4));
        vm.assume(n != m);
        vm.expectRevert(abi.encodeWithSelector(IRewardsVault.LengthMismatch.selector, n, m));
        vault.claimMany(new NodeState[](n), new bytes32[][](m));
    }

    function testFuzz_ClaimManyPaysEveryNode(uint256 a, uint256 b) public {
        a = bound(a, 1, CAP / 2);
        b = bound(b, 1, CAP / 2);
        NodeState[] memory e1 = _two(alice, a, bob, b);
        _settle(e1, 0);
        bytes32[][] memory proofs = new bytes32[][](2);
        proofs[0] = _proof(e1, 0);
        proofs[1] = _proof(e1, 1);
        assertEq(vault.claimMany(e1, proofs), a + b, "total");
        assertEq(token.balanceOf(alice), a, "alice");
        assertEq(token.balanceOf(bob), b, "bob");
        // Entries already paid are skipped, not fatal: the batch succeeds and pays nothing more.
        vm.expectEmit(address(vault));
        emit IRewardsVault.ClaimSkipped(alice, a);
        vm.expectEmit(address(vault));
        emit IRewardsVault.ClaimSkipped(bob, b);
        assertEq(vault.claimMany(e1, proofs), 0, "nothing more");
        assertEq(token.balanceOf(alice), a, "alice unchanged");
    }

    /// Off the local chain (any id but 31337) the window has a one-day floor in the constructor and the setter, and
    /// proposals are at least one window apart.
    function testFuzz_RealChainFloors(uint64 chainId, uint64 window, uint64 early) public {
        vm.assume(chainId != 31337 && chainId != 0);
        vm.chainId(chainId);
        window = uint64(bound(window, 0, 1 days - 1));
        address[] memory none = new address[](0);
        vm.expectRevert(abi.encodeWithSelector(IRewardsVault.ChallengeWindowTooShort.selector, window, 1 days));
        new RewardsVault(IGitBlockToken(address(token)), admin, none, none, treasury, window, CAP, BOND);
        vm.prank(admin);
        vm.expectRevert(abi.encodeWithSelector(IRewardsVault.ChallengeWindowTooShort.selector, window, 1 days));
        vault.setChallengeWindow(window);

        vm.prank(admin);
        vault.setChallengeWindow(1 days);
        // A real chain's clock, far past the first day since 1970 that the never-proposed state stands for.
        vm.warp(1_700_000_000);
        uint64 start = uint64(block.timestamp);
        vm.prank(relayer);
        vault.proposeEpoch(1, keccak256("r1"), 1, 0, bytes32(0));
        vm.prank(guardian);
        vault.vetoEpoch();
        early = uint64(bound(early, 0, 1 days - 1));
        vm.warp(start + early);
        vm.prank(relayer);
        vm.expectRevert(abi.encodeWithSelector(IRewardsVault.ProposalTooSoon.selector, start + 1 days));
        vault.proposeEpoch(1, keccak256("r1"), 1, 0, bytes32(0));
        vm.warp(start + 1 days);
        vm.prank(relayer);
        vault.proposeEpoch(1, keccak256("r1"), 1, 0, bytes32(0));
        assertEq(vault.pendingEpoch(), 1, "proposed a window later");
    }

    function testFuzz_ReputationRecordedOncePerEpoch(uint16 bps, uint64 validated, uint64 failed, uint32 strikes)
        public
    {
        NodeState[] memory e1 = _two(alice, 1e18, bob, 2e18);
        e1[0].reputationBps = bps;
        e1[0].tasksValidated = validated;
        e1[0].tasksFailed = failed;
        e1[0].strikes = strikes;
        vm.expectRevert(IRewardsVault.NoFinalEpoch.selector);
        vault.recordReputation(e1[0], _proof(e1, 0));
        _settle(e1, 0);

        NodeState memory forged = _state(alice, 1e18);
        forged.tasksValidated = validated;
        forged.tasksFailed = failed;
        forged.strikes = strikes;
        forged.reputationBps = bps == type(uint16).max ? 0 : bps + 1;
        vm.expectRevert(abi.encodeWithSelector(IRewardsVault.InvalidProof.selector, alice));
        vault.recordReputation(forged, _proof(e1, 0));

        vault.recordReputation(e1[0], _proof(e1, 0));
        assertEq(vault.reputationOf(alice).reputationBps, bps, "bps");
        assertEq(vault.reputationOf(alice).tasksValidated, validated, "validated");
        assertEq(vault.reputationOf(alice).tasksFailed, failed, "failed");
        assertEq(vault.reputationOf(alice).strikes, strikes, "strikes");
        assertEq(vault.reputationOf(alice).epoch, 1, "epoch");
        assertTrue(vault.verifyNodeState(1, e1[0], _proof(e1, 0)), "verifies in epoch 1");
        assertFalse(vault.verifyNodeState(2, e1[0], _proof(e1, 0)), "epoch 2 not final");

        vm.expectRevert(abi.encodeWithSelector(IRewardsVault.ReputationAlreadyRecorded.selector, alice, 1));
        vault.recordReputation(e1[0], _proof(e1, 0));

        NodeState[] memory e2 = _two(alice, 1e18, bob, 3e18);
        _settle(e2, 0);
        vault.recordReputation(e2[0], _proof(e2, 0));
        assertEq(vault.reputationOf(alice).epoch, 2, "refreshed");
    }

    /// The token refuses to pay the vault itself or the zero address, more than the allowance, or more than the
    /// vault holds (unreachable through the vault, whose proposals keep the allowance covered: pranked here).
    function testFuzz_TokenRewardGuards(uint256 cumulative, uint256 allowance) public {
        cumulative = bound(cumulative, POOL + 1, type(uint128).max);
        allowance = bound(allowance, cumulative, type(uint128).max);
        vm.startPrank(address(vault));
        vm.expectRevert(abi.encodeWithSelector(IGitBlockToken.InvalidRewardAccount.selector, address(vault)));
        token.payReward(address(vault), cumulative);
        vm.expectRevert(abi.encodeWithSelector(IGitBlockToken.InvalidRewardAccount.selector, address(0)));
        token.payReward(address(0), cumulative);
        vm.expectRevert(abi.encodeWithSelector(IGitBlockToken.PayoutLimitExceeded.selector, cumulative, 0));
        token.payReward(alice, cumulative);

        assertEq(token.payRewardIfDue(alice, 0), 0, "nothing due pays nothing");
        vm.expectRevert(abi.encodeWithSelector(IGitBlockToken.PayoutLimitExceeded.selector, cumulative, 0));
        token.payRewardIfDue(alice, cumulative);

        vm.expectEmit(address(token));
        emit IGitBlockToken.PayoutAllowanceIncreased(allowance, allowance);
        token.increasePayoutAllowance(allowance);
        assertEq(token.payoutAllowance(), allowance, "allowance");
        vm.expectRevert(
            abi.encodeWithSignature(
                "ERC20InsufficientBalance(address,uint256,uint256)", address(vault), POOL, cumulative
            )
        );
        token.payReward(alice, cumulative);
        // The allowance lives in 128 bits.
        vm.expectRevert(
            abi.encodeWithSignature("SafeCastOverflowedUintDowncast(uint8,uint256)", 128, uint256(1) << 128)
        );
        token.increasePayoutAllowance(uint256(1) << 128);
        // A roll-back's decrease saturates at zero.
        vm.expectEmit(address(token));
        emit IGitBlockToken.PayoutAllowanceDecreased(1, allowance - 1);
        assertEq(token.decreasePayoutAllowance(1), 1, "decreased by 1");
        assertEq(token.decreasePayoutAllowance(type(uint256).max), allowance - 1, "the rest");
        assertEq(token.payoutAllowance(), 0, "saturated");
        vm.stopPrank();
        assertEq(token.balanceOf(alice), 0, "nothing paid");
    }

    /// A guardian who paused can veto a pending epoch even after its window ran out; unpausing restores claims
    /// against the newest final root.
    function testFuzz_VetoWhilePausedAfterWindow(uint256 a, uint256 late) public {
        a = bound(a, 1, CAP / 4);
        late = bound(late, 0, 30 days);
        NodeState[] memory e1 = _two(alice, a, bob, a);
        _settle(e1, 0);
        NodeState[] memory e2 = _two(alice, 2 * a, bob, 2 * a);
        vm.prank(relayer);
        vault.proposeEpoch(2, _root(e2), 4 * a, 0, bytes32(0));
        vm.prank(guardian);
        vault.pause();
        vm.warp(block.timestamp + WINDOW + late);
        vm.expectRevert(IRewardsVault.EnforcedPause.selector);
        vault.finalizeEpoch();
        vm.prank(guardian);
        vault.vetoEpoch();
        assertEq(vault.finalRoot(), _root(e1), "final root shown while paused");
        vm.prank(admin);
        vault.unpause();
        vm.expectRevert(IRewardsVault.NoPendingEpoch.selector);
        vault.finalizeEpoch();
        vm.expectRevert(abi.encodeWithSelector(IRewardsVault.InvalidProof.selector, alice));
        vault.claim(e2[0], _proof(e2, 0));
        assertEq(vault.claim(e1[0], _proof(e1, 0)), a, "epoch 1 pays after unpause");
        assertEq(token.payoutAllowance(), a, "allowance of epoch 1 only");
    }

    /// Pausing before any epoch is final and unpausing leaves claims refused with NoFinalEpoch.
    function testFuzz_UnpauseBeforeFirstEpoch(address caller) public {
        vm.prank(guardian);
        vault.pause();
        NodeState memory s = _state(alice, 1);
        vm.expectRevert(IRewardsVault.EnforcedPause.selector);
        vault.claim(s, new bytes32[](0));
        vm.prank(admin);
        vault.unpause();
        vm.prank(caller);
        vm.expectRevert(IRewardsVault.NoFinalEpoch.selector);
        vault.claim(s, new bytes32[](0));
    }

    function testFuzz_SetTreasury(address newTreasury, uint256 share) public {
        share = bound(share, 1, CAP);
        vm.prank(admin);
        vm.expectRevert(IRewardsVault.ZeroAddress.selector);
        vault.setTreasury(address(0));
        vm.assume(newTreasury != address(0) && newTreasury != address(vault) && newTreasury != treasury);
        vm.prank(admin);
        vault.setTreasury(newTreasury);
        assertEq(vault.treasury(), newTreasury, "treasury");
        uint256 before = token.balanceOf(newTreasury);
        vm.prank(relayer);
        vault.proposeEpoch(1, keccak256("r"), 0, share, bytes32(0));
        vm.warp(block.timestamp + WINDOW);
        vault.finalizeEpoch();
        assertEq(token.balanceOf(newTreasury) - before, share, "share goes to the new treasury");
    }
}
