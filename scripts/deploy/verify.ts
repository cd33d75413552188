// `npm run verify -- --network <name>`: verifies every contract of deployments/<network>.json on the block explorers
// hardhat-verify has enabled (Etherscan with ETHERSCAN_API_KEY, Blockscout, Sourcify), with the constructor arguments
// from the Ignition journal. The vault, the airdrop and the token are created inside GitBlockGenesis's transaction, so
// Ignition records no arguments for them: they are rebuilt from GitBlockGenesis's own.
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Deployment } from "@gitblock/sdk/deployments";
import { verifyContract } from "@nomicfoundation/hardhat-verify/verify";
import { getVerificationInformation, type VerifyInfo } from "@nomicfoundation/ignition-core";
import type { VerificationProvidersConfig } from "hardhat/types/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { getAddress } from "viem";

const root = path.resolve(import.meta.dirname, "../..");

export interface VerifyTaskArguments {
  /** Ignition's deployment folder (default: ignition/deployments/<network>). */
  journalDir: string;
  /** Where the address book is (default: deployments). */
  bookDir: string;
  /** Verify again a contract the explorer already shows as verified. */
  force: boolean;
}

/** One contract to verify: hardhat-verify's arguments. */
export interface VerificationRequest {
  address: string;
  /** Fully qualified name, `<source>:<contract>`. */
  contract: string;
  constructorArgs: unknown[];
  creationTxHash?: string;
}

export class VerificationFailedError extends Error {
  override name = "VerificationFailedError";
}

/** GitBlockGenesis's constructor arguments, as Ignition journals them. */
type GenesisArguments = [
  treasury: string,
  teamVesting: string,
  vault: {
    relayers: string[];
    guardians: string[];
    challengeWindow: bigint;
    maxEmissionPerEpoch: bigint;
    disputeBond: bigint;
  },
  airdrop: { merkleRoot: string; deadline: bigint },
];

/** Every contract of `book`, each with the arguments it was created with, from the journal in `journalDir`. */
export async function verificationRequests(book: Deployment, journalDir: string): Promise<VerificationRequest[]> {
  const journaled: VerifyInfo[] = [];
  for await (const info of getVerificationInformation(journalDir)) {
    if (typeof info === "string") throw new VerificationFailedError(`the journal has no artifact for ${info}`);
    journaled.push(info);
  }
  const genesis = journaled.find((info) => info.contract.endsWith(":GitBlockGenesis"));
  if (!genesis) throw new VerificationFailedError(`${journalDir} records no GitBlockGenesis`);
  const [treasury, teamVesting, vault, airdrop] = genesis.constructorArgs as unknown as GenesisArguments;
  const { token, rewardsVault, airdrop: airdropAddress } = book.contracts;
  const created: VerificationRequest[] = [
    {
      address: rewardsVault,
      contract: "contracts/RewardsVault.sol:RewardsVault",
      constructorArgs: [
        token,
        treasury,
        vault.relayers,
        vault.guardians,
        treasury,
        vault.challengeWindow,
        vault.maxEmissionPerEpoch,
        vault.disputeBond,
      ],
    },
    {
      address: airdropAddress,
      contract: "contracts/GitBlockAirdrop.sol:GitBlockAirdrop",
      constructorArgs: [token, airdrop.merkleRoot, airdrop.deadline, treasury],
    },
    {
      address: token,
      contract: "contracts/GitBlockToken.sol:GitBlockToken",
      constructorArgs: [rewardsVault, treasury, teamVesting, airdropAddress],
    },
  ].map((request) => ({ ...request, creationTxHash: genesis.creationTxHash }));
  const inBook = new Set(Object.values(book.contracts).map((address) => getAddress(address)));
  const journaledInBook = journaled.filter(
    (info) => inBook.has(getAddress(info.address)) || info.address === genesis.address,
  );
  return [
    ...journaledInBook.map(({ address, contract, constructorArgs, creationTxHash }) => ({
      address,
      contract,
      constructorArgs,
      creationTxHash,
    })),
    ...created,
  ];
}

/** Verifies every request on every enabled explorer; throws at the end if any failed, naming each. */
export async function verifyDeployment(
  hre: HardhatRuntimeEnvironment,
  { journalDir, bookDir, force }: VerifyTaskArguments,
  log: (line: string) => void = console.log,
): Promise<void> {
  const { networkName } = await hre.network.create();
  const bookFile = path.resolve(root, bookDir || "deployments", `${networkName}.json`);
  const book = JSON.parse(await readFile(bookFile, "utf8")) as Deployment;
  const journal = path.resolve(root, journalDir || path.join("ignition", "deployments", networkName));
  const providers = (["etherscan", "blockscout", "sourcify"] as Array<keyof VerificationProvidersConfig>).filter(
    (provider) => hre.config.verify[provider].enabled,
  );
  if (providers.length === 0) throw new VerificationFailedError("no verification provider is enabled (config.verify)");

  const failures: string[] = [];
  for (const request of await verificationRequests(book, journal)) {
    for (const provider of providers) {
      log(`verifying ${request.contract} at ${request.address} on ${provider}`);
      try {
        await verifyContract({ ...request, force, provider }, hre);
      } catch (error) {
        failures.push(`${request.contract} at ${request.address} on ${provider}: ${(error as Error).message}`);
      }
    }
  }
  if (failures.length > 0) {
    throw new VerificationFailedError(`${failures.length} verification(s) failed:\n${failures.join("\n")}`);
  }
}

export default async function verifyTask(args: VerifyTaskArguments, hre: HardhatRuntimeEnvironment) {
  await verifyDeployment(hre, args);
}
