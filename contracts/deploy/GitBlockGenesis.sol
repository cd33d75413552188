// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {GitBlockAirdrop} from "../GitBlockAirdrop.sol";
import {GitBlockToken} from "../GitBlockToken.sol";
import {RewardsVault} from "../RewardsVault.sol";
import {IGitBlockToken} from "../interfaces/IGitBlockToken.sol";

/// @title GitBlockGenesis
/// @notice Creates, in the one transaction that deploys it, the three contracts that need each other's addresses:
/// the RewardsVault and the GitBlockAirdrop take the token's address, and the GitBlockToken mints the node rewards
/// pool and the airdrop allocation to them. Nothing outside this transaction can move the addresses between the
/// moment they are computed and the moment the supply is minted, so no interleaved transaction can strand funds.
/// @dev The vault is this contract's first creation (nonce 1, EIP-161), the airdrop its second and the token its
/// third, so the token's address is the CREATE address of (this, 3). The constructor checks the token landed there
/// and reverts otherwise, which undoes the mint with everything else: either all three contracts exist and agree, or
/// none does. The initcode holds the creation code of all three contracts; it stays under EIP-3860's 48 KiB (see
/// ignition/README.md). The factory keeps no role in anything it creates.
/// @custom:security-contact security@gitblock.dev
contract GitBlockGenesis {
    /// @notice The RewardsVault's parameters (its admin and treasury are the protocol's treasury).
    struct VaultSettings {
        address[] relayers;
        address[] guardians;
        uint64 challengeWindow;
        uint256 maxEmissionPerEpoch;
        uint256 disputeBond;
    }

    /// @notice The GitBlockAirdrop's parameters (its remainder is swept to the protocol's treasury).
    struct AirdropSettings {
        bytes32 merkleRoot;
        uint64 deadline;
    }

    /// @notice The token's CREATE nonce: after the vault (1) and the airdrop (2).
    uint8 internal constant TOKEN_NONCE = 3;

    /// @notice The GBT token this genesis created.
    GitBlockToken public immutable token;
    /// @notice The RewardsVault this genesis created; it holds the node rewards pool.
    RewardsVault public immutable rewardsVault;
    /// @notice The GitBlockAirdrop this genesis created; it holds the airdrop allocation.
    GitBlockAirdrop public immutable airdrop;

    /// @notice The three contracts exist, point at each other and the whole supply is minted.
    event Genesis(address token, address rewardsVault, address airdrop);

    /// @notice The token did not land at the address the vault and the airdrop were given: nothing is created.
    error TokenNotAtPredictedAddress(address predicted, address actual);

    /// @param treasury The protocol's treasury (a timelock or a multisig): admin of the vault, recipient of its network
    /// share, of the airdrop's remainder and of the treasury allocation.
    /// @param teamVesting The team's vesting wallet, which receives the team allocation.
    /// @param vault The vault's relayers, guardians, challenge window, emission cap and dispute bond.
    /// @param airdropSettings The airdrop's Merkle root and claim deadline.
    constructor(
        address treasury,
        address teamVesting,
        VaultSettings memory vault,
        AirdropSettings memory airdropSettings
    ) {
        address predictedToken = _createAddress(TOKEN_NONCE);
        RewardsVault rewardsVault_ = new RewardsVault(
            IGitBlockToken(predictedToken),
            treasury,
            vault.relayers,
            vault.guardians,
            treasury,
            vault.challengeWindow,
            vault.maxEmissionPerEpoch,
            vault.disputeBond
        );
        GitBlockAirdrop airdrop_ = new GitBlockAirdrop(
            IGitBlockToken(predictedToken), airdropSettings.merkleRoot, airdropSettings.deadline, treasury
        );
        GitBlockToken token_ = new GitBlockToken(address(rewardsVault_), treasury, teamVesting, address(airdrop_));
        if (address(token_) != predictedToken) revert TokenNotAtPredictedAddress(predictedToken, address(token_));
        token = token_;
        rewardsVault = rewardsVault_;
        airdrop = airdrop_;
        emit Genesis(address(token_), address(rewardsVault_), address(airdrop_));
    }

    /// @notice The address of this contract's CREATE with `nonce` (below 0x80): keccak256(rlp([this, nonce])).
    function _createAddress(uint8 nonce) private view returns (address) {
        return address(uint160(uint256(keccak256(abi.encodePacked(bytes1(0xd6), bytes1(0x94), address(this), nonce)))));
    }
}
