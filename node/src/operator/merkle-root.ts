import { concat, type Hex, hexToBigInt, keccak256 } from "viem";

/**
 * The root of an epoch tree over its leaf hashes, as the relayer builds it (relayer/src/settlement/merkle.ts, the
 * layout of merkletreejs with `sortPairs`): each pair hashed smaller-first, an odd last node moved up unchanged.
 * The relayer's builder is tuned for a million leaves and lives in the relayer, which the node must not install; an
 * operator checks epochs one at a time, so viem's keccak is enough here.
 */
export function merkleRoot(leaves: readonly Hex[]): Hex {
  if (leaves.length === 0) throw new Error("an epoch tree has at least one leaf");
  let layer = [...leaves];
  while (layer.length > 1) {
    const next: Hex[] = [];
    for (let i = 0; i < layer.length; i += 2) {
      const a = layer[i] as Hex;
      const b = layer[i + 1];
      if (b === undefined) next.push(a);
      else next.push(keccak256(hexToBigInt(a) <= hexToBigInt(b) ? concat([a, b]) : concat([b, a])));
    }
    layer = next;
  }
  return layer[0] as Hex;
}
