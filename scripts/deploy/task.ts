// `npm run deploy -- --network <name> [options]`: checks every option, deploys the protocol through Ignition (resuming
// an interrupted deployment from its journal), prints who holds which role and fails if the deployer holds any, then
// writes deployments/<network>.json, the one address book relayer and web read.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Deployment } from "@gitblock/sdk/deployments";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { Address } from "viem";
import { validateAddressBook } from "./address-book.ts";
import { DeployConfigError, type DeployTaskArguments, resolveDeployParameters } from "./deploy-parameters.ts";
import { deployProtocol, LOCAL_CHAIN_ID } from "./protocol.ts";
import { assertDeployerHoldsNoRole, type DeployedContract, formatRoleTable, readRoleTable } from "./role-table.ts";

export { DeployConfigError, type DeployTaskArguments } from "./deploy-parameters.ts";

const root = path.resolve(import.meta.dirname, "../..");

export interface DeployTaskOptions extends DeployTaskArguments {
  /** Ignition's deployment folder (default: ignition/deployments/<network> on real chains; none on the local chain,
   * which is new on every start, so a kept journal would describe contracts that no longer exist). */
  journalDir?: string;
}

type Connection = Awaited<ReturnType<HardhatRuntimeEnvironment["network"]["create"]>>;
type Log = (line: string) => void;

export default async function deployTask(args: DeployTaskOptions, hre: HardhatRuntimeEnvironment) {
  await deploy(args, await hre.network.create());
}

/** The options a deployment was started with and the time it is anchored to, kept beside Ignition's journal: a rerun
 * resumes only with the same options, and reuses the time so the vesting start and airdrop deadline stay the same. */
interface JournalAnchor {
  options: Omit<DeployTaskArguments, "outDir">;
  now: string;
}

const ANCHOR_FILE = "gitblock-deploy.json";

/** The anchor of the deployment `journalDir` holds, if any; throws when it was started with other options. */
async function readAnchor(journalDir: string, options: JournalAnchor["options"]): Promise<bigint | undefined> {
  const saved = await readFile(path.join(journalDir, ANCHOR_FILE), "utf8").then(
    (text) => JSON.parse(text) as JournalAnchor,
    () => undefined,
  );
  if (!saved) return undefined;
  if (JSON.stringify(saved.options) !== JSON.stringify(options)) {
    throw new DeployConfigError(
      `${journalDir} holds a deployment started with other options (${JSON.stringify(saved.options)}); rerun it with the same options to resume it, or move the folder away to start a new deployment`,
    );
  }
  return BigInt(saved.now);
}

async function writeAnchor(journalDir: string, anchor: JournalAnchor): Promise<void> {
  await mkdir(journalDir, { recursive: true });
  await writeFile(path.join(journalDir, ANCHOR_FILE), `${JSON.stringify(anchor, null, 2)}\n`);
}

/** Deploys over `connection` (the network chosen with `--network`) and writes the deployment files. */
export async function deploy(
  args: DeployTaskOptions,
  connection: Connection,
  log: Log = console.log,
): Promise<Deployment> {
  const { journalDir: givenJournalDir, ...taskArgs } = args;
  const { viem, networkName } = connection;
  const publicClient = await viem.getPublicClient();
  const [wallet] = await viem.getWalletClients();
  if (!wallet) throw new DeployConfigError(`network "${networkName}" has no deployer account configured`);
  const deployer = wallet.account.address;
  const chainId = await publicClient.getChainId();
  const journalDir =
    givenJournalDir ||
    (chainId === LOCAL_CHAIN_ID ? undefined : path.join(root, "ignition", "deployments", networkName));

  const { outDir: _outDir, ...options } = taskArgs;
  const resumedFrom = journalDir ? await readAnchor(journalDir, options) : undefined;
  const now = resumedFrom ?? (await publicClient.getBlock()).timestamp;
  // Everything is checked before the first transaction (and before a journal is started).
  const { protocol, airdropTree, bookParameters } = await resolveDeployParameters(taskArgs, { chainId, deployer, now });
  if (journalDir && resumedFrom === undefined) await writeAnchor(journalDir, { options, now: now.toString() });

  log(`Deploying GitBlock to ${networkName} (chain ${chainId}) from ${deployer}`);
  if (journalDir) log(`  Ignition journal: ${path.relative(process.cwd(), journalDir) || "."} (a rerun resumes it)`);
  const { addresses, genesis, deployBlock } = await deployProtocol(
    publicClient,
    wallet,
    protocol,
    (step) => log(`  → ${step}`),
    { journalDir },
  );

  const labels: Record<Address, string> = { [deployer]: "deployer" };
  for (const [name, address] of Object.entries(addresses)) labels[address] ??= name;
  for (const relayer of protocol.relayers) labels[relayer] ??= "relayer";
  for (const guardian of protocol.guardians) labels[guardian] ??= "guardian";
  for (const proposer of protocol.timelockProposers) labels[proposer] ??= "proposer";
  labels[protocol.team.beneficiary] ??= "team";
  const contracts: DeployedContract[] = [
    ...(protocol.treasury ? [] : [{ name: "GitBlockTreasury", address: addresses.treasury }]),
    { name: "RewardsVault", address: addresses.rewardsVault },
    { name: "NodeBond", address: addresses.nodeBond },
    { name: "InferenceCredits", address: addresses.inferenceCredits },
    { name: "TeamVesting", address: addresses.teamVesting },
    { name: "GitBlockToken", address: addresses.token },
    { name: "GitBlockAirdrop", address: addresses.airdrop },
    { name: "GitBlockGenesis", address: genesis },
  ];
  const table = await readRoleTable(publicClient, contracts, deployBlock);
  log(`Roles on chain ${chainId} (read back from the contracts):\n${formatRoleTable(table, labels)}`);
  await assertDeployerHoldsNoRole(publicClient, table, deployer);

  const deployment: Deployment = {
    network: networkName,
    chainId,
    deployBlock: Number(deployBlock),
    deployedAt: new Date(Number(now) * 1000).toISOString(),
    abis: "@gitblock/sdk (sdk/src/abi.ts, generated from artifacts/ by scripts/export-abis.ts)",
    contracts: addresses,
    parameters: bookParameters,
  };
  validateAddressBook(deployment);
  const outDir = path.resolve(taskArgs.outDir);
  await mkdir(outDir, { recursive: true });
  const file = path.join(outDir, `${networkName}.json`);
  await writeFile(file, `${JSON.stringify(deployment, null, 2)}\n`);
  await writeFile(path.join(outDir, `${networkName}.airdrop.json`), `${JSON.stringify(airdropTree.dump(), null, 2)}\n`);
  log(`Wrote ${path.relative(process.cwd(), file)} (${table.length} roles checked)`);
  for (const [name, address] of Object.entries(addresses)) log(`  ${name.padEnd(16)} ${address}`);
  return deployment;
}
