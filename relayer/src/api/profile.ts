import type { NodeProfile } from "@gitblock/sdk";
import { rewardsVaultAbi } from "@gitblock/sdk";
import type { Address } from "viem";
import type { Clock } from "../clock.ts";
import type { RelayerConfig } from "../config/schema.ts";
import { isBanned } from "../economics/reputation.ts";
import { nextPassiveAt } from "../ledger/passive.ts";
import type { NodeRegistry } from "../presence/registry.ts";
import type { ChainClients } from "../settlement/chain.ts";
import type { Store } from "../store/types.ts";

/** How much a node has claimed from the vault; null without a chain or when the chain does not answer. */
export type ClaimedWeiOf = (address: Address) => Promise<bigint | null>;

/** Reads the vault on every call (the read API's profile is fresh; the dashboard caches it, claimed-wei-cache.ts). */
export function claimedOnChain(chain: ChainClients | null): ClaimedWeiOf {
  return async (address) => {
    if (!chain) return null;
    return chain.publicClient
      .readContract({ address: chain.vault, abi: rewardsVaultAbi, functionName: "claimed", args: [address] })
      .catch(() => null);
  };
}

/**
 * A node's profile: final verdicts and credits only. There is no "pending" amount: valuing submitted work before its
 * verdict showed anyone who watched an honest node's profile its token count and when it answered.
 */
export async function nodeProfile(
  deps: { store: Store; registry: NodeRegistry; clock: Clock; claimedWei: ClaimedWeiOf; config: RelayerConfig },
  address: Address,
): Promise<NodeProfile | undefined> {
  const node = await deps.store.getNode(address);
  if (!node) return undefined;
  const now = deps.clock.now();
  const activity = await deps.store.nodeActivity(address, now);
  const claimedWei = await deps.claimedWei(address);
  const presence = deps.registry.get(address);
  const intervalMs = deps.config.rewards.passiveIntervalMs;
  return {
    address,
    connected: presence !== undefined,
    confirmedWei: node.confirmedWei,
    claimedWei,
    reputationBps: node.reputationBps,
    strikes: node.strikes,
    activeStrikes: node.activeStrikes,
    banned: isBanned(node, now),
    bannedUntil: isBanned(node, now) ? node.bannedUntil : null,
    tasksValidated: node.tasksValidated,
    tasksFailed: node.tasksFailed,
    gpuSecondsToday: Math.round(activity.gpuMsToday / 10) / 100,
    tasksLastHour: activity.tasksLastHour,
    country: node.country,
    passive: {
      intervalSeconds: intervalMs / 1_000,
      nextAt: nextPassiveAt(presence?.connectedSince ?? null, now, intervalMs),
      lastAt: activity.lastPassiveAt,
    },
    challenges: activity.challenges,
  };
}
