import { rewardsVaultAbi } from "@gitblock/sdk";
import type { Address, PublicClient } from "viem";
import { VAULT_EPOCH_STATUS } from "../settlement/chain.ts";
import type { OnChainEpoch } from "./proposal-check.ts";

/** An epoch as `getEpoch` returns it now: what the checks compare against, plus where it stands. */
export interface VaultEpoch extends OnChainEpoch {
  status: number;
  /** Unix seconds: from then on the epoch can be final (while it is Pending). */
  finalAt: bigint;
}

export async function readVaultEpoch(
  client: PublicClient,
  vault: Address,
  epoch: number,
  blockNumber?: bigint,
): Promise<VaultEpoch> {
  const e = await client.readContract({
    address: vault,
    abi: rewardsVaultAbi,
    functionName: "getEpoch",
    args: [BigInt(epoch)],
    ...(blockNumber === undefined ? {} : { blockNumber }),
  });
  return {
    epoch,
    root: e.root,
    contentHash: e.contentHash,
    cumulativeTotal: e.cumulativeTotal,
    networkShare: e.networkShare,
    status: e.status,
    finalAt: e.finalAt,
  };
}

/**
 * The final epoch a proposal of `epoch` is checked against: the newest final one before it (the vault accepts a
 * proposal only after the epoch before it is final, so normally `epoch − 1`); null when there is none (epoch 1).
 */
export async function previousFinalEpoch(
  client: PublicClient,
  vault: Address,
  epoch: number,
): Promise<VaultEpoch | null> {
  for (let n = epoch - 1; n >= 1; n--) {
    const record = await readVaultEpoch(client, vault, n);
    if (record.status === VAULT_EPOCH_STATUS.Final) return record;
  }
  return null;
}
