// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {GitBlockToken} from "../../contracts/GitBlockToken.sol";
import {InferenceCredits} from "../../contracts/InferenceCredits.sol";
import {IInferenceCredits} from "../../contracts/interfaces/IInferenceCredits.sol";
import {Fixture} from "./utils/Fixture.sol";
import {vm} from "./utils/Vm.sol";

/// @notice What the invariant fuzzer drives: four users depositing (plainly and with permits, some of them front-run),
/// requesting, cancelling and making withdrawals, a relayer settling epochs (now and then with a bad figure, a wrong
/// epoch or mismatched arrays, which must fail and move nothing), time passing, guardian pauses, admin unpauses, plain
/// transfers to the contract, and unauthorized attempts that must all fail. A model mirrors every account and ghost
/// variables count every GBT in and out.
contract CreditsHandler {
    uint256 internal constant USERS = 4;
    uint256 internal constant FUNDS = 10_000_000e18;
    bytes32 internal constant PERMIT_TYPEHASH =
        keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)");

    GitBlockToken public immutable token;
    InferenceCredits public immutable credits;
    address public immutable relayer;
    address public immutable guardian;
    address public immutable admin;
    address public immutable vault;
    address public immutable treasury;

    address[USERS] public users;
    address[2] public strangers;

    // --- model of InferenceCredits ---
    uint256[USERS] public funded;
    uint256[USERS] public spent;
    uint256[USERS] public pending;
    uint64[USERS] public unlockAt;
    uint64 public epoch;
    bool public paused;

    // --- ghosts ---
    uint256[USERS] public ghostDepositedBy;
    uint256[USERS] public ghostWithdrawnBy;
    uint256 public ghostDeposited;
    uint256 public ghostWithdrawn;
    uint256 public ghostToPool;
    uint256 public ghostToTreasury;
    uint256 public ghostDonated;
    uint256 public ghostEarlyWithdrawals;
    uint256 public ghostOverWithdrawals;
    uint256 public ghostWithdrawLivenessFailures;
    uint256 public ghostPausedMoves;
    uint256 public ghostBadSettlementsAccepted;
    uint256 public ghostUnauthorizedSuccesses;
    uint256 public ghostModelDivergences;
    uint256 public calls;
    uint256 public successfulDeposits;
    uint256 public successfulSettlements;
    uint256 public successfulWithdrawals;

    constructor(
        GitBlockToken token_,
        InferenceCredits credits_,
        address relayer_,
        address guardian_,
        address admin_,
        address vault_,
        address treasury_
    ) {
        token = token_;
        credits = credits_;
        relayer = relayer_;
        guardian = guardian_;
        admin = admin_;
        vault = vault_;
        treasury = treasury_;
        for (uint256 i; i < USERS; ++i) {
            users[i] = vm.addr(_key(i));
        }
        for (uint256 i; i < 2; ++i) {
            strangers[i] = vm.addr(0xF000 + i);
        }
    }

    /// @dev Called once by the test's setUp: funds the users from the treasury; users 0 and 1 approve the contract,
    /// users 2 and 3 only ever deposit with permits.
    function fund() external {
        for (uint256 i; i < USERS; ++i) {
            vm.prank(treasury);
            token.transfer(users[i], FUNDS);
            if (i < 2) {
                vm.prank(users[i]);
                token.approve(address(credits), type(uint256).max);
            }
        }
    }

    /// @dev Every action: the contract must agree with the model afterwards, and nothing but a withdrawal may move
    /// GBT out while paused.
    modifier tracked() {
        ++calls;
        bool wasPaused = paused;
        uint256 heldBefore = token.balanceOf(address(credits));
        uint256 withdrawnBefore = ghostWithdrawn;
        uint256 donatedBefore = ghostDonated;
        _;
        if (
            wasPaused
                && token.balanceOf(address(credits)) + (ghostWithdrawn - withdrawnBefore)
                    != heldBefore + (ghostDonated - donatedBefore)
        ) {
            ++ghostPausedMoves;
        }
        for (uint256 i; i < USERS; ++i) {
            IInferenceCredits.Account memory a = credits.getAccount(users[i]);
            if (
                a.funded != funded[i] || a.spent != spent[i] || a.pendingWithdrawal != pending[i]
                    || a.unlockAt != unlockAt[i]
            ) {
                ++ghostModelDivergences;
            }
        }
        if (credits.paused() != paused || credits.lastSettledEpoch() != epoch) ++ghostModelDivergences;
    }

    // --- users ---

    function deposit(uint256 userSeed, uint256 amount) external tracked {
        uint256 i = userSeed % 2; // the two that approved
        amount = amount % (token.balanceOf(users[i]) / 4 + 1);
        vm.prank(users[i]);
        try credits.deposit(amount) {
            if (paused || amount == 0) ++ghostModelDivergences;
            _credit(i, amount);
        } catch {}
    }

    function depositWithPermit(uint256 userSeed, uint256 amount, uint256 mode) external tracked {
        uint256 i = 2 + userSeed % 2; // the two that never approved (a front-run permit would replace an approval)
        amount = amount % (token.balanceOf(users[i]) / 4 + 1);
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _permit(i, amount, deadline);
        // Mode 1: a stranger submits the permit first (front-run); mode 2: a corrupted signature.
        if (mode % 3 == 1) {
            vm.prank(strangers[0]);
            token.permit(users[i], address(credits), amount, deadline, v, r, s);
        } else if (mode % 3 == 2) {
            r = keccak256(abi.encode(r));
        }
        bool covered = mode % 3 != 2 || token.allowance(users[i], address(credits)) >= amount;
        vm.prank(users[i]);
        try credits.depositWithPermit(amount, deadline, v, r, s) {
            if (paused || amount == 0 || !covered) ++ghostModelDivergences;
            _credit(i, amount);
        } catch {
            if (!paused && amount != 0 && covered) ++ghostModelDivergences;
        }
    }

    function requestWithdrawal(uint256 userSeed, uint256 amount) external tracked {
        uint256 i = _pick(userSeed, false);
        uint256 credit = funded[i] - spent[i];
        amount = amount % (credit - _min(pending[i], credit) + 2); // now and then one more than allowed
        vm.prank(users[i]);
        try credits.requestWithdrawal(amount) returns (uint64 returnedUnlockAt) {
            if (amount == 0 || pending[i] + amount > credit) ++ghostModelDivergences;
            pending[i] += amount;
            unlockAt[i] = uint64(block.timestamp) + credits.withdrawalDelay();
            if (returnedUnlockAt != unlockAt[i]) ++ghostModelDivergences;
        } catch {
            if (amount != 0 && pending[i] + amount <= credit) ++ghostModelDivergences;
        }
    }

    function cancelWithdrawal(uint256 userSeed) external tracked {
        uint256 i = _pick(userSeed, true);
        vm.prank(users[i]);
        try credits.cancelWithdrawal() {
            if (pending[i] == 0) ++ghostModelDivergences;
            pending[i] = 0;
            unlockAt[i] = 0;
        } catch {
            if (pending[i] != 0) ++ghostModelDivergences;
        }
    }

    function withdraw(uint256 userSeed, bool waitOut) external tracked {
        uint256 i = _pick(userSeed, true);
        if (waitOut && block.timestamp < unlockAt[i]) vm.warp(unlockAt[i]);
        bool due = pending[i] != 0 && block.timestamp >= unlockAt[i];
        uint256 owed = _min(pending[i], funded[i] - spent[i]);
        uint256 before = token.balanceOf(users[i]);
        vm.prank(users[i]);
        try credits.withdraw() returns (uint256 amount) {
            ++successfulWithdrawals;
            if (!due) ++ghostEarlyWithdrawals;
            if (amount > pending[i] || amount > funded[i] - spent[i]) ++ghostOverWithdrawals;
            if (amount != owed || token.balanceOf(users[i]) != before + amount) ++ghostModelDivergences;
            funded[i] -= amount;
            pending[i] = 0;
            unlockAt[i] = 0;
            ghostWithdrawn += amount;
            ghostWithdrawnBy[i] += amount;
        } catch {
            // Paused or not: a matured withdrawal always goes through.
            if (due) ++ghostWithdrawLivenessFailures;
        }
    }

    // --- relayer ---

    /// Settles the next epoch with a valid cumulative figure for a random subset of users, or now and then with one
    /// bad entry (`fault`: 1 a decrease, 2 above funding, 3 the wrong epoch, 4 mismatched arrays).
    function settle(uint256 seed, uint256 fault) external tracked {
        fault = fault % 16; // mostly valid
        uint256 count = seed % (USERS + 1);
        address[] memory accounts = new address[](count);
        uint256[] memory amounts = new uint256[](fault == 4 ? count + 1 : count);
        uint256[USERS] memory next = spent;
        bool bad = fault >= 1 && fault <= 4;
        for (uint256 k; k < count; ++k) {
            uint256 i = (seed / 8 + k) % USERS;
            accounts[k] = users[i];
            uint256 room = funded[i] - next[i];
            next[i] += uint256(keccak256(abi.encode(seed, k))) % (room + 1);
            amounts[k] = next[i];
        }
        // Each user appears at most once (count <= USERS), so the first entry alone decides.
        if (count != 0 && fault == 1) {
            uint256 i = (seed / 8) % USERS;
            if (spent[i] == 0) bad = false;
            else amounts[0] = spent[i] - 1 - (seed % spent[i]);
        } else if (count != 0 && fault == 2) {
            uint256 i = (seed / 8) % USERS;
            amounts[0] = funded[i] + 1 + (seed % 2 == 0 ? 0 : seed % 1e18); // often just one wei too much
        } else if (count == 0 && (fault == 1 || fault == 2)) {
            bad = false;
        }
        uint64 target = fault == 3 ? epoch + 2 + uint64(seed % 3) : epoch + 1;
        if (fault == 3 && seed % 5 == 0) target = epoch; // replaying the last settled one

        uint256 poolBefore = token.balanceOf(vault);
        uint256 treasuryBefore = token.balanceOf(treasury);
        vm.prank(relayer);
        try credits.settle(target, accounts, amounts) {
            if (paused || bad) ++ghostBadSettlementsAccepted;
            uint256 total;
            for (uint256 k; k < count; ++k) {
                uint256 i = _indexOf(accounts[k]);
                total += amounts[k] - spent[i];
                spent[i] = amounts[k];
            }
            uint256 toTreasury = total * 2_500 / 10_000;
            if (token.balanceOf(treasury) != treasuryBefore + toTreasury) ++ghostModelDivergences;
            if (token.balanceOf(vault) != poolBefore + total - toTreasury) ++ghostModelDivergences;
            ghostToTreasury += toTreasury;
            ghostToPool += total - toTreasury;
            epoch = target;
            ++successfulSettlements;
        } catch {
            if (!paused && !bad) ++ghostModelDivergences;
        }
    }

    // --- time, guardian, admin, anyone ---

    function warp(uint256 dt) external tracked {
        vm.warp(block.timestamp + dt % (2 * uint256(credits.withdrawalDelay())));
    }

    /// @dev Pauses one time in four, so that most of each run is spent unpaused.
    function pause(uint256 seed) external tracked {
        if (seed % 4 != 0) return;
        vm.prank(guardian);
        try credits.pause() {
            paused = true;
        } catch {}
    }

    function unpause() external tracked {
        vm.prank(admin);
        try credits.unpause() {
            paused = false;
        } catch {}
    }

    /// A plain transfer to the contract: nobody's credit.
    function donate(uint256 userSeed, uint256 amount) external tracked {
        address from = users[userSeed % USERS];
        amount = amount % (token.balanceOf(from) / 100 + 1);
        vm.prank(from);
        token.transfer(address(credits), amount);
        ghostDonated += amount;
    }

    // --- unauthorized attempts: none may succeed ---

    function unauthorizedSettle(uint256 callerSeed, uint256 userSeed) external tracked {
        address caller = _notRole(credits.RELAYER_ROLE(), callerSeed);
        address[] memory accounts = new address[](1);
        accounts[0] = users[userSeed % USERS];
        uint256[] memory amounts = new uint256[](1);
        amounts[0] = spent[userSeed % USERS];
        vm.prank(caller);
        try credits.settle(epoch + 1, accounts, amounts) {
            ++ghostUnauthorizedSuccesses;
        } catch {}
    }

    function unauthorizedGuardianOrAdmin(uint256 callerSeed) external tracked {
        address caller = _notRole(credits.GUARDIAN_ROLE(), callerSeed);
        vm.prank(caller);
        try credits.pause() {
            ++ghostUnauthorizedSuccesses;
        } catch {}
        caller = _notRole(credits.DEFAULT_ADMIN_ROLE(), callerSeed);
        vm.prank(caller);
        try credits.unpause() {
            ++ghostUnauthorizedSuccesses;
        } catch {}
        vm.prank(caller);
        try credits.setTreasury(caller) {
            ++ghostUnauthorizedSuccesses;
        } catch {}
    }

    // --- views for the invariants ---

    function userCount() external pure returns (uint256) {
        return USERS;
    }

    function funds() external pure returns (uint256) {
        return FUNDS;
    }

    // --- internal ---

    function _credit(uint256 i, uint256 amount) internal {
        funded[i] += amount;
        ghostDeposited += amount;
        ghostDepositedBy[i] += amount;
        ++successfulDeposits;
    }

    function _key(uint256 i) internal pure returns (uint256) {
        return 0xE000 + i;
    }

    function _permit(uint256 i, uint256 value, uint256 deadline) internal view returns (uint8, bytes32, bytes32) {
        bytes32 structHash =
            keccak256(abi.encode(PERMIT_TYPEHASH, users[i], address(credits), value, token.nonces(users[i]), deadline));
        return vm.sign(_key(i), keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash)));
    }

    /// @dev Mostly the first user from a random one on who has unspent credit (`withPending`: a pending withdrawal);
    /// one time in four any user, so that the refusals are exercised too.
    function _pick(uint256 seed, bool withPending) internal view returns (uint256) {
        uint256 start = seed % USERS;
        if (seed % 16 < 4) return start;
        for (uint256 k; k < USERS; ++k) {
            uint256 i = (start + k) % USERS;
            if (withPending ? pending[i] != 0 : funded[i] > spent[i]) return i;
        }
        return start;
    }

    function _min(uint256 a, uint256 b) internal pure returns (uint256) {
        return a < b ? a : b;
    }

    function _indexOf(address user) internal view returns (uint256) {
        for (uint256 i; i < USERS; ++i) {
            if (users[i] == user) return i;
        }
        revert("unknown user");
    }

    function _notRole(bytes32 role, uint256 seed) internal view returns (address caller) {
        address[7] memory candidates = [strangers[0], strangers[1], users[0], users[1], relayer, guardian, admin];
        for (uint256 k; k < 7; ++k) {
            caller = candidates[(seed + k) % 7];
            if (!credits.hasRole(role, caller)) return caller;
        }
        revert("no unprivileged caller");
    }
}

/// @notice System invariants of InferenceCredits under random sequences of handler actions.
contract InferenceCreditsInvariantTest is Fixture {
    uint64 internal constant DELAY = 2 hours;

    InferenceCredits internal credits;
    CreditsHandler internal handler;
    uint256 internal poolStart;
    uint256 internal treasuryStart;

    function setUp() public {
        _deploy(WINDOW, CAP);
        address[] memory relayers = new address[](1);
        relayers[0] = relayer;
        address[] memory guardians = new address[](1);
        guardians[0] = guardian;
        credits =
            new InferenceCredits(IERC20(address(token)), address(vault), admin, relayers, guardians, treasury, DELAY);
        handler = new CreditsHandler(token, credits, relayer, guardian, admin, address(vault), treasury);
        handler.fund();
        poolStart = token.balanceOf(address(vault));
        treasuryStart = token.balanceOf(treasury);
        vm.label(address(credits), "inferenceCredits");
        vm.label(address(handler), "handler");

        // Weighted: deposits, settlement, withdrawals and time drive the interesting paths.
        bytes4[] memory selectors = new bytes4[](18);
        selectors[0] = CreditsHandler.deposit.selector;
        selectors[1] = CreditsHandler.deposit.selector;
        selectors[2] = CreditsHandler.depositWithPermit.selector;
        selectors[3] = CreditsHandler.requestWithdrawal.selector;
        selectors[4] = CreditsHandler.requestWithdrawal.selector;
        selectors[5] = CreditsHandler.cancelWithdrawal.selector;
        selectors[6] = CreditsHandler.withdraw.selector;
        selectors[7] = CreditsHandler.withdraw.selector;
        selectors[8] = CreditsHandler.settle.selector;
        selectors[9] = CreditsHandler.settle.selector;
        selectors[10] = CreditsHandler.settle.selector;
        selectors[11] = CreditsHandler.warp.selector;
        selectors[12] = CreditsHandler.pause.selector;
        selectors[13] = CreditsHandler.unpause.selector;
        selectors[14] = CreditsHandler.donate.selector;
        selectors[15] = CreditsHandler.unauthorizedSettle.selector;
        selectors[16] = CreditsHandler.unauthorizedGuardianOrAdmin.selector;
        selectors[17] = CreditsHandler.withdraw.selector;
        targetContract(address(handler));
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// Never more withdrawn or moved than deposited: withdrawn + moved <= deposited, and the contract holds exactly the
    /// difference (plus what was sent to it by plain transfer).
    function invariant_NeverMoreOutThanIn() public view {
        uint256 moved = handler.ghostToPool() + handler.ghostToTreasury();
        assertLe(handler.ghostWithdrawn() + moved, handler.ghostDeposited(), "withdrawn + moved <= deposited");
        assertEq(
            token.balanceOf(address(credits)),
            handler.ghostDeposited() - handler.ghostWithdrawn() - moved + handler.ghostDonated(),
            "balance == deposited - withdrawn - moved + donated"
        );
        assertEq(credits.totalSpent(), moved, "totalSpent == moved");
    }

    /// Each account: spent <= funded = deposited - withdrawn, and the unspent credits add up to what the contract owes.
    function invariant_EachAccountSpentWithinDeposits() public view {
        uint256 unspent;
        uint256 spent;
        for (uint256 i; i < handler.userCount(); ++i) {
            address user = handler.users(i);
            IInferenceCredits.Account memory a = credits.getAccount(user);
            assertLe(a.spent, a.funded, "spent <= funded");
            assertEq(a.funded, handler.ghostDepositedBy(i) - handler.ghostWithdrawnBy(i), "funded == in - out");
            assertLe(a.spent + handler.ghostWithdrawnBy(i), handler.ghostDepositedBy(i), "spent + withdrawn <= in");
            assertEq(credits.creditOf(user), a.funded - a.spent, "creditOf");
            uint256 available = a.funded - a.spent > a.pendingWithdrawal ? a.funded - a.spent - a.pendingWithdrawal : 0;
            assertEq(credits.availableCreditOf(user), available, "availableCreditOf");
            unspent += a.funded - a.spent;
            spent += a.spent;
        }
        assertEq(spent, credits.totalSpent(), "sum of spent == totalSpent");
        assertEq(token.balanceOf(address(credits)), unspent + handler.ghostDonated(), "held == unspent + donated");
    }

    /// Spent credit went exactly 75/25 (treasury rounded down per epoch) to the vault and the treasury.
    function invariant_SpentCreditSplit75To25() public view {
        assertEq(token.balanceOf(address(vault)), poolStart + handler.ghostToPool(), "pool received the node share");
        assertEq(token.balanceOf(treasury), treasuryStart + handler.ghostToTreasury(), "treasury received 25%");
        assertLe(3 * handler.ghostToTreasury(), handler.ghostToPool(), "the pool gets at least 75%");
    }

    /// No withdrawal before its unlock time or above what it may pay; every matured withdrawal went through, also
    /// while paused; nothing but withdrawals left while paused.
    function invariant_WithdrawalsWaitAndNeverStall() public view {
        assertEq(handler.ghostEarlyWithdrawals(), 0, "withdrawn before unlockAt");
        assertEq(handler.ghostOverWithdrawals(), 0, "paid more than requested or unspent");
        assertEq(handler.ghostWithdrawLivenessFailures(), 0, "a matured withdrawal was refused");
        assertEq(handler.ghostPausedMoves(), 0, "GBT moved while paused other than by a withdrawal");
    }

    /// The contract matches the model after every action; no bad or paused settlement and no unauthorized call
    /// succeeded.
    function invariant_ModelAndRoles() public view {
        assertEq(handler.ghostModelDivergences(), 0, "InferenceCredits diverged from the model");
        assertEq(handler.ghostBadSettlementsAccepted(), 0, "a bad or paused settlement was accepted");
        assertEq(handler.ghostUnauthorizedSuccesses(), 0, "an unauthorized call succeeded");
        assertEq(credits.withdrawalDelay(), DELAY, "delay immutable");
    }
}
