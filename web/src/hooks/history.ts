import { useQuery } from "@tanstack/react-query";
import type { Address } from "viem";
import { usePublicClient } from "wagmi";
import { useDeployment } from "../context.tsx";
import { rewardsVaultAbi } from "../lib/sdk.ts";

export interface ClaimRecord {
  txHash: `0x${string}`;
  blockNumber: bigint;
  amount: bigint;
  cumulativeAmount: bigint;
}

export interface ReputationRecordEvent {
  txHash: `0x${string}`;
  epoch: bigint;
  reputationBps: number;
  blockNumber: bigint;
}

/** The account's on-chain history from the vault's events: claims and reputation records (newest first). */
export function useVaultHistory(address: Address | undefined) {
  const deployment = useDeployment();
  const client = usePublicClient({ chainId: deployment?.chainId });
  return useQuery({
    queryKey: ["vaultHistory", deployment?.chainId, address],
    enabled: Boolean(address && client && deployment),
    refetchInterval: 15_000,
    queryFn: async () => {
      if (!address || !client || !deployment) return { claims: [], records: [] };
      const common = {
        address: deployment.contracts.rewardsVault,
        fromBlock: BigInt(deployment.deployBlock ?? 0),
      } as const;
      const [claims, records] = await Promise.all([
        client.getContractEvents({ ...common, abi: rewardsVaultAbi, eventName: "Claimed", args: { account: address } }),
        client.getContractEvents({
          ...common,
          abi: rewardsVaultAbi,
          eventName: "ReputationRecorded",
          args: { account: address },
        }),
      ]);
      return {
        claims: claims
          .map((log) => ({
            txHash: log.transactionHash,
            blockNumber: log.blockNumber,
            amount: log.args.amount ?? 0n,
            cumulativeAmount: log.args.cumulativeAmount ?? 0n,
          }))
          .reverse() as ClaimRecord[],
        records: records
          .map((log) => ({
            txHash: log.transactionHash,
            blockNumber: log.blockNumber,
            epoch: log.args.epoch ?? 0n,
            reputationBps: Number(log.args.reputationBps ?? 0),
          }))
          .reverse() as ReputationRecordEvent[],
      };
    },
  });
}
