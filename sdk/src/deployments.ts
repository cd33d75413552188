import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Address } from "viem";

/** Node-only (reads files). `deployments/<network>.json`: the one address book relayer and web read. Written by `npm run deploy`, never by hand. */
export interface Deployment {
  network: string;
  chainId: number;
  deployBlock: number;
  deployedAt: string;
  /** Where the ABIs are: the `@gitblock/sdk` module that exports them. */
  abis: string;
  contracts: {
    token: Address;
    rewardsVault: Address;
    airdrop: Address;
    teamVesting: Address;
    treasury: Address;
    nodeBond: Address;
    inferenceCredits: Address;
  };
  parameters: {
    challengeWindow: number;
    unbondingDelay: number;
    withdrawalDelay: number;
    maxEmissionPerEpoch: string;
    airdropRoot: `0x${string}`;
    airdropDeadline: number;
    relayers: Address[];
    guardians: Address[];
  };
}

export function deploymentPath(network: string, root = process.cwd()): string {
  return path.join(root, "deployments", `${network}.json`);
}

export async function readDeployment(network: string, root?: string): Promise<Deployment> {
  const file = deploymentPath(network, root);
  try {
    return JSON.parse(await readFile(file, "utf8")) as Deployment;
  } catch (error) {
    throw new Error(
      `No deployment for network "${network}" at ${file}; run \`npm run deploy -- --network ${network}\` first`,
      {
        cause: error,
      },
    );
  }
}
