// Every bad deploy option fails with a message naming it before the first transaction: the deployer's nonce and the
// chain's block number are the same after the refusal as before it.
import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { DeployConfigError, type DeployTaskOptions, deploy } from "@gitblock/deploy/task";
import { network } from "hardhat";
import { type Address, parseEther } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { collectingLog, realChain, TEST_DEPLOY_ARGUMENTS } from "./task-arguments.ts";

type Connection = Awaited<ReturnType<typeof network.create>>;
const freshAddress = (): Address => privateKeyToAccount(generatePrivateKey()).address;

async function airdropFile(rows: unknown): Promise<string> {
  const file = path.join(await mkdtemp(path.join(tmpdir(), "gitblock-bad-airdrop-")), "airdrop.json");
  await writeFile(file, JSON.stringify(rows));
  return file;
}

/** Each case must be refused with `error` and leave the chain exactly as it was. */
async function assertRefusedBeforeAnyTransaction(
  connection: Connection,
  base: DeployTaskOptions,
  cases: Array<[what: string, options: Partial<DeployTaskOptions>, error: RegExp]>,
) {
  const client = await connection.viem.getPublicClient();
  const [wallet] = await connection.viem.getWalletClients();
  assert.ok(wallet);
  const nonceBefore = await client.getTransactionCount({ address: wallet.account.address });
  const blockBefore = await client.getBlockNumber();
  for (const [what, options, error] of cases) {
    await assert.rejects(
      deploy({ ...base, outDir: tmpdir(), ...options }, connection, collectingLog().log),
      (thrown: unknown) => {
        assert.ok(thrown instanceof DeployConfigError, `${what}: a DeployConfigError, got ${String(thrown)}`);
        assert.match(thrown.message, error, what);
        return true;
      },
      what,
    );
  }
  assert.equal(
    await client.getTransactionCount({ address: wallet.account.address }),
    nonceBefore,
    "no transaction sent",
  );
  assert.equal(await client.getBlockNumber(), blockBefore, "no block mined");
}

describe("deploy options are checked before the first transaction", () => {
  it("on any chain: vesting, cliff, deadline, the airdrop list, address lists, negative and zero numbers", async () => {
    const connection = await network.create();
    const [deployer] = await connection.viem.getWalletClients();
    assert.ok(deployer);
    const [a, b] = [freshAddress(), freshAddress()];
    const duplicateAirdrop = await airdropFile([
      { account: a, amount: "1" },
      { account: b, amount: "2" },
      { account: a.toLowerCase(), amount: "3" },
    ]);
    await assertRefusedBeforeAnyTransaction(connection, TEST_DEPLOY_ARGUMENTS, [
      ["no vesting", { vestingYears: 0 }, /--vesting-years \(0\) and --cliff-days \(365\) must both be above 0/],
      ["no cliff", { cliffDays: 0 }, /--vesting-years \(4\) and --cliff-days \(0\) must both be above 0/],
      [
        "cliff after the end",
        { vestingYears: 1, cliffDays: 366 },
        /--cliff-days \(366\) is longer than --vesting-years/,
      ],
      ["deadline now", { airdropDays: 0 }, /--airdrop-days must be above 0/],
      ["duplicated airdrop account", { airdropFile: duplicateAirdrop }, /is in rows 1 and 3/],
      ["zero airdrop amount", { airdropFile: await airdropFile([{ account: a, amount: "0" }]) }, /row 1: amount "0"/],
      ["negative airdrop amount", { airdropFile: await airdropFile([{ account: a, amount: "-5" }]) }, /amount "-5"/],
      ["bad airdrop account", { airdropFile: await airdropFile([{ account: "0x12", amount: "5" }]) }, /"0x12" is not/],
      ["a list cut short", { relayers: `${a},0xnot-an-address` }, /--relayers: "0xnot-an-address" \(entry 2\)/],
      ["an empty entry", { guardians: `${a},,${b}` }, /--guardians: entry 2 of .* is empty/],
      ["a trailing comma", { relayers: `${a},` }, /--relayers: entry 2 of .* is empty/],
      ["a repeated relayer", { relayers: `${a},${a.toLowerCase()}` }, /--relayers: .* is listed twice/],
      ["two team beneficiaries", { teamBeneficiary: `${a},${b}` }, /--team-beneficiary takes exactly one address/],
      ["negative window", { challengeWindow: -1 }, /--challenge-window must be a whole number of 0 or more, got -1/],
      ["negative timelock delay", { timelockDelay: -1 }, /--timelock-delay must be a whole number of 0 or more/],
      ["negative vesting", { vestingYears: -4 }, /--vesting-years must be a whole number of 0 or more/],
      ["negative deadline", { airdropDays: -90 }, /--airdrop-days must be a whole number of 0 or more/],
      ["negative unbonding", { unbondingDelay: -5 }, /--unbonding-delay must be a whole number of 0 or more/],
      ["negative withdrawal", { withdrawalDelay: -5 }, /--withdrawal-delay must be a whole number of 0 or more/],
      ["negative cap", { maxEmission: "-5" }, /--max-emission must be a positive decimal amount, got "-5"/],
      ["zero cap", { maxEmission: "0" }, /--max-emission must be a positive decimal amount/],
      ["zero dispute bond", { disputeBond: "0" }, /--dispute-bond must be a positive decimal amount, got "0"/],
      ["deployer relays", { relayers: deployer.account.address }, /--relayers names the deployer/],
      ["deployer guards", { guardians: `${a},${deployer.account.address}` }, /--guardians names the deployer/],
      ["deployer proposes", { proposers: deployer.account.address }, /--proposers names the deployer/],
      ["deployer is the team", { teamBeneficiary: deployer.account.address }, /--team-beneficiary names the deployer/],
      ["deployer is the treasury", { treasury: deployer.account.address }, /--treasury names the deployer/],
      ["proposers beside a treasury", { treasury: a, proposers: b }, /--proposers is for the timelock deployed/],
    ]);
  });

  it("on a real chain: a one-day window, a two-day timelock, proposers and no development key", async () => {
    const { connection, args } = await realChain("real-chain-options", 4250);
    await assertRefusedBeforeAnyTransaction(connection, args, [
      [
        "an hour's window",
        { challengeWindow: 3600 },
        /--challenge-window \(3600 s\) must be at least 86400 s \(1 day\) on chain 4250/,
      ],
      ["a zero window", { challengeWindow: 0 }, /--challenge-window \(0 s\) must be at least 86400 s/],
      [
        "an instant timelock",
        { timelockDelay: 0 },
        /--timelock-delay \(0 s\) must be at least 172800 s \(2 days\) on chain 4250/,
      ],
      ["a one-day timelock", { timelockDelay: 86_400 }, /--timelock-delay \(86400 s\) must be at least 172800 s/],
      ["no proposers", { proposers: "" }, /--proposers is required on chain 4250/],
      ["no relayers", { relayers: "" }, /--relayers is required on chain 4250/],
      ["no airdrop list", { airdropFile: "" }, /--airdrop-file is required on chain 4250/],
    ]);
    const development = await network.create({ override: { chainId: 4251 } });
    await assertRefusedBeforeAnyTransaction(development, args, [
      ["a public key", {}, /refusing to deploy to chain 4251 with the public Hardhat development key/],
    ]);
  });

  it("takes a valid real-chain command as it is, with the bond and the amounts given", async () => {
    const { connection, args } = await realChain("real-chain-valid", 4252);
    const deployment = await deploy({ ...args, disputeBond: "0.25" }, connection, collectingLog().log);
    const vault = await connection.viem.getContractAt("RewardsVault", deployment.contracts.rewardsVault);
    assert.equal(await vault.read.disputeBond(), parseEther("0.25"));
    assert.equal(await vault.read.challengeWindow(), 86_400n);
  });
});
