/**
 * The gateway side of the local network: the models the relayer's `/v1` gateway offers, and the node that serves
 * them (the SDK's NodeClient on the simulation engine). Its models are none of the fleet's task models, so it never
 * takes the fleet's tasks.
 */
import { NodeClient } from "@gitblock/sdk/client";
import { SimulationEngine } from "@gitblock/sdk/engines/simulation";
import { type TestRelayer, waitForReadyNodes } from "@gitblock/testkit";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

/** The models the gateway offers: a free and a premium one the serving node runs, and the dashboard's locked tiers. */
export const CHAT_MODEL = "sim-chat";
export const PREMIUM_MODEL = "sim-premium";
export const PREMIUM_PRICE_WEI = 10n ** 18n;
export const GATEWAY_CATALOGUE = [
  { id: CHAT_MODEL, label: "Sim Chat", priceWei: "0" },
  { id: PREMIUM_MODEL, label: "Sim Premium", priceWei: PREMIUM_PRICE_WEI.toString() },
  { id: "qwen3-235b", label: "Qwen 3", priceWei: "2000000000000000000", minActiveNodes: 500 },
  { id: "kimi-k2", label: "Kimi K2", priceWei: "2000000000000000000", minActiveNodes: 500 },
  { id: "llama-4-maverick", label: "Llama 4 Maverick", priceWei: "3000000000000000000", minActiveNodes: 1_000 },
  { id: "deepseek-v3", label: "DeepSeek V3", priceWei: "5000000000000000000", minActiveNodes: 5_000 },
];
/** A prompt with this word is answered over a minute (to stop it mid-stream); any other within about 2 s. */
export const SLOW_WORD = "slowly";

/** A signed-in node serving `CHAT_MODEL` and `PREMIUM_MODEL`, ready when this resolves. */
export async function startServingNode(relayer: TestRelayer): Promise<NodeClient> {
  const node = new NodeClient({
    relayer: relayer.url,
    signer: privateKeyToAccount(generatePrivateKey()),
    engine: new SimulationEngine({
      models: [CHAT_MODEL, PREMIUM_MODEL],
      // Slow only when the newest message asks for it (the rendered input holds the whole conversation).
      latencyMs: (request) =>
        request.input.slice(request.input.lastIndexOf("<|im_start|>user")).includes(SLOW_WORD) ? 90_000 : 2_000,
    }),
    capacity: 4,
  });
  await node.start();
  try {
    await waitForReadyNodes(relayer, [node.address], CHAT_MODEL);
  } catch (error) {
    await node.stop();
    throw error;
  }
  return node;
}
