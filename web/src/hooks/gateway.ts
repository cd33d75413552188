/** Gateway reads through TanStack Query: the model catalogue, the wallet's credit, today's usage and API keys. */
import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import type { Address } from "viem";
import { useApp } from "../context.tsx";
import { GatewayApi } from "../lib/gateway-api.ts";
import { GatewayError } from "../lib/gateway-errors.ts";
import type { WalletSession } from "../lib/wallet-session.ts";

export function useGatewayApi(): GatewayApi {
  const { runtime } = useApp();
  return useMemo(() => new GatewayApi(runtime.relayer), [runtime.relayer]);
}

export const gatewayKeys = {
  catalogue: ["gateway", "catalogue"] as const,
  credits: (address: Address | undefined) => ["gateway", "credits", address ?? null] as const,
  usage: (account: Address | undefined) => ["gateway", "usage", account ?? null] as const,
  keys: (account: Address | undefined) => ["gateway", "keys", account ?? null] as const,
};

/** A refused request (4xx) is not asked again at once; a failed connection or a 5xx is, once. */
const retryUnlessRefused = (failures: number, error: unknown) =>
  failures < 1 && !(error instanceof GatewayError && error.status !== null && error.status < 500);

/** Models, prices and the nodes serving each now: node counts move, so every 10 s. */
export function useCatalogue() {
  const api = useGatewayApi();
  return useQuery({
    queryKey: gatewayKeys.catalogue,
    queryFn: () => api.catalogue(),
    refetchInterval: 10_000,
    retry: retryUnlessRefused,
  });
}

/** The wallet's prepaid GBT credit (on-chain deposits less what the gateway debited), every 10 s. */
export function useCredits(address: Address | undefined) {
  const api = useGatewayApi();
  return useQuery({
    queryKey: gatewayKeys.credits(address),
    queryFn: () => (address ? api.credits(address) : null),
    enabled: Boolean(address),
    refetchInterval: 10_000,
    retry: retryUnlessRefused,
  });
}

/** Today's requests and tokens against the wallet's daily allowance (needs the wallet session). */
export function useUsage(session: WalletSession | null) {
  const api = useGatewayApi();
  return useQuery({
    queryKey: gatewayKeys.usage(session?.account),
    queryFn: () => (session ? api.usage(session.token) : null),
    enabled: Boolean(session),
    refetchInterval: 30_000,
    retry: retryUnlessRefused,
  });
}

/** The wallet's API keys (needs the wallet session). */
export function useApiKeys(session: WalletSession | null) {
  const api = useGatewayApi();
  return useQuery({
    queryKey: gatewayKeys.keys(session?.account),
    queryFn: () => (session ? api.keys(session.token) : []),
    enabled: Boolean(session),
    retry: retryUnlessRefused,
  });
}
