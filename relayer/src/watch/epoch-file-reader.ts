import type { NodeState } from "@gitblock/sdk";
import { createKeccak, type IHasher } from "hash-wasm";
import type { Hex } from "viem";
import {
  EpochFileError,
  type EpochFileHeader,
  MAX_EPOCH_FILE_LINE_BYTES,
  parseHeaderLine,
  parseLeafLine,
} from "../settlement/epoch-file.ts";
import { buildTreeFromLeafHashes, LeafEncoder } from "../settlement/merkle.ts";

/** What a whole file, read to its end, commits to. */
export interface EpochFileDigest {
  /** keccak256 of every byte: a proposal's `contentHash`. */
  contentHash: Hex;
  /** keccak256 of the leaf-hash layer: the `contentHash` of epochs proposed before epoch files existed. */
  leafLayerHash: Hex;
  /** The Merkle root rebuilt from the leaves, with the vault's leaf encoding. */
  root: Hex;
  /** The sum of every leaf's `cumulativeAmount`. */
  total: bigint;
}

const NEWLINE = 0x0a;

/** Splits bytes into lines (without "\n"), handing every byte to `onBytes` as it arrives; refuses long lines. */
async function* lines(chunks: AsyncIterable<Uint8Array>, onBytes: (bytes: Uint8Array) => void): AsyncGenerator<string> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let carry: Uint8Array | null = null;
  const tooLong = () => new EpochFileError(`a line is longer than ${MAX_EPOCH_FILE_LINE_BYTES} bytes`);
  for await (const chunk of chunks) {
    onBytes(chunk);
    let start = 0;
    for (let end = chunk.indexOf(NEWLINE); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
      const piece = chunk.subarray(start, end);
      const line: Uint8Array = carry ? concat(carry, piece) : piece;
      carry = null;
      if (line.length > MAX_EPOCH_FILE_LINE_BYTES) throw tooLong();
      try {
        yield decoder.decode(line);
      } catch (error) {
        if (error instanceof TypeError) throw new EpochFileError("the file is not UTF-8");
        throw error;
      }
      start = end + 1;
    }
    if (start < chunk.length) {
      carry = carry ? concat(carry, chunk.subarray(start)) : chunk.slice(start);
      if (carry.length > MAX_EPOCH_FILE_LINE_BYTES) throw tooLong();
    }
  }
  if (carry) throw new EpochFileError("the file does not end with a newline");
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/**
 * Reads one epoch file as it streams in (`settlement/epoch-file.ts` has the format): the header first, then the
 * leaves one at a time, each checked for canonical form and strictly ascending account. Every byte is hashed as it
 * arrives and every leaf hashed into the leaf layer, so once the leaves are read `digest()` gives the content hash,
 * the rebuilt root and the total without a second pass. Memory: 32 bytes per leaf (the leaf layer), not the file.
 *
 * Throws `EpochFileError` for a file that is not a canonical epoch file; any other error comes from the byte
 * source (the transfer failed).
 */
export class EpochFileReader {
  readonly header: EpochFileHeader;
  private readonly source: AsyncGenerator<string>;
  private readonly fileHasher: IHasher;
  private readonly encoder: LeafEncoder;
  private leafHashes: Uint8Array;
  private count = 0;
  private total = 0n;
  private done = false;

  private constructor(
    header: EpochFileHeader,
    source: AsyncGenerator<string>,
    fileHasher: IHasher,
    encoder: LeafEncoder,
  ) {
    this.header = header;
    this.source = source;
    this.fileHasher = fileHasher;
    this.encoder = encoder;
    // Grown as leaves arrive: a header's leafCount is not trusted with an allocation.
    this.leafHashes = new Uint8Array(32 * Math.min(Math.max(header.leafCount, 1), 65_536));
  }

  /** Reads the header line. */
  static async open(chunks: AsyncIterable<Uint8Array>): Promise<EpochFileReader> {
    const fileHasher = await createKeccak(256);
    fileHasher.init();
    const source = lines(chunks, (bytes) => fileHasher.update(bytes));
    const first = await source.next();
    if (first.done) throw new EpochFileError("the file is empty");
    const header = parseHeaderLine(first.value);
    if (header.leafCount === 0) throw new EpochFileError("the header declares no leaves");
    return new EpochFileReader(header, source, fileHasher, await LeafEncoder.create());
  }

  /** The leaves, in order; read them once, to the end, before `digest()`. */
  async *leaves(): AsyncGenerator<NodeState> {
    let previous = "";
    for await (const line of this.source) {
      if (this.count === this.header.leafCount) {
        throw new EpochFileError(`more than the ${this.header.leafCount} leaves the header declares`);
      }
      const leaf = parseLeafLine(line, this.count);
      if (leaf.account <= previous) {
        throw new EpochFileError(`leaf ${this.count} (${leaf.account}) is not after ${previous} (ascending accounts)`);
      }
      previous = leaf.account;
      this.hashLeaf(leaf);
      yield leaf;
    }
    if (this.count !== this.header.leafCount) {
      throw new EpochFileError(`${this.count} leaves, the header declares ${this.header.leafCount}`);
    }
    this.done = true;
  }

  private hashLeaf(leaf: NodeState): void {
    if ((this.count + 1) * 32 > this.leafHashes.length) {
      const grown = new Uint8Array(this.leafHashes.length * 2);
      grown.set(this.leafHashes);
      this.leafHashes = grown;
    }
    this.encoder.hashInto(leaf, this.leafHashes, this.count * 32);
    this.count++;
    this.total += leaf.cumulativeAmount;
  }

  /** Stops reading: the byte source is released (a transfer cancelled) if it was not read to its end. */
  async close(): Promise<void> {
    await this.source.return(undefined).catch(() => undefined);
  }

  /** The content hash, legacy hash, rebuilt root and total; only once every leaf has been read. */
  async digest(): Promise<EpochFileDigest> {
    if (!this.done) throw new Error("read every leaf before the digest");
    const tree = await buildTreeFromLeafHashes(this.leafHashes, this.count);
    return {
      contentHash: `0x${this.fileHasher.digest("hex")}`,
      leafLayerHash: await tree.leafLayerHash(),
      root: tree.root,
      total: this.total,
    };
  }
}
