// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {NodeBond} from "../../contracts/NodeBond.sol";
import {INodeBond} from "../../contracts/interfaces/INodeBond.sol";
import {Fixture} from "./utils/Fixture.sol";
import {vm} from "./utils/Vm.sol";

/// @dev A token with more than 2^128 in supply, to reach NodeBond's 128-bit bound (GBT's fixed supply never can).
contract HugeSupplyToken is ERC20("Huge", "HUGE") {
    constructor(address holder) {
        _mint(holder, type(uint256).max);
    }
}

/// @notice Property-based tests of NodeBond: round trips, the slash split, the unbonding delay against the challenge
/// window, veto timing, roles and the 128-bit bound.
contract NodeBondFuzzTest is Fixture {
    uint64 internal constant DELAY = 2 * WINDOW;
    uint256 internal constant FUNDS = 1_000_000e18;
    uint256 internal constant TREASURY_SUPPLY = 300_000_000e18;

    NodeBond internal bonds;
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");

    function setUp() public {
        _deploy(WINDOW, CAP);
        bonds = _newBond(IERC20(address(token)), WINDOW, DELAY);
        _fund(alice);
        _fund(bob);
    }

    function _newBond(IERC20 token_, uint64 window, uint64 delay) internal returns (NodeBond) {
        address[] memory relayers = new address[](1);
        relayers[0] = relayer;
        address[] memory guardians = new address[](1);
        guardians[0] = guardian;
        return new NodeBond(token_, admin, relayers, guardians, treasury, window, delay);
    }

    function _fund(address node) internal {
        vm.prank(treasury);
        token.transfer(node, FUNDS);
        vm.prank(node);
        token.approve(address(bonds), type(uint256).max);
    }

    function _bond(address node, uint256 amount) internal {
        vm.prank(node);
        bonds.bond(amount);
    }

    function _unbond(address node, uint256 amount) internal returns (uint64 unlockAt) {
        vm.prank(node);
        unlockAt = bonds.requestUnbond(amount);
    }

    function _propose(address node, uint256 amount) internal returns (uint256 id) {
        vm.prank(relayer);
        id = bonds.proposeSlash(node, amount, keccak256("evidence"));
    }

    // --- constructor ---

    /// The constructor accepts exactly the delays strictly longer than the window and at most a year.
    function testFuzz_ConstructorRequiresDelayLongerThanWindow(uint64 window, uint64 delay) public {
        if (delay <= window) {
            vm.expectRevert(abi.encodeWithSelector(INodeBond.UnbondingDelayTooShort.selector, delay, window));
            _newBond(IERC20(address(token)), window, delay);
        } else if (delay > 365 days) {
            vm.expectRevert(abi.encodeWithSelector(INodeBond.UnbondingDelayTooLong.selector, delay, 365 days));
            _newBond(IERC20(address(token)), window, delay);
        } else {
            NodeBond deployed = _newBond(IERC20(address(token)), window, delay);
            assertEq(deployed.challengeWindow(), window, "window");
            assertEq(deployed.unbondingDelay(), delay, "delay");
        }
    }

    function testFuzz_ConstructorRejectsZeroAddresses(uint8 which, address a) public {
        vm.assume(a != address(0));
        which = uint8(bound(which, 0, 2));
        address[] memory none = new address[](0);
        vm.expectRevert(INodeBond.ZeroAddress.selector);
        new NodeBond(
            IERC20(which == 0 ? address(0) : a),
            which == 1 ? address(0) : a,
            none,
            none,
            which == 2 ? address(0) : a,
            0,
            1
        );
    }

    // --- bonding ---

    /// Bond, unbond part, wait: the withdrawal succeeds exactly from unlockAt on and pays exactly the unbonded part.
    function testFuzz_BondUnbondWithdrawRoundTrip(uint256 bonded, uint256 unbonded, uint256 wait) public {
        bonded = bound(bonded, 1, FUNDS);
        unbonded = bound(unbonded, 1, bonded);
        wait = bound(wait, 0, 3 * uint256(DELAY));
        _bond(alice, bonded);
        uint64 unlockAt = _unbond(alice, unbonded);
        assertEq(unlockAt, block.timestamp + DELAY, "unlockAt");
        assertEq(bonds.bondOf(alice), bonded - unbonded, "active");
        assertEq(bonds.slashableOf(alice), bonded, "slashable");

        vm.warp(block.timestamp + wait);
        vm.prank(alice);
        if (block.timestamp < unlockAt) {
            vm.expectRevert(abi.encodeWithSelector(INodeBond.UnbondLocked.selector, alice, unlockAt));
            bonds.withdraw();
            assertEq(token.balanceOf(alice), FUNDS - bonded, "nothing paid early");
        } else {
            assertEq(bonds.withdraw(), unbonded, "withdrawn");
            assertEq(token.balanceOf(alice), FUNDS - bonded + unbonded, "paid");
        }
        assertEq(
            token.balanceOf(address(bonds)), bonds.totalBonded() + bonds.totalUnbonding(), "held == active + pending"
        );
    }

    /// bondFor credits the node only; the payer cannot unbond it.
    function testFuzz_BondForCreditsTheNode(uint256 amount) public {
        amount = bound(amount, 1, FUNDS);
        vm.prank(bob);
        bonds.bondFor(alice, amount);
        assertEq(bonds.bondOf(alice), amount, "node credited");
        assertEq(bonds.bondOf(bob), 0, "payer not credited");
        assertEq(token.balanceOf(bob), FUNDS - amount, "payer charged");
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(INodeBond.InsufficientBond.selector, bob, amount, 0));
        bonds.requestUnbond(amount);
    }

    /// Everything bonded (active and pending together) must fit 128 bits; one more unit reverts.
    function testFuzz_BondedTotalBoundedBy128Bits(uint256 unbonded) public {
        HugeSupplyToken huge = new HugeSupplyToken(alice);
        NodeBond big = _newBond(IERC20(address(huge)), WINDOW, DELAY);
        uint256 max = type(uint128).max;
        unbonded = bound(unbonded, 1, max);
        vm.startPrank(alice);
        huge.approve(address(big), type(uint256).max);
        big.bond(max);
        big.requestUnbond(unbonded);
        vm.expectRevert(abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintDowncast.selector, 128, max + 1));
        big.bond(1);
        vm.stopPrank();
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintDowncast.selector, 128, max + 1));
        big.bondFor(bob, 1);
        assertEq(big.slashableOf(alice), max, "slashable");
        assertEq(big.totalBonded() + big.totalUnbonding(), max, "totals");
    }

    // --- slashing ---

    /// A slash takes min(amount, active) from the active bond, then min(rest, pending) from the pending unbond, and
    /// sends exactly that to the treasury.
    function testFuzz_SlashTakesActiveFirstThenPendingCapped(uint256 active, uint256 pending, uint256 amount) public {
        active = bound(active, 0, FUNDS / 2);
        pending = bound(pending, 0, FUNDS / 2);
        vm.assume(active + pending != 0);
        amount = bound(amount, 1, type(uint256).max);
        _bond(alice, active + pending);
        if (pending != 0) _unbond(alice, pending);
        uint256 id = _propose(alice, amount);
        vm.warp(block.timestamp + WINDOW);

        uint256 fromActive = amount < active ? amount : active;
        uint256 rest = amount - fromActive;
        uint256 fromPending = rest < pending ? rest : pending;
        vm.expectEmit(address(bonds));
        emit INodeBond.SlashExecuted(id, alice, fromActive, fromPending, treasury);
        assertEq(bonds.executeSlash(id), fromActive + fromPending, "slashed");

        assertEq(bonds.bondOf(alice), active - fromActive, "active left");
        (uint256 pendingLeft,) = bonds.pendingUnbond(alice);
        assertEq(pendingLeft, pending - fromPending, "pending left");
        assertEq(token.balanceOf(treasury), TREASURY_SUPPLY - 2 * FUNDS + fromActive + fromPending, "treasury paid");
        assertEq(bonds.getSlash(id).slashed, fromActive + fromPending, "recorded");
        assertEq(
            token.balanceOf(address(bonds)), bonds.totalBonded() + bonds.totalUnbonding(), "held == active + pending"
        );
    }

    /// Whenever the relayer proposes, before the node withdrew, the slash lands in full: the node can neither
    /// withdraw while it is open nor have unbonded before the window ends, since unbonding outlasts it.
    function testFuzz_NoEscapeFromAProposedSlash(uint64 window, uint64 delay, uint256 lag, uint256 late) public {
        window = uint64(bound(window, 0, 30 days));
        delay = uint64(bound(delay, uint256(window) + 1, 60 days));
        lag = bound(lag, 0, delay - 1);
        late = bound(late, 0, 90 days);
        NodeBond b = _newBond(IERC20(address(token)), window, delay);
        vm.startPrank(alice);
        token.approve(address(b), FUNDS);
        b.bond(FUNDS);
        uint64 unlockAt = b.requestUnbond(FUNDS);
        vm.stopPrank();

        // The fault was just before the unbond request; the relayer proposes `lag` later, still before unlockAt.
        vm.warp(block.timestamp + lag);
        vm.prank(relayer);
        uint256 id = b.proposeSlash(alice, FUNDS, keccak256("late detection"));
        if (lag <= delay - window - 1) assertLt(b.getSlash(id).executableAt, unlockAt, "executable before unlock");

        vm.warp(uint256(unlockAt) + late);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(INodeBond.SlashOpen.selector, alice, 1));
        b.withdraw();
        if (block.timestamp < b.getSlash(id).executableAt) vm.warp(b.getSlash(id).executableAt);
        assertEq(b.executeSlash(id), FUNDS, "slashed in full");
        assertEq(b.slashableOf(alice), 0, "nothing left");
    }

    /// A veto succeeds exactly during the window, or at any time while paused; execution exactly after it.
    function testFuzz_VetoOnlyInWindowOrPaused(uint256 dt, bool paused) public {
        dt = bound(dt, 0, 3 * uint256(WINDOW));
        _bond(alice, 1e18);
        uint256 id = _propose(alice, 1e18);
        uint64 executableAt = bonds.getSlash(id).executableAt;
        vm.warp(block.timestamp + dt);
        if (paused) {
            vm.prank(guardian);
            bonds.pause();
        }
        bool vetoable = paused || block.timestamp < executableAt;
        vm.prank(guardian);
        if (!vetoable) {
            vm.expectRevert(abi.encodeWithSelector(INodeBond.ChallengeWindowOver.selector, id, executableAt));
        }
        bonds.vetoSlash(id);
        if (paused) {
            vm.prank(admin);
            bonds.unpause();
        }
        if (vetoable) {
            vm.expectRevert(
                abi.encodeWithSelector(INodeBond.SlashNotPending.selector, id, INodeBond.SlashStatus.Vetoed)
            );
        } else {
            assertGe(block.timestamp, executableAt, "executes only after the window");
        }
        bonds.executeSlash(id);
        assertEq(bonds.bondOf(alice), vetoable ? 1e18 : 0, "vetoed slashes take nothing");
    }

    /// Neither a second execution nor a vetoed slash ever takes anything.
    function testFuzz_SlashExecutesAtMostOnce(uint256 amount, uint8 repeats) public {
        amount = bound(amount, 1, FUNDS);
        repeats = uint8(bound(repeats, 1, 4));
        _bond(alice, FUNDS);
        uint256 id = _propose(alice, amount);
        uint256 vetoed = _propose(alice, amount);
        vm.prank(guardian);
        bonds.vetoSlash(vetoed);
        vm.warp(block.timestamp + WINDOW);
        bonds.executeSlash(id);
        for (uint256 i; i < repeats; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(INodeBond.SlashNotPending.selector, id, INodeBond.SlashStatus.Executed)
            );
            bonds.executeSlash(id);
            vm.expectRevert(
                abi.encodeWithSelector(INodeBond.SlashNotPending.selector, vetoed, INodeBond.SlashStatus.Vetoed)
            );
            bonds.executeSlash(vetoed);
        }
        assertEq(bonds.slashableOf(alice), FUNDS - amount, "taken once");
    }

    // --- roles ---

    function _unauthorized(address caller, bytes32 role) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, caller, role);
    }

    /// Only relayers propose, only guardians veto and pause, only the admin unpauses and sets the recipient.
    function testFuzz_OnlyRolesAct(address caller) public {
        vm.assume(caller != relayer && caller != guardian && caller != admin);
        // Read before any prank: a prank applies to the very next call.
        bytes memory notRelayer = _unauthorized(caller, bonds.RELAYER_ROLE());
        bytes memory notGuardian = _unauthorized(caller, bonds.GUARDIAN_ROLE());
        bytes memory notAdmin = _unauthorized(caller, bonds.DEFAULT_ADMIN_ROLE());
        _bond(alice, 1e18);
        vm.prank(caller);
        vm.expectRevert(notRelayer);
        bonds.proposeSlash(alice, 1, bytes32(0));
        uint256 id = _propose(alice, 1);
        vm.prank(caller);
        vm.expectRevert(notGuardian);
        bonds.vetoSlash(id);
        vm.prank(caller);
        vm.expectRevert(notGuardian);
        bonds.pause();
        vm.prank(guardian);
        bonds.pause();
        vm.prank(caller);
        vm.expectRevert(notAdmin);
        bonds.unpause();
        vm.prank(caller);
        vm.expectRevert(notAdmin);
        bonds.setSlashRecipient(caller);
        assertEq(bonds.slashRecipient(), treasury, "recipient unchanged");
    }

    // --- admin and zero addresses ---

    /// bondFor refuses the zero address, whatever the amount, and moves nothing.
    function testFuzz_BondForRejectsTheZeroAddress(uint256 amount) public {
        uint256 before = token.balanceOf(alice);
        vm.prank(alice);
        vm.expectRevert(INodeBond.ZeroAddress.selector);
        bonds.bondFor(address(0), amount);
        assertEq(token.balanceOf(alice), before, "nothing moved");
    }

    /// The admin sets any non-zero slash recipient (and only a non-zero one); nobody else can.
    function testFuzz_SetSlashRecipient(address recipient, address caller) public {
        vm.assume(caller != admin);
        bytes32 adminRole = bonds.DEFAULT_ADMIN_ROLE();
        vm.prank(caller);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, caller, adminRole)
        );
        bonds.setSlashRecipient(recipient == address(0) ? treasury : recipient);
        vm.prank(admin);
        if (recipient == address(0)) {
            vm.expectRevert(INodeBond.ZeroAddress.selector);
            bonds.setSlashRecipient(recipient);
        } else {
            bonds.setSlashRecipient(recipient);
            assertEq(bonds.slashRecipient(), recipient, "recipient");
        }
    }
}
