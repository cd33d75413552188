// `npm start`: the whole local network in one command; Ctrl-C stops every process.
import path from "node:path";
import { developmentKey } from "@gitblock/testkit";
import { privateKeyToAccount } from "viem/accounts";
import { createApiKey } from "./api-key.ts";
import { startLocalNetwork } from "./network.ts";

const root = path.resolve(import.meta.dirname, "../..");
const port = (variable: string, fallback: number) => Number(process.env[variable] ?? fallback);

let network: Awaited<ReturnType<typeof startLocalNetwork>> | undefined;

async function shutdown(code: number): Promise<never> {
  await network?.stop();
  process.exit(code);
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.log("\nstopping…");
    void shutdown(0);
  });
}

try {
  network = await startLocalNetwork({
    chainPort: port("GITBLOCK_CHAIN_PORT", 8545),
    relayerPort: port("GITBLOCK_RELAYER_PORT", 8080),
    webPort: port("GITBLOCK_WEB_PORT", 5173),
    epochIntervalMs: port("GITBLOCK_EPOCH_INTERVAL_MS", 30_000),
    fleet: process.env.GITBLOCK_FLEET ?? "honest=4,liar=1,flaky=1",
    dataDir: path.join(root, ".gitblock/local"),
    onStep: (step) => console.log(`• ${step}`),
  });
  const wallet = developmentKey(5);
  const apiKey = await createApiKey(network.relayerUrl, privateKeyToAccount(wallet.privateKey), "npm start");
  console.log(`
GitBlock local network is up
  dApp          ${network.webUrl}
  relayer       ${network.relayerUrl}   (admin token ${network.adminToken})
  AI gateway    ${network.relayerUrl}/v1   (OpenAI-compatible; API key ${apiKey}, the test wallet's)
  chain RPC     ${network.rpcUrl}  (chain id 31337)
  deployment    .gitblock/local/localhost.json
  test wallet   ${wallet.address}
  private key   ${wallet.privateKey}  (a public development key: local chain only)
Press Ctrl-C to stop.`);
  const name = await network.exited;
  console.error(`${name} stopped unexpectedly; stopping the rest`);
  await shutdown(1);
} catch (error) {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  await shutdown(1);
}
