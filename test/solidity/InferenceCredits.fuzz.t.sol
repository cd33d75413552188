// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {InferenceCredits} from "../../contracts/InferenceCredits.sol";
import {IInferenceCredits} from "../../contracts/interfaces/IInferenceCredits.sol";
import {Fixture} from "./utils/Fixture.sol";
import {vm} from "./utils/Vm.sol";

/// @dev A permit token with more than 2^128 in supply, to reach the credits' 128-bit bound (GBT's fixed supply never
/// can).
contract HugePermitToken is ERC20("Huge", "HUGE"), ERC20Permit("Huge") {
    constructor(address holder) {
        _mint(holder, type(uint256).max);
    }
}

/// @notice Property-based tests of InferenceCredits: the 75/25 split of any settlement, what a withdrawal pays after
/// any settlement, the bounds on cumulative spending, permits (front-run or not), timing, roles and the 128-bit bound.
contract InferenceCreditsFuzzTest is Fixture {
    uint64 internal constant DELAY = 1 days;
    uint256 internal constant FUNDS = 1_000_000e18;
    bytes32 internal constant PERMIT_TYPEHASH =
        keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)");

    InferenceCredits internal credits;
    uint256 internal aliceKey = 0xA11CE;
    address internal alice = vm.addr(0xA11CE);
    address internal bob = makeAddr("bob");

    function setUp() public {
        _deploy(WINDOW, CAP);
        credits = _newCredits(IERC20(address(token)), DELAY);
        _fund(alice);
        _fund(bob);
    }

    function _newCredits(IERC20 token_, uint64 delay) internal returns (InferenceCredits) {
        address[] memory relayers = new address[](1);
        relayers[0] = relayer;
        address[] memory guardians = new address[](1);
        guardians[0] = guardian;
        return new InferenceCredits(token_, address(vault), admin, relayers, guardians, treasury, delay);
    }

    function _fund(address account) internal {
        vm.prank(treasury);
        token.transfer(account, FUNDS);
        vm.prank(account);
        token.approve(address(credits), type(uint256).max);
    }

    function _deposit(address account, uint256 amount) internal {
        vm.prank(account);
        credits.deposit(amount);
    }

    function _settle(address account, uint256 cumulative) internal {
        address[] memory accounts = new address[](1);
        accounts[0] = account;
        uint256[] memory amounts = new uint256[](1);
        amounts[0] = cumulative;
        // Read before the prank: a prank applies to the very next call.
        uint64 epoch = credits.lastSettledEpoch() + 1;
        vm.prank(relayer);
        credits.settle(epoch, accounts, amounts);
    }

    function _permit(uint256 key, address spender, uint256 value, uint256 deadline)
        internal
        view
        returns (uint8 v, bytes32 r, bytes32 s)
    {
        address owner = vm.addr(key);
        bytes32 structHash =
            keccak256(abi.encode(PERMIT_TYPEHASH, owner, spender, value, token.nonces(owner), deadline));
        (v, r, s) = vm.sign(key, keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash)));
    }

    // --- constructor ---

    /// The constructor accepts exactly the delays from one hour to thirty days.
    function testFuzz_ConstructorBoundsTheDelay(uint64 delay) public {
        if (delay < 1 hours) {
            vm.expectRevert(abi.encodeWithSelector(IInferenceCredits.WithdrawalDelayTooShort.selector, delay, 1 hours));
            _newCredits(IERC20(address(token)), delay);
        } else if (delay > 30 days) {
            vm.expectRevert(abi.encodeWithSelector(IInferenceCredits.WithdrawalDelayTooLong.selector, delay, 30 days));
            _newCredits(IERC20(address(token)), delay);
        } else {
            assertEq(_newCredits(IERC20(address(token)), delay).withdrawalDelay(), delay, "delay");
        }
    }

    function testFuzz_ConstructorRejectsZeroAddresses(uint8 which, address a) public {
        vm.assume(a != address(0));
        which = uint8(bound(which, 0, 3));
        address[] memory none = new address[](0);
        vm.expectRevert(IInferenceCredits.ZeroAddress.selector);
        new InferenceCredits(
            IERC20(which == 0 ? address(0) : a),
            which == 1 ? address(0) : a,
            which == 2 ? address(0) : a,
            none,
            none,
            which == 3 ? address(0) : a,
            DELAY
        );
    }

    // --- settlement ---

    /// Whatever two accounts spend, settlement moves exactly the increase: the treasury gets 25% rounded down, the
    /// rewards vault the rest, and the contract keeps exactly the unspent credit.
    function testFuzz_SettleSplitsExactly75To25(uint256 a, uint256 b, uint256 spentA, uint256 spentB) public {
        a = bound(a, 1, FUNDS);
        b = bound(b, 1, FUNDS);
        spentA = bound(spentA, 0, a);
        spentB = bound(spentB, 0, b);
        _deposit(alice, a);
        _deposit(bob, b);
        uint256 poolBefore = token.balanceOf(address(vault));
        uint256 treasuryBefore = token.balanceOf(treasury);

        address[] memory accounts = new address[](2);
        accounts[0] = alice;
        accounts[1] = bob;
        uint256[] memory amounts = new uint256[](2);
        amounts[0] = spentA;
        amounts[1] = spentB;
        uint256 total = spentA + spentB;
        uint256 toTreasury = total / 4;
        vm.expectEmit(address(credits));
        emit IInferenceCredits.EpochSettled(1, 2, total, total - toTreasury, toTreasury);
        vm.prank(relayer);
        credits.settle(1, accounts, amounts);

        assertEq(token.balanceOf(treasury) - treasuryBefore, toTreasury, "treasury: 25% rounded down");
        assertEq(token.balanceOf(address(vault)) - poolBefore, total - toTreasury, "pool: the rest");
        assertGe(3 * toTreasury + 3, total - toTreasury, "pool share is at most 75% + 3 wei");
        assertLe(3 * toTreasury, total - toTreasury, "pool share is at least 75%");
        assertEq(token.balanceOf(address(credits)), a + b - total, "contract keeps the unspent credit");
        assertEq(credits.creditOf(alice), a - spentA, "alice unspent");
        assertEq(credits.creditOf(bob), b - spentB, "bob unspent");
        assertEq(credits.totalSpent(), total, "totalSpent");
    }

    /// Cumulative spending only goes up and never above what the account funded; a bad figure moves nothing.
    function testFuzz_SpentIsMonotoneAndBoundedByFunding(uint256 funded, uint256 first, uint256 second) public {
        funded = bound(funded, 1, FUNDS);
        first = bound(first, 0, funded);
        second = bound(second, 0, type(uint256).max);
        _deposit(alice, funded);
        _settle(alice, first);
        uint256 held = token.balanceOf(address(credits));

        address[] memory accounts = new address[](1);
        accounts[0] = alice;
        uint256[] memory amounts = new uint256[](1);
        amounts[0] = second;
        vm.prank(relayer);
        if (second < first) {
            vm.expectRevert(abi.encodeWithSelector(IInferenceCredits.SpentDecreased.selector, alice, second, first));
        } else if (second > funded) {
            vm.expectRevert(
                abi.encodeWithSelector(IInferenceCredits.SpentExceedsCredit.selector, alice, second, funded)
            );
        }
        credits.settle(2, accounts, amounts);
        bool accepted = second >= first && second <= funded;
        assertEq(credits.getAccount(alice).spent, accepted ? second : first, "spent");
        assertEq(token.balanceOf(address(credits)), accepted ? held - (second - first) : held, "held");
        assertLe(credits.getAccount(alice).spent, credits.getAccount(alice).funded, "spent <= funded");
    }

    /// Only the next epoch settles.
    function testFuzz_EpochsInSequence(uint64 epoch) public {
        vm.prank(relayer);
        if (epoch != 1) vm.expectRevert(abi.encodeWithSelector(IInferenceCredits.UnexpectedEpoch.selector, epoch, 1));
        credits.settle(epoch, new address[](0), new uint256[](0));
        assertEq(credits.lastSettledEpoch(), epoch == 1 ? 1 : 0, "last settled epoch");
    }

    // --- withdrawals ---

    /// Deposit, request, settle what the relayer debited meanwhile, wait: the withdrawal succeeds exactly from
    /// unlockAt on and pays min(requested, unspent); nothing is ever paid or moved beyond what was deposited.
    function testFuzz_WithdrawPaysTheUnspentPartOfTheRequest(
        uint256 deposited,
        uint256 requested,
        uint256 spent,
        uint256 wait
    ) public {
        deposited = bound(deposited, 1, FUNDS);
        requested = bound(requested, 1, deposited);
        spent = bound(spent, 0, deposited);
        wait = bound(wait, 0, 3 * uint256(DELAY));
        _deposit(alice, deposited);
        vm.prank(alice);
        uint64 unlockAt = credits.requestWithdrawal(requested);
        assertEq(unlockAt, block.timestamp + DELAY, "unlockAt");
        assertEq(credits.availableCreditOf(alice), deposited - requested, "the request is not debitable");
        _settle(alice, spent);
        uint256 unspent = deposited - spent;
        assertEq(
            credits.availableCreditOf(alice), unspent > requested ? unspent - requested : 0, "available after settle"
        );

        vm.warp(block.timestamp + wait);
        vm.prank(alice);
        if (block.timestamp < unlockAt) {
            vm.expectRevert(abi.encodeWithSelector(IInferenceCredits.WithdrawalLocked.selector, alice, unlockAt));
            credits.withdraw();
            assertEq(token.balanceOf(alice), FUNDS - deposited, "nothing paid early");
        } else {
            uint256 expected = requested < unspent ? requested : unspent;
            assertEq(credits.withdraw(), expected, "paid");
            assertEq(token.balanceOf(alice), FUNDS - deposited + expected, "received");
            assertEq(credits.creditOf(alice), unspent - expected, "credit left");
            (uint256 pending, uint64 unlock) = credits.pendingWithdrawal(alice);
            assertEq(pending + unlock, 0, "request cleared");
            assertLe(expected + spent, deposited, "withdrawn + moved <= deposited");
        }
        assertEq(
            token.balanceOf(address(credits)), credits.creditOf(alice), "the contract holds exactly the unspent credit"
        );
    }

    /// A pending total above the unspent credit is refused; at or below it is accepted and restarts the delay.
    function testFuzz_RequestBoundedByUnspentCredit(uint256 deposited, uint256 first, uint256 second, uint256 dt)
        public
    {
        deposited = bound(deposited, 1, FUNDS);
        first = bound(first, 1, deposited);
        second = bound(second, 1, FUNDS);
        dt = bound(dt, 0, DELAY);
        _deposit(alice, deposited);
        vm.prank(alice);
        credits.requestWithdrawal(first);
        vm.warp(block.timestamp + dt);
        vm.prank(alice);
        if (first + second > deposited) {
            vm.expectRevert(
                abi.encodeWithSelector(IInferenceCredits.InsufficientCredit.selector, alice, first + second, deposited)
            );
            credits.requestWithdrawal(second);
            (uint256 pending,) = credits.pendingWithdrawal(alice);
            assertEq(pending, first, "unchanged");
        } else {
            assertEq(credits.requestWithdrawal(second), block.timestamp + DELAY, "restarted");
            (uint256 pending, uint64 unlockAt) = credits.pendingWithdrawal(alice);
            assertEq(pending, first + second, "added");
            assertEq(unlockAt, block.timestamp + DELAY, "whole amount waits again");
        }
    }

    /// A pause stops deposits and settlement but never a matured withdrawal.
    function testFuzz_PauseNeverHoldsAMaturedWithdrawal(uint256 deposited, uint256 requested) public {
        deposited = bound(deposited, 1, FUNDS);
        requested = bound(requested, 1, deposited);
        _deposit(alice, deposited);
        vm.prank(alice);
        credits.requestWithdrawal(requested);
        vm.prank(guardian);
        credits.pause();
        vm.prank(alice);
        vm.expectRevert(IInferenceCredits.EnforcedPause.selector);
        credits.deposit(1);
        vm.prank(relayer);
        vm.expectRevert(IInferenceCredits.EnforcedPause.selector);
        credits.settle(1, new address[](0), new uint256[](0));
        vm.warp(block.timestamp + DELAY);
        vm.prank(alice);
        assertEq(credits.withdraw(), requested, "paid while paused");
        assertEq(token.balanceOf(alice), FUNDS - deposited + requested, "received");
    }

    // --- permits ---

    /// A deposit with a valid permit goes through in one call, whether or not someone submitted the permit first.
    function testFuzz_DepositWithPermitSurvivesAFrontRun(uint256 amount, uint256 deadline, bool frontRun) public {
        amount = bound(amount, 1, FUNDS);
        deadline = bound(deadline, block.timestamp, type(uint256).max);
        vm.prank(alice);
        token.approve(address(credits), 0);
        (uint8 v, bytes32 r, bytes32 s) = _permit(aliceKey, address(credits), amount, deadline);
        if (frontRun) {
            vm.prank(bob);
            token.permit(alice, address(credits), amount, deadline, v, r, s);
        }
        vm.expectEmit(address(credits));
        emit IInferenceCredits.Deposited(alice, amount, amount);
        vm.prank(alice);
        credits.depositWithPermit(amount, deadline, v, r, s);
        assertEq(credits.creditOf(alice), amount, "credited");
        assertEq(token.allowance(alice, address(credits)), 0, "allowance used");
        assertEq(token.nonces(alice), 1, "one permit used");
    }

    /// A failed permit reverts with PermitFailed unless the standing allowance covers the deposit.
    function testFuzz_FailedPermitFallsBackOnTheAllowance(uint256 amount, uint256 allowance) public {
        amount = bound(amount, 1, FUNDS);
        allowance = bound(allowance, 0, FUNDS);
        vm.prank(alice);
        token.approve(address(credits), allowance);
        // Signed by bob's key for alice: never valid.
        (uint8 v, bytes32 r, bytes32 s) = _permit(uint256(keccak256("bob")), address(credits), amount, block.timestamp);
        vm.prank(alice);
        if (allowance < amount) {
            vm.expectRevert(abi.encodeWithSelector(IInferenceCredits.PermitFailed.selector, alice));
        }
        credits.depositWithPermit(amount, block.timestamp, v, r, s);
        assertEq(credits.creditOf(alice), allowance < amount ? 0 : amount, "credited only on allowance");
    }

    // --- roles and bounds ---

    function _unauthorized(address caller, bytes32 role) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, caller, role);
    }

    /// Only relayers settle, only guardians pause, only the admin unpauses and sets the treasury.
    function testFuzz_OnlyRolesAct(address caller) public {
        vm.assume(caller != relayer && caller != guardian && caller != admin);
        bytes memory notRelayer = _unauthorized(caller, credits.RELAYER_ROLE());
        bytes memory notGuardian = _unauthorized(caller, credits.GUARDIAN_ROLE());
        bytes memory notAdmin = _unauthorized(caller, credits.DEFAULT_ADMIN_ROLE());
        vm.prank(caller);
        vm.expectRevert(notRelayer);
        credits.settle(1, new address[](0), new uint256[](0));
        vm.prank(caller);
        vm.expectRevert(notGuardian);
        credits.pause();
        vm.prank(guardian);
        credits.pause();
        vm.prank(caller);
        vm.expectRevert(notAdmin);
        credits.unpause();
        vm.prank(caller);
        vm.expectRevert(notAdmin);
        credits.setTreasury(caller);
        assertEq(credits.treasury(), treasury, "treasury unchanged");
    }

    /// The admin may move the treasury anywhere but to zero; the network's share of the next settlement goes there.
    function testFuzz_SetTreasury(address newTreasury, uint256 spent) public {
        vm.assume(newTreasury != address(0) && newTreasury != treasury && newTreasury != address(vault));
        vm.assume(newTreasury != address(credits) && newTreasury != alice);
        spent = bound(spent, 4, FUNDS);
        vm.prank(admin);
        vm.expectRevert(IInferenceCredits.ZeroAddress.selector);
        credits.setTreasury(address(0));
        vm.prank(admin);
        vm.expectEmit(address(credits));
        emit IInferenceCredits.TreasurySet(newTreasury);
        credits.setTreasury(newTreasury);
        assertEq(credits.treasury(), newTreasury, "treasury");
        uint256 before = token.balanceOf(newTreasury);
        _deposit(alice, spent);
        _settle(alice, spent);
        assertEq(token.balanceOf(newTreasury) - before, (spent * 2_500) / 10_000, "network share to the new treasury");
    }

    /// An account's funding must fit 128 bits; one more unit reverts.
    function testFuzz_FundingBoundedBy128Bits(uint256 spent) public {
        HugePermitToken huge = new HugePermitToken(alice);
        InferenceCredits big = _newCredits(IERC20(address(huge)), DELAY);
        uint256 max = type(uint128).max;
        spent = bound(spent, 0, max);
        vm.startPrank(alice);
        huge.approve(address(big), type(uint256).max);
        big.deposit(max);
        vm.expectRevert(abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintDowncast.selector, 128, max + 1));
        big.deposit(1);
        vm.stopPrank();
        address[] memory accounts = new address[](1);
        accounts[0] = alice;
        uint256[] memory amounts = new uint256[](1);
        amounts[0] = spent;
        vm.prank(relayer);
        big.settle(1, accounts, amounts);
        assertEq(big.creditOf(alice), max - spent, "credit");
        assertEq(big.totalSpent(), spent, "totalSpent");
    }
}
