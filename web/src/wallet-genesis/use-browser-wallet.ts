/** The created wallet's state for React, and connecting wagmi to it once it is unlocked. */
import { useCallback, useSyncExternalStore } from "react";
import { useConnect } from "wagmi";
import { type BrowserWalletState, browserWallet } from "./browser-wallet.ts";
import { BROWSER_WALLET_CONNECTOR_ID } from "./connector.ts";

export function useBrowserWallet(): BrowserWalletState {
  return useSyncExternalStore(browserWallet.subscribe, browserWallet.getState);
}

/** Connects wagmi to the unlocked browser wallet (so useAccount, signing and claims use it). */
export function useConnectBrowserWallet(): () => Promise<void> {
  const { connectors, connectAsync } = useConnect();
  return useCallback(async () => {
    const connector = connectors.find((c) => c.id === BROWSER_WALLET_CONNECTOR_ID);
    if (!connector) throw new Error("the browser wallet connector is not registered (web/src/wagmi.ts)");
    await connectAsync({ connector });
  }, [connectors, connectAsync]);
}
