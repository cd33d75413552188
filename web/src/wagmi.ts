import { connectorsForWallets } from "@rainbow-me/rainbowkit";
import { injectedWallet } from "@rainbow-me/rainbowkit/wallets";
import type { Chain } from "viem";
import { createConfig, http } from "wagmi";
import { hardhat } from "wagmi/chains";
import { chainsFromDeployments, type RuntimeConfig } from "./lib/config.ts";
import { browserWalletConnector } from "./wallet-genesis/connector.ts";

/**
 * Wallets: injected ones only (the browser extension, and any EIP-6963 wallet, which RainbowKit lists by itself).
 * WalletConnect needs a cloud project id and network calls at start-up, so it is left out.
 * Plus the wallet created in this browser (wallet-genesis/), connected by onboarding or its unlock prompt rather than
 * RainbowKit's modal, so everything that uses wagmi signs with it unchanged.
 */
export function makeWagmiConfig(runtime: RuntimeConfig, origin: string) {
  const fromDeployments = chainsFromDeployments(runtime.deployments, origin);
  const chains = (fromDeployments.length > 0 ? fromDeployments : [hardhat]) as [Chain, ...Chain[]];
  const connectors = connectorsForWallets([{ groupName: "Installed", wallets: [injectedWallet] }], {
    appName: "GitBlock",
    projectId: "gitblock-no-walletconnect",
  });
  return createConfig({
    chains,
    connectors: [...connectors, browserWalletConnector()],
    multiInjectedProviderDiscovery: true,
    transports: Object.fromEntries(chains.map((c) => [c.id, http(c.rpcUrls.default.http[0])])),
    pollingInterval: 1_000,
  });
}
