// The deploy task's options turned into the protocol's parameters, every one checked before the first transaction:
// a bad option fails here with a message naming it, never halfway through a deployment.
import { readFile } from "node:fs/promises";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { type Address, getAddress, type Hex, isAddress, parseEther } from "viem";
import { developmentAccount } from "./development-accounts.ts";
import {
  DEFAULT_DISPUTE_BOND,
  defaultUnbondingDelay,
  LOCAL_CHAIN_ID,
  MAX_WITHDRAWAL_DELAY,
  MIN_WITHDRAWAL_DELAY,
  type ProtocolParameters,
} from "./protocol.ts";

export interface DeployTaskArguments {
  challengeWindow: number;
  /** Seconds before an unbond can be withdrawn (0 or absent: 2× the challenge window, at least 7 days on real chains). */
  unbondingDelay?: number;
  /** Seconds before an InferenceCredits withdrawal can be made (0 or absent: 1 hour locally, 1 day on real chains). */
  withdrawalDelay?: number;
  maxEmission: string;
  /** ETH a non-guardian posts to dispute an epoch (absent: `DEFAULT_DISPUTE_BOND`). */
  disputeBond?: string;
  treasury: string;
  timelockDelay: number;
  /** Proposers and cancellers of the deployed timelock: a multisig (required on real chains without --treasury). */
  proposers?: string;
  relayers: string;
  guardians: string;
  teamBeneficiary: string;
  vestingYears: number;
  cliffDays: number;
  airdropFile: string;
  airdropDays: number;
  outDir: string;
}

export class DeployConfigError extends Error {
  override name = "DeployConfigError";
}

const DAY = 86_400n;
/** Least timelock delay on a real chain: two days for token holders to see a queued change and react. */
export const REAL_CHAIN_MIN_TIMELOCK_DELAY = 2n * DAY;
/** RewardsVault's `MIN_CHALLENGE_WINDOW` off the local chain (the vault enforces it too). */
export const REAL_CHAIN_MIN_CHALLENGE_WINDOW = DAY;
/** Least default unbonding delay on a real chain: a week for operators to notice a bad slash and for a node to be
 * disputed, whatever the challenge window. */
const REAL_CHAIN_MIN_UNBONDING_DELAY = 7n * DAY;
/** NodeBond's `MAX_UNBONDING_DELAY`. */
const MAX_UNBONDING_DELAY = 365n * DAY;
/** Default InferenceCredits withdrawal delay on a real chain: 24 of the relayer's default hourly epochs, so the debits
 * made before a request are settled long before it matures, even when a settlement is late. */
const REAL_CHAIN_WITHDRAWAL_DELAY = DAY;
const AIRDROP_SUPPLY = parseEther("100000000");
const larger = (a: bigint, b: bigint) => (a > b ? a : b);

/** Hardhat's well-known development accounts: public keys, never acceptable on a real chain. */
const developmentAccounts = Array.from({ length: 20 }, (_, addressIndex) => developmentAccount(addressIndex).address);
export const isDevelopmentAccount = (address: Address) => developmentAccounts.includes(getAddress(address));

/** Local defaults: #1 relays, #2 guards, #3 is the team, #4 stands in for the timelock's multisig; #0 deploys and so
 * holds none of these. */
const developmentAddress = (index: number): Address => developmentAccounts[index] as Address;

/** Every entry of a comma-separated list, each a distinct address: a bad, empty or repeated entry is an error, never
 * dropped. */
export function parseAddressList(value: string, option: string): Address[] {
  const entries = value.split(",").map((entry) => entry.trim());
  const addresses = entries.map((entry, i) => {
    if (entry === "") throw new DeployConfigError(`--${option}: entry ${i + 1} of "${value}" is empty`);
    if (!isAddress(entry, { strict: false })) {
      throw new DeployConfigError(`--${option}: "${entry}" (entry ${i + 1}) is not an address`);
    }
    return getAddress(entry);
  });
  const repeated = addresses.find((address, i) => addresses.indexOf(address) !== i);
  if (repeated) throw new DeployConfigError(`--${option}: ${repeated} is listed twice`);
  return addresses;
}

function nonNegative(value: number | undefined, option: string): bigint {
  if (value === undefined) return 0n;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new DeployConfigError(`--${option} must be a whole number of 0 or more, got ${value}`);
  }
  return BigInt(value);
}

/** A positive decimal amount of 18-decimal units (GBT or ETH). */
function positiveAmount(value: string, option: string): bigint {
  if (!/^\d+(\.\d{1,18})?$/.test(value.trim()) || parseEther(value.trim()) === 0n) {
    throw new DeployConfigError(`--${option} must be a positive decimal amount, got "${value}"`);
  }
  return parseEther(value.trim());
}

export type AirdropList = ReadonlyArray<readonly [Address, bigint]>;

/** The airdrop file: a JSON list of `{account, amount}` (amount in wei, a decimal string), each account once. */
export async function readAirdropList(file: string): Promise<AirdropList> {
  let rows: unknown;
  try {
    rows = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new DeployConfigError(`--airdrop-file ${file}: ${(error as Error).message}`);
  }
  if (!Array.isArray(rows) || rows.length === 0) {
    throw new DeployConfigError(`--airdrop-file ${file}: expected a non-empty JSON list of {account, amount}`);
  }
  const list = rows.map((row: { account?: unknown; amount?: unknown }, i) => {
    const where = `--airdrop-file ${file}, row ${i + 1}`;
    if (typeof row?.account !== "string" || !isAddress(row.account, { strict: false })) {
      throw new DeployConfigError(`${where}: account ${JSON.stringify(row?.account)} is not an address`);
    }
    if (typeof row.amount !== "string" || !/^\d+$/.test(row.amount) || BigInt(row.amount) === 0n) {
      throw new DeployConfigError(`${where}: amount ${JSON.stringify(row.amount)} is not a positive wei amount`);
    }
    return [getAddress(row.account), BigInt(row.amount)] as const;
  });
  list.forEach(([account], i) => {
    const first = list.findIndex(([other]) => other === account);
    if (first !== i) {
      throw new DeployConfigError(
        `--airdrop-file ${file}: ${account} is in rows ${first + 1} and ${i + 1}; the airdrop pays one claim per account`,
      );
    }
  });
  return list;
}

/** The local airdrop: five development accounts (#10–#14) get 1,000 GBT each, so the flow can be tried end to end. */
const localAirdropList = (): AirdropList =>
  [10, 11, 12, 13, 14].map((i) => [developmentAddress(i), parseEther("1000")] as const);

export interface ResolvedDeployment {
  protocol: ProtocolParameters;
  airdropTree: StandardMerkleTree<string[]>;
  /** What the address book records besides the addresses. */
  bookParameters: {
    challengeWindow: number;
    unbondingDelay: number;
    withdrawalDelay: number;
    maxEmissionPerEpoch: string;
    airdropRoot: Hex;
    airdropDeadline: number;
    relayers: Address[];
    guardians: Address[];
  };
}

export interface ChainContext {
  chainId: number;
  deployer: Address;
  /** The time the deployment is anchored to: the chain's latest block when it started. */
  now: bigint;
}

/** Checks every option against the chain it is for and returns the parameters; throws `DeployConfigError` first. */
export async function resolveDeployParameters(
  args: DeployTaskArguments,
  { chainId, deployer, now }: ChainContext,
): Promise<ResolvedDeployment> {
  const local = chainId === LOCAL_CHAIN_ID;
  const onChain = `on chain ${chainId}`;
  if (!local && isDevelopmentAccount(deployer)) {
    throw new DeployConfigError(
      `refusing to deploy to chain ${chainId} with the public Hardhat development key ${deployer}; set GITBLOCK_DEPLOYER_KEY (environment or \`npx hardhat keystore set GITBLOCK_DEPLOYER_KEY\`)`,
    );
  }
  const list = (value: string | undefined, option: string, localDefault: () => Address[]): Address[] => {
    if (value) return parseAddressList(value, option);
    if (local) return localDefault();
    throw new DeployConfigError(`--${option} is required ${onChain}`);
  };

  const relayers = list(args.relayers, "relayers", () => [developmentAddress(1)]);
  const guardians = list(args.guardians, "guardians", () => [developmentAddress(2)]);
  const team = list(args.teamBeneficiary, "team-beneficiary", () => [developmentAddress(3)]);
  if (team.length !== 1) {
    throw new DeployConfigError(`--team-beneficiary takes exactly one address, got ${team.length}: ${team.join(", ")}`);
  }
  const [teamBeneficiary] = team as [Address];
  let treasury: Address | undefined;
  let proposers: Address[] = [];
  if (args.treasury) {
    const given = parseAddressList(args.treasury, "treasury");
    if (given.length !== 1) throw new DeployConfigError(`--treasury takes exactly one address, got ${given.length}`);
    if (args.proposers) {
      throw new DeployConfigError("--proposers is for the timelock deployed without --treasury; give one or the other");
    }
    treasury = given[0];
  } else {
    proposers = list(args.proposers, "proposers", () => [developmentAddress(4)]);
  }

  // The deployer ends with no role anywhere: it may not be given one.
  const roles: Array<[string, Address[]]> = [
    ["relayers", relayers],
    ["guardians", guardians],
    ["team-beneficiary", [teamBeneficiary]],
    ["proposers", proposers],
    ["treasury", treasury ? [treasury] : []],
  ];
  for (const [option, holders] of roles) {
    if (holders.includes(getAddress(deployer))) {
      throw new DeployConfigError(
        `--${option} names the deployer ${deployer}; the deployer must hold no role after the deployment (use a multisig)`,
      );
    }
  }

  const challengeWindow = nonNegative(args.challengeWindow, "challenge-window");
  const timelockDelay = nonNegative(args.timelockDelay, "timelock-delay");
  const vestingYears = nonNegative(args.vestingYears, "vesting-years");
  const cliffDays = nonNegative(args.cliffDays, "cliff-days");
  const airdropDays = nonNegative(args.airdropDays, "airdrop-days");
  if (!local && challengeWindow < REAL_CHAIN_MIN_CHALLENGE_WINDOW) {
    throw new DeployConfigError(
      `--challenge-window (${challengeWindow} s) must be at least ${REAL_CHAIN_MIN_CHALLENGE_WINDOW} s (1 day) ${onChain}: guardians and watchers need the time to dispute a bad root`,
    );
  }
  if (!local && !treasury && timelockDelay < REAL_CHAIN_MIN_TIMELOCK_DELAY) {
    throw new DeployConfigError(
      `--timelock-delay (${timelockDelay} s) must be at least ${REAL_CHAIN_MIN_TIMELOCK_DELAY} s (2 days) ${onChain}`,
    );
  }
  if (vestingYears === 0n || cliffDays === 0n) {
    throw new DeployConfigError(
      `--vesting-years (${vestingYears}) and --cliff-days (${cliffDays}) must both be above 0: the team's 200M GBT vest over time after a cliff`,
    );
  }
  const duration = vestingYears * 365n * DAY;
  const cliff = cliffDays * DAY;
  if (cliff > duration) {
    throw new DeployConfigError(`--cliff-days (${cliffDays}) is longer than --vesting-years (${vestingYears})`);
  }
  if (airdropDays === 0n) {
    throw new DeployConfigError("--airdrop-days must be above 0: the claim deadline must be in the future");
  }

  const unbondingDelay = args.unbondingDelay
    ? nonNegative(args.unbondingDelay, "unbonding-delay")
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
    ? nonNegative(args.withdrawalDelay, "withdrawal-delay")
    : local
      ? MIN_WITHDRAWAL_DELAY
      : REAL_CHAIN_WITHDRAWAL_DELAY;
  if (withdrawalDelay < MIN_WITHDRAWAL_DELAY || withdrawalDelay > MAX_WITHDRAWAL_DELAY) {
    throw new DeployConfigError(
      `--withdrawal-delay (${withdrawalDelay} s) must be from ${MIN_WITHDRAWAL_DELAY} s (1 hour) to ${MAX_WITHDRAWAL_DELAY} s (30 days), InferenceCredits' limits`,
    );
  }
  const maxEmissionPerEpoch = positiveAmount(args.maxEmission, "max-emission");
  const disputeBond = args.disputeBond ? positiveAmount(args.disputeBond, "dispute-bond") : DEFAULT_DISPUTE_BOND;

  let airdropList: AirdropList;
  if (args.airdropFile) airdropList = await readAirdropList(args.airdropFile);
  else if (local) airdropList = localAirdropList();
  else throw new DeployConfigError(`--airdrop-file is required ${onChain}`);
  const airdropTotal = airdropList.reduce((sum, [, amount]) => sum + amount, 0n);
  if (airdropTotal > AIRDROP_SUPPLY) {
    throw new DeployConfigError(`airdrop list totals ${airdropTotal} wei, more than the 100M GBT allocation`);
  }
  // Amounts as decimal strings so the tree dump is plain JSON.
  const airdropTree = StandardMerkleTree.of(
    airdropList.map(([account, amount]) => [account, amount.toString()]),
    ["address", "uint256"],
  );
  const airdropRoot = airdropTree.root as Hex;
  const airdropDeadline = now + airdropDays * DAY;

  return {
    protocol: {
      treasury,
      timelockDelay,
      timelockProposers: proposers,
      relayers,
      guardians,
      challengeWindow,
      unbondingDelay,
      withdrawalDelay,
      maxEmissionPerEpoch,
      disputeBond,
      team: { beneficiary: teamBeneficiary, start: now, duration, cliff },
      airdrop: { root: airdropRoot, deadline: airdropDeadline },
    },
    airdropTree,
    bookParameters: {
      challengeWindow: Number(challengeWindow),
      unbondingDelay: Number(unbondingDelay),
      withdrawalDelay: Number(withdrawalDelay),
      maxEmissionPerEpoch: maxEmissionPerEpoch.toString(),
      airdropRoot,
      airdropDeadline: Number(airdropDeadline),
      relayers,
      guardians,
    },
  };
}
