import { encodeAbiParameters, type Hex, keccak256 } from "viem";

/**
 * The canonical output hash of an inference: `keccak256(abi.encode(uint32[] tokenIds))`.
 *
 * Nodes that ran the same task (model id, input, max tokens, seed, greedy decoding) must produce the same token ids,
 * so they produce the same hash; the relayer compares hashes, never text. Token ids rather than decoded text keep the
 * hash independent of detokenizer quirks (whitespace, byte fallback), and the ABI encoding (offset, length, then one
 * 32-byte word per id) is unambiguous and reproducible in Solidity.
 */
export function outputHash(tokenIds: readonly number[]): Hex {
  for (const id of tokenIds) {
    if (!Number.isInteger(id) || id < 0 || id > 0xffff_ffff) throw new RangeError(`token id ${id} is not a uint32`);
  }
  return keccak256(encodeAbiParameters([{ type: "uint32[]" }], [tokenIds]));
}
