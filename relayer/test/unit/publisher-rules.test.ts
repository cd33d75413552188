import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeNodeMessage, PROTOCOL_VERSION } from "@gitblock/sdk";
import { type ActivePlacement, splitPublisherShares } from "../../src/ledger/publisher-share.ts";
import { normalizeDomain, PublisherInputError } from "../../src/publishers/domain-name.ts";
import { placementInput } from "../../src/publishers/placement-rules.ts";
import type { LedgerEntry } from "../../src/store/types.ts";
import { NETWORK_ACCOUNT } from "../../src/store/types.ts";

const entry = (account: string, kind: LedgerEntry["kind"], amountWei: bigint, bonusWei = 0n): LedgerEntry => ({
  epoch: 1,
  account,
  kind,
  ref: "t1",
  amountWei,
  bonusWei,
  createdAt: 5,
});

describe("publisher share", () => {
  const placement: ActivePlacement = { placement: "pl_1", publisher: "0xPub", shareBps: 3_000 };

  it("splits only the generator's task credit, rounding the share down; node + publisher = what the node earned", () => {
    const ledger = [
      entry("0xNode", "task", 1_000_003n, 90_000n),
      entry("0xVerifier", "verify", 500n),
      entry(NETWORK_ACCOUNT, "network", 333_334n),
    ];
    const { ledger: out, credits } = splitPublisherShares(ledger, (node) =>
      node === "0xVerifier" ? undefined : placement,
    );
    const node = out.find((e) => e.kind === "task");
    const publisher = out.find((e) => e.kind === "publisher");
    assert.equal(publisher?.amountWei, 300_000n, "30% of 1,000,003, rounded down");
    assert.equal(node?.amountWei, 700_003n, "the node keeps the remainder");
    assert.equal(node?.bonusWei, 90_000n, "the bonus stays on the node's entry (reconciliation counts it once)");
    assert.equal(publisher?.bonusWei, 0n);
    assert.equal(publisher?.account, "0xPub");
    assert.equal(publisher?.ref, "t1");
    assert.deepEqual(
      out.filter((e) => e.kind === "verify" || e.kind === "network"),
      ledger.slice(1),
      "verifier pay and the network's share are untouched",
    );
    const sum = (entries: LedgerEntry[]) => entries.reduce((s, e) => s + e.amountWei, 0n);
    assert.equal(sum(out), sum(ledger), "nothing created or lost");
    assert.deepEqual(credits, [
      { taskId: "t1", node: "0xNode", publisher: "0xPub", placement: "pl_1", amountWei: 300_000n },
    ]);
  });

  it("leaves a credit alone without an active placement, or when the share rounds to nothing", () => {
    const ledger = [entry("0xNode", "task", 3n)];
    assert.deepEqual(
      splitPublisherShares(ledger, () => undefined),
      { ledger, credits: [] },
    );
    assert.deepEqual(
      splitPublisherShares(ledger, () => placement),
      { ledger, credits: [] },
    );
    assert.deepEqual(splitPublisherShares(ledger, () => ({ ...placement, shareBps: 0 })).credits, []);
  });
});

describe("publisher input", () => {
  it("stores a domain in one spelling and refuses what is not a domain name", () => {
    assert.equal(normalizeDomain(" News.Example.COM. "), "news.example.com");
    for (const bad of [
      "",
      "localhost",
      "http://a.com",
      "a.com:80",
      "a..com",
      "-a.com",
      "127.0.0.1",
      `${"x".repeat(64)}.com`,
      null,
    ]) {
      assert.throws(() => normalizeDomain(bad), PublisherInputError, String(bad));
    }
  });

  it("bounds placements: publisher ≤ 30% of the node share, sane limits, a path prefix", () => {
    const valid = {
      pageId: "home",
      placementId: "top",
      domain: "a.com",
      pathPrefix: "/",
      limits: { gpuSecondsPerVisitorPerDay: 0, cpuThreads: 1, stopWhenHidden: false },
      publisherShareBps: 3_000,
    };
    assert.ok(placementInput.safeParse(valid).success);
    for (const bad of [
      { ...valid, publisherShareBps: 3_001 },
      { ...valid, publisherShareBps: -1 },
      { ...valid, publisherShareBps: 1.5 },
      { ...valid, pathPrefix: "/a b" },
      { ...valid, pathPrefix: "/a?b" },
      { ...valid, pageId: "" },
      { ...valid, placementId: "a/b" },
      { ...valid, limits: { ...valid.limits, gpuSecondsPerVisitorPerDay: 86_401 } },
      { ...valid, limits: { ...valid.limits, cpuThreads: 65 } },
    ]) {
      assert.equal(placementInput.safeParse(bad).success, false, JSON.stringify(bad));
    }
  });

  it("validates the placement a node's ready frame names", () => {
    const ready = (placement: unknown) =>
      decodeNodeMessage(JSON.stringify({ type: "ready", v: PROTOCOL_VERSION, models: ["m"], capacity: 1, placement }));
    assert.equal(ready(`pl_${"a1".repeat(12)}`).ok, true);
    for (const bad of ["sidebar", "pl_", `pl_${"A".repeat(24)}`, `pl_${"a".repeat(25)}`, 7]) {
      assert.equal(ready(bad).ok, false, String(bad));
    }
    assert.equal(
      decodeNodeMessage(JSON.stringify({ type: "ready", v: PROTOCOL_VERSION, models: ["m"], capacity: 1 })).ok,
      true,
    );
  });
});
