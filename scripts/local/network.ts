// The whole local network: a fresh Hardhat chain with the protocol deployed, the relayer on SQLite, the dApp and
// (when asked) a simulated fleet. `npm start` and the end-to-end test both start it through here.

import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rm } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import type { Deployment } from "@gitblock/sdk/deployments";
import {
  developmentKey,
  runToEnd,
  spawnHardhat,
  spawnNode,
  startFaucet,
  stop,
  waitForHttp,
  waitForOutput,
  waitForRpc,
} from "@gitblock/testkit";

const root = path.resolve(import.meta.dirname, "../..");

export class PortInUseError extends Error {
  override name = "PortInUseError";
}

export interface LocalNetworkOptions {
  /**
   * Compile the contracts first (default true). The end-to-end test, run inside `hardhat test --coverage`, passes
   * false: the artifacts are built (and instrumented) already, and rebuilding them mid-run would strip the coverage
   * instrumentation from the contract tests running beside it.
   */
  compile?: boolean;
  chainPort: number;
  relayerPort: number;
  /** Port of the dApp's dev server; 0 leaves the dApp out. */
  webPort: number;
  /** Port of the gas faucet for wallets created in the browser (testkit's startFaucet); 0 picks a free one. */
  faucetPort?: number;
  epochIntervalMs: number;
  /** `gitblock-sim --mix` of the simulated fleet (e.g. "honest=4,liar=1,flaky=1"); empty leaves the fleet out. */
  fleet: string;
  /** The fleet submits one job this often. */
  jobEveryMs?: number;
  /** Where the relayer's database and the deployment files go; wiped at start (the chain is fresh too). */
  dataDir: string;
  onStep?: (step: string) => void;
}

export interface LocalNetwork {
  rpcUrl: string;
  relayerUrl: string;
  webUrl: string | null;
  /** The faucet's origin (POST /faucet {address}); the dApp reaches it as /faucet. */
  faucetUrl: string;
  deployment: Deployment;
  adminToken: string;
  stop(): Promise<void>;
  /** Resolves with the name of the first process that exits on its own. */
  exited: Promise<string>;
}

/** Keeps reading a child's pipes (discarding them) so a chatty process never blocks on a full pipe. */
function drain(child: ChildProcess): ChildProcess {
  child.stdout?.resume();
  child.stderr?.resume();
  return child;
}

function assertPortFree(port: number, what: string, variable: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", () =>
      reject(new PortInUseError(`port ${port} (${what}) is already in use; stop what holds it or set ${variable}`)),
    );
    server.listen(port, "127.0.0.1", () => server.close(() => resolve()));
  });
}

export async function startLocalNetwork(options: LocalNetworkOptions): Promise<LocalNetwork> {
  const step = options.onStep ?? (() => {});
  const { chainPort, relayerPort, webPort, dataDir } = options;
  await assertPortFree(chainPort, "chain RPC", "GITBLOCK_CHAIN_PORT");
  await assertPortFree(relayerPort, "relayer", "GITBLOCK_RELAYER_PORT");
  if (webPort) await assertPortFree(webPort, "dApp", "GITBLOCK_WEB_PORT");

  const children = new Map<string, ChildProcess>();
  let stopping = false;
  let faucet: Awaited<ReturnType<typeof startFaucet>> | undefined;
  const stopAll = async () => {
    stopping = true;
    await faucet?.stop();
    // Reverse start order: the dApp and relayer go before the chain they talk to.
    for (const child of [...children.values()].reverse()) await stop(child);
  };
  let reportExit: (name: string) => void = () => {};
  const exited = new Promise<string>((resolve) => {
    reportExit = resolve;
  });
  const track = (name: string, child: ChildProcess) => {
    children.set(name, child);
    child.once("exit", () => {
      if (!stopping) reportExit(name);
    });
    return child;
  };

  try {
    await rm(dataDir, { recursive: true, force: true });
    await mkdir(dataDir, { recursive: true });

    if (options.compile !== false) {
      step("compiling contracts");
      const build = await runToEnd(spawnHardhat(["build", "--no-tests"]));
      if (build.code !== 0) throw new Error(`compilation failed:\n${build.output}`);
    }

    const rpcUrl = `http://127.0.0.1:${chainPort}`;
    step(`starting a fresh Hardhat chain on ${rpcUrl}`);
    const chain = drain(track("chain", spawnHardhat(["node", "--port", String(chainPort)])));
    await waitForRpc(rpcUrl, { child: chain });

    step("deploying contracts (challenge window 0: epochs are final once proposed)");
    const deployEnv = { ...process.env, GITBLOCK_LOCAL_RPC_URL: rpcUrl };
    const deployArgs = ["deploy", "--network", "localhost", "--challenge-window", "0", "--out-dir", dataDir];
    const deploy = await runToEnd(spawnHardhat(deployArgs, deployEnv));
    if (deploy.code !== 0) throw new Error(`deployment failed:\n${deploy.output}`);
    const deployment = JSON.parse(await readFile(path.join(dataDir, "localhost.json"), "utf8")) as Deployment;

    // Gas for wallets created in the browser, from development account #9 (the dApp itself funds nothing).
    faucet = await startFaucet({ rpcUrl, fundingKey: developmentKey(9).privateKey, port: options.faucetPort ?? 0 });
    step(`faucet for browser-created wallets on ${faucet.url} (development account #9, local chain only)`);

    const relayerUrl = `http://127.0.0.1:${relayerPort}`;
    const adminToken = randomBytes(16).toString("hex");
    step(`starting the relayer on ${relayerUrl} (SQLite at ${path.relative(root, dataDir)}/relayer.db)`);
    const relayer = spawnNode("relayer/src/cli/main.ts", ["--config", "scripts/local/relayer.config.json", "start"], {
      ...process.env,
      // Development account #1 holds RELAYER_ROLE in a local deployment.
      GITBLOCK_RELAYER_KEY: developmentKey(1).privateKey,
      GITBLOCK_RELAYER_PORT: String(relayerPort),
      GITBLOCK_DB_PATH: path.join(dataDir, "relayer.db"),
      GITBLOCK_RPC_URL: rpcUrl,
      GITBLOCK_REWARDS_VAULT: deployment.contracts.rewardsVault,
      GITBLOCK_INFERENCE_CREDITS: deployment.contracts.inferenceCredits,
      GITBLOCK_ADMIN_TOKEN: adminToken,
      GITBLOCK_EPOCH_INTERVAL_MS: String(options.epochIntervalMs),
    });
    await waitForHttp(`${relayerUrl}/healthz`, { child: drain(track("relayer", relayer)) });

    let webUrl: string | null = null;
    if (webPort) {
      webUrl = `http://127.0.0.1:${webPort}`;
      step(`starting the dApp on ${webUrl}`);
      const vite = path.join(root, "node_modules/vite/bin/vite.js");
      const web = spawnNode(
        vite,
        ["--host", "127.0.0.1", "--port", String(webPort), "--strictPort"],
        {
          ...process.env,
          // Plain output (under CI=true Vite colours its banner); readiness is its HTTP answer, not the banner.
          NO_COLOR: "1",
          GITBLOCK_RELAYER_URL: relayerUrl,
          GITBLOCK_LOCAL_RPC_URL: rpcUrl,
          GITBLOCK_DEPLOYMENTS_DIR: dataDir,
          GITBLOCK_FAUCET_URL: faucet.url,
        },
        path.join(root, "web"),
      );
      await waitForHttp(`${webUrl}/`, { child: drain(track("web", web)) });
    }

    if (options.fleet) {
      step(`starting a simulated fleet (${options.fleet}), one job every ${options.jobEveryMs ?? 1_500} ms`);
      const sim = spawnNode(
        "sim/src/cli.ts",
        [
          "--relayer",
          relayerUrl,
          "--mix",
          options.fleet,
          "--every",
          String(options.jobEveryMs ?? 1_500),
          "--max-tokens",
          "16",
          // The dispute tier: one reference verifier, whose address (`referenceAccounts(1, 1)`, fleet seed 1)
          // scripts/local/relayer.config.json names in `verification.referenceVerifiers`.
          "--references",
          "1",
        ],
        { ...process.env, GITBLOCK_ADMIN_TOKEN: adminToken },
      );
      // Without --json the simulator reports on stdout; that one stream carries the marker.
      sim.stderr?.resume();
      await waitForOutput(track("fleet", sim), "nodes signed in", { stream: "stdout" });
    }

    return { rpcUrl, relayerUrl, webUrl, faucetUrl: faucet.url, deployment, adminToken, stop: stopAll, exited };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
