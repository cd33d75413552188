import type { ChildProcess } from "node:child_process";
import { deployProtocol } from "@gitblock/deploy";
import {
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  type PublicClient,
  parseEther,
  zeroHash,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { HARDHAT_KEYS } from "./dev-keys.ts";
import { freePort } from "./ports.ts";
import { spawnHardhat } from "./processes.ts";
import { waitForRpc } from "./readiness.ts";

export interface TestChain {
  rpcUrl: string;
  chainId: number;
  vault: Address;
  token: Address;
  nodeBond: Address;
  inferenceCredits: Address;
  publicClient: PublicClient;
  chain: Chain;
  stop(): Promise<void>;
}

/** `hardhat node` as a child process on a free port with the protocol deployed (challenge window as given). */
export async function startTestChain(challengeWindow = 0n): Promise<TestChain> {
  const port = await freePort();
  const child: ChildProcess = spawnHardhat(["node", "--port", String(port)]);
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  };
  try {
    // Ready when its JSON-RPC endpoint answers (not when a banner shows up on some pipe).
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk;
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk;
    });
    await waitForRpc(`http://127.0.0.1:${port}`, { child, timeoutMs: 60_000 }).catch((error: Error) => {
      throw new Error(`hardhat node did not start: ${error.message}\n${output}`);
    });
    const rpcUrl = `http://127.0.0.1:${port}`;
    const chain = defineChain({
      id: 31_337,
      name: "hardhat",
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [rpcUrl] } },
    });
    const publicClient = createPublicClient({ chain, transport: http(rpcUrl), pollingInterval: 50 }) as PublicClient;
    const deployer = createWalletClient({
      chain,
      transport: http(rpcUrl),
      account: privateKeyToAccount(HARDHAT_KEYS.deployer),
    });
    const now = (await publicClient.getBlock()).timestamp;
    const { addresses } = await deployProtocol(publicClient, deployer, {
      treasury: privateKeyToAccount(HARDHAT_KEYS.treasury).address,
      timelockDelay: 0n,
      timelockProposers: [],
      relayers: [privateKeyToAccount(HARDHAT_KEYS.relayer).address],
      guardians: [privateKeyToAccount(HARDHAT_KEYS.guardian).address],
      challengeWindow,
      maxEmissionPerEpoch: parseEther("1000000"),
      team: { beneficiary: deployer.account.address, start: now, duration: 1_000_000n, cliff: 0n },
      airdrop: { root: zeroHash, deadline: now + 1_000_000n },
    });
    return {
      rpcUrl,
      chainId: 31_337,
      vault: addresses.rewardsVault,
      token: addresses.token,
      nodeBond: addresses.nodeBond,
      inferenceCredits: addresses.inferenceCredits,
      publicClient,
      chain,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
