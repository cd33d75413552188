// Whether a commitment or report was signed by the session key the node's wallet named at sign-in. The sdk's
// `signedBy` recovers through viem (noble-curves, pure JS: 1.4 ms a signature on this machine); every commit and
// every report carries one, so at the ingest rates the relayer is built for (bench:relayer) that check was the
// bottleneck. libsecp256k1, through the `secp256k1` package (prebuilt binaries, and its own JS fallback where none
// loads), recovers in 0.08 ms. Only a plain 65-byte signature with v ∈ {0, 1, 27, 28} takes the native path;
// anything else goes the sdk's way, so both accept exactly the same signatures (session-signature.test.ts checks).
import { createRequire } from "node:module";
import { signedBy } from "@gitblock/sdk";
import { type Address, type Hex, hashMessage, hexToBytes, keccak256 } from "viem";

interface Secp256k1 {
  /** The public key (65 bytes uncompressed) that made `signature` (r ‖ s) with recovery id `recid` over `digest`. */
  ecdsaRecover(signature: Uint8Array, recid: number, digest: Uint8Array, compressed: false): Uint8Array;
}

const secp256k1 = createRequire(import.meta.url)("secp256k1") as Secp256k1;
const PLAIN_SIGNATURE = /^0x[0-9a-fA-F]{130}$/;

/** `signedBy` (EIP-191 over the raw 32-byte `hash`), natively where the signature is a plain one. */
export async function sessionSigned(hash: Hex, signature: Hex, sessionKey: Address): Promise<boolean> {
  if (!PLAIN_SIGNATURE.test(signature)) return signedBy(hash, signature, sessionKey);
  const bytes = hexToBytes(signature);
  const v = bytes[64] as number;
  const recid = v >= 27 ? v - 27 : v;
  if (recid !== 0 && recid !== 1) return signedBy(hash, signature, sessionKey);
  let publicKey: Uint8Array;
  try {
    publicKey = secp256k1.ecdsaRecover(bytes.subarray(0, 64), recid, hexToBytes(hashMessage({ raw: hash })), false);
  } catch {
    return false; // r or s out of range, or no point recovers: no key signed this
  }
  return `0x${keccak256(publicKey.subarray(1)).slice(26)}` === sessionKey.toLowerCase();
}
