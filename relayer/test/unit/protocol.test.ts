import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeNodeMessage, outputHash, PROTOCOL_VERSION } from "@gitblock/sdk";
import { encodeAbiParameters, keccak256 } from "viem";

describe("wire protocol", () => {
  it("output hash is keccak256(abi.encode(uint32[] tokenIds))", () => {
    const ids = [0, 1, 50_256, 2 ** 32 - 1];
    assert.equal(outputHash(ids), keccak256(encodeAbiParameters([{ type: "uint32[]" }], [ids])));
    assert.notEqual(outputHash([1, 2]), outputHash([2, 1]));
    assert.throws(() => outputHash([-1]), RangeError);
    assert.throws(() => outputHash([2 ** 32]), RangeError);
  });

  it("decodes valid frames and explains invalid ones", () => {
    const ok = decodeNodeMessage(JSON.stringify({ type: "heartbeat", v: PROTOCOL_VERSION, t: 5 }));
    assert.ok(ok.ok);
    const notJson = decodeNodeMessage("{");
    assert.deepEqual(notJson.ok ? null : notJson.code, "bad_frame");
    // Deliberately a literal: version 1 (the R-way hash-voting protocol) is no longer spoken.
    assert.notEqual(PROTOCOL_VERSION, 1);
    const version = decodeNodeMessage(JSON.stringify({ type: "heartbeat", v: 1, t: 5 }));
    assert.equal(version.ok ? null : version.code, "unsupported_version");
    const extra = decodeNodeMessage(JSON.stringify({ type: "heartbeat", v: PROTOCOL_VERSION, t: 5, evil: true }));
    assert.equal(extra.ok, false, "unknown fields are refused");
    const badHash = decodeNodeMessage(
      JSON.stringify({
        type: "commit",
        v: PROTOCOL_VERSION,
        taskId: "x",
        commitment: "0x12",
        signature: "0x00",
      }),
    );
    assert.match(badHash.ok ? "" : badHash.reason, /commitment/);
    const goodCommit = decodeNodeMessage(
      JSON.stringify({
        type: "commit",
        v: PROTOCOL_VERSION,
        taskId: "x",
        commitment: `0x${"12".repeat(32)}`,
        signature: "0x00",
      }),
    );
    assert.ok(goodCommit.ok, goodCommit.ok ? "" : goodCommit.reason);
    const gone = decodeNodeMessage(
      JSON.stringify({
        type: "result",
        v: PROTOCOL_VERSION,
        taskId: "x",
        outputHash: `0x${"12".repeat(32)}`,
        tokensGenerated: 1,
        timings: { queueMs: 0, inferenceMs: 0 },
      }),
    );
    assert.equal(gone.ok, false, "the old result frame is no longer part of the protocol");
    const badReport = decodeNodeMessage(
      JSON.stringify({
        type: "report",
        v: PROTOCOL_VERSION,
        taskId: "x",
        claimHash: `0x${"12".repeat(32)}`,
        pass: true,
        firstFailingPosition: -2,
        nonTop1: 0,
        maxGapMicros: 0,
        scored: 1,
        signature: "0x00",
        timings: { queueMs: 0, inferenceMs: 0 },
      }),
    );
    assert.match(badReport.ok ? "" : badReport.reason, /firstFailingPosition/);
  });
});
