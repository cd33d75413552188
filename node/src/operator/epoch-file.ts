import { type EpochRow, type NodeState, nodeStateLeaf } from "@gitblock/sdk";
import { type Address, concat, getAddress, type Hex, keccak256 } from "viem";
import { merkleRoot } from "./merkle-root.ts";

/**
 * An epoch file the relayer published (`GET /api/epochs/:epoch/leaves`; the format is in relayer/src/watch/README.md),
 * checked against what the relayer says of that epoch: keccak256 of the bytes is its `contentHash` and the leaves
 * rebuild its `root` with the vault's leaf encoding (the sdk's `nodeStateLeaf`). So whoever reads an earning from it
 * reads what the proposal on-chain commits to. The whole file is held in memory: an operator's CLI reads an epoch
 * at a time (about 200 bytes a leaf); the watcher (`gitblock-relayer watch`) streams them and checks canonical form.
 */
export interface VerifiedEpochFile {
  epoch: number;
  root: Hex;
  contentHash: Hex;
  leafCount: number;
  /** Leaves by checksummed account. */
  leaves: Map<Address, NodeState>;
}

/** An epoch file that does not match its epoch, or is not an epoch file at all. */
export class EpochFileMismatchError extends Error {
  override name = "EpochFileMismatchError";
}

interface HeaderLine {
  format: string;
  epoch: number;
  root: string;
  leafCount: number;
}

interface LeafLine {
  account: string;
  cumulativeAmount: string;
  reputationBps: number;
  tasksValidated: string;
  tasksFailed: string;
  strikes: number;
}

const FORMAT = "gitblock-epoch-file/1";

export function verifyEpochFile(
  bytes: Uint8Array,
  epoch: Pick<EpochRow, "epoch" | "root" | "contentHash">,
): VerifiedEpochFile {
  const where = `epoch ${epoch.epoch}'s file`;
  if (!epoch.root || !epoch.contentHash) throw new EpochFileMismatchError(`epoch ${epoch.epoch} has no proposal yet`);
  const lines = new TextDecoder().decode(bytes).split("\n");
  if (lines.pop() !== "") throw new EpochFileMismatchError(`${where} does not end with a newline`);
  const parse = <T>(line: string, index: number): T => {
    try {
      return JSON.parse(line) as T;
    } catch {
      throw new EpochFileMismatchError(`${where}: line ${index + 1} is not JSON`);
    }
  };
  const header = parse<HeaderLine>(lines[0] ?? "", 0);
  if (header.format !== FORMAT) throw new EpochFileMismatchError(`${where} is not a ${FORMAT} file`);
  if (header.epoch !== epoch.epoch || header.root !== epoch.root.toLowerCase()) {
    throw new EpochFileMismatchError(`${where} declares epoch ${header.epoch}, root ${header.root}`);
  }
  const leaves = new Map<Address, NodeState>();
  const hashes: Hex[] = [];
  for (const [index, line] of lines.slice(1).entries()) {
    const raw = parse<LeafLine>(line, index + 1);
    const state: NodeState = {
      account: getAddress(raw.account),
      cumulativeAmount: BigInt(raw.cumulativeAmount),
      reputationBps: raw.reputationBps,
      tasksValidated: BigInt(raw.tasksValidated),
      tasksFailed: BigInt(raw.tasksFailed),
      strikes: raw.strikes,
    };
    leaves.set(state.account, state);
    hashes.push(nodeStateLeaf(state));
  }
  if (hashes.length !== header.leafCount || leaves.size !== hashes.length) {
    throw new EpochFileMismatchError(`${where} has ${hashes.length} leaves, its header declares ${header.leafCount}`);
  }
  const contentHash = keccak256(bytes);
  // Epochs proposed before epoch files existed committed to their leaf-hash layer instead (relayer/src/watch/README.md).
  if (
    contentHash !== epoch.contentHash.toLowerCase() &&
    keccak256(concat(hashes)) !== epoch.contentHash.toLowerCase()
  ) {
    throw new EpochFileMismatchError(
      `${where} hashes to ${contentHash}, the epoch's contentHash is ${epoch.contentHash}`,
    );
  }
  const root = merkleRoot(hashes);
  if (root !== epoch.root.toLowerCase()) {
    throw new EpochFileMismatchError(`${where}'s leaves rebuild root ${root}, the epoch's root is ${epoch.root}`);
  }
  return { epoch: epoch.epoch, root, contentHash: epoch.contentHash, leafCount: hashes.length, leaves };
}
