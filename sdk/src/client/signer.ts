import { type Address, getAddress, type Hex, type LocalAccount } from "viem";
import { SIGN_IN_DOMAIN_NAME, SIGN_IN_DOMAIN_VERSION, type signInTypedData } from "../protocol/auth.ts";

/** The EIP-712 sign-in payload a node signs (see `signInTypedData`). */
export type SignInTypedData = ReturnType<typeof signInTypedData>;

/**
 * The one thing a node needs from a wallet: its address and an EIP-712 signature over the sign-in challenge.
 * A viem `LocalAccount` (headless node, key from a keystore or the environment) fits as it is; a browser wallet fits
 * through `eip1193Signer`.
 */
export interface Signer {
  readonly address: Address;
  signTypedData(typedData: SignInTypedData): Promise<Hex>;
}

/** The EIP-1193 provider interface browser wallets expose (`window.ethereum`, wagmi connectors' providers). */
export interface Eip1193Provider {
  request(args: { method: string; params?: readonly unknown[] | object }): Promise<unknown>;
}

/** A signer from a viem account (`privateKeyToAccount`, `mnemonicToAccount`, …). */
export function accountSigner(account: LocalAccount): Signer {
  return {
    address: account.address,
    signTypedData: (typedData) => account.signTypedData(typedData),
  };
}

/**
 * A signer backed by an EIP-1193 provider: `eth_signTypedData_v4` with the JSON payload wallets expect (the domain
 * type spelled out, integers as decimal strings). Without `address` the wallet is asked for its first account.
 */
export async function eip1193Signer(provider: Eip1193Provider, address?: Address): Promise<Signer> {
  let account = address;
  if (!account) {
    const accounts = (await provider.request({ method: "eth_requestAccounts" })) as string[] | undefined;
    const first = accounts?.[0];
    if (!first) throw new Error("the wallet returned no account");
    account = getAddress(first);
  }
  const signer = account;
  return {
    address: signer,
    async signTypedData(typedData) {
      const payload = {
        types: {
          EIP712Domain: [
            { name: "name", type: "string" },
            { name: "version", type: "string" },
            { name: "chainId", type: "uint256" },
          ],
          ...typedData.types,
        },
        domain: {
          name: SIGN_IN_DOMAIN_NAME,
          version: SIGN_IN_DOMAIN_VERSION,
          chainId: typedData.domain.chainId,
        },
        primaryType: typedData.primaryType,
        message: typedData.message,
      };
      const json = JSON.stringify(payload, (_key, value) => (typeof value === "bigint" ? value.toString() : value));
      const signature = await provider.request({ method: "eth_signTypedData_v4", params: [signer, json] });
      if (typeof signature !== "string" || !signature.startsWith("0x"))
        throw new Error("the wallet returned no signature");
      return signature as Hex;
    },
  };
}

/** Accepts a `Signer` or a viem `LocalAccount`. */
export function toSigner(signer: Signer | LocalAccount): Signer {
  return "type" in signer && signer.type === "local" ? accountSigner(signer) : (signer as Signer);
}
