import { gitBlockTokenAbi, rewardsVaultAbi } from "@gitblock/sdk";
import type { Address, PublicClient } from "viem";

/** What the vault lets the next proposal emit, as `RewardsVault._checkEmission` will check it. */
export interface VaultBudget {
  /** `maxEmissionPerEpoch`. */
  cap: bigint;
  /** The pool not yet owed: the vault's balance less what final roots still let nodes claim (`payoutAllowance`). */
  available: bigint;
  /** The vault's final cumulative total, which a proposal's emission is measured from. */
  finalTotal: bigint;
  latestFinalEpoch: number;
}

/** Reads the vault's limits now (a handful of calls; the token's address comes from the vault). */
export async function readVaultBudget(publicClient: PublicClient, vault: Address): Promise<VaultBudget> {
  const read = <F extends "maxEmissionPerEpoch" | "token" | "latestFinalEpoch">(functionName: F) =>
    publicClient.readContract({ address: vault, abi: rewardsVaultAbi, functionName });
  const [cap, token, latestFinalEpoch] = await Promise.all([
    read("maxEmissionPerEpoch"),
    read("token"),
    read("latestFinalEpoch"),
  ]);
  const [held, allowance, final] = await Promise.all([
    publicClient.readContract({ address: token, abi: gitBlockTokenAbi, functionName: "balanceOf", args: [vault] }),
    publicClient.readContract({ address: token, abi: gitBlockTokenAbi, functionName: "payoutAllowance" }),
    publicClient.readContract({
      address: vault,
      abi: rewardsVaultAbi,
      functionName: "getEpoch",
      args: [latestFinalEpoch],
    }),
  ]);
  return {
    cap,
    available: held > allowance ? held - allowance : 0n,
    finalTotal: final.cumulativeTotal,
    latestFinalEpoch: Number(latestFinalEpoch),
  };
}

/**
 * The most an epoch may emit on top of leaves carried over unchanged: the smaller of the cap and the pool, less
 * whatever the previous leaves already exceed the vault's final total by (nothing, when the previous epoch is the
 * vault's final one, as settlement in order makes it).
 */
export function emissionBudget(budget: VaultBudget, previousTotal: bigint): bigint {
  // biome-ignore lint/complexity/useMathMinMax: bigints (Math.min takes numbers)
  const limit = budget.cap < budget.available ? budget.cap : budget.available;
  const committed = previousTotal > budget.finalTotal ? previousTotal - budget.finalTotal : 0n;
  return limit - committed;
}
