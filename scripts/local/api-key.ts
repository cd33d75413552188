// A ready API key for `npm start`'s network: the test wallet signs in to the relayer over HTTP (the same EIP-712
// sign-in every node and the dApp use) and makes a key with its session, as a user does in the dApp.
import { callJson, signInOverHttp } from "@gitblock/testkit";
import type { LocalAccount } from "viem";

export async function createApiKey(relayerUrl: string, wallet: LocalAccount, name: string): Promise<string> {
  const session = await signInOverHttp(relayerUrl, wallet);
  const key = await callJson<{ key: string }>(`${relayerUrl}/api/keys`, { body: { name }, token: session });
  return key.key;
}
