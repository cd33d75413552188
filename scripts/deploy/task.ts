// `npm run deploy -- --network <name> [options]`: deploys the protocol and writes deployments/<network>.json,
// the one address book relayer and web read.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Deployment } from "@gitblock/sdk/deployments";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { type Address, getAddress, parseEther } from "viem";
import { developmentAccount } from "./development-accounts.ts";
import { defaultUnbondingDelay, deployProtocol, MAX_WITHDRAWAL_DELAY, MIN_WITHDRAWAL_DELAY } from "./protocol.ts";

export interface DeployTaskArguments {
  challengeWindow: number;
  /** Seconds before an unbond can be withdrawn (0 or absent: 2× the challenge window, at least 7 days on real chains). */
  unbondingDelay?: number;
  /** Seconds before an InferenceCredits withdrawal can be made (0 or absent: 1 hour locally, 1 day on real chains). */
  withdrawalDelay?: number;
  maxEmission: string;
  treasury: string;
  timelockDelay: number;
  relayers: string;
  guardians: string;
  teamBeneficiary: string;
  vestingYears: number;
  cliffDays: number;
  airdropFile: string;
  airdropDays: number;
  outDir: string;
}

const LOCAL_CHAIN_ID = 31337;
const DAY = 86_400n;
/** Least default unbonding delay on a real chain: a week for operators to notice a bad slash and for a node to be
 * disputed, whatever the challenge window. */
const REAL_CHAIN_MIN_UNBONDING_DELAY = 7n * DAY;
/** NodeBond's `MAX_UNBONDING_DELAY`: checked here so that a bad delay fails before anything is deployed. */
const MAX_UNBONDING_DELAY = 365n * DAY;
/** Default InferenceCredits withdrawal delay on a real chain: 24 of the relayer's default hourly epochs, so the debits
 * made before a request are settled long before it matures, even when a settlement is late. */
const REAL_CHAIN_WITHDRAWAL_DELAY = DAY;
const larger = (a: bigint, b: bigint) => (a > b ? a : b);
/** Hardhat's well-known development accounts: public keys, never acceptable on a real chain. */
const developmentAccounts = Array.from({ length: 20 }, (_, addressIndex) => developmentAccount(addressIndex));

export class DeployConfigError extends Error {
  override name = "DeployConfigError";
}

const addressList = (value: string): Address[] =>
  value
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean)
    .map((item) => getAddress(item));

const developmentAddress = (index: number): Address => {
  const account = developmentAccounts[index];
  if (!account) throw new DeployConfigError(`no development account #${index}`);
  return account.address;
};

/** The local airdrop: five development accounts (#10–#14) get 1,000 GBT each, so the flow can be tried end to end. */
const localAirdropList = () => [10, 11, 12, 13, 14].map((i) => [developmentAddress(i), parseEther("1000")] as const);

async function readAirdropList(file: string) {
  const rows = JSON.parse(await readFile(file, "utf8")) as { account: string; amount: string }[];
  return rows.map(({ account, amount }) => [getAddress(account), BigInt(amount)] as const);
}

export default async function deployTask(args: DeployTaskArguments, hre: HardhatRuntimeEnvironment) {
  await deploy(args, await hre.network.create());
}

type Connection = Awaited<ReturnType<HardhatRuntimeEnvironment["network"]["create"]>>;

/** Deploys over `connection` (the network chosen with `--network`) and writes the deployment files. */
export async function deploy(args: DeployTaskArguments, connection: Connection): Promise<Deployment> {
  const { viem, networkName } = connection;
  const publicClient = await viem.getPublicClient();
  const [deployer] = await viem.getWalletClients();
  if (!deployer) throw new DeployConfigError(`network "${networkName}" has no deployer account configured`);
  const chainId = await publicClient.getChainId();
  const local = chainId === LOCAL_CHAIN_ID;

  if (!local && developmentAccounts.some((a) => a.address === getAddress(deployer.account.address))) {
    throw new DeployConfigError(
      `refusing to deploy to chain ${chainId} with the public Hardhat development key ${deployer.account.address}; set GITBLOCK_DEPLOYER_KEY (environment or \`npx hardhat keystore set GITBLOCK_DEPLOYER_KEY\`)`,
    );
  }
  const pick = (value: string, localDefault: () => Address[], what: string): Address[] => {
    if (value) return addressList(value);
    if (local) return localDefault();
    throw new DeployConfigError(`--${what} is required on chain ${chainId}`);
  };
  const relayers = pick(args.relayers, () => [developmentAddress(1)], "relayers");
  const guardians = pick(args.guardians, () => [developmentAddress(2)], "guardians");
  const [teamBeneficiary] = pick(args.teamBeneficiary, () => [developmentAddress(3)], "team-beneficiary");
  if (!teamBeneficiary) throw new DeployConfigError("--team-beneficiary is empty");
  const airdropList = args.airdropFile
    ? await readAirdropList(args.airdropFile)
    : local
      ? localAirdropList()
      : (() => {
          throw new DeployConfigError(`--airdrop-file is required on chain ${chainId}`);
        })();
  // Amounts as decimal strings so the tree dump is plain JSON.
  const airdropTree = StandardMerkleTree.of(
    airdropList.map(([account, amount]) => [account, amount.toString()]),
    ["address", "uint256"],
  );
  const airdropTotal = airdropList.reduce((sum, [, amount]) => sum + amount, 0n);
  if (airdropTotal > parseEther("100000000")) {
    throw new DeployConfigError(`airdrop list totals ${airdropTotal} wei, more than the 100M GBT allocation`);
  }

  const latest = await publicClient.getBlock();
  const now = latest.timestamp;
  const challengeWindow = BigInt(args.challengeWindow);
  const unbondingDelay = args.unbondingDelay
    ? BigInt(args.unbondingDelay)
    : local
      ? defaultUnbondingDelay(challengeWindow)
      : larger(defaultUnbondingDelay(challengeWindow), REAL_CHAIN_MIN_UNBONDING_DELAY);
  if (unbondingDelay <= challengeWindow) {
    throw new DeployConfigError(
      `--unbonding-delay (${unbondingDelay} s) must be longer than --challenge-window (${challengeWindow} s), or a node could withdraw before a slash against it can be executed`,
    );
  }
  if (unbondingDelay > MAX_UNBONDING_DELAY) {
    throw new DeployConfigError(`--unbonding-delay (${unbondingDelay} s) is longer than NodeBond's limit of 365 days`);
  }
  const withdrawalDelay = args.withdrawalDelay
    ? BigInt(args.withdrawalDelay)
    : local
      ? MIN_WITHDRAWAL_DELAY
      : REAL_CHAIN_WITHDRAWAL_DELAY;
  if (withdrawalDelay < MIN_WITHDRAWAL_DELAY || withdrawalDelay > MAX_WITHDRAWAL_DELAY) {
    throw new DeployConfigError(
      `--withdrawal-delay (${withdrawalDelay} s) must be from ${MIN_WITHDRAWAL_DELAY} s (1 hour) to ${MAX_WITHDRAWAL_DELAY} s (30 days), InferenceCredits' limits`,
    );
  }
  const maxEmissionPerEpoch = parseEther(args.maxEmission);
  const airdropDeadline = now + BigInt(args.airdropDays) * DAY;

  console.log(`Deploying GitBlock to ${networkName} (chain ${chainId}) from ${deployer.account.address}`);
  const { addresses, deployBlock } = await deployProtocol(
    publicClient,
    deployer,
    {
      treasury: args.treasury ? getAddress(args.treasury) : undefined,
      timelockDelay: BigInt(args.timelockDelay),
      timelockProposers: [deployer.account.address],
      relayers,
      guardians,
      challengeWindow,
      unbondingDelay,
      withdrawalDelay,
      maxEmissionPerEpoch,
      team: {
        beneficiary: teamBeneficiary,
        start: now,
        duration: BigInt(args.vestingYears) * 365n * DAY,
        cliff: BigInt(args.cliffDays) * DAY,
      },
      airdrop: { root: airdropTree.root as `0x${string}`, deadline: airdropDeadline },
    },
    (step) => console.log(`  → ${step}`),
  );

  const parameters = {
    challengeWindow: Number(challengeWindow),
    unbondingDelay: Number(unbondingDelay),
    withdrawalDelay: Number(withdrawalDelay),
    maxEmissionPerEpoch: maxEmissionPerEpoch.toString(),
    airdropRoot: airdropTree.root as `0x${string}`,
    airdropDeadline: Number(airdropDeadline),
    relayers,
    guardians,
  };
  const deployment: Deployment = {
    network: networkName,
    chainId,
    deployBlock: Number(deployBlock),
    deployedAt: new Date(Number(now) * 1000).toISOString(),
    abis: "@gitblock/sdk (sdk/src/abi.ts, generated from artifacts/ by scripts/export-abis.ts)",
    contracts: addresses,
    parameters,
  };
  const outDir = path.resolve(args.outDir);
  await mkdir(outDir, { recursive: true });
  const file = path.join(outDir, `${networkName}.json`);
  await writeFile(file, `${JSON.stringify(deployment, null, 2)}\n`);
  await writeFile(path.join(outDir, `${networkName}.airdrop.json`), `${JSON.stringify(airdropTree.dump(), null, 2)}\n`);
  console.log(`Wrote ${path.relative(process.cwd(), file)}`);
  for (const [name, address] of Object.entries(addresses)) console.log(`  ${name.padEnd(16)} ${address}`);
  return deployment;
}
