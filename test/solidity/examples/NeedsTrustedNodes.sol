// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// The integrator example from the README, compiled and tested (test/solidity/Integrator.t.sol).
import {IGitBlockReputation, ReputationRecord} from "../../../contracts/interfaces/IGitBlockReputation.sol";

contract NeedsTrustedNodes {
    IGitBlockReputation public immutable gitblock;

    constructor(IGitBlockReputation vault) {
        gitblock = vault;
    }

    function isTrusted(address node) public view returns (bool) {
        ReputationRecord memory r = gitblock.reputationOf(node); // one storage read
        // Fresh (recorded from the newest final epoch or the one before) and above 80%.
        return r.reputationBps >= 8_000 && r.epoch + 1 >= gitblock.latestFinalEpoch();
    }
}
