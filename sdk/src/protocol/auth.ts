import type { Address, Hex } from "viem";

/**
 * Node sign-in: the relayer hands out a challenge (fresh nonce, expiry) and the node signs it as EIP-712 typed data
 * with its wallet. The domain binds the chain id; the message binds the relayer's domain name, the account, the nonce
 * and the validity window, so a signature is useless on another chain, for another relayer, after it expires, or twice.
 */
export const SIGN_IN_DOMAIN_NAME = "GitBlock Relayer";
export const SIGN_IN_DOMAIN_VERSION = "1";

export const SIGN_IN_TYPES = {
  NodeSignIn: [
    { name: "relayer", type: "string" },
    { name: "account", type: "address" },
    { name: "nonce", type: "bytes32" },
    { name: "issuedAt", type: "uint64" },
    { name: "expiresAt", type: "uint64" },
    { name: "sessionKey", type: "address" },
  ],
} as const;

/** What the relayer offers and the node signs; timestamps in seconds since the epoch. */
export interface SignInChallenge {
  /** The relayer's domain (host name), e.g. `relayer.gitblock.network`. */
  relayer: string;
  chainId: number;
  account: Address;
  nonce: Hex;
  issuedAt: number;
  expiresAt: number;
  /** The throwaway key the node signs commitments and reports with during this session (./commitment.ts). */
  sessionKey: Address;
}

/** The EIP-712 payload for `signTypedData` (viem, wagmi, ethers) and `verifyTypedData`. */
export function signInTypedData(challenge: SignInChallenge) {
  return {
    domain: { name: SIGN_IN_DOMAIN_NAME, version: SIGN_IN_DOMAIN_VERSION, chainId: challenge.chainId },
    types: SIGN_IN_TYPES,
    primaryType: "NodeSignIn" as const,
    message: {
      relayer: challenge.relayer,
      account: challenge.account,
      nonce: challenge.nonce,
      issuedAt: BigInt(challenge.issuedAt),
      expiresAt: BigInt(challenge.expiresAt),
      sessionKey: challenge.sessionKey,
    },
  };
}
