// Merkle trees of a chosen proof depth for the gas benchmark, without building the whole tree.
//
// The real leaves (a handful to a few dozen) get a real sorted-pair tree, padded to a power of two with filler
// leaves; its root is then hashed up to `depth` with pseudo-random siblings. Every proof therefore has exactly
// `depth` elements and all leaves share the same upper path: a valid tree of 2^depth leaves, as far as any
// verifier can tell. Hashing is OpenZeppelin's `Hashes.commutativeKeccak256` (what `MerkleProof` uses), and the
// pseudo-random values come from keccak256 of a label, so every run produces the same calldata and the same gas.
import { concat, type Hex, keccak256, toHex } from "viem";

/** A 32-byte value derived from `label`: deterministic, but as dense in non-zero bytes as a real hash. */
export function pseudoRandom(label: string): Hex {
  return keccak256(toHex(`gitblock-bench/${label}`));
}

/** OpenZeppelin `Hashes.commutativeKeccak256`: keccak256 of the pair, smaller value first. */
export function hashPair(a: Hex, b: Hex): Hex {
  return BigInt(a) < BigInt(b) ? keccak256(concat([a, b])) : keccak256(concat([b, a]));
}

/** OpenZeppelin `MerkleProof.processProof`. */
export function processProof(leaf: Hex, proof: readonly Hex[]): Hex {
  return proof.reduce(hashPair, leaf);
}

export interface DepthTree {
  root: Hex;
  /** `proofs[i]` proves `leaves[i]`; every proof has exactly `depth` elements. */
  proofs: Hex[][];
}

/**
 * A tree whose proofs are all exactly `depth` long, holding `leaves` (already hashed) among 2^depth leaves.
 * @param seed Distinguishes the filler leaves and upper siblings of different trees.
 */
export function buildDepthTree(leaves: readonly Hex[], depth: number, seed: string): DepthTree {
  if (leaves.length === 0) throw new Error("buildDepthTree: no leaves");
  let lowerDepth = 0;
  while (2 ** lowerDepth < leaves.length) lowerDepth++;
  if (lowerDepth > depth) throw new Error(`buildDepthTree: ${leaves.length} leaves do not fit a depth-${depth} tree`);

  // The real lower tree: leaves padded with filler to 2^lowerDepth, layer by layer up to its root.
  const width = 2 ** lowerDepth;
  const layers: Hex[][] = [Array.from({ length: width }, (_, i) => leaves[i] ?? pseudoRandom(`${seed}/filler/${i}`))];
  for (let level = 0; level < lowerDepth; level++) {
    const below = layers[level] as Hex[];
    const above: Hex[] = [];
    for (let i = 0; i < below.length; i += 2) above.push(hashPair(below[i] as Hex, below[i + 1] as Hex));
    layers.push(above);
  }

  // The shared upper path: the lower root hashed with one pseudo-random sibling per remaining level.
  const upper = Array.from({ length: depth - lowerDepth }, (_, level) => pseudoRandom(`${seed}/upper/${level}`));
  const root = upper.reduce(hashPair, (layers[lowerDepth] as Hex[])[0] as Hex);

  const proofs = leaves.map((leaf, index) => {
    const proof: Hex[] = [];
    let position = index;
    for (let level = 0; level < lowerDepth; level++) {
      proof.push((layers[level] as Hex[])[position ^ 1] as Hex);
      position >>= 1;
    }
    proof.push(...upper);
    if (proof.length !== depth || processProof(leaf, proof) !== root) {
      throw new Error(`buildDepthTree: proof ${index} does not verify`);
    }
    return proof;
  });
  return { root, proofs };
}
