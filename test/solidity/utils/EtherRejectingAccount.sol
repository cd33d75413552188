// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IRewardsVault} from "../../../contracts/interfaces/IRewardsVault.sol";

/// @notice A contract account with no way to receive native currency: a disputer or treasury that would block a
/// dispute's resolution if the vault pushed bonds instead of letting them be withdrawn.
contract EtherRejectingAccount {
    IRewardsVault public immutable vault;

    constructor(IRewardsVault vault_) {
        vault = vault_;
    }

    function dispute(uint64 epoch) external payable {
        vault.dispute{value: msg.value}(epoch);
    }

    function withdrawBond() external {
        vault.withdrawBond();
    }
}
