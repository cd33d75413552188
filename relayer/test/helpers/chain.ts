import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import {
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  type Hex,
  http,
  type PublicClient,
  parseEther,
  zeroHash,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { deployProtocol } from "../../../scripts/deploy/protocol.ts";

const root = path.resolve(import.meta.dirname, "../../..");
const hardhatCli = path.join(root, "node_modules/hardhat/dist/src/cli.js");

/** Hardhat's default funded accounts (public test keys). */
export const HARDHAT_KEYS = {
  deployer: "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  relayer: "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  guardian: "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
  treasury: "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
  claimer: "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
} as const satisfies Record<string, Hex>;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

export interface TestChain {
  rpcUrl: string;
  chainId: number;
  vault: Address;
  token: Address;
  publicClient: PublicClient;
  chain: Chain;
  stop(): Promise<void>;
}

/** `hardhat node` as a child process on a free port with the protocol deployed (challenge window as given). */
export async function startTestChain(challengeWindow = 0n): Promise<TestChain> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [hardhatCli, "node", "--port", String(port)], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  };
  try {
    await new Promise<void>((resolve, reject) => {
      let output = "";
      const timer = setTimeout(() => reject(new Error(`hardhat node did not start:\n${output}`)), 60_000);
      child.stdout?.on("data", (chunk: Buffer) => {
        output += chunk;
        if (output.includes("Started HTTP")) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.stderr?.on("data", (chunk: Buffer) => {
        output += chunk;
      });
      child.once("exit", (code) => reject(new Error(`hardhat node exited (${code}):\n${output}`)));
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
      publicClient,
      chain,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
