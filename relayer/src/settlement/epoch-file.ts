import type { NodeState } from "@gitblock/sdk";
import { createKeccak } from "hash-wasm";
import type { Address, Hex } from "viem";
import { RelayerError } from "../errors.ts";

/**
 * The epoch file: every leaf of a proposed epoch, published by the relayer (`GET /api/epochs/:epoch/leaves`) so that
 * anyone can rebuild the root and check it against the previous final epoch. Its keccak256 is the proposal's
 * `contentHash`, so the bytes are canonical: one way to write each epoch, and readers refuse any other.
 *
 * NDJSON, UTF-8 (ASCII in fact), every line ending in "\n", no other whitespace, keys in this order:
 *
 *   {"format":"gitblock-epoch-file/1","epoch":7,"root":"0x…","cumulativeTotal":"…","networkShare":"…","leafCount":2}
 *   {"account":"0x…","cumulativeAmount":"…","reputationBps":9800,"tasksValidated":"…","tasksFailed":"…","strikes":1}
 *   …
 *
 * then exactly `leafCount` leaf lines in leaf order (strictly ascending lower-case account: the order the relayer
 * closes an epoch in, which also rules out a second leaf for one account). Addresses and the root are lower-case
 * hex; uint256 and uint64 values are decimal strings without leading zeros (JSON numbers lose precision above
 * 2^53), uint16 and uint32 values are JSON numbers.
 */
export const EPOCH_FILE_FORMAT = "gitblock-epoch-file/1";

/** The route the relayer serves an epoch's file at. */
export const EPOCH_FILE_ROUTE = "/api/epochs/:epoch/leaves";

export const epochFilePath = (epoch: number | bigint): string => `/api/epochs/${epoch}/leaves`;

/** A line longer than this is refused before it is parsed (the longest valid leaf line is about 250 bytes). */
export const MAX_EPOCH_FILE_LINE_BYTES = 1_024;

export interface EpochFileHeader {
  epoch: number;
  root: Hex;
  cumulativeTotal: bigint;
  networkShare: bigint;
  leafCount: number;
}

/** A file that is not a canonical epoch file (transport failures are not this: they are errors of their own). */
export class EpochFileError extends RelayerError {
  override name = "EpochFileError";
}

const UINT = /^(0|[1-9][0-9]*)$/;
const ADDRESS = /^0x[0-9a-f]{40}$/;
const BYTES32 = /^0x[0-9a-f]{64}$/;
const MAX_UINT256 = 2n ** 256n - 1n;
const MAX_UINT64 = 2n ** 64n - 1n;

export function headerLine(header: EpochFileHeader): string {
  return (
    `{"format":"${EPOCH_FILE_FORMAT}","epoch":${header.epoch},"root":"${header.root.toLowerCase()}",` +
    `"cumulativeTotal":"${header.cumulativeTotal}","networkShare":"${header.networkShare}","leafCount":${header.leafCount}}\n`
  );
}

export function leafLine(state: NodeState): string {
  return (
    `{"account":"${state.account.toLowerCase()}","cumulativeAmount":"${state.cumulativeAmount}",` +
    `"reputationBps":${state.reputationBps},"tasksValidated":"${state.tasksValidated}",` +
    `"tasksFailed":"${state.tasksFailed}","strikes":${state.strikes}}\n`
  );
}

/** The whole file as lines, built one at a time (an epoch of a million leaves is never one string). */
export function* epochFileLines(header: EpochFileHeader, leaves: Iterable<NodeState>): Generator<string> {
  yield headerLine(header);
  for (const leaf of leaves) yield leafLine(leaf);
}

/** `contentHash`: keccak256 of the file's bytes, hashed as they are written (batched: one update per ~64 KiB). */
export async function epochFileHash(header: EpochFileHeader, leaves: Iterable<NodeState>): Promise<Hex> {
  const hasher = await createKeccak(256);
  hasher.init();
  let batch = "";
  for (const line of epochFileLines(header, leaves)) {
    batch += line;
    if (batch.length >= 65_536) {
      hasher.update(batch);
      batch = "";
    }
  }
  hasher.update(batch);
  return `0x${hasher.digest("hex")}`;
}

function parseObject(line: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new EpochFileError(`${what} is not JSON: ${line.slice(0, 120)}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new EpochFileError(`${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

function uint(value: unknown, max: bigint, what: string): bigint {
  if (typeof value !== "string" || !UINT.test(value)) throw new EpochFileError(`${what} is not a decimal string`);
  const parsed = BigInt(value);
  if (parsed > max) throw new EpochFileError(`${what} is out of range`);
  return parsed;
}

function smallUint(value: unknown, max: number, what: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > max) {
    throw new EpochFileError(`${what} is not a whole number in [0, ${max}]`);
  }
  return value;
}

/** Parses the header line (without its "\n"); anything but its canonical form is refused. */
export function parseHeaderLine(line: string): EpochFileHeader {
  const raw = parseObject(line, "the header");
  if (raw.format !== EPOCH_FILE_FORMAT) throw new EpochFileError(`the header's format is not ${EPOCH_FILE_FORMAT}`);
  if (typeof raw.root !== "string" || !BYTES32.test(raw.root))
    throw new EpochFileError("the header's root is not bytes32");
  const header: EpochFileHeader = {
    epoch: smallUint(raw.epoch, Number.MAX_SAFE_INTEGER, "the header's epoch"),
    root: raw.root as Hex,
    cumulativeTotal: uint(raw.cumulativeTotal, MAX_UINT256, "the header's cumulativeTotal"),
    networkShare: uint(raw.networkShare, MAX_UINT256, "the header's networkShare"),
    leafCount: smallUint(raw.leafCount, Number.MAX_SAFE_INTEGER, "the header's leafCount"),
  };
  if (headerLine(header) !== `${line}\n`) throw new EpochFileError("the header is not in canonical form");
  return header;
}

/** Parses one leaf line (without its "\n"); anything but its canonical form is refused. */
export function parseLeafLine(line: string, index: number): NodeState {
  const what = `leaf ${index}`;
  const raw = parseObject(line, what);
  if (typeof raw.account !== "string" || !ADDRESS.test(raw.account)) {
    throw new EpochFileError(`${what}: account is not a lower-case address`);
  }
  const state: NodeState = {
    account: raw.account as Address,
    cumulativeAmount: uint(raw.cumulativeAmount, MAX_UINT256, `${what}: cumulativeAmount`),
    reputationBps: smallUint(raw.reputationBps, 65_535, `${what}: reputationBps`),
    tasksValidated: uint(raw.tasksValidated, MAX_UINT64, `${what}: tasksValidated`),
    tasksFailed: uint(raw.tasksFailed, MAX_UINT64, `${what}: tasksFailed`),
    strikes: smallUint(raw.strikes, 4_294_967_295, `${what}: strikes`),
  };
  if (leafLine(state) !== `${line}\n`) throw new EpochFileError(`${what} is not in canonical form`);
  return state;
}
