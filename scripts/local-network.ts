// `npm start`: the whole local network in one command. Today: a fresh Hardhat chain with the protocol deployed
// (deployments/localhost.json). Relayer, dApp and simulated fleet join as they land.
import type { ChildProcess } from "node:child_process";
import net from "node:net";
import { mnemonicToAccount } from "viem/accounts";
import { runToEnd, spawnHardhat, stop, waitForOutput } from "./lib/processes.ts";

const chainPort = Number(process.env.GITBLOCK_CHAIN_PORT ?? 8545);
const rpcUrl = `http://127.0.0.1:${chainPort}`;
const children: ChildProcess[] = [];

class PortInUseError extends Error {
  override name = "PortInUseError";
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

const step = (message: string) => console.log(`• ${message}`);

let stopping = false;

async function shutdown(code: number): Promise<never> {
  stopping = true;
  await Promise.all(children.map(stop));
  process.exit(code);
}

async function main() {
  await assertPortFree(chainPort, "chain RPC", "GITBLOCK_CHAIN_PORT");

  step("compiling contracts");
  const build = await runToEnd(spawnHardhat(["build", "--no-tests"]));
  if (build.code !== 0) throw new Error(`compilation failed:\n${build.output}`);

  step(`starting a fresh Hardhat chain on ${rpcUrl}`);
  const chain = spawnHardhat(["node", "--port", String(chainPort)]);
  children.push(chain);
  await waitForOutput(chain, "Started HTTP");

  step("deploying contracts (challenge window 0: epochs are final at once)");
  const env = { ...process.env, GITBLOCK_LOCAL_RPC_URL: rpcUrl };
  const deploy = await runToEnd(spawnHardhat(["deploy", "--network", "localhost", "--challenge-window", "0"], env));
  if (deploy.code !== 0) throw new Error(`deployment failed:\n${deploy.output}`);

  // Hardhat's development account #5: a public key, funded with 10,000 ETH on the local chain only.
  const wallet = mnemonicToAccount("test test test test test test test test test test test junk", { addressIndex: 5 });
  const privateKey = `0x${Buffer.from(wallet.getHdKey().privateKey ?? []).toString("hex")}`;
  console.log(`
GitBlock local network is up
  chain RPC     ${rpcUrl}  (chain id 31337)
  deployments   deployments/localhost.json
  test wallet   ${wallet.address}
  private key   ${privateKey}  (local development only)
Press Ctrl-C to stop.`);

  chain.once("exit", (code) => {
    if (stopping) return;
    console.error(`the chain stopped unexpectedly (exit ${code})`);
    void shutdown(1);
  });
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.log("\nstopping…");
    void shutdown(0);
  });
}

main().catch(async (error: unknown) => {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  await shutdown(1);
});
