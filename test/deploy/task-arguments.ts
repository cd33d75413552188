import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { DeployTaskOptions } from "@gitblock/deploy/task";
import { network } from "hardhat";
import { type Address, keccak256, parseEther, toHex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

/** The deploy task's arguments for tests: a real-chain-like challenge window and cap, everything else defaulted. */
export const TEST_DEPLOY_ARGUMENTS: DeployTaskOptions = {
  challengeWindow: 3600,
  maxEmission: "250000",
  treasury: "",
  timelockDelay: 172_800,
  relayers: "",
  guardians: "",
  teamBeneficiary: "",
  vestingYears: 4,
  cliffDays: 365,
  airdropFile: "",
  airdropDays: 90,
  outDir: "",
};

const freshAddress = (): Address => privateKeyToAccount(generatePrivateKey()).address;

/** Options that pass every real-chain check: fresh relayer, guardian, team and proposer (the multisig) addresses, a
 * one-row airdrop file, a one-day window, a two-day timelock and temporary folders for the books and the journal. */
export async function realChainOptions(label: string) {
  const dir = await mkdtemp(path.join(tmpdir(), `gitblock-${label}-`));
  const airdropFile = path.join(dir, "airdrop.json");
  await writeFile(airdropFile, JSON.stringify([{ account: freshAddress(), amount: parseEther("1").toString() }]));
  const roles = { relayer: freshAddress(), guardian: freshAddress(), team: freshAddress(), proposer: freshAddress() };
  const args: DeployTaskOptions = {
    ...TEST_DEPLOY_ARGUMENTS,
    challengeWindow: 86_400,
    relayers: roles.relayer,
    guardians: roles.guardian,
    teamBeneficiary: roles.team,
    proposers: roles.proposer,
    airdropFile,
    outDir: path.join(dir, "deployments"),
    journalDir: path.join(dir, "ignition"),
  };
  return { args, roles };
}

/** An in-process chain with id `chainId` (not the local 31337, so the real-chain rules apply), a fresh funded deployer
 * key derived from `label`, and `realChainOptions` for it. */
export async function realChain(label: string, chainId: number) {
  const deployerKey = keccak256(toHex(`gitblock ${label} deploy test key`));
  const connection = await network.create({
    override: { chainId, accounts: [{ privateKey: deployerKey, balance: parseEther("100").toString() }] },
  });
  return { connection, deployer: privateKeyToAccount(deployerKey).address, ...(await realChainOptions(label)) };
}

/** A log that keeps the task's lines (the role table among them) instead of printing them. */
export function collectingLog() {
  const lines: string[] = [];
  return { lines, log: (line: string) => void lines.push(line) };
}
