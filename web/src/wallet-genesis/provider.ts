/**
 * The created wallet as an EIP-1193 provider: accounts, personal_sign, eth_signTypedData_v4 and eth_sendTransaction
 * are answered here with the key in memory (the transaction is signed locally and sent raw); every other call is
 * forwarded to the selected chain's RPC (the deployment's, from the runtime config). So wagmi, the browser node's
 * `eip1193Signer` and the claim's writeContract work with it as with any wallet.
 */
import {
  type Address,
  type Chain,
  createWalletClient,
  type Hex,
  hexToBigInt,
  http,
  isAddressEqual,
  numberToHex,
  ProviderRpcError,
} from "viem";
import type { BrowserWallet } from "./browser-wallet.ts";
import { typedDataFromJson } from "./typed-data.ts";

type Listener = (...args: unknown[]) => void;

export interface BrowserWalletProvider {
  request(args: { method: string; params?: readonly unknown[] | object }): Promise<unknown>;
  on(event: string, listener: Listener): BrowserWalletProvider;
  removeListener(event: string, listener: Listener): BrowserWalletProvider;
}

interface TransactionParams {
  from?: Address;
  to?: Address;
  data?: Hex;
  value?: Hex;
  gas?: Hex;
  nonce?: Hex;
}

const locked = () =>
  new ProviderRpcError(new Error("locked"), { code: 4100, shortMessage: "Unlock the browser wallet first." });

export function createBrowserWalletProvider(
  wallet: BrowserWallet,
  chains: readonly [Chain, ...Chain[]],
): BrowserWalletProvider {
  let chain: Chain = chains[0];
  const listeners = new Map<string, Set<Listener>>();
  const emit = (event: string, ...args: unknown[]) => {
    for (const listener of listeners.get(event) ?? []) listener(...args);
  };
  let lastAddress = wallet.getState().account?.address;
  wallet.subscribe(() => {
    const address = wallet.getState().account?.address;
    if (address === lastAddress) return;
    lastAddress = address;
    emit("accountsChanged", address ? [address] : []);
  });
  const rpc = () => http(chain.rpcUrls.default.http[0])({ chain, retryCount: 0 });

  const account = (from?: unknown) => {
    const current = wallet.getState().account;
    if (!current) throw locked();
    if (typeof from === "string" && !isAddressEqual(from as Address, current.address))
      throw new ProviderRpcError(new Error("unknown account"), {
        code: 4100,
        shortMessage: `Not this wallet's account: ${from}`,
      });
    return current;
  };

  const provider: BrowserWalletProvider = {
    async request({ method, params }) {
      const args = (Array.isArray(params) ? params : []) as unknown[];
      switch (method) {
        case "eth_chainId":
          return numberToHex(chain.id);
        case "eth_accounts": {
          const current = wallet.getState().account;
          return current ? [current.address] : [];
        }
        case "eth_requestAccounts":
          return [account().address];
        case "wallet_switchEthereumChain": {
          const id = Number((args[0] as { chainId: Hex }).chainId);
          const next = chains.find((c) => c.id === id);
          if (!next)
            throw new ProviderRpcError(new Error("unknown chain"), {
              code: 4902,
              shortMessage: `Chain ${id} is not configured.`,
            });
          if (next.id !== chain.id) {
            chain = next;
            emit("chainChanged", numberToHex(id));
          }
          return null;
        }
        case "wallet_addEthereumChain":
        case "wallet_watchAsset":
          return null;
        case "personal_sign":
          return account(args[1]).signMessage({ message: { raw: args[0] as Hex } });
        case "eth_signTypedData_v4":
          return account(args[0]).signTypedData(typedDataFromJson(args[1] as string));
        case "eth_sendTransaction": {
          const tx = args[0] as TransactionParams;
          const client = createWalletClient({
            account: account(tx.from),
            chain,
            transport: http(chain.rpcUrls.default.http[0]),
          });
          return client.sendTransaction({
            to: tx.to,
            data: tx.data,
            value: tx.value ? hexToBigInt(tx.value) : undefined,
            gas: tx.gas ? hexToBigInt(tx.gas) : undefined,
            nonce: tx.nonce ? Number(tx.nonce) : undefined,
          });
        }
        default:
          return rpc().request({ method, params } as never);
      }
    },
    on(event, listener) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event)?.add(listener);
      return provider;
    },
    removeListener(event, listener) {
      listeners.get(event)?.delete(listener);
      return provider;
    },
  };
  return provider;
}
