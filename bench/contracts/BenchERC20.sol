// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title BenchERC20
/// @notice Gas benchmark helper: a plain OpenZeppelin ERC20 that pays out the anchor distributors
/// (UniswapMerkleDistributorReplica, MorphoURDReplica). The whole supply is minted once to `holder`.
/// @dev Not part of the protocol; compiled and deployed only by `npm run bench:gas` (scripts/bench/gas.ts).
contract BenchERC20 is ERC20 {
    constructor(address holder, uint256 supply) ERC20("Bench Token", "BENCH") {
        _mint(holder, supply);
    }
}
