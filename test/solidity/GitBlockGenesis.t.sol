// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {GitBlockGenesis} from "../../contracts/deploy/GitBlockGenesis.sol";
import {Test} from "./utils/Test.sol";
import {vm} from "./utils/Vm.sol";

contract Placeholder {}

/// @dev A genesis whose constructor starts with its CREATE nonce already used once: the base constructor's arguments
/// are evaluated before its body, so `_shiftNonce` creates a contract first and every later creation lands one nonce
/// further. This is the only way to make the token miss its predicted address, so it is how the check is tested.
contract NonceShiftedGenesis is GitBlockGenesis {
    constructor(address treasury, address teamVesting, VaultSettings memory vault, AirdropSettings memory airdrop_)
        GitBlockGenesis(treasury, teamVesting, _shiftNonce(vault), airdrop_)
    {}

    function _shiftNonce(VaultSettings memory vault) private returns (VaultSettings memory) {
        new Placeholder();
        return vault;
    }
}

/// @notice GitBlockGenesis creates a vault, an airdrop and a token that point at each other and hold the supply, or
/// nothing at all.
contract GitBlockGenesisTest is Test {
    address internal treasury = makeAddr("treasury");
    address internal teamVesting = makeAddr("teamVesting");

    function _vault() internal returns (GitBlockGenesis.VaultSettings memory vault) {
        vault.relayers = new address[](1);
        vault.relayers[0] = makeAddr("relayer");
        vault.guardians = new address[](1);
        vault.guardians[0] = makeAddr("guardian");
        vault.challengeWindow = 1 hours;
        vault.maxEmissionPerEpoch = 1_000_000e18;
        vault.disputeBond = 0.1 ether;
    }

    function _airdrop() internal view returns (GitBlockGenesis.AirdropSettings memory) {
        return
            GitBlockGenesis.AirdropSettings({
                merkleRoot: keccak256("root"), deadline: uint64(block.timestamp + 30 days)
            });
    }

    function test_createsTheThreeContractsPointingAtEachOther() public {
        GitBlockGenesis genesis = new GitBlockGenesis(treasury, teamVesting, _vault(), _airdrop());
        address token = address(genesis.token());
        address vault = address(genesis.rewardsVault());
        address airdrop = address(genesis.airdrop());
        assertEq(token, vm.computeCreateAddress(address(genesis), 3), "the token is the genesis's third creation");
        assertEq(genesis.token().rewardsVault(), vault, "the token's vault");
        assertEq(address(genesis.rewardsVault().token()), token, "the vault's token");
        assertEq(address(genesis.airdrop().token()), token, "the airdrop's token");
        assertEq(genesis.token().balanceOf(vault), 400_000_000e18, "the pool");
        assertEq(genesis.token().balanceOf(airdrop), 100_000_000e18, "the airdrop allocation");
        assertEq(genesis.token().balanceOf(treasury), 300_000_000e18, "the treasury");
        assertEq(genesis.token().balanceOf(teamVesting), 200_000_000e18, "the team");
        assertEq(genesis.rewardsVault().disputeBond(), 0.1 ether, "the dispute bond");
        assertFalse(
            genesis.rewardsVault().hasRole(genesis.rewardsVault().DEFAULT_ADMIN_ROLE(), address(genesis)),
            "the genesis keeps no role"
        );
    }

    function test_revertsWithNothingCreatedWhenTheTokenMissesItsAddress() public {
        address genesis = vm.computeCreateAddress(address(this), vm.getNonce(address(this)));
        // Shifted by one: the vault is the second creation, the airdrop the third (where the token was expected) and
        // the token the fourth.
        address predicted = vm.computeCreateAddress(genesis, 3);
        address actual = vm.computeCreateAddress(genesis, 4);
        vm.expectRevert(abi.encodeWithSelector(GitBlockGenesis.TokenNotAtPredictedAddress.selector, predicted, actual));
        new NonceShiftedGenesis(treasury, teamVesting, _vault(), _airdrop());
        assertEq(genesis.code.length, 0, "no genesis");
        assertEq(predicted.code.length + actual.code.length, 0, "no airdrop, no token: nothing minted");
    }
}
