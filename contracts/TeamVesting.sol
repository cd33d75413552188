// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {VestingWallet} from "@openzeppelin/contracts/finance/VestingWallet.sol";
import {VestingWalletCliff} from "@openzeppelin/contracts/finance/VestingWalletCliff.sol";

/// @title TeamVesting
/// @notice Holds the team's 200M GBT and releases it linearly from `start` over `duration`, nothing before the cliff.
/// @custom:security-contact security@gitblock.dev
contract TeamVesting is VestingWalletCliff {
    /// @param beneficiary Receives the vested tokens (the team multisig).
    /// @param start Unix time vesting starts.
    /// @param duration Seconds from start to fully vested.
    /// @param cliff Seconds from start before anything vests.
    constructor(address beneficiary, uint64 start, uint64 duration, uint64 cliff)
        VestingWallet(beneficiary, start, duration)
        VestingWalletCliff(cliff)
    {}
}
