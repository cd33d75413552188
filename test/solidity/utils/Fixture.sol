// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {GitBlockAirdrop} from "../../../contracts/GitBlockAirdrop.sol";
import {GitBlockToken} from "../../../contracts/GitBlockToken.sol";
import {RewardsVault} from "../../../contracts/RewardsVault.sol";
import {TeamVesting} from "../../../contracts/TeamVesting.sol";
import {IGitBlockToken} from "../../../contracts/interfaces/IGitBlockToken.sol";
import {NodeState} from "../../../contracts/libraries/NodeStateLib.sol";
import {Merkle} from "./Merkle.sol";
import {Test} from "./Test.sol";
import {vm} from "./Vm.sol";

/// @notice Deploys the whole protocol the way `scripts/deploy` does: the vault and the airdrop are created
/// first against the token's predicted CREATE address, then the token mints the fixed supply to all of them.
abstract contract Fixture is Test {
    uint64 internal constant WINDOW = 1 hours;
    uint256 internal constant CAP = 1_000_000e18;
    uint256 internal constant POOL = 400_000_000e18;
    uint256 internal constant AIRDROP_POOL = 100_000_000e18;
    uint256 internal constant BOND = 0.1 ether;

    GitBlockToken internal token;
    RewardsVault internal vault;
    GitBlockAirdrop internal airdrop;
    TeamVesting internal vesting;

    address internal admin = makeAddr("admin");
    address internal relayer = makeAddr("relayer");
    address internal guardian = makeAddr("guardian");
    address internal treasury = makeAddr("treasury");
    address internal team = makeAddr("team");

    bytes32[] internal airdropLeaves;
    address[] internal airdropAccounts;
    uint256[] internal airdropAmounts;
    uint64 internal airdropDeadline;

    function _deploy(uint64 window, uint256 cap) internal {
        airdropDeadline = uint64(block.timestamp + 30 days);
        for (uint256 i; i < 3; ++i) {
            airdropAccounts.push(makeAddr(string.concat("early", vm.toString(i))));
            airdropAmounts.push((i + 1) * 1_000e18);
            airdropLeaves.push(Merkle.airdropLeaf(airdropAccounts[i], airdropAmounts[i]));
        }

        uint64 nonce = vm.getNonce(address(this));
        address predictedToken = vm.computeCreateAddress(address(this), nonce + 3);
        // The same prediction by hand (RLP of [sender, nonce] for nonce < 0x80).
        assertEq(
            predictedToken,
            address(
                uint160(
                    uint256(
                        keccak256(abi.encodePacked(bytes1(0xd6), bytes1(0x94), address(this), bytes1(uint8(nonce + 3))))
                    )
                )
            ),
            "CREATE prediction"
        );

        address[] memory relayers = new address[](1);
        relayers[0] = relayer;
        address[] memory guardians = new address[](1);
        guardians[0] = guardian;
        vault =
            new RewardsVault(IGitBlockToken(predictedToken), admin, relayers, guardians, treasury, window, cap, BOND);
        airdrop =
            new GitBlockAirdrop(IGitBlockToken(predictedToken), Merkle.root(airdropLeaves), airdropDeadline, treasury);
        vesting = new TeamVesting(team, uint64(block.timestamp), 4 * 365 days, 365 days);
        token = new GitBlockToken(address(vault), treasury, address(vesting), address(airdrop));

        assertEq(address(token), predictedToken, "token address");
        assertEq(token.rewardsVault(), address(vault), "rewardsVault");
        assertEq(token.balanceOf(address(vault)), POOL, "pool");
        vm.label(address(token), "token");
        vm.label(address(vault), "vault");
        vm.label(address(airdrop), "airdrop");
    }

    // --- epoch helpers ---

    function _state(address account, uint256 cumulative) internal pure returns (NodeState memory s) {
        s.account = account;
        s.cumulativeAmount = cumulative;
        s.reputationBps = 9_000;
        s.tasksValidated = uint64(cumulative % 1_000);
        s.tasksFailed = 1;
        s.strikes = 0;
    }

    function _root(NodeState[] memory states) internal pure returns (bytes32) {
        return Merkle.root(Merkle.leaves(states));
    }

    function _proof(NodeState[] memory states, uint256 index) internal pure returns (bytes32[] memory) {
        return Merkle.proof(Merkle.leaves(states), index);
    }

    function _sum(NodeState[] memory states) internal pure returns (uint256 total) {
        for (uint256 i; i < states.length; ++i) {
            total += states[i].cumulativeAmount;
        }
    }

    /// @dev Proposes `states` as the next epoch and waits out the challenge window, then finalizes.
    function _settle(NodeState[] memory states, uint256 share) internal returns (uint64 epoch) {
        epoch = vault.latestFinalEpoch() + 1;
        vm.prank(relayer);
        vault.proposeEpoch(epoch, _root(states), _sum(states), share, keccak256(abi.encode(epoch)));
        if (vault.latestFinalEpoch() != epoch) {
            vm.warp(block.timestamp + vault.challengeWindow());
            vault.finalizeEpoch();
        }
        assertEq(vault.latestFinalEpoch(), epoch, "epoch final");
    }

    function _two(address a, uint256 ca, address b, uint256 cb) internal pure returns (NodeState[] memory s) {
        s = new NodeState[](2);
        s[0] = _state(a, ca);
        s[1] = _state(b, cb);
    }
}
