// A ready API key for `npm start`'s network: the test wallet signs in to the relayer over HTTP (the same EIP-712
// sign-in every node and the dApp use) and makes a key with its session, as a user does in the dApp.
import { NODE_HTTP_ROUTES, PROTOCOL_VERSION, signInTypedData } from "@gitblock/sdk";
import type { LocalAccount } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

async function post<T>(url: string, body: unknown, token?: string): Promise<T> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export async function createApiKey(relayerUrl: string, wallet: LocalAccount, name: string): Promise<string> {
  const hello = await post<{
    relayer: string;
    chainId: number;
    nonce: `0x${string}`;
    issuedAt: number;
    expiresAt: number;
  }>(`${relayerUrl}${NODE_HTTP_ROUTES.challenge}`, {});
  const sessionKey = privateKeyToAccount(generatePrivateKey()).address;
  const challenge = { ...hello, account: wallet.address, sessionKey };
  const signature = await wallet.signTypedData(signInTypedData(challenge));
  const ok = await post<{ session: string }>(`${relayerUrl}${NODE_HTTP_ROUTES.session}`, {
    type: "auth",
    v: PROTOCOL_VERSION,
    signIn: {
      relayer: hello.relayer,
      chainId: hello.chainId,
      account: wallet.address,
      nonce: hello.nonce,
      issuedAt: hello.issuedAt,
      expiresAt: hello.expiresAt,
      sessionKey,
      signature,
    },
  });
  const key = await post<{ key: string }>(`${relayerUrl}/api/keys`, { name }, ok.session);
  return key.key;
}
