/**
 * The wagmi connector of the wallet created in this browser (registered in web/src/wagmi.ts). Connected exactly
 * while the wallet is unlocked: a reload locks it and disconnects, unlocking connects again (see useBrowserWalletConnect).
 */
import { type Chain, getAddress, SwitchChainError } from "viem";
import { createConnector } from "wagmi";
import { type BrowserWallet, browserWallet } from "./browser-wallet.ts";
import { type BrowserWalletProvider, createBrowserWalletProvider } from "./provider.ts";

export const BROWSER_WALLET_CONNECTOR_ID = "gitblockBrowserWallet";

export function browserWalletConnector(wallet: BrowserWallet = browserWallet) {
  let provider: BrowserWalletProvider | undefined;
  return createConnector<BrowserWalletProvider>((config) => {
    const getProvider = async () => {
      provider ??= createBrowserWalletProvider(wallet, config.chains as readonly [Chain, ...Chain[]]);
      return provider;
    };
    return {
      id: BROWSER_WALLET_CONNECTOR_ID,
      name: "Browser wallet (created here)",
      type: "gitblockBrowserWallet",
      getProvider,
      async setup() {
        const p = await getProvider();
        p.on("accountsChanged", (accounts) => this.onAccountsChanged(accounts as string[]));
        p.on("chainChanged", (chainId) => this.onChainChanged(chainId as string));
      },
      async connect({ chainId } = {}) {
        const p = await getProvider();
        const accounts = (await p.request({ method: "eth_requestAccounts" })) as string[];
        if (chainId && chainId !== (await this.getChainId())) await this.switchChain?.({ chainId });
        return { accounts: accounts.map((a) => getAddress(a)), chainId: await this.getChainId() } as never;
      },
      async disconnect() {
        wallet.lock();
      },
      async getAccounts() {
        const p = await getProvider();
        return ((await p.request({ method: "eth_accounts" })) as string[]).map((a) => getAddress(a));
      },
      async getChainId() {
        const p = await getProvider();
        return Number(await p.request({ method: "eth_chainId" }));
      },
      async isAuthorized() {
        return wallet.getState().account !== null;
      },
      async switchChain({ chainId }) {
        const chain = config.chains.find((c) => c.id === chainId);
        if (!chain) throw new SwitchChainError(new Error(`chain ${chainId} is not configured`));
        const p = await getProvider();
        await p.request({ method: "wallet_switchEthereumChain", params: [{ chainId: `0x${chainId.toString(16)}` }] });
        return chain;
      },
      onAccountsChanged(accounts) {
        if (accounts.length === 0) this.onDisconnect();
        else config.emitter.emit("change", { accounts: accounts.map((a) => getAddress(a)) });
      },
      onChainChanged(chainId) {
        config.emitter.emit("change", { chainId: Number(chainId) });
      },
      onDisconnect() {
        config.emitter.emit("disconnect");
      },
    };
  });
}
