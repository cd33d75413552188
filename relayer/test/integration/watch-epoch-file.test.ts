// The epoch file as the relayer publishes it: streamed a page of leaves at a time, byte for byte the file whose hash
// the settler proposes as contentHash, and readable by the watcher's reader to the same root.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startTestRelayer, type TestRelayer } from "@gitblock/testkit";
import { keccak256 } from "viem";
import { epochFilePath } from "../../src/settlement/epoch-file.ts";
import { EpochTree } from "../../src/settlement/merkle.ts";
import { EpochFileReader } from "../../src/watch/epoch-file-reader.ts";

/** More than two of the route's pages (2,000 leaves each), and not a multiple of one. */
const NODES = 4_321;

describe("the published epoch file", () => {
  let t: TestRelayer;
  before(async () => {
    t = await startTestRelayer();
    const db = t.relayer.store.dialect.db;
    const now = Date.now();
    for (let from = 0; from < NODES; from += 500) {
      const rows = Array.from({ length: Math.min(500, NODES - from) }, (_, j) => {
        const i = from + j;
        const address = `0x${(i * 7_919 + 11).toString(16).padStart(40, "0")}`;
        return {
          address,
          operator: address,
          country: null,
          reputation_bps: 5_000 + (i % 5_000),
          strikes: i % 4,
          tasks_validated: i * 3,
          tasks_failed: i % 7,
          confirmed_wei: (10n ** 18n * BigInt(i + 1) + BigInt(i)).toString(),
          created_at: now,
          last_seen_at: now,
        };
      });
      await db.insertInto("nodes").values(rows).execute();
    }
  });
  after(async () => {
    await t?.stop();
  });

  it("is served once proposed, streamed, hashing to the epoch's contentHash and rebuilding its root", async () => {
    await t.relayer.settler.close();
    const [built] = await t.relayer.settler.advance();
    assert.equal(built?.status, "built", "no chain here: built, not proposed");
    const url = `${t.url}${epochFilePath(1)}`;
    const unpublished = await fetch(url);
    assert.equal(unpublished.status, 404, "a built epoch's leaves may still change: not published yet");
    await unpublished.body?.cancel();

    // What the settler records when it signs the proposal (nothing else about the epoch changes).
    const record = await t.relayer.store.updateEpoch(1, { status: "proposing" });
    const response = await fetch(url);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("etag"), `"${record.contentHash}"`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    assert.equal(keccak256(bytes), record.contentHash, "the proposed contentHash is the file's hash");
    const layers = await t.relayer.store.epochTree(1);
    assert.ok(layers);
    assert.notEqual(
      record.contentHash,
      await new EpochTree(layers, NODES).leafLayerHash(),
      "no longer the hash of the leaf layer, which nobody could check without the leaves",
    );

    const reader = await EpochFileReader.open((await fetch(url)).body as AsyncIterable<Uint8Array>);
    assert.equal(reader.header.leafCount, NODES);
    let count = 0;
    for await (const _leaf of reader.leaves()) count++;
    assert.equal(count, NODES);
    const digest = await reader.digest();
    assert.equal(digest.root, record.root);
    assert.equal(digest.contentHash, record.contentHash);
    assert.equal(digest.total, record.cumulativeTotal);
  });

  it("stops streaming for a client that goes away, and serves the next one whole", async () => {
    const url = `${t.url}${epochFilePath(1)}`;
    const abandoned = await fetch(url);
    const stream = abandoned.body?.getReader();
    assert.ok(stream);
    assert.equal((await stream.read()).done, false);
    await stream.cancel();
    const again = new Uint8Array(await (await fetch(url)).arrayBuffer());
    assert.equal(keccak256(again), (await t.relayer.store.getEpoch(1))?.contentHash);
  });
});
