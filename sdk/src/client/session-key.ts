import type { Address, Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

/**
 * The throwaway key a node signs commitments and reports with during one session. Its address goes into the EIP-712
 * sign-in the wallet signs, which makes every signature it gives attributable to the wallet, while a browser wallet
 * still signs only once per session. It lives in memory only: a new sign-in makes a new one.
 */
export interface SessionKey {
  readonly address: Address;
  /** EIP-191 signature over the raw 32-byte hash (what the relayer's `signedBy` checks). */
  sign(hash: Hex): Promise<Hex>;
}

export function newSessionKey(): SessionKey {
  const account = privateKeyToAccount(generatePrivateKey());
  return { address: account.address, sign: (hash) => account.signMessage({ message: { raw: hash } }) };
}
