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
    // Deliberately a literal: a version other than PROTOCOL_VERSION.
    const version = decodeNodeMessage(JSON.stringify({ type: "heartbeat", v: 2, t: 5 }));
    assert.equal(version.ok ? null : version.code, "unsupported_version");
    const extra = decodeNodeMessage(JSON.stringify({ type: "heartbeat", v: PROTOCOL_VERSION, t: 5, evil: true }));
    assert.equal(extra.ok, false, "unknown fields are refused");
    const badHash = decodeNodeMessage(
      JSON.stringify({
        type: "result",
        v: PROTOCOL_VERSION,
        taskId: "x",
        outputHash: "0x12",
        tokensGenerated: 1,
        timings: { queueMs: 0, inferenceMs: 0 },
      }),
    );
    assert.match(badHash.ok ? "" : badHash.reason, /outputHash/);
  });
});
