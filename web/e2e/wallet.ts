/**
 * The e2e "test wallet": an EIP-1193 provider injected into the page before any script runs, announced through
 * EIP-6963 so RainbowKit lists it. Account requests answer with one Hardhat development account; everything else
 * (eth_sendTransaction, eth_signTypedData_v4, reads) is forwarded to the local Hardhat node, which signs for its
 * unlocked default accounts — so the transactions really reach the chain.
 */
export function testWalletScript(options: {
  account: string;
  rpcPath: string;
  chainIdHex: string;
  /** Remember the connection across reloads (in the page's storage), as a real wallet remembers a site. */
  rememberSite?: boolean;
}): string {
  return `(() => {
  const account = ${JSON.stringify(options.account)};
  const rpcPath = ${JSON.stringify(options.rpcPath)};
  const listeners = new Map();
  let id = 0;
  // Like a real wallet: no account is exposed until the page asks to connect (or, remembering the site, asked before).
  const rememberKey = ${JSON.stringify(options.rememberSite ? "gitblock.testWallet.connected" : "")};
  let connected = Boolean(rememberKey) && localStorage.getItem(rememberKey) === "1";
  const remember = (value) => {
    connected = value;
    if (rememberKey) value ? localStorage.setItem(rememberKey, "1") : localStorage.removeItem(rememberKey);
  };
  async function rpc(method, params) {
    const response = await fetch(rpcPath, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params: params ?? [] }),
    });
    const body = await response.json();
    if (body.error) {
      const error = new Error(body.error.message);
      error.code = body.error.code;
      error.data = body.error.data;
      throw error;
    }
    return body.result;
  }
  const provider = {
    isGitBlockTestWallet: true,
    async request({ method, params }) {
      switch (method) {
        case "eth_requestAccounts":
        case "wallet_requestPermissions":
          remember(true);
          return method === "eth_requestAccounts" ? [account] : [{ parentCapability: "eth_accounts" }];
        case "eth_accounts":
          return connected ? [account] : [];
        case "eth_chainId":
          return ${JSON.stringify(options.chainIdHex)};
        case "wallet_switchEthereumChain":
        case "wallet_addEthereumChain":
        case "wallet_watchAsset":
          return null;
        case "wallet_getPermissions":
          return connected ? [{ parentCapability: "eth_accounts" }] : [];
        case "wallet_revokePermissions":
          remember(false);
          return null;
        default:
          return rpc(method, params);
      }
    },
    on(event, listener) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event).add(listener);
      return provider;
    },
    removeListener(event, listener) {
      listeners.get(event)?.delete(listener);
      return provider;
    },
  };
  const info = Object.freeze({
    uuid: "6f1c5d0e-7a8b-4c2d-9e3f-0a1b2c3d4e5f",
    name: "GitBlock Test Wallet",
    icon: "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'%3E%3Crect width='32' height='32' rx='8' fill='%2334d399'/%3E%3C/svg%3E",
    rdns: "network.gitblock.testwallet",
  });
  const announce = () =>
    window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail: Object.freeze({ info, provider }) }));
  window.addEventListener("eip6963:requestProvider", announce);
  announce();
})();`;
}
