import { deployProtocol, type ProtocolParameters } from "@gitblock/deploy";
import { network } from "hardhat";
import { type Hex, parseEther, zeroHash } from "viem";

export const DAY = 86_400n;
export const CHALLENGE_WINDOW = 3_600n;
export const MAX_EMISSION = parseEther("1000000");

/** Hardhat's local chain id, the only one on which the vault accepts a challenge window under a day. */
export const LOCAL_CHAIN_ID = 31_337;
/** Any other chain id (Ethereum's) stands for a real chain: the vault's real-chain floors apply. */
export const REAL_CHAIN_ID = 1;
export const DISPUTE_BOND = parseEther("0.1");

export interface ChainOptions {
  /** The in-process chain's id (default: the local one). */
  chainId?: number;
}

/** A fresh in-process chain with the whole protocol deployed; roles: admin = treasury timelock account. */
export async function deployFixture(overrides: Partial<ProtocolParameters> = {}, chain: ChainOptions = {}) {
  const connection = await network.create({ override: { chainId: chain.chainId ?? LOCAL_CHAIN_ID } });
  const { viem, networkHelpers } = connection;
  const publicClient = await viem.getPublicClient();
  const clients = await viem.getWalletClients();
  const wallet = (index: number) => {
    const client = clients[index];
    if (!client) throw new Error(`Hardhat network has no account #${index}`);
    return client;
  };
  const wallets = {
    deployer: wallet(0),
    admin: wallet(1),
    relayer: wallet(2),
    guardian: wallet(3),
    teamMember: wallet(4),
    alice: wallet(5),
    bob: wallet(6),
    carol: wallet(7),
    stranger: wallet(8),
  };
  const { deployer, admin, relayer, guardian, teamMember } = wallets;
  const now = BigInt(await networkHelpers.time.latest());
  const params: ProtocolParameters = {
    // An EOA as admin/treasury keeps role tests direct; the timelock path is tested on its own.
    treasury: admin.account.address,
    timelockDelay: 0n,
    timelockProposers: [],
    relayers: [relayer.account.address],
    guardians: [guardian.account.address],
    challengeWindow: CHALLENGE_WINDOW,
    maxEmissionPerEpoch: MAX_EMISSION,
    disputeBond: DISPUTE_BOND,
    team: { beneficiary: teamMember.account.address, start: now, duration: 4n * 365n * DAY, cliff: 365n * DAY },
    airdrop: { root: zeroHash as Hex, deadline: now + 30n * DAY },
    ...overrides,
  };
  const { addresses, deployBlock } = await deployProtocol(publicClient, deployer, params);
  const token = await viem.getContractAt("GitBlockToken", addresses.token);
  const vault = await viem.getContractAt("RewardsVault", addresses.rewardsVault);
  const airdrop = await viem.getContractAt("GitBlockAirdrop", addresses.airdrop);
  const teamVesting = await viem.getContractAt("TeamVesting", addresses.teamVesting);
  const credits = await viem.getContractAt("InferenceCredits", addresses.inferenceCredits);
  return {
    connection,
    viem,
    networkHelpers,
    publicClient,
    params,
    addresses,
    deployBlock,
    token,
    vault,
    airdrop,
    teamVesting,
    credits,
    wallets,
  };
}
