import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { NodeState } from "@gitblock/sdk";
import { type Address, keccak256, toBytes } from "viem";
import {
  EpochFileError,
  type EpochFileHeader,
  epochFileHash,
  epochFileLines,
  headerLine,
  leafLine,
  parseHeaderLine,
  parseLeafLine,
} from "../../src/settlement/epoch-file.ts";
import { buildEpochTree } from "../../src/settlement/merkle.ts";
import { EpochFileReader } from "../../src/watch/epoch-file-reader.ts";

const account = (i: number) => `0x${(i + 1).toString(16).padStart(40, "0")}` as Address;
const leaf = (i: number): NodeState => ({
  account: account(i),
  cumulativeAmount: i % 2 ? 10n ** 30n + BigInt(i) : BigInt(i) * 1_000n,
  reputationBps: 10_000 - i,
  tasksValidated: 2n ** 64n - 1n - BigInt(i),
  tasksFailed: BigInt(i),
  strikes: i % 3,
});
const leaves = (n: number) => Array.from({ length: n }, (_, i) => leaf(i));
const headerOf = (states: NodeState[], root: `0x${string}` = `0x${"ab".repeat(32)}`): EpochFileHeader => ({
  epoch: 3,
  root,
  cumulativeTotal: states.reduce((sum, s) => sum + s.cumulativeAmount, 0n),
  networkShare: 7n,
  leafCount: states.length,
});
const fileText = (header: EpochFileHeader, states: NodeState[]) => [...epochFileLines(header, states)].join("");

/** The text as a byte stream in chunks of `size` bytes (lines split across chunks on purpose). */
async function* chunked(text: string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
}

async function readAll(text: string, size = 7) {
  const reader = await EpochFileReader.open(chunked(text, size));
  const read: NodeState[] = [];
  for await (const state of reader.leaves()) read.push(state);
  return { reader, read, digest: await reader.digest() };
}

describe("the epoch file", () => {
  it("round-trips every field, the largest values included, and writes lower-case addresses", () => {
    const mixed = { ...leaf(1), account: "0xAbCdEf0000000000000000000000000000000001" as Address };
    const line = leafLine(mixed);
    assert.equal(line.endsWith("}\n"), true);
    assert.deepEqual(parseLeafLine(line.slice(0, -1), 0), { ...mixed, account: mixed.account.toLowerCase() });
    const header = headerOf(leaves(2));
    assert.deepEqual(parseHeaderLine(headerLine(header).slice(0, -1)), header);
  });

  it("hashes to keccak256 of its bytes, the proposal's contentHash", async () => {
    const states = leaves(40);
    const header = headerOf(states);
    assert.equal(await epochFileHash(header, states), keccak256(toBytes(fileText(header, states))));
  });

  it("refuses every line that is not in canonical form", () => {
    const canonical = leafLine(leaf(1)).slice(0, -1);
    const variants = [
      canonical.replace(",", ", "), // whitespace
      canonical.replace(/"strikes":1/, '"strikes":1.0'), // a number written another way
      canonical.replace(/"tasksFailed":"1"/, '"tasksFailed":"01"'), // a leading zero
      canonical.replace(/"tasksFailed":"1"/, '"tasksFailed":1'), // a uint64 as a JSON number
      canonical.replace('"account":"0x', '"account":"0X'),
      leafLine({ ...leaf(1), account: `0x${"0".repeat(38)}aa` })
        .slice(0, -1)
        .replace("aa", "AA"), // upper-case hex
      `{"cumulativeAmount":"1",${canonical.slice(1).replace(/,"cumulativeAmount":"[0-9]+"/, "")}`, // key order
      canonical.replace("}", ',"extra":1}'),
      canonical.replace('"strikes":1', '"strikes":1,"strikes":1'), // a key twice
      canonical.replace(/"reputationBps":[0-9]+/, '"reputationBps":65536'), // above uint16
      canonical.replace(/"tasksValidated":"[0-9]+"/, `"tasksValidated":"${2n ** 64n}"`), // above uint64
      "[]",
      "not json",
    ];
    for (const variant of variants) {
      assert.notEqual(variant, canonical);
      assert.throws(() => parseLeafLine(variant, 0), EpochFileError, variant);
    }
    const header = headerLine(headerOf(leaves(1))).slice(0, -1);
    assert.throws(
      () => parseHeaderLine(header.replace("gitblock-epoch-file/1", "gitblock-epoch-file/2")),
      EpochFileError,
    );
    assert.throws(() => parseHeaderLine(header.replace('"epoch":3', '"epoch":"3"')), EpochFileError);
    assert.throws(() => parseHeaderLine(header.replace("0xabab", "0xABAB")), EpochFileError);
  });
});

describe("reading an epoch file as it streams in", () => {
  it("gives the leaves, the content hash and the root the relayer's tree has, whatever the chunking", async () => {
    const states = leaves(33);
    const tree = await buildEpochTree(states, states.length);
    const header = headerOf(states, tree.root);
    const text = fileText(header, states);
    for (const size of [1, 7, 4_096]) {
      const { reader, read, digest } = await readAll(text, size);
      assert.deepEqual(reader.header, header);
      assert.deepEqual(read, states);
      assert.equal(digest.contentHash, keccak256(toBytes(text)));
      assert.equal(digest.root, tree.root);
      assert.equal(digest.leafLayerHash, await tree.leafLayerHash());
      assert.equal(digest.total, header.cumulativeTotal);
    }
  });

  it("refuses leaves out of order or twice, too few or too many, a missing last newline and an over-long line", async () => {
    const states = leaves(4);
    const header = headerOf(states);
    const swapped = [states[0], states[2], states[1], states[3]] as NodeState[];
    const twice = [states[0], states[1], states[1], states[3]] as NodeState[];
    const bad: Array<[string, string]> = [
      ["out of order", fileText(header, swapped)],
      ["twice", fileText(header, twice)],
      ["too few", fileText(header, states.slice(0, 3))],
      ["too many", fileText(header, [...states, leaf(9)])],
      ["no last newline", fileText(header, states).slice(0, -1)],
      ["over-long line", `${headerLine(header)}${" ".repeat(2_000)}\n`],
      ["empty", ""],
      ["no leaves", headerLine({ ...header, leafCount: 0 })],
    ];
    for (const [what, text] of bad) {
      await assert.rejects(readAll(text), EpochFileError, what);
    }
  });
});
