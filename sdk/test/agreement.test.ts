import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  allowedNonTop1,
  commitmentHash,
  judgeScores,
  outputHash,
  passesAt,
  reportHash,
  revealedCommitment,
  signedBy,
  type TokenScore,
} from "@gitblock/sdk";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

const top = (tokenId: number): TokenScore => ({
  tokenId,
  topTokenId: tokenId,
  top1: true,
  rank: 0,
  logprob: -0.1,
  topLogprob: -0.1,
  gap: 0,
});
const near = (tokenId: number, gap: number): TokenScore => ({
  tokenId,
  topTokenId: tokenId + 1,
  top1: false,
  rank: 1,
  logprob: -0.1 - gap,
  topLogprob: -0.1,
  gap,
});

describe("the agreement rule", () => {
  it("M is max(2, ⌈2% of n⌉)", () => {
    assert.equal(allowedNonTop1(10, {}), 2);
    assert.equal(allowedNonTop1(100, {}), 2);
    assert.equal(allowedNonTop1(101, {}), 3);
    assert.equal(allowedNonTop1(1_000, {}), 20);
    assert.equal(allowedNonTop1(10, { minNonTop1: 0, nonTop1Share: 0 }), 0);
  });

  it("passes top-1 tokens and near-ties within δ, up to M of them", () => {
    const tokens = [top(1), near(2, 0.01), top(3), near(4, 0.05), top(5)];
    const report = judgeScores({ tokens }, { delta: 0.05 });
    assert.deepEqual(report, { pass: true, firstFailingPosition: null, nonTop1: 2, maxGap: 0.05, scored: 5 });
  });

  it("fails a token beyond δ at its position", () => {
    const report = judgeScores({ tokens: [top(1), top(2), near(3, 0.2), top(4)] }, { delta: 0.05 });
    assert.equal(report.pass, false);
    assert.equal(report.firstFailingPosition, 2);
    assert.equal(report.maxGap, 0.2);
  });

  it("fails the (M+1)-th near-tie even when each is within δ: a steerer cannot replace many tokens", () => {
    const report = judgeScores({ tokens: [near(1, 0.01), near(2, 0.01), near(3, 0.01), top(4)] }, { delta: 0.05 });
    assert.equal(report.pass, false);
    assert.equal(report.firstFailingPosition, 2);
    assert.equal(report.nonTop1, 3);
  });

  it("tests an early end of sequence as one more position", () => {
    const stoppedEarly = judgeScores({ tokens: [top(1), top(2)], end: near(0, 3) }, { delta: 0.05 });
    assert.equal(stoppedEarly.pass, false);
    assert.equal(stoppedEarly.firstFailingPosition, 2);
    assert.equal(stoppedEarly.scored, 3);
    assert.equal(judgeScores({ tokens: [top(1)], end: top(0) }, { delta: 0.05 }).pass, true);
  });

  it("passesAt reads a report's figures the way judgeScores decides", () => {
    const tokens = [top(1), near(2, 0.08), top(3)];
    for (const delta of [0.05, 0.1]) {
      const report = judgeScores({ tokens }, { delta });
      assert.equal(passesAt(report, { delta }), report.pass);
    }
  });
});

describe("commitments and reports", () => {
  const node = privateKeyToAccount(generatePrivateKey()).address;
  const salt = `0x${"ab".repeat(32)}` as const;

  it("a reveal opens its commitment, and nothing else does", () => {
    const ids = [5, 6, 7];
    const commitment = commitmentHash({ taskId: "t1", node, outputHash: outputHash(ids), tokenCount: 3, salt });
    assert.equal(revealedCommitment("t1", node, ids, salt), commitment);
    assert.notEqual(revealedCommitment("t1", node, [5, 6, 8], salt), commitment);
    assert.notEqual(revealedCommitment("t2", node, ids, salt), commitment);
    assert.notEqual(revealedCommitment("t1", node, ids, `0x${"cd".repeat(32)}`), commitment);
  });

  it("signatures are checked against the session key", async () => {
    const sessionKey = privateKeyToAccount(generatePrivateKey());
    const other = privateKeyToAccount(generatePrivateKey());
    const hash = reportHash({
      taskId: "t1",
      node,
      claimHash: outputHash([1]),
      pass: true,
      firstFailingPosition: -1,
      nonTop1: 0,
      maxGapMicros: 0,
      scored: 1,
    });
    const signature = await sessionKey.signMessage({ message: { raw: hash } });
    assert.equal(await signedBy(hash, signature, sessionKey.address), true);
    assert.equal(await signedBy(hash, signature, other.address), false);
    assert.equal(await signedBy(hash, "0x1234", sessionKey.address), false);
  });
});
