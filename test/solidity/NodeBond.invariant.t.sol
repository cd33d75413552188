// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {GitBlockToken} from "../../contracts/GitBlockToken.sol";
import {NodeBond} from "../../contracts/NodeBond.sol";
import {INodeBond} from "../../contracts/interfaces/INodeBond.sol";
import {Fixture} from "./utils/Fixture.sol";
import {vm} from "./utils/Vm.sol";

/// @notice What the invariant fuzzer drives: four nodes bonding (for themselves and for each other), unbonding and
/// withdrawing, a relayer proposing slashes, time passing, guardian vetoes and pauses, admin unpauses, anyone
/// executing slashes, plain transfers to the contract, and unauthorized attempts that must all fail. Ghost variables
/// mirror every bond and count every GBT in and out.
contract BondHandler {
    uint256 internal constant NODES = 4;
    uint256 internal constant FUNDS = 10_000_000e18;

    GitBlockToken public immutable token;
    NodeBond public immutable bonds;
    address public immutable relayer;
    address public immutable guardian;
    address public immutable admin;
    address public immutable treasury;

    address[NODES] public nodes;
    address[2] public strangers;

    // --- model of NodeBond ---
    uint256[NODES] public active;
    uint256[NODES] public pending;
    uint64[NODES] public unlockAt;
    uint256[NODES] public openSlashes;
    bool public paused;

    // --- ghosts ---
    uint256 public ghostDeposited;
    uint256 public ghostWithdrawn;
    uint256 public ghostSlashed;
    uint256 public ghostDonated;
    uint256 public ghostEarlyWithdrawals;
    uint256 public ghostFrozenWithdrawals;
    uint256 public ghostWithdrawLivenessFailures;
    uint256 public ghostRepeatedSlashes;
    uint256 public ghostVetoedExecutions;
    uint256 public ghostOverSlashes;
    uint256 public ghostUnauthorizedSuccesses;
    uint256 public ghostModelDivergences;
    uint256 public successfulWithdrawals;
    uint256 public successfulSlashes;
    uint256 public successfulVetoes;

    constructor(
        GitBlockToken token_,
        NodeBond bonds_,
        address relayer_,
        address guardian_,
        address admin_,
        address treasury_
    ) {
        token = token_;
        bonds = bonds_;
        relayer = relayer_;
        guardian = guardian_;
        admin = admin_;
        treasury = treasury_;
        for (uint256 i; i < NODES; ++i) {
            nodes[i] = vm.addr(0xC000 + i);
        }
        for (uint256 i; i < 2; ++i) {
            strangers[i] = vm.addr(0xD000 + i);
        }
    }

    /// @dev Called once by the test's setUp: funds the nodes from the treasury and approves NodeBond.
    function fund() external {
        for (uint256 i; i < NODES; ++i) {
            vm.prank(treasury);
            token.transfer(nodes[i], FUNDS);
            vm.prank(nodes[i]);
            token.approve(address(bonds), type(uint256).max);
        }
    }

    /// @dev Every action: the contract must agree with the model afterwards.
    modifier tracked() {
        _;
        for (uint256 i; i < NODES; ++i) {
            INodeBond.Bond memory b = bonds.getBond(nodes[i]);
            if (
                b.active != active[i] || b.pending != pending[i] || b.unlockAt != unlockAt[i]
                    || b.openSlashes != openSlashes[i]
            ) ++ghostModelDivergences;
        }
        if (bonds.paused() != paused) ++ghostModelDivergences;
    }

    // --- nodes ---

    function bond(uint256 nodeSeed, uint256 amount) external tracked {
        uint256 i = nodeSeed % NODES;
        amount = amount % (token.balanceOf(nodes[i]) + 1);
        vm.prank(nodes[i]);
        try bonds.bond(amount) {
            if (paused || amount == 0) ++ghostModelDivergences;
            active[i] += amount;
            ghostDeposited += amount;
        } catch {}
    }

    function bondFor(uint256 payerSeed, uint256 nodeSeed, uint256 amount) external tracked {
        uint256 p = payerSeed % NODES;
        uint256 i = nodeSeed % NODES;
        amount = amount % (token.balanceOf(nodes[p]) + 1);
        vm.prank(nodes[p]);
        try bonds.bondFor(nodes[i], amount) {
            if (paused || amount == 0) ++ghostModelDivergences;
            active[i] += amount;
            ghostDeposited += amount;
        } catch {}
    }

    function requestUnbond(uint256 nodeSeed, uint256 amount) external tracked {
        uint256 i = _pickNode(nodeSeed, active);
        amount = amount % (active[i] + 2); // now and then one more than the active bond
        vm.prank(nodes[i]);
        try bonds.requestUnbond(amount) returns (uint64 returnedUnlockAt) {
            if (amount == 0 || amount > active[i]) ++ghostModelDivergences;
            active[i] -= amount;
            pending[i] += amount;
            unlockAt[i] = uint64(block.timestamp) + bonds.unbondingDelay();
            if (returnedUnlockAt != unlockAt[i]) ++ghostModelDivergences;
        } catch {}
    }

    function withdraw(uint256 nodeSeed, bool waitOut) external tracked {
        uint256 i = _pickNode(nodeSeed, pending);
        if (waitOut && block.timestamp < unlockAt[i]) vm.warp(unlockAt[i]);
        bool due = pending[i] != 0 && openSlashes[i] == 0 && block.timestamp >= unlockAt[i];
        uint256 before = token.balanceOf(nodes[i]);
        vm.prank(nodes[i]);
        try bonds.withdraw() returns (uint256 amount) {
            ++successfulWithdrawals;
            if (block.timestamp < unlockAt[i]) ++ghostEarlyWithdrawals;
            if (openSlashes[i] != 0) ++ghostFrozenWithdrawals;
            if (amount != pending[i] || token.balanceOf(nodes[i]) != before + amount) ++ghostModelDivergences;
            ghostWithdrawn += amount;
            pending[i] = 0;
            unlockAt[i] = 0;
        } catch {
            if (due) ++ghostWithdrawLivenessFailures;
        }
    }

    // --- relayer, guardian, admin, anyone ---

    function proposeSlash(uint256 nodeSeed, uint256 amount) external tracked {
        uint256 i = nodeSeed % NODES;
        amount = amount % (active[i] + pending[i] + 1e18); // sometimes more than the node holds
        vm.prank(relayer);
        try bonds.proposeSlash(nodes[i], amount, bytes32(nodeSeed)) {
            if (paused || amount == 0 || active[i] + pending[i] == 0) ++ghostModelDivergences;
            ++openSlashes[i];
        } catch {}
    }

    function executeSlash(uint256 idSeed, bool waitOut) external tracked {
        uint256 id = _pickSlash(idSeed);
        if (id == 0) return;
        INodeBond.Slash memory s = bonds.getSlash(id);
        if (waitOut && block.timestamp < s.executableAt) vm.warp(s.executableAt);
        uint256 i = _indexOf(s.node);
        uint256 recipientBefore = token.balanceOf(bonds.slashRecipient());
        try bonds.executeSlash(id) returns (uint256 slashed) {
            ++successfulSlashes;
            if (s.status == INodeBond.SlashStatus.Executed) ++ghostRepeatedSlashes;
            if (s.status == INodeBond.SlashStatus.Vetoed) ++ghostVetoedExecutions;
            if (slashed > s.amount || slashed > active[i] + pending[i]) ++ghostOverSlashes;
            if (token.balanceOf(bonds.slashRecipient()) != recipientBefore + slashed) ++ghostModelDivergences;
            uint256 fromActive = s.amount < active[i] ? s.amount : active[i];
            uint256 rest = s.amount - fromActive;
            uint256 fromPending = rest < pending[i] ? rest : pending[i];
            if (slashed != fromActive + fromPending) ++ghostModelDivergences;
            active[i] -= fromActive;
            pending[i] -= fromPending;
            if (pending[i] == 0) unlockAt[i] = 0;
            --openSlashes[i];
            ghostSlashed += slashed;
        } catch {}
    }

    function vetoSlash(uint256 idSeed) external tracked {
        uint256 id = _pickSlash(idSeed);
        if (id == 0) return;
        INodeBond.Slash memory s = bonds.getSlash(id);
        vm.prank(guardian);
        try bonds.vetoSlash(id) {
            ++successfulVetoes;
            if (s.status != INodeBond.SlashStatus.Pending) ++ghostModelDivergences;
            if (block.timestamp >= s.executableAt && !paused) ++ghostModelDivergences;
            --openSlashes[_indexOf(s.node)];
        } catch {}
    }

    function warp(uint256 dt) external tracked {
        vm.warp(block.timestamp + dt % (3 * uint256(bonds.unbondingDelay())));
    }

    /// @dev Pauses one time in four, so that most of each run is spent unpaused.
    function pause(uint256 seed) external tracked {
        if (seed % 4 != 0) return;
        vm.prank(guardian);
        try bonds.pause() {
            paused = true;
        } catch {}
    }

    function unpause() external tracked {
        vm.prank(admin);
        try bonds.unpause() {
            paused = false;
        } catch {}
    }

    /// A plain transfer to NodeBond: nobody's bond.
    function donate(uint256 nodeSeed, uint256 amount) external tracked {
        address from = nodes[nodeSeed % NODES];
        amount = amount % (token.balanceOf(from) / 100 + 1);
        vm.prank(from);
        token.transfer(address(bonds), amount);
        ghostDonated += amount;
    }

    // --- unauthorized attempts: none may succeed ---

    function unauthorizedPropose(uint256 callerSeed, uint256 nodeSeed) external tracked {
        address caller = _notRole(bonds.RELAYER_ROLE(), callerSeed);
        vm.prank(caller);
        try bonds.proposeSlash(nodes[nodeSeed % NODES], 1, bytes32(0)) {
            ++ghostUnauthorizedSuccesses;
        } catch {}
    }

    function unauthorizedGuardian(uint256 callerSeed, uint256 idSeed) external tracked {
        address caller = _notRole(bonds.GUARDIAN_ROLE(), callerSeed);
        vm.prank(caller);
        try bonds.vetoSlash(idSeed % (bonds.slashCount() + 1)) {
            ++ghostUnauthorizedSuccesses;
        } catch {}
        vm.prank(caller);
        try bonds.pause() {
            ++ghostUnauthorizedSuccesses;
        } catch {}
    }

    function unauthorizedAdmin(uint256 callerSeed) external tracked {
        address caller = _notRole(bonds.DEFAULT_ADMIN_ROLE(), callerSeed);
        vm.prank(caller);
        try bonds.unpause() {
            ++ghostUnauthorizedSuccesses;
        } catch {}
        vm.prank(caller);
        try bonds.setSlashRecipient(caller) {
            ++ghostUnauthorizedSuccesses;
        } catch {}
    }

    // --- views for the invariants ---

    function nodeCount() external pure returns (uint256) {
        return NODES;
    }

    function funds() external pure returns (uint256) {
        return FUNDS;
    }

    // --- internal ---

    /// @dev Mostly the first node from a random one on whose `amounts` entry is not zero; one time in four any node.
    function _pickNode(uint256 seed, uint256[NODES] storage amounts) internal view returns (uint256) {
        uint256 start = seed % NODES;
        if (seed % 16 < 4) return start;
        for (uint256 k; k < NODES; ++k) {
            uint256 i = (start + k) % NODES;
            if (amounts[i] != 0) return i;
        }
        return start;
    }

    /// @dev Mostly the first pending slash from a random id on, so that open slashes get resolved; one time in four
    /// any id at all (executed or vetoed ones must then fail).
    function _pickSlash(uint256 seed) internal view returns (uint256) {
        uint256 count = bonds.slashCount();
        if (count == 0) return 0;
        uint256 start = seed % count;
        if (seed % 4 == 0) return start + 1;
        for (uint256 k; k < count; ++k) {
            uint256 id = (start + k) % count + 1;
            if (bonds.getSlash(id).status == INodeBond.SlashStatus.Pending) return id;
        }
        return start + 1;
    }

    function _indexOf(address node) internal view returns (uint256) {
        for (uint256 i; i < NODES; ++i) {
            if (nodes[i] == node) return i;
        }
        revert("unknown node");
    }

    function _notRole(bytes32 role, uint256 seed) internal view returns (address caller) {
        address[7] memory candidates = [strangers[0], strangers[1], nodes[0], nodes[1], relayer, guardian, admin];
        for (uint256 k; k < 7; ++k) {
            caller = candidates[(seed + k) % 7];
            if (!bonds.hasRole(role, caller)) return caller;
        }
        revert("no unprivileged caller");
    }
}

/// @notice System invariants of NodeBond under random sequences of handler actions.
contract NodeBondInvariantTest is Fixture {
    uint64 internal constant DELAY = 2 * WINDOW;

    NodeBond internal bonds;
    BondHandler internal handler;
    uint256 internal treasuryStart;

    function setUp() public {
        _deploy(WINDOW, CAP);
        address[] memory relayers = new address[](1);
        relayers[0] = relayer;
        address[] memory guardians = new address[](1);
        guardians[0] = guardian;
        bonds = new NodeBond(IERC20(address(token)), admin, relayers, guardians, treasury, WINDOW, DELAY);
        handler = new BondHandler(token, bonds, relayer, guardian, admin, treasury);
        handler.fund();
        treasuryStart = token.balanceOf(treasury);
        vm.label(address(bonds), "nodeBond");
        vm.label(address(handler), "handler");

        // Weighted: bonding, unbonding, slashing and time drive the interesting paths.
        bytes4[] memory selectors = new bytes4[](20);
        selectors[0] = BondHandler.bond.selector;
        selectors[1] = BondHandler.bond.selector;
        selectors[2] = BondHandler.bondFor.selector;
        selectors[3] = BondHandler.requestUnbond.selector;
        selectors[4] = BondHandler.requestUnbond.selector;
        selectors[5] = BondHandler.withdraw.selector;
        selectors[6] = BondHandler.withdraw.selector;
        selectors[7] = BondHandler.proposeSlash.selector;
        selectors[8] = BondHandler.proposeSlash.selector;
        selectors[9] = BondHandler.executeSlash.selector;
        selectors[10] = BondHandler.executeSlash.selector;
        selectors[11] = BondHandler.vetoSlash.selector;
        selectors[12] = BondHandler.warp.selector;
        selectors[13] = BondHandler.warp.selector;
        selectors[14] = BondHandler.pause.selector;
        selectors[15] = BondHandler.unpause.selector;
        selectors[16] = BondHandler.donate.selector;
        selectors[17] = BondHandler.unauthorizedPropose.selector;
        selectors[18] = BondHandler.unauthorizedGuardian.selector;
        selectors[19] = BondHandler.unauthorizedAdmin.selector;
        targetContract(address(handler));
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// The contract holds exactly every node's active and pending bond, plus what was sent to it by plain transfer.
    function invariant_BalanceEqualsBondsPlusDonations() public view {
        uint256 sumActive;
        uint256 sumPending;
        for (uint256 i; i < handler.nodeCount(); ++i) {
            address node = handler.nodes(i);
            sumActive += bonds.bondOf(node);
            (uint256 pending,) = bonds.pendingUnbond(node);
            sumPending += pending;
            assertEq(bonds.slashableOf(node), bonds.bondOf(node) + pending, "slashable == active + pending");
        }
        assertEq(bonds.totalBonded(), sumActive, "totalBonded == sum of active bonds");
        assertEq(bonds.totalUnbonding(), sumPending, "totalUnbonding == sum of pending unbonds");
        assertEq(token.balanceOf(address(bonds)), sumActive + sumPending + handler.ghostDonated(), "balance");
    }

    /// Nothing lost: slashed + withdrawn + held == deposited, and the slashed GBT all reached the treasury.
    function invariant_NothingLost() public view {
        uint256 held = bonds.totalBonded() + bonds.totalUnbonding();
        assertEq(
            handler.ghostSlashed() + handler.ghostWithdrawn() + held, handler.ghostDeposited(), "slashed+withdrawn+held"
        );
        assertEq(token.balanceOf(treasury), treasuryStart + handler.ghostSlashed(), "treasury got the slashes");
        uint256 nodesHold;
        for (uint256 i; i < handler.nodeCount(); ++i) {
            nodesHold += token.balanceOf(handler.nodes(i));
        }
        assertEq(
            nodesHold + handler.ghostDeposited() + handler.ghostDonated(),
            handler.nodeCount() * handler.funds() + handler.ghostWithdrawn(),
            "every node GBT is held, bonded, donated or was withdrawn"
        );
    }

    /// No withdrawal before its unlock time or with a slash open; every due withdrawal went through.
    function invariant_WithdrawalsWaitForDelayAndSlashes() public view {
        assertEq(handler.ghostEarlyWithdrawals(), 0, "withdrawn before unlockAt");
        assertEq(handler.ghostFrozenWithdrawals(), 0, "withdrawn with a slash open");
        assertEq(handler.ghostWithdrawLivenessFailures(), 0, "a due withdrawal was refused");
    }

    /// A slash executes at most once, never after a veto, never for more than proposed or held.
    function invariant_SlashesExecuteOnceAndBounded() public view {
        assertEq(handler.ghostRepeatedSlashes(), 0, "executed twice");
        assertEq(handler.ghostVetoedExecutions(), 0, "vetoed slash executed");
        assertEq(handler.ghostOverSlashes(), 0, "slashed more than proposed or held");
        uint256 sumSlashed;
        uint256 open;
        for (uint256 id = 1; id <= bonds.slashCount(); ++id) {
            INodeBond.Slash memory s = bonds.getSlash(id);
            assertLe(s.slashed, s.amount, "slashed <= amount");
            if (s.status != INodeBond.SlashStatus.Executed) assertEq(s.slashed, 0, "only executed slashes take");
            if (s.status == INodeBond.SlashStatus.Pending) ++open;
            sumSlashed += s.slashed;
        }
        assertEq(sumSlashed, handler.ghostSlashed(), "sum of slashes == ghost slashed");
        uint256 counted;
        for (uint256 i; i < handler.nodeCount(); ++i) {
            counted += bonds.getBond(handler.nodes(i)).openSlashes;
        }
        assertEq(counted, open, "open slashes per node == pending slashes");
    }

    /// The contract matches the model after every action, and no unauthorized call succeeded.
    function invariant_ModelAndRoles() public view {
        assertEq(handler.ghostModelDivergences(), 0, "NodeBond diverged from the model");
        assertEq(handler.ghostUnauthorizedSuccesses(), 0, "an unauthorized call succeeded");
        assertEq(bonds.unbondingDelay(), DELAY, "delay immutable");
        assertGt(bonds.unbondingDelay(), bonds.challengeWindow(), "unbonding outlasts the challenge window");
    }
}
