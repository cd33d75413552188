/**
 * Served answers are paid like validated tasks, and a sampled share is re-scored by verifiers: a node caught serving
 * wrong output is struck and loses the pay of its unverified served work in the same epoch.
 */
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { NodeClient } from "@gitblock/sdk/client";
import { SimulationEngine } from "@gitblock/sdk/engines/simulation";
import { clientsReady, MODEL, simNodes, startTestRelayer, stopAll, type TestRelayer, waitFor } from "@gitblock/testkit";
import OpenAI from "openai";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

let t: TestRelayer | null = null;
let nodes: NodeClient[] = [];

afterEach(async () => {
  await stopAll(nodes);
  nodes = [];
  await t?.stop();
  t = null;
});

const MESSAGES = [{ role: "user" as const, content: "Tell me about verification." }];

/** An honest node that verifies and never serves users (the dispute tier, or an ordinary verifier). */
function verifier(relayer: TestRelayer, key = generatePrivateKey()): NodeClient {
  return new NodeClient({
    relayer: relayer.url,
    signer: privateKeyToAccount(key),
    engine: new SimulationEngine({ models: [MODEL] }),
    capacity: 4,
    serve: false,
    reconnect: { initialMs: 100, maxMs: 1_000 },
  });
}

describe("served answers: paid, and checked by sampled verification", () => {
  it("pays an unchecked answer at once; a sampled wrong answer strikes the node and takes back the epoch's unchecked pay", async () => {
    const referenceKey = generatePrivateKey();
    t = await startTestRelayer({
      verification: {
        verifiers: { trusted: 2, untrusted: 2 },
        referenceVerifiers: [privateKeyToAccount(referenceKey).address],
      },
      // Nothing sampled at first: the first answers are paid unchecked.
      inference: { minVerifyShare: 0, maxVerifyShare: 0 },
    });
    const relayer = t;
    const checkers = [verifier(relayer, referenceKey), verifier(relayer), verifier(relayer)];
    nodes.push(...checkers);
    await Promise.all(checkers.map((c) => c.start()));
    await clientsReady(relayer, checkers);
    const [liar] = await simNodes(relayer, [{ kind: "liar" }]);
    nodes.push(liar as NodeClient);
    const openai = new OpenAI({ baseURL: `${relayer.url}/v1`, apiKey: liar?.session ?? "", maxRetries: 0 });

    for (let i = 0; i < 2; i++) {
      const answer = await openai.chat.completions.create({ model: MODEL, messages: MESSAGES, max_tokens: 12 });
      assert.ok((answer.usage?.completion_tokens ?? 0) > 0);
    }
    await relayer.relayer.inference.drain();
    const paid = await relayer.relayer.store.getNode(liar?.address as `0x${string}`);
    assert.ok(paid && paid.confirmedWei > 0n, "unchecked served work is paid at once");
    const served = await relayer.relayer.store.dialect.db
      .selectFrom("tasks")
      .select(["status", "input"])
      .where("kind", "=", "served")
      .execute();
    assert.equal(served.length, 2);
    assert.ok(
      served.every((row) => row.status === "validated" && row.input === ""),
      "no prompt kept",
    );

    // Every answer sampled from now on.
    relayer.relayer.config.inference.minVerifyShare = 1;
    relayer.relayer.config.inference.maxVerifyShare = 1;
    const verdict = waitFor(liar as NodeClient, "verdict", (v) => v.outcome === "wrong", 15_000);
    await openai.chat.completions.create({ model: MODEL, messages: MESSAGES, max_tokens: 12 });
    await verdict;
    const after = await relayer.relayer.store.getNode(liar?.address as `0x${string}`);
    assert.equal(after?.confirmedWei, 0n, "the epoch's unchecked served pay was taken back");
    assert.ok((after?.strikes ?? 0) >= 1, "the node was struck");
    const statuses = await relayer.relayer.store.dialect.db
      .selectFrom("tasks")
      .select(["status", "input", "prefix_ids"])
      .where("kind", "=", "served")
      .execute();
    assert.deepEqual(statuses.map((row) => row.status).sort(), ["rejected", "revoked", "revoked"]);
    assert.ok(
      statuses.every((row) => row.input === "" && row.prefix_ids === null),
      "prompts erased once final",
    );
  });

  it("an honest node's sampled answer is validated by its verifiers and paid", async () => {
    t = await startTestRelayer({
      verification: { verifiers: { trusted: 2, untrusted: 2 } },
      inference: { minVerifyShare: 1, maxVerifyShare: 1 },
    });
    const relayer = t;
    const checkers = [verifier(relayer), verifier(relayer)];
    nodes.push(...checkers);
    await Promise.all(checkers.map((c) => c.start()));
    await clientsReady(relayer, checkers);
    const [honest] = await simNodes(relayer, [{ kind: "honest" }]);
    nodes.push(honest as NodeClient);
    const openai = new OpenAI({ baseURL: `${relayer.url}/v1`, apiKey: honest?.session ?? "", maxRetries: 0 });
    const verdict = waitFor(honest as NodeClient, "verdict", (v) => v.outcome === "correct", 15_000);
    await openai.chat.completions.create({
      model: MODEL,
      messages: MESSAGES,
      max_tokens: 12,
      temperature: 0.8,
      seed: 7,
    });
    const [message] = await verdict;
    assert.ok(BigInt(message.rewardWei) > 0n);
  });
});
