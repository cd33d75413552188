/** Data hooks: relayer reads through TanStack Query (live-pushed where the feed has it), chain reads through wagmi. */
import { useQuery } from "@tanstack/react-query";
import type { Address } from "viem";
import { useReadContracts } from "wagmi";
import { useApp, useDeployment } from "../context.tsx";
import { type FinalTaskStatus, gitBlockTokenAbi, rewardsVaultAbi } from "../lib/sdk.ts";
import { useLive } from "../live.tsx";

/** How often HTTP is polled: slowly while the push channel is live, every 5 s as the fallback when it is not. */
export function pollInterval(live: boolean, whenLive: number | false, fallback = 5_000): number | false {
  return live ? whenLive : fallback;
}

export const queryKeys = {
  profile: (address: Address | undefined) => ["profile", address] as const,
  stats: ["stats"] as const,
  tasks: (node?: Address, status?: FinalTaskStatus) => ["tasks", node ?? null, status ?? null] as const,
  task: (id: string | null) => ["task", id] as const,
  epochs: (limit: number) => ["epochs", limit] as const,
  claim: (address: Address | undefined) => ["claim", address] as const,
  nodes: ["nodes"] as const,
};

/**
 * The wallet's node profile. While the live channel is up the relayer pushes it (on connect and after every change),
 * so HTTP is not asked at all; while it is down, it is polled every 5 s. A wallet the relayer has never seen has no
 * profile (null).
 */
export function useProfile(address: Address | undefined) {
  const { api } = useApp();
  const { status } = useLive();
  return useQuery({
    queryKey: queryKeys.profile(address),
    queryFn: () => (address ? api.profile(address) : null),
    enabled: Boolean(address) && status === "offline",
    refetchInterval: pollInterval(status === "live", false),
  });
}

/** Network totals, refreshed every 30 s (and on every pushed verdict). */
export function useStats() {
  const { api } = useApp();
  const { status } = useLive();
  return useQuery({
    queryKey: queryKeys.stats,
    queryFn: () => api.stats(),
    refetchInterval: pollInterval(status === "live", 30_000),
  });
}

/** The task feed: final tasks only (the relayer never lists a task in flight). */
export function useTasks(options: { node?: Address; status?: FinalTaskStatus; limit?: number } = {}) {
  const { api } = useApp();
  const { status } = useLive();
  return useQuery({
    queryKey: queryKeys.tasks(options.node, options.status),
    queryFn: () => api.tasks(options),
    refetchInterval: pollInterval(status === "live", 15_000, 5_000),
  });
}

/**
 * One final task with who generated and who verified it. Final tasks do not change, so it is asked once (null: no
 * such task, which is also what the relayer answers for a task in flight).
 */
export function useTask(id: string | null) {
  const { api } = useApp();
  return useQuery({
    queryKey: queryKeys.task(id),
    queryFn: () => (id ? api.task(id) : null),
    enabled: id !== null,
    staleTime: Number.POSITIVE_INFINITY,
  });
}

/** The newest `limit` epochs, newest first. */
export function useEpochs(limit = 20) {
  const { api } = useApp();
  return useQuery({ queryKey: queryKeys.epochs(limit), queryFn: () => api.epochs(limit), refetchInterval: 30_000 });
}

export function useNodes() {
  const { api } = useApp();
  return useQuery({ queryKey: queryKeys.nodes, queryFn: () => api.nodes(500), refetchInterval: 30_000 });
}

/**
 * The newest final state of `address` with its Merkle proof (the arguments of the vault's claim). Only asked once a
 * final epoch exists and the relayer knows the node (the API answers 404 otherwise, which browsers log as errors).
 */
export function useClaimProof(address: Address | undefined) {
  const { api } = useApp();
  const epochs = useEpochs();
  const profile = useProfile(address);
  const finalEpoch = epochs.data?.find((e) => e.status === "final")?.epoch ?? null;
  return useQuery({
    queryKey: [...queryKeys.claim(address), finalEpoch],
    queryFn: () => (address ? api.claim(address) : null),
    enabled: Boolean(address && finalEpoch !== null && profile.data),
    refetchInterval: 30_000,
  });
}

/** On-chain reads: GBT balance, claimed so far, the recorded reputation and the newest final epoch. */
export function useOnChain(address: Address | undefined) {
  const deployment = useDeployment();
  const vault = deployment?.contracts.rewardsVault;
  const token = deployment?.contracts.token;
  const enabled = Boolean(address && vault && token);
  const account = address ?? "0x0000000000000000000000000000000000000000";
  const result = useReadContracts({
    allowFailure: true,
    contracts: [
      {
        address: token,
        abi: gitBlockTokenAbi,
        functionName: "balanceOf",
        args: [account],
        chainId: deployment?.chainId,
      },
      { address: vault, abi: rewardsVaultAbi, functionName: "claimed", args: [account], chainId: deployment?.chainId },
      {
        address: vault,
        abi: rewardsVaultAbi,
        functionName: "reputationOf",
        args: [account],
        chainId: deployment?.chainId,
      },
      { address: vault, abi: rewardsVaultAbi, functionName: "latestFinalEpoch", chainId: deployment?.chainId },
    ],
    query: { enabled, refetchInterval: 10_000 },
  });
  const [balance, claimed, reputation, finalEpoch] = result.data ?? [];
  return {
    ...result,
    balance: balance?.status === "success" ? (balance.result as bigint) : undefined,
    claimed: claimed?.status === "success" ? (claimed.result as bigint) : undefined,
    reputation:
      reputation?.status === "success"
        ? (reputation.result as {
            reputationBps: number;
            tasksValidated: bigint;
            tasksFailed: bigint;
            strikes: number;
            epoch: bigint;
          })
        : undefined,
    latestFinalEpoch: finalEpoch?.status === "success" ? (finalEpoch.result as bigint) : undefined,
  };
}
