// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MerkleLib} from "../../contracts/libraries/MerkleLib.sol";
import {NodeState, NodeStateLib} from "../../contracts/libraries/NodeStateLib.sol";
import {IRewardsVault} from "../../contracts/interfaces/IRewardsVault.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {Fixture} from "./utils/Fixture.sol";
import {Merkle} from "./utils/Merkle.sol";

/// @dev Exposes the calldata-only library functions.
contract LibHarness {
    function libVerify(bytes32[] calldata proof, bytes32 root, bytes32 leaf) external pure returns (bool) {
        return MerkleLib.verifyCalldata(proof, root, leaf);
    }

    function ozVerify(bytes32[] calldata proof, bytes32 root, bytes32 leaf) external pure returns (bool) {
        return MerkleProof.verifyCalldata(proof, root, leaf);
    }

    function leafOf(NodeState calldata state) external pure returns (bytes32) {
        return NodeStateLib.leaf(state);
    }
}

/// @notice Differential fuzzing: the assembly MerkleLib against OpenZeppelin's MerkleProof, and the raw-calldata
/// NodeStateLib leaf against the `abi.encode` leaf of the StandardMerkleTree.
contract MerkleLibDifferentialTest is Fixture {
    LibHarness internal harness;

    function setUp() public {
        harness = new LibHarness();
    }

    function testFuzz_MerkleLibMatchesOpenZeppelin(bytes32[] calldata proof, bytes32 root, bytes32 leaf, bool realRoot)
        public
        view
    {
        if (realRoot) root = MerkleProof.processProofCalldata(proof, leaf);
        bool expected = harness.ozVerify(proof, root, leaf);
        assertEq(harness.libVerify(proof, root, leaf), expected, "MerkleLib != MerkleProof");
        if (realRoot) assertTrue(expected, "a proof verifies against its own root");
    }

    /// Every proof of a built tree verifies; a proof of a different leaf or with one sibling flipped does not.
    function testFuzz_MerkleLibOnBuiltTrees(uint256 n, uint256 seed, uint256 index, uint8 flip) public view {
        n = bound(n, 1, 8);
        index = bound(index, 0, n - 1);
        bytes32[] memory hashes = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            hashes[i] = keccak256(abi.encode(seed, i));
        }
        bytes32 root = Merkle.root(hashes);
        bytes32[] memory proof = Merkle.proof(hashes, index);
        assertTrue(harness.libVerify(proof, root, hashes[index]), "valid proof");
        assertTrue(harness.ozVerify(proof, root, hashes[index]), "valid proof (oz)");
        if (n > 1) {
            assertFalse(harness.libVerify(proof, root, hashes[(index + 1) % n]), "other leaf");
            bytes32[] memory bad = proof;
            uint256 at = flip % proof.length;
            bad[at] = bad[at] ^ bytes32(uint256(1) << (flip % 256));
            assertFalse(harness.libVerify(bad, root, hashes[index]), "tampered proof");
        }
    }

    function testFuzz_NodeStateLeafMatchesAbiEncode(NodeState calldata state) public view {
        assertEq(harness.leafOf(state), Merkle.nodeLeaf(state), "leaf encoding");
    }

    /// A claim whose calldata carries dirty high bits in a narrow field never pays, though the clean state does.
    function testFuzz_DirtyCalldataNeverPays(uint256 amount, uint256 dirt, uint8 field) public {
        _deploy(WINDOW, CAP);
        amount = bound(amount, 1, CAP / 2);
        address alice = makeAddr("alice");
        NodeState[] memory states = _two(alice, amount, makeAddr("bob"), 1);
        _settle(states, 0);
        bytes32[] memory proof = _proof(states, 0);

        bytes memory data = abi.encodeCall(IRewardsVault.claim, (states[0], proof));
        // Fields after the selector: account, cumulativeAmount, reputationBps, tasksValidated, tasksFailed, strikes.
        uint256 f = field % 5 == 0 ? 0 : 1 + (field % 5); // skip the full-width cumulativeAmount
        uint256 bits = f == 0 ? 160 : f == 2 ? 16 : f == 5 ? 32 : 64;
        dirt = bound(dirt, 1, type(uint256).max >> bits);
        uint256 offset = 4 + 32 * f;
        uint256 word;
        assembly {
            word := mload(add(add(data, 32), offset))
        }
        word |= dirt << bits;
        assembly {
            mstore(add(add(data, 32), offset), word)
        }
        (bool ok,) = address(vault).call(data);
        assertFalse(ok, "dirty calldata accepted");
        assertEq(token.balanceOf(alice), 0, "nothing paid");
        assertEq(vault.claim(states[0], proof), amount, "clean claim pays");
    }
}
