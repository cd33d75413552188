/**
 * A wallet's sign-in over HTTP, as a script or an operator tool does it: the nodes' EIP-712 challenge, signed with a
 * fresh session key, answered with a session token (the Bearer of the publisher and API-key routes).
 */
import { NODE_HTTP_ROUTES, PROTOCOL_VERSION, signInTypedData } from "@gitblock/sdk";
import type { LocalAccount } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

/** A JSON call to the relayer: GET without a body, POST with one; a non-2xx answer throws with its text. */
export async function callJson<T>(
  url: string,
  init: { method?: string; body?: unknown; token?: string } = {},
): Promise<T> {
  const response = await fetch(url, {
    method: init.method ?? (init.body === undefined ? "GET" : "POST"),
    headers: {
      "content-type": "application/json",
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** The wallet's session token (the Bearer of every publisher call). */
export async function signInOverHttp(relayerUrl: string, wallet: LocalAccount): Promise<string> {
  const hello = await callJson<{
    relayer: string;
    chainId: number;
    nonce: `0x${string}`;
    issuedAt: number;
    expiresAt: number;
  }>(`${relayerUrl}${NODE_HTTP_ROUTES.challenge}`, { body: {} });
  const challenge = {
    relayer: hello.relayer,
    chainId: hello.chainId,
    account: wallet.address,
    nonce: hello.nonce,
    issuedAt: hello.issuedAt,
    expiresAt: hello.expiresAt,
    sessionKey: privateKeyToAccount(generatePrivateKey()).address,
  };
  const signature = await wallet.signTypedData(signInTypedData(challenge));
  const ok = await callJson<{ session: string }>(`${relayerUrl}${NODE_HTTP_ROUTES.session}`, {
    body: { type: "auth", v: PROTOCOL_VERSION, signIn: { ...challenge, signature } },
  });
  return ok.session;
}
