// The review's interleaved-transaction attack on the deployment: another transaction from the deployer's key lands
// between two of the deployment's own. Today's deploy predicted the token's address from the deployer's nonce, so one
// such transaction left the 400M pool and the airdrop in contracts that point at a token that does not exist. With
// GitBlockGenesis the addresses come from one transaction, so at every point the deployment either goes on correctly
// or stops with nothing minted, and a rerun finishes it.
import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { deployProtocol, type ProtocolParameters } from "@gitblock/deploy";
import { network } from "hardhat";
import { createPublicClient, createWalletClient, custom, type PublicClient, parseEther, zeroHash } from "viem";
import { assertNothingStranded, betweenTransactions } from "./chain-stand-in.ts";

/** The deployment's transactions: timelock, team vesting, genesis, NodeBond, InferenceCredits. */
const DEPLOYMENT_TRANSACTIONS = 5;

describe("a transaction from the deployer between the deployment's own", () => {
  for (let after = 1; after <= DEPLOYMENT_TRANSACTIONS; after++) {
    it(`after transaction ${after}: nothing is stranded, and a rerun completes a consistent protocol`, async () => {
      const connection = await network.create();
      const [deployer, relayer, guardian, team, multisig, stranger] = await connection.viem.getWalletClients();
      assert.ok(deployer && relayer && guardian && team && multisig && stranger);
      const from = deployer.account.address;
      let interleaved = false;
      const provider = betweenTransactions(connection.provider, async (n) => {
        if (n !== after || interleaved) return;
        interleaved = true;
        // The deployer's key, used elsewhere at the same time (another script, a wallet, a front-running bot with it).
        await connection.provider.request({
          method: "eth_sendTransaction",
          params: [{ from, to: stranger.account.address, value: "0x1" }],
        });
      });
      const publicClient = createPublicClient({ transport: custom(provider) }) as PublicClient;
      const wallet = createWalletClient({ account: from, transport: custom(provider) });
      const now = (await publicClient.getBlock()).timestamp;
      const params: ProtocolParameters = {
        timelockDelay: 0n,
        timelockProposers: [multisig.account.address],
        relayers: [relayer.account.address],
        guardians: [guardian.account.address],
        challengeWindow: 0n,
        maxEmissionPerEpoch: parseEther("1000000"),
        team: { beneficiary: team.account.address, start: now, duration: 1_000_000n, cliff: 1n },
        airdrop: { root: zeroHash, deadline: now + 1_000_000n },
      };
      const journalDir = await mkdtemp(path.join(tmpdir(), "gitblock-interleaved-"));

      const firstRun = await deployProtocol(publicClient, wallet, params, () => {}, { journalDir }).then(
        (deployed) => ({ deployed }),
        (error: Error) => ({ error }),
      );
      assert.ok(interleaved, "the other transaction went in");
      if (after < DEPLOYMENT_TRANSACTIONS) {
        // Ignition notices the foreign nonce before its next transaction and stops: nothing half-made is sent.
        assert.ok("error" in firstRun, "the first run stopped");
        assert.match(firstRun.error.message, /should be \d+, but the node reports \d+/);
      } else {
        assert.ok("deployed" in firstRun, "after its last transaction the deployment is complete");
      }
      const tokensAfterFirstRun = await assertNothingStranded(publicClient);
      assert.ok(tokensAfterFirstRun.length <= 1, "at most one token was minted");

      const { addresses } =
        "deployed" in firstRun
          ? firstRun.deployed
          : await deployProtocol(publicClient, wallet, params, () => {}, { journalDir });
      assert.deepEqual(await assertNothingStranded(publicClient), [addresses.token], "exactly one token, in the book");
      const { viem } = connection;
      const token = await viem.getContractAt("GitBlockToken", addresses.token);
      const vault = await viem.getContractAt("RewardsVault", addresses.rewardsVault);
      const airdrop = await viem.getContractAt("GitBlockAirdrop", addresses.airdrop);
      const nodeBond = await viem.getContractAt("NodeBond", addresses.nodeBond);
      const credits = await viem.getContractAt("InferenceCredits", addresses.inferenceCredits);
      assert.equal(await token.read.rewardsVault(), addresses.rewardsVault);
      assert.equal(await vault.read.token(), addresses.token);
      assert.equal(await airdrop.read.token(), addresses.token);
      assert.equal(await nodeBond.read.token(), addresses.token);
      assert.equal(await credits.read.rewardsVault(), addresses.rewardsVault);
      assert.equal(await token.read.balanceOf([addresses.rewardsVault]), parseEther("400000000"));
      assert.equal(await token.read.balanceOf([addresses.airdrop]), parseEther("100000000"));
      assert.equal(await token.read.balanceOf([addresses.treasury]), parseEther("300000000"));
      assert.equal(await token.read.balanceOf([addresses.teamVesting]), parseEther("200000000"));
      // Each contract once: the deployment's transactions plus the one that interleaved, nothing deployed twice.
      assert.equal(await publicClient.getTransactionCount({ address: from }), DEPLOYMENT_TRANSACTIONS + 1);
    });
  }
});
