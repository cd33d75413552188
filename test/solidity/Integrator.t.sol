// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IGitBlockReputation} from "../../contracts/interfaces/IGitBlockReputation.sol";
import {NodeState} from "../../contracts/libraries/NodeStateLib.sol";
import {NeedsTrustedNodes} from "./examples/NeedsTrustedNodes.sol";
import {Fixture} from "./utils/Fixture.sol";

/// @notice The README's integrator example reads reputation recorded from a final root.
contract IntegratorTest is Fixture {
    NeedsTrustedNodes internal integrator;
    address internal good = makeAddr("good");
    address internal poor = makeAddr("poor");

    function setUp() public {
        _deploy(0, CAP);
        integrator = new NeedsTrustedNodes(IGitBlockReputation(address(vault)));
    }

    function _epoch(uint16 goodBps) internal returns (NodeState[] memory states) {
        states = _two(good, 10e18, poor, 5e18);
        states[0].reputationBps = goodBps;
        states[1].reputationBps = 6_500;
        _settle(states, 0);
    }

    function test_TrustsANodeWhoseRecordedReputationIsHighAndFresh() public {
        NodeState[] memory states = _epoch(9_200);
        assertTrue(!integrator.isTrusted(good), "nothing recorded yet");
        vault.recordReputation(states[0], _proof(states, 0));
        vault.recordReputation(states[1], _proof(states, 1));
        assertTrue(integrator.isTrusted(good), "92% and fresh");
        assertTrue(!integrator.isTrusted(poor), "65% is below the bar");
    }

    function test_StopsTrustingARecordThatIsTwoEpochsOld() public {
        NodeState[] memory states = _epoch(9_200);
        vault.recordReputation(states[0], _proof(states, 0));
        _epoch(9_200);
        assertTrue(integrator.isTrusted(good), "one epoch old is still fresh");
        _epoch(9_200);
        assertTrue(!integrator.isTrusted(good), "two epochs old is stale");
    }
}
