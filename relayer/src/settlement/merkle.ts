import type { NodeState } from "@gitblock/sdk";
import { createKeccak, type IHasher } from "hash-wasm";
import { bytesToHex, type Hex } from "viem";

/**
 * The epoch tree, built fast enough for a million nodes. Output is exactly merkletreejs's
 * `new MerkleTree(leaves, keccak256, { sortPairs: true })` (an odd last node moves up unchanged, pairs are hashed
 * sorted), over OpenZeppelin standard leaves, so OpenZeppelin's MerkleProof verifies the proofs on-chain.
 *
 * Speed comes from: the fixed-size leaf ABI-encoded by hand into one reused 192-byte buffer (no viem encoding per
 * leaf), keccak in WebAssembly (hash-wasm) instead of JavaScript, and the whole tree in one flat Uint8Array
 * (layer after layer, 32 bytes per node) that is also the stored form, so proofs are slices of it.
 */

let hasherPromise: Promise<IHasher> | undefined;
function hasher(): Promise<IHasher> {
  hasherPromise ??= createKeccak(256);
  return hasherPromise;
}

/** Layer sizes from leaves to root (merkletreejs layout). */
export function layerSizes(leafCount: number): number[] {
  const sizes = [leafCount];
  let size = leafCount;
  while (size > 1) {
    size = Math.ceil(size / 2);
    sizes.push(size);
  }
  return sizes;
}

const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX_VALUE["0123456789abcdef".charCodeAt(i)] = i;
  HEX_VALUE["0123456789ABCDEF".charCodeAt(i)] = i;
}

/** Writes hex digits (no 0x) right-aligned into the 32-byte word at `wordOffset`. */
function writeHexWord(buffer: Uint8Array, wordOffset: number, hex: string, start: number): void {
  let byte = wordOffset + 31;
  let i = hex.length;
  while (i - 2 >= start) {
    const hi = HEX_VALUE[hex.charCodeAt(i - 2)] as number;
    const lo = HEX_VALUE[hex.charCodeAt(i - 1)] as number;
    if (hi < 0 || lo < 0) throw new TypeError(`invalid hex in leaf value: ${hex}`);
    buffer[byte--] = (hi << 4) | lo;
    i -= 2;
  }
  if (i > start) {
    const lo = HEX_VALUE[hex.charCodeAt(i - 1)] as number;
    if (lo < 0) throw new TypeError(`invalid hex in leaf value: ${hex}`);
    buffer[byte] = lo;
  }
}

function writeUint(buffer: Uint8Array, wordOffset: number, value: bigint): void {
  if (value < 0n) throw new RangeError("leaf values are unsigned");
  if (value <= 9_007_199_254_740_991n) writeSmallUint(buffer, wordOffset, Number(value));
  else writeHexWord(buffer, wordOffset, value.toString(16), 0);
}

function writeSmallUint(buffer: Uint8Array, wordOffset: number, value: number): void {
  // Values below 2^53: byte by byte without BigInt.
  let v = value;
  for (let i = wordOffset + 31; i >= wordOffset && v > 0; i--) {
    buffer[i] = v % 256;
    v = Math.floor(v / 256);
  }
}

/** `abi.encode(address, uint256, uint16, uint64, uint64, uint32)` of a leaf into 192 zeroed bytes at `offset`. */
export function encodeLeaf(state: NodeState, out: Uint8Array, offset: number): void {
  if (state.account.length !== 42) throw new TypeError(`invalid address ${state.account}`);
  writeHexWord(out, offset, state.account, 2);
  writeUint(out, offset + 32, state.cumulativeAmount);
  writeSmallUint(out, offset + 64, state.reputationBps);
  writeUint(out, offset + 96, state.tasksValidated);
  writeUint(out, offset + 128, state.tasksFailed);
  writeSmallUint(out, offset + 160, state.strikes);
}

/** Leaf hashing with a reused buffer: `keccak256(keccak256(abi.encode(address, uint256, uint16, uint64, uint64, uint32)))`. */
export class LeafEncoder {
  private readonly buffer = new Uint8Array(192);
  private readonly h: IHasher;

  private constructor(h: IHasher) {
    this.h = h;
  }

  static async create(): Promise<LeafEncoder> {
    return new LeafEncoder(await createKeccak(256));
  }

  /** Writes the leaf hash into `out` at `offset`. */
  hashInto(state: NodeState, out: Uint8Array, offset: number): void {
    const b = this.buffer;
    b.fill(0);
    encodeLeaf(state, b, 0);
    const h = this.h;
    h.init();
    h.update(b);
    const inner = h.digest("binary");
    h.init();
    h.update(inner);
    out.set(h.digest("binary"), offset);
  }

  hash(state: NodeState): Hex {
    const out = new Uint8Array(32);
    this.hashInto(state, out, 0);
    return bytesToHex(out);
  }
}

function compare32(a: Uint8Array, aOffset: number, b: Uint8Array, bOffset: number): number {
  for (let i = 0; i < 32; i++) {
    const d = (a[aOffset + i] as number) - (b[bOffset + i] as number);
    if (d !== 0) return d;
  }
  return 0;
}

/** A built tree: all layers in one buffer. */
export class EpochTree {
  readonly layers: Uint8Array;
  readonly leafCount: number;
  private readonly offsets: number[];
  private readonly sizes: number[];

  constructor(layers: Uint8Array, leafCount: number) {
    this.layers = layers;
    this.leafCount = leafCount;
    this.sizes = layerSizes(leafCount);
    this.offsets = [];
    let offset = 0;
    for (const size of this.sizes) {
      this.offsets.push(offset);
      offset += size * 32;
    }
    if (offset !== layers.byteLength)
      throw new Error(`tree buffer holds ${layers.byteLength} bytes, expected ${offset}`);
  }

  get root(): Hex {
    const top = this.offsets.at(-1) ?? 0;
    return bytesToHex(this.layers.subarray(top, top + 32));
  }

  /**
   * keccak256 of the leaf layer: the `contentHash` of epochs proposed before epoch files were published (it commits
   * to every leaf in order too). Watchers still accept it for such an epoch when it is the previous final one.
   */
  async leafLayerHash(): Promise<Hex> {
    const h = await hasher();
    h.init();
    h.update(this.layers.subarray(0, this.leafCount * 32));
    return bytesToHex(h.digest("binary"));
  }

  leaf(index: number): Hex {
    return bytesToHex(this.layers.subarray(index * 32, index * 32 + 32));
  }

  /** Sibling offsets along the path of leaf `index` (what a proof is made of), without copying. */
  proofOffsets(index: number): number[] {
    const result: number[] = [];
    let i = index;
    for (let layer = 0; layer < this.sizes.length - 1; layer++) {
      const sibling = i ^ 1;
      if (sibling < (this.sizes[layer] as number)) result.push((this.offsets[layer] as number) + sibling * 32);
      i >>= 1;
    }
    return result;
  }

  proof(index: number): Hex[] {
    if (index < 0 || index >= this.leafCount) throw new RangeError(`no leaf ${index} in a tree of ${this.leafCount}`);
    return this.proofOffsets(index).map((offset) => bytesToHex(this.layers.subarray(offset, offset + 32)));
  }
}

/** Builds the tree over already-hashed leaves (32 bytes each, in order, in `leaves`). */
export async function buildTreeFromLeafHashes(leaves: Uint8Array, leafCount: number): Promise<EpochTree> {
  if (leafCount === 0) throw new RangeError("an epoch tree needs at least one leaf");
  const sizes = layerSizes(leafCount);
  const total = sizes.reduce((sum, size) => sum + size, 0);
  const layers = new Uint8Array(total * 32);
  layers.set(leaves.subarray(0, leafCount * 32), 0);
  const h = await hasher();
  let from = 0;
  let to = leafCount * 32;
  for (let layer = 0; layer < sizes.length - 1; layer++) {
    const size = sizes[layer] as number;
    let out = to;
    for (let i = 0; i < size; i += 2) {
      const left = from + i * 32;
      if (i + 1 === size) {
        layers.copyWithin(out, left, left + 32);
      } else {
        const right = left + 32;
        const [a, b] = compare32(layers, left, layers, right) <= 0 ? [left, right] : [right, left];
        h.init();
        h.update(layers.subarray(a, a + 32));
        h.update(layers.subarray(b, b + 32));
        layers.set(h.digest("binary"), out);
      }
      out += 32;
    }
    from = to;
    to = out;
  }
  return new EpochTree(layers, leafCount);
}

/** Hashes every leaf and builds the tree; `onProgress` gets a fraction in [0, 1]. */
export async function buildEpochTree(
  states: Iterable<NodeState>,
  leafCount: number,
  onProgress: (fraction: number) => void = () => {},
): Promise<EpochTree> {
  const encoder = await LeafEncoder.create();
  const leaves = new Uint8Array(leafCount * 32);
  let index = 0;
  const step = Math.max(1, Math.floor(leafCount / 20));
  for (const state of states) {
    encoder.hashInto(state, leaves, index * 32);
    index++;
    if (index % step === 0) onProgress((index / leafCount) * 0.8);
  }
  if (index !== leafCount) throw new Error(`expected ${leafCount} leaves, got ${index}`);
  const tree = await buildTreeFromLeafHashes(leaves, leafCount);
  onProgress(1);
  return tree;
}
