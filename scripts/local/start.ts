// `npm start`: the whole local network in one command; Ctrl-C stops every process.
import type { ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import path from "node:path";
import {
  developmentKey,
  type PublisherPage,
  setUpDemoPublisher,
  spawnNode,
  startPublisherPage,
  stop,
  TxtDnsServer,
} from "@gitblock/testkit";
import { privateKeyToAccount } from "viem/accounts";
import { createApiKey } from "./api-key.ts";
import { startLocalNetwork } from "./network.ts";

const root = path.resolve(import.meta.dirname, "../..");
/** The local DNS server's UDP port: fixed, as relayer.config.json names it. */
const DEMO_DNS_PORT = 8553;
/** The demo publisher's domain: `*.localhost` is loopback in browsers, and another origin than the dApp's. */
const DEMO_DOMAIN = "demo.localhost";
const port = (variable: string, fallback: number) => Number(process.env[variable] ?? fallback);

let network: Awaited<ReturnType<typeof startLocalNetwork>> | undefined;
let watcher: ChildProcess | undefined;
let dns: TxtDnsServer | undefined;
let demoPage: PublisherPage | undefined;
let stopping: Promise<never> | undefined;

/** Stops everything once: a signal sent to the whole process group also ends the children on their own, and their
 * exits must not read as a crash nor stop what is already stopped. */
function shutdown(code: number): Promise<never> {
  stopping ??= (async () => {
    if (watcher) await stop(watcher);
    await demoPage?.stop();
    await network?.stop();
    await dns?.stop();
    process.exit(code);
  })();
  return stopping;
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.log("\nstopping…");
    void shutdown(0);
  });
}

try {
  // The DNS server the relayer reads publishers' TXT records from (relayer.config.json `publishers.dnsServers`).
  dns = await TxtDnsServer.start(DEMO_DNS_PORT);
  network = await startLocalNetwork({
    chainPort: port("GITBLOCK_CHAIN_PORT", 8545),
    relayerPort: port("GITBLOCK_RELAYER_PORT", 8080),
    webPort: port("GITBLOCK_WEB_PORT", 5173),
    epochIntervalMs: port("GITBLOCK_EPOCH_INTERVAL_MS", 30_000),
    fleet: process.env.GITBLOCK_FLEET ?? "honest=4,liar=1,flaky=1",
    dataDir: path.join(root, ".gitblock/local"),
    onStep: (step) => console.log(`• ${step}`),
  });
  // The watcher anyone can run (`gitblock-relayer watch`), here with the local guardian key (development account #2):
  // it checks every proposed epoch against its published file and vetoes a bad one. Locally the challenge window
  // is 0, so epochs are final at once and it can only report; its JSON lines go to a log file.
  const watcherLog = path.join(root, ".gitblock/local/watcher.log");
  const rewardsVault = network.deployment.contracts.rewardsVault;
  const watchArgs = ["watch", "--rpc", network.rpcUrl, "--vault", rewardsVault, "--relayer", network.relayerUrl];
  watcher = spawnNode("relayer/src/cli/main.ts", watchArgs, {
    ...process.env,
    GITBLOCK_WATCHER_KEY: developmentKey(2).privateKey,
  });
  const log = createWriteStream(watcherLog);
  watcher.stdout?.pipe(log);
  watcher.stderr?.pipe(log);
  const watcherExited = new Promise<string>((resolve) =>
    watcher?.once("exit", () => {
      if (!stopping) resolve("watcher");
    }),
  );
  const wallet = developmentKey(5);
  const apiKey = await createApiKey(network.relayerUrl, privateKeyToAccount(wallet.privateKey), "npm start");
  // A demo publisher (development account #6) with a verified domain and a placement, and its page on its own
  // origin with the widget embedded.
  const localDns = dns;
  let demoLine = "";
  if (network.webUrl) {
    const publisher = await setUpDemoPublisher({
      relayerUrl: network.relayerUrl,
      wallet: privateKeyToAccount(developmentKey(6).privateKey),
      domain: DEMO_DOMAIN,
      publishTxt: (name, value) => localDns.setTxt(name, [value]),
    });
    demoPage = await startPublisherPage({
      dappOrigin: network.webUrl,
      placementId: publisher.placement.id,
      port: port("GITBLOCK_DEMO_PUBLISHER_PORT", 5174),
    });
    demoLine = `\n  publisher     http://${DEMO_DOMAIN}:${demoPage.port}/   (a demo site with the widget, placement ${publisher.placement.id})`;
  }
  console.log(`
GitBlock local network is up
  dApp          ${network.webUrl}
  relayer       ${network.relayerUrl}   (admin token ${network.adminToken})
  faucet        ${network.faucetUrl}/faucet   (gas for wallets created in the dApp; the dApp calls it as /faucet)
  AI gateway    ${network.relayerUrl}/v1   (OpenAI-compatible; API key ${apiKey}, the test wallet's)${demoLine}
  chain RPC     ${network.rpcUrl}  (chain id 31337)
  watcher       guardian key, checks every epoch; log .gitblock/local/watcher.log
  deployment    .gitblock/local/localhost.json
  test wallet   ${wallet.address}
  private key   ${wallet.privateKey}  (a public development key: local chain only)
Press Ctrl-C to stop.`);
  const name = await Promise.race([network.exited, watcherExited]);
  if (!stopping) {
    console.error(`${name} stopped unexpectedly; stopping the rest`);
    await shutdown(1);
  }
} catch (error) {
  if (!stopping) {
    console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
    await shutdown(1);
  }
}
