// After a real-chain deployment the deployer holds no role anywhere: the task reads every role back from the chain,
// prints who can do what, and fails when the deployer is among the holders. Before, the deployer was the timelock's
// only proposer and canceller, with a zero delay: one key could take the vault and the treasury at once.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { deployProtocol } from "@gitblock/deploy";
import { assertDeployerHoldsNoRole, DeployerHoldsRoleError, readRoleTable } from "@gitblock/deploy/role-table";
import { deploy } from "@gitblock/deploy/task";
import { network } from "hardhat";
import { type Address, getAddress, parseEther, zeroAddress, zeroHash } from "viem";
import { collectingLog, realChain } from "./task-arguments.ts";

describe("the role table of a deployment", () => {
  it("on a chain other than 31337: the multisig proposes, the timelock administers, the deployer holds nothing", async () => {
    const { connection, args, roles, deployer } = await realChain("role-table", 4254);
    const { lines, log } = collectingLog();
    const deployment = await deploy(args, connection, log);
    const { treasury, rewardsVault, nodeBond, inferenceCredits, teamVesting } = deployment.contracts;

    const printed = lines.find((line) => line.startsWith("Roles on chain 4254"));
    assert.ok(printed, "the task prints the role table");
    const rows = printed
      .split("\n")
      .slice(2)
      .map((line) => line.split(/\s{2,}/));
    const holders = (contract: string, role: string) =>
      rows
        .find(([c, r]) => c === contract && r === role)?.[2]
        ?.split(", ")
        .map((h) => h.split(" ")[0]);
    assert.deepEqual(holders("GitBlockTreasury", "PROPOSER_ROLE"), [roles.proposer]);
    assert.deepEqual(holders("GitBlockTreasury", "CANCELLER_ROLE"), [roles.proposer]);
    assert.deepEqual(holders("GitBlockTreasury", "EXECUTOR_ROLE"), [zeroAddress], "anyone executes after the delay");
    assert.deepEqual(holders("GitBlockTreasury", "DEFAULT_ADMIN_ROLE"), [treasury], "only the timelock itself");
    for (const contract of ["RewardsVault", "NodeBond", "InferenceCredits"]) {
      assert.deepEqual(holders(contract, "DEFAULT_ADMIN_ROLE"), [treasury], `${contract} is run by the timelock`);
      assert.deepEqual(holders(contract, "RELAYER_ROLE"), [roles.relayer]);
      assert.deepEqual(holders(contract, "GUARDIAN_ROLE"), [roles.guardian]);
    }
    assert.deepEqual(holders("TeamVesting", "owner"), [roles.team]);
    assert.ok(!printed.includes(deployer), "the deployer appears nowhere in the table");

    // The table is the chain's truth: check the deployer against every role directly too.
    const client = await connection.viem.getPublicClient();
    const table = await readRoleTable(
      client,
      [
        { name: "GitBlockTreasury", address: treasury },
        { name: "RewardsVault", address: rewardsVault },
        { name: "NodeBond", address: nodeBond },
        { name: "InferenceCredits", address: inferenceCredits },
      ],
      BigInt(deployment.deployBlock),
    );
    for (const row of table) {
      const abi = (await connection.viem.getContractAt(row.contract as "RewardsVault", row.address)).abi;
      const id = await client.readContract({ address: row.address, abi, functionName: row.role as "RELAYER_ROLE" });
      assert.equal(
        await client.readContract({ address: row.address, abi, functionName: "hasRole", args: [id, deployer] }),
        false,
        `${row.contract} ${row.role}`,
      );
    }
    const timelock = await connection.viem.getContractAt("GitBlockTreasury", treasury);
    assert.equal(await timelock.read.getMinDelay(), 172_800n, "two days");
    const teamVestingOwner = await (await connection.viem.getContractAt("TeamVesting", teamVesting)).read.owner();
    assert.equal(getAddress(teamVestingOwner), roles.team);
  });

  it("fails when the deployer holds a role, naming the role and the contract", async () => {
    const connection = await network.create();
    const [deployer, guardian, team, multisig] = await connection.viem.getWalletClients();
    assert.ok(deployer && guardian && team && multisig);
    const client = await connection.viem.getPublicClient();
    const now = (await client.getBlock()).timestamp;
    // deployProtocol itself checks nothing (the task does): here the deployer is made a relayer on purpose.
    const { addresses, deployBlock } = await deployProtocol(client, deployer, {
      timelockDelay: 0n,
      timelockProposers: [multisig.account.address],
      relayers: [deployer.account.address],
      guardians: [guardian.account.address],
      challengeWindow: 0n,
      maxEmissionPerEpoch: parseEther("1"),
      team: { beneficiary: team.account.address, start: now, duration: 1_000n, cliff: 1n },
      airdrop: { root: zeroHash, deadline: now + 1_000n },
    });
    const table = await readRoleTable(client, [{ name: "RewardsVault", address: addresses.rewardsVault }], deployBlock);
    const relayers = table.find((row) => row.role === "RELAYER_ROLE")?.holders as Address[];
    assert.deepEqual(relayers, [getAddress(deployer.account.address)]);
    await assert.rejects(
      assertDeployerHoldsNoRole(client, table, deployer.account.address),
      (error: unknown) =>
        error instanceof DeployerHoldsRoleError &&
        error.message.includes(`still holds RELAYER_ROLE on RewardsVault (${addresses.rewardsVault})`),
    );
  });
});
