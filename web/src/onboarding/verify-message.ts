/**
 * Verify by signing: a plain-text message (personal_sign) that proves the user controls the wallet, and its check.
 * The nonce and time make each one unique; it grants nothing and is never sent.
 */
import { type Address, type Hex, isAddressEqual, recoverMessageAddress } from "viem";

export function ownershipMessage(address: Address, nonce: string, at: Date): string {
  return `GitBlock: I control ${address}.\nThis signature proves it and grants nothing.\nNonce: ${nonce}\nTime: ${at.toISOString()}`;
}

export async function verifyOwnership(
  address: Address,
  message: string,
  signature: Hex,
): Promise<{ recovered: Address; matches: boolean }> {
  const recovered = await recoverMessageAddress({ message, signature });
  return { recovered, matches: isAddressEqual(recovered, address) };
}
