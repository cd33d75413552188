/**
 * One live channel per page load: the relayer's dashboard socket for the connected wallet. Pushed profiles go
 * straight into the query cache (no refetch), verdicts feed the activity chart and refresh the task feed, epochs
 * refresh claims. While the socket is down, the data hooks poll over HTTP (see hooks/data.ts).
 */
import { useQueryClient } from "@tanstack/react-query";
import { createContext, type ReactNode, useContext, useEffect, useMemo, useState, useSyncExternalStore } from "react";
import type { Address } from "viem";
import { useAccount } from "wagmi";
import { useApp } from "./context.tsx";
import { type ActivityPoint, trim } from "./lib/activity.ts";
import { dashboardSocketUrl, type FeedStatus, LiveFeed, type VerdictEvent } from "./lib/feed.ts";
import type { NodeProfile } from "./lib/sdk.ts";

export interface LiveValue {
  status: FeedStatus;
  latencyMs: number | null;
  activity: ActivityPoint[];
  verdicts: VerdictEvent[];
}

/** Exported for tests, which provide a fixed live state. */
export const LiveContext = createContext<LiveValue>({
  status: "connecting",
  latencyMs: null,
  activity: [],
  verdicts: [],
});

export function useLive(): LiveValue {
  return useContext(LiveContext);
}

/** Applies a verdict to a cached profile at once, before the relayer's fresh profile arrives. */
export function applyVerdict(profile: NodeProfile, verdict: VerdictEvent): NodeProfile {
  const correct = verdict.outcome === "correct";
  const failed = verdict.outcome === "wrong" || verdict.outcome === "timeout";
  return {
    ...profile,
    reputationBps: verdict.reputationBps,
    strikes: verdict.strikes,
    tasksValidated: profile.tasksValidated + (correct ? 1 : 0),
    tasksFailed: profile.tasksFailed + (failed ? 1 : 0),
    confirmedWei: profile.confirmedWei + verdict.rewardWei,
    bannedUntil: verdict.bannedUntil ?? profile.bannedUntil,
    banned: verdict.bannedUntil ? true : profile.banned,
  };
}

export function LiveProvider({ children }: { children: ReactNode }) {
  const { runtime } = useApp();
  const { address } = useAccount();
  const queryClient = useQueryClient();
  const [feed, setFeed] = useState<LiveFeed | null>(null);
  const [activity, setActivity] = useState<ActivityPoint[]>([]);
  const [verdicts, setVerdicts] = useState<VerdictEvent[]>([]);

  useEffect(() => {
    const live = new LiveFeed({
      url: dashboardSocketUrl(runtime.relayer, address as Address | undefined, window.location),
    });
    setActivity([]);
    setVerdicts([]);
    const off = live.onEvent((event) => {
      if (event.type === "profile") {
        queryClient.setQueryData(["profile", event.profile.address], event.profile);
      } else if (event.type === "verdict") {
        if (address && event.node === address) {
          queryClient.setQueryData<NodeProfile | null>(["profile", address], (old) =>
            old ? applyVerdict(old, event) : old,
          );
        }
        setActivity((points) =>
          trim([...points, { at: event.receivedAt, weight: 1, ok: event.outcome === "correct" }], 2_000),
        );
        setVerdicts((list) => trim([...list, event], 200));
        void queryClient.invalidateQueries({ queryKey: ["tasks"] });
        void queryClient.invalidateQueries({ queryKey: ["stats"] });
      } else if (event.type === "epoch") {
        void queryClient.invalidateQueries({ queryKey: ["epochs"] });
        void queryClient.invalidateQueries({ queryKey: ["claim"] });
        void queryClient.invalidateQueries({ queryKey: ["readContracts"] });
      }
    });
    live.start();
    setFeed(live);
    return () => {
      off();
      live.stop();
    };
  }, [runtime.relayer, address, queryClient]);

  const status = useSyncExternalStore(
    (listener) => feed?.onStatus(listener) ?? (() => {}),
    () => feed?.status ?? "connecting",
  );
  const latencyMs = feed?.latencyMs ?? null;
  const value = useMemo(() => ({ status, latencyMs, activity, verdicts }), [status, latencyMs, activity, verdicts]);
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}
