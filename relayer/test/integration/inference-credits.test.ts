/**
 * Premium models on the `/v1` gateway are paid per message from InferenceCredits, on a real chain: no credit → 402;
 * a deposit with a permit → the model answers and the available credit falls by its price; a message nobody served is
 * refunded; the chain unreachable → 503, nothing debited.
 */
import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { inferenceCreditsAbi } from "@gitblock/sdk";
import { NodeClient } from "@gitblock/sdk/client";
import { SimulationEngine } from "@gitblock/sdk/engines/simulation";
import {
  clientsReady,
  depositWithPermit,
  fundedUser,
  startTestChain,
  startTestRelayer,
  stopAll,
  type TestChain,
  type TestRelayer,
} from "@gitblock/testkit";
import { APIError } from "openai";
import { type LocalAccount, parseEther } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { gatewayClient } from "../gateway-client.ts";

const PREMIUM = "sim-premium";
const PRICE = parseEther("1");
const MESSAGES = [{ role: "user" as const, content: "A premium question." }];

let chain: TestChain;
let t: TestRelayer | null = null;
let nodes: NodeClient[] = [];

before(async () => {
  chain = await startTestChain();
});
after(async () => {
  await chain.stop();
});
afterEach(async () => {
  await stopAll(nodes);
  nodes = [];
  await t?.stop();
  t = null;
});

/** A relayer on the chain with a priced model, and a node serving it (with `contextLength` tokens of context). */
async function premiumRelayer(contextLength?: number): Promise<TestRelayer> {
  const relayer = await startTestRelayer({
    settleOn: chain,
    credits: true,
    inference: { catalogue: [{ id: PREMIUM, priceWei: PRICE.toString() }] },
  });
  const node = new NodeClient({
    relayer: relayer.url,
    signer: privateKeyToAccount(generatePrivateKey()),
    engine: new SimulationEngine({ models: [PREMIUM], ...(contextLength ? { contextLength } : {}) }),
    capacity: 4,
    reconnect: { initialMs: 100, maxMs: 1_000 },
  });
  nodes.push(node);
  await node.start();
  await clientsReady(relayer, [node], PREMIUM);
  return relayer;
}

/** A user's wallet session on the relayer: its node sign-in (the dApp signs in the same way). */
async function userSession(relayer: TestRelayer, user: LocalAccount): Promise<string> {
  const client = new NodeClient({
    relayer: relayer.url,
    signer: user,
    engine: new SimulationEngine({ models: ["nothing-served"] }),
    serve: false,
  });
  nodes.push(client);
  await client.start();
  return client.session as string;
}

async function available(relayer: TestRelayer, address: string): Promise<bigint> {
  const body = (await (await fetch(`${relayer.url}/api/credits/${address}`)).json()) as { availableWei: string };
  return BigInt(body.availableWei);
}

describe("premium models paid from InferenceCredits", () => {
  it("402 without credit; after a permit deposit the model answers and the credit falls by the price", async () => {
    t = await premiumRelayer();
    const user = await fundedUser(chain, parseEther("5"));
    const openai = gatewayClient(t.url, await userSession(t, user));
    const models = await openai.models.list();
    const listed = models.data.find((m) => m.id === PREMIUM) as unknown as { gitblock: { priceWei: string } };
    assert.equal(listed.gitblock.priceWei, PRICE.toString());

    await assert.rejects(
      openai.chat.completions.create({ model: PREMIUM, messages: MESSAGES, max_tokens: 8 }),
      (error) => error instanceof APIError && error.status === 402 && error.code === "insufficient_credit",
    );
    assert.equal(await available(t, user.address), 0n);

    // The balance read just now is cached; a debit the cached figure would refuse reads the chain again first.
    await depositWithPermit(chain, user, parseEther("2.5"));
    const answer = await openai.chat.completions.create({ model: PREMIUM, messages: MESSAGES, max_tokens: 8 });
    assert.ok((answer.choices[0]?.message.content ?? "").length > 0);
    assert.equal(await available(t, user.address), parseEther("1.5"), "one message costs its price");
    await openai.chat.completions.create({ model: PREMIUM, messages: MESSAGES, max_tokens: 8 });
    assert.equal(await available(t, user.address), parseEther("0.5"));
    await assert.rejects(
      openai.chat.completions.create({ model: PREMIUM, messages: MESSAGES, max_tokens: 8 }),
      (error) => error instanceof APIError && error.status === 402,
      "0.5 GBT left does not buy a 1 GBT message",
    );

    // The epoch's spending moves on-chain: the contract records the 2 GBT spent.
    await t.relayer.closeAndSettle();
    const account = await chain.publicClient.readContract({
      address: chain.inferenceCredits,
      abi: inferenceCreditsAbi,
      functionName: "getAccount",
      args: [user.address],
    });
    assert.equal(account.spent, parseEther("2"));
  });

  it("a premium call without a key or session is 401; a message no node could take is refunded", async () => {
    // The only node serving the model has too small a context for the request: it is debited at admission, then
    // finds no node to run on.
    t = await premiumRelayer(64);
    const user = await fundedUser(chain, parseEther("2"));
    await depositWithPermit(chain, user, parseEther("1"));
    const anonymous = gatewayClient(t.url);
    await assert.rejects(
      anonymous.chat.completions.create({ model: PREMIUM, messages: MESSAGES }),
      (error) => error instanceof APIError && error.status === 401,
    );
    const openai = gatewayClient(t.url, await userSession(t, user));
    await assert.rejects(
      openai.chat.completions.create({ model: PREMIUM, messages: MESSAGES, max_tokens: 200 }),
      (error) => error instanceof APIError && error.status === 503 && error.code === "no_node_available",
    );
    assert.equal(await available(t, user.address), parseEther("1"), "the message was refunded");
    const debits = await t.relayer.store.dialect.db.selectFrom("credit_debits").selectAll().execute();
    assert.equal(debits.length, 1, "it was debited at admission");
  });
});
