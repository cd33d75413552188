// GBT's ERC-2612 permit (OpenZeppelin ERC20Permit, EIP-712 domain "GitBlock Token" version "1"): the typed data a
// wallet signs to approve a spender without a transaction, e.g. for InferenceCredits' `depositWithPermit`.
import { type Address, type Hex, parseSignature } from "viem";

export const GBT_PERMIT_TYPES = {
  Permit: [
    { name: "owner", type: "address" },
    { name: "spender", type: "address" },
    { name: "value", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

export interface GbtPermit {
  chainId: number;
  /** The GBT token's address (the EIP-712 verifying contract). */
  token: Address;
  owner: Address;
  spender: Address;
  value: bigint;
  /** The owner's current `nonces(owner)` on the token. */
  nonce: bigint;
  /** Unix seconds after which the permit is void. */
  deadline: bigint;
}

/** The argument of viem's `signTypedData` for `permit`. */
export function gbtPermitTypedData({ chainId, token, owner, spender, value, nonce, deadline }: GbtPermit) {
  return {
    domain: { name: "GitBlock Token", version: "1", chainId, verifyingContract: token },
    types: GBT_PERMIT_TYPES,
    primaryType: "Permit",
    message: { owner, spender, value, nonce, deadline },
  } as const;
}

/** A 65-byte signature as the `(v, r, s)` that `permit` and `depositWithPermit` take. */
export function permitSignatureParts(signature: Hex): { v: number; r: Hex; s: Hex } {
  const { r, s, v, yParity } = parseSignature(signature);
  return { v: Number(v ?? BigInt(yParity + 27)), r, s };
}
