import { useSyncExternalStore } from "react";

/** Hash routes: the dApp is static files, so `#/wallet` works on any host without server rewrites. */
export const ROUTES = [
  { path: "/", label: "Dashboard", icon: "◉" },
  { path: "/mine", label: "Mining", icon: "⚡" },
  { path: "/wallet", label: "Wallet & claim", icon: "◈" },
  { path: "/reputation", label: "Reputation", icon: "★" },
  { path: "/tasks", label: "Task feed", icon: "≡" },
  { path: "/network", label: "Network", icon: "◍" },
  { path: "/chat", label: "Chat", icon: "✉" },
  { path: "/publisher", label: "Publishers", icon: "▤" },
  { path: "/guide", label: "Guide & FAQ", icon: "?" },
] as const;

export type RoutePath = (typeof ROUTES)[number]["path"];

export function routeFromHash(hash: string): RoutePath {
  const path = hash.replace(/^#/, "") || "/";
  return (ROUTES.find((r) => r.path === path)?.path ?? "/") as RoutePath;
}

const subscribe = (listener: () => void) => {
  window.addEventListener("hashchange", listener);
  return () => window.removeEventListener("hashchange", listener);
};

export function useRoute(): RoutePath {
  return useSyncExternalStore(subscribe, () => routeFromHash(window.location.hash));
}
