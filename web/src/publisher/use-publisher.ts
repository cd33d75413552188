/**
 * The signed-in publisher's data: the account (domains, placements) and the earnings, refreshed every few seconds
 * (active sessions are "now"), and the API to change them. A 401 forgets the wallet session, so the page asks to
 * sign in again.
 */
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo } from "react";
import { useApp } from "../context.tsx";
import { useWalletSession } from "../hooks/wallet-session.ts";
import { PublisherApi, PublisherApiError } from "./publisher-api.ts";

const REFRESH_MS = 5_000;

export function usePublisher() {
  const { runtime } = useApp();
  const wallet = useWalletSession();
  const queryClient = useQueryClient();
  const token = wallet.session?.token ?? null;
  const api = useMemo(
    () => (token ? new PublisherApi(runtime.relayer || window.location.origin, token) : null),
    [runtime.relayer, token],
  );
  const onError = (error: unknown) => {
    if (error instanceof PublisherApiError && error.status === 401) wallet.expire();
  };
  const me = useQuery({
    queryKey: ["publisher", "me", token],
    enabled: Boolean(api),
    refetchInterval: REFRESH_MS,
    queryFn: () => (api as PublisherApi).me().catch((e) => Promise.reject(onError(e) ?? e)),
  });
  const earnings = useQuery({
    queryKey: ["publisher", "earnings", token],
    enabled: Boolean(api),
    refetchInterval: REFRESH_MS,
    queryFn: () => (api as PublisherApi).earnings().catch((e) => Promise.reject(onError(e) ?? e)),
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["publisher"] });
  return { wallet, api, me, earnings, refresh };
}
