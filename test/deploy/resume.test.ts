// A real-chain deployment that fails halfway (its key runs out of ETH after two transactions) resumes from its Ignition
// journal when the same command is run again: the contracts already made are kept, nothing is deployed twice, and the
// vesting start and airdrop deadline keep the time the deployment started. Another command is refused.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { deploy } from "@gitblock/deploy/task";
import { type Address, getContractAddress, parseEther, toHex } from "viem";
import { betweenTransactions } from "./chain-stand-in.ts";
import { collectingLog, realChain } from "./task-arguments.ts";

const DAY = 86_400;

describe("npm run deploy, interrupted and run again", () => {
  it("resumes from the journal: the same contracts, each deployed once, anchored to the first run's time", async () => {
    const { connection, args, deployer } = await realChain("resume", 4253);
    const journalDir = args.journalDir as string;
    const node = connection.provider.request.bind(connection.provider);
    const setBalance = (wei: bigint) => node({ method: "hardhat_setBalance", params: [deployer, toHex(wei)] });
    // The stand-in for an operator's key running dry: after the deployment's second transaction, its balance is 0.
    const dry = betweenTransactions({ request: node }, async (n) => {
      if (n === 2) await setBalance(0n);
    });
    connection.provider.request = dry.request as typeof connection.provider.request;
    const client = await connection.viem.getPublicClient();

    await assert.rejects(
      deploy(args, connection, collectingLog().log),
      /insufficient funds: .* fund it and run the deploy again/,
    );
    assert.equal(await client.getTransactionCount({ address: deployer }), 2, "the timelock and the team vesting");
    const anchor = JSON.parse(await readFile(path.join(journalDir, "gitblock-deploy.json"), "utf8")) as { now: string };

    // A day later the operator funds the key and runs the same command again.
    await connection.networkHelpers.time.increase(DAY);
    await setBalance(parseEther("100"));
    const { lines, log } = collectingLog();
    const deployment = await deploy(args, connection, log);

    assert.equal(await client.getTransactionCount({ address: deployer }), 5, "each contract once");
    const firstRun = (nonce: bigint): Address => getContractAddress({ from: deployer, nonce });
    assert.equal(deployment.contracts.treasury, firstRun(0n), "the first run's timelock is kept");
    assert.equal(deployment.contracts.teamVesting, firstRun(1n), "the first run's team vesting is kept");
    assert.equal(deployment.deployBlock, 1, "indexing starts at the first run's first transaction");
    const vesting = await connection.viem.getContractAt("TeamVesting", deployment.contracts.teamVesting);
    assert.equal(await vesting.read.start(), BigInt(anchor.now));
    assert.equal(deployment.parameters.airdropDeadline, Number(anchor.now) + 90 * DAY);
    assert.equal(deployment.deployedAt, new Date(Number(anchor.now) * 1000).toISOString());
    assert.ok(
      lines.some((line) => line.includes("RewardsVault") && line.includes("RELAYER_ROLE")),
      "the role table",
    );

    await assert.rejects(
      deploy({ ...args, maxEmission: "1" }, connection, collectingLog().log),
      new RegExp(`${journalDir} holds a deployment started with other options`),
    );
  });
});
