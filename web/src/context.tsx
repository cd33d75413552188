import { createContext, type ReactNode, useContext } from "react";
import { useAccount, useChainId } from "wagmi";
import type { RuntimeConfig, WebDeployment } from "./lib/config.ts";
import type { RelayerApi } from "./lib/sdk.ts";

export interface AppContextValue {
  runtime: RuntimeConfig;
  api: RelayerApi;
}

const AppContext = createContext<AppContextValue | null>(null);

export function AppProvider({ value, children }: { value: AppContextValue; children: ReactNode }) {
  return <AppContext.Provider value={value}>{children}</AppContext.Provider>;
}

export function useApp(): AppContextValue {
  const value = useContext(AppContext);
  if (!value) throw new Error("useApp outside AppProvider");
  return value;
}

/** The address book of the chain the wallet is on (or of the first configured chain). */
export function useDeployment(): WebDeployment | undefined {
  const { runtime } = useApp();
  const chainId = useChainId();
  const account = useAccount();
  const id = account.chainId ?? chainId;
  return runtime.deployments.find((d) => d.chainId === id) ?? runtime.deployments[0];
}
