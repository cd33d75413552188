// Deploys the whole protocol with plain viem clients, so the same code serves tests (Hardhat's in-process
// network), `hardhat node` and real chains.
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Abi, Account, Address, Chain, Hex, PublicClient, Transport, WalletClient } from "viem";
import { getAddress, getContractAddress, zeroAddress } from "viem";

const root = path.resolve(import.meta.dirname, "../..");

export interface ProtocolParameters {
  /** Existing treasury / vault admin (a multisig or timelock). When absent a GitBlockTreasury timelock is deployed. */
  treasury?: Address;
  /** Timelock delay in seconds and proposers, when the timelock is deployed here. */
  timelockDelay: bigint;
  timelockProposers: Address[];
  relayers: Address[];
  guardians: Address[];
  /** Seconds between a proposal and its finality; 0 makes epochs final at once (local networks). NodeBond's slashes
   * wait the same window. */
  challengeWindow: bigint;
  /** Seconds a node's unbond waits before it can be withdrawn; must exceed `challengeWindow`. Default:
   * `defaultUnbondingDelay(challengeWindow)`. */
  unbondingDelay?: bigint;
  /** Seconds an InferenceCredits withdrawal request waits; longer than the relayer's epoch, so its last debits settle
   * first. Default: `MIN_WITHDRAWAL_DELAY`. */
  withdrawalDelay?: bigint;
  maxEmissionPerEpoch: bigint;
  team: { beneficiary: Address; start: bigint; duration: bigint; cliff: bigint };
  airdrop: { root: Hex; deadline: bigint };
}

export interface ProtocolAddresses {
  token: Address;
  rewardsVault: Address;
  airdrop: Address;
  teamVesting: Address;
  treasury: Address;
  nodeBond: Address;
  inferenceCredits: Address;
}

export interface DeployedProtocol {
  addresses: ProtocolAddresses;
  deployBlock: bigint;
}

type Wallet = WalletClient<Transport, Chain | undefined, Account>;

async function loadArtifact(name: string): Promise<{ abi: Abi; bytecode: Hex }> {
  const file = path.join(root, "artifacts/contracts", `${name}.sol`, `${name}.json`);
  const artifact = JSON.parse(await readFile(file, "utf8"));
  return { abi: artifact.abi, bytecode: artifact.bytecode };
}

export type DeployProgress = (step: string) => void;

/** Twice the challenge window (one second on a zero window): strictly longer, as NodeBond requires, with room for the
 * relayer to notice a fault and propose its slash before a node that unbonded right after it could leave. */
export function defaultUnbondingDelay(challengeWindow: bigint): bigint {
  return challengeWindow === 0n ? 1n : 2n * challengeWindow;
}

/** InferenceCredits' `MIN_WITHDRAWAL_DELAY` and `MAX_WITHDRAWAL_DELAY`, so that a bad delay fails before anything is
 * deployed. */
export const MIN_WITHDRAWAL_DELAY = 3_600n;
export const MAX_WITHDRAWAL_DELAY = 30n * 86_400n;

export async function deployProtocol(
  publicClient: PublicClient,
  wallet: Wallet,
  params: ProtocolParameters,
  onStep: DeployProgress = () => {},
): Promise<DeployedProtocol> {
  const deployer = wallet.account.address;
  let deployBlock: bigint | undefined;

  const deploy = async (name: string, args: unknown[]): Promise<Address> => {
    onStep(`deploying ${name}`);
    const { abi, bytecode } = await loadArtifact(name);
    const hash = await wallet.deployContract({ abi, bytecode, args, account: wallet.account, chain: wallet.chain });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success" || !receipt.contractAddress)
      throw new Error(`${name} deployment failed (${hash})`);
    deployBlock ??= receipt.blockNumber;
    return getAddress(receipt.contractAddress);
  };

  const treasury =
    params.treasury ??
    (await deploy("GitBlockTreasury", [params.timelockDelay, params.timelockProposers, [zeroAddress]]));
  const { beneficiary, start, duration, cliff } = params.team;
  const teamVesting = await deploy("TeamVesting", [beneficiary, start, duration, cliff]);

  // Vault and airdrop need the token's address and the token mints to both: deploy them first against the
  // address the token will get two transactions later.
  const nonce = await publicClient.getTransactionCount({ address: deployer, blockTag: "pending" });
  const token = getContractAddress({ from: deployer, nonce: BigInt(nonce + 2) });
  const rewardsVault = await deploy("RewardsVault", [
    token,
    treasury,
    params.relayers,
    params.guardians,
    treasury,
    params.challengeWindow,
    params.maxEmissionPerEpoch,
  ]);
  const airdrop = await deploy("GitBlockAirdrop", [token, params.airdrop.root, params.airdrop.deadline, treasury]);
  const deployedToken = await deploy("GitBlockToken", [rewardsVault, treasury, teamVesting, airdrop]);
  if (deployedToken !== token) {
    throw new Error(
      `GitBlockToken landed at ${deployedToken}, expected ${token}: another transaction from ${deployer} interleaved`,
    );
  }

  // After the token, so the nonce prediction above is untouched. Slashes go to the treasury, which also administers it.
  const nodeBond = await deploy("NodeBond", [
    token,
    treasury,
    params.relayers,
    params.guardians,
    treasury,
    params.challengeWindow,
    params.unbondingDelay ?? defaultUnbondingDelay(params.challengeWindow),
  ]);

  // Spent credit goes 75% to the vault (the node rewards pool is its balance) and 25% to the treasury, which also
  // administers it.
  const inferenceCredits = await deploy("InferenceCredits", [
    token,
    rewardsVault,
    treasury,
    params.relayers,
    params.guardians,
    treasury,
    params.withdrawalDelay ?? MIN_WITHDRAWAL_DELAY,
  ]);

  return {
    addresses: { token, rewardsVault, airdrop, teamVesting, treasury, nodeBond, inferenceCredits },
    deployBlock: deployBlock ?? 0n,
  };
}
