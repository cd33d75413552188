/**
 * The local network's faucet: gives a wallet created in the browser enough ETH for gas, from a development account.
 * Local chains only (it refuses to start on any chain id but Hardhat's), because the dApp itself funds nothing.
 * `npm start` (scripts/local/start.ts) and the web e2e harness start this same one; the dApp finds it through the
 * runtime config (`faucetUrl` on the local deployment, proxied same-origin as /faucet by the dev/preview server).
 *
 * POST /faucet {"address": "0x…"} → {"txHash", "amountWei", "balanceWei"} once the transfer is mined; a wallet that
 * already holds at least one drip gets nothing more (400), so a page reload cannot drain the account.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createPublicClient, createWalletClient, defineChain, type Hex, http, isAddress, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";

export const FAUCET_DRIP_WEI = parseEther("1");
const LOCAL_CHAIN_IDS = new Set([31337, 1337]);

export interface Faucet {
  /** Origin of the faucet, e.g. http://127.0.0.1:8546 (its one route is POST /faucet). */
  url: string;
  address: Hex;
  stop(): Promise<void>;
}

export interface FaucetOptions {
  rpcUrl: string;
  /** A funded development key of the local chain. */
  fundingKey: Hex;
  port?: number;
  dripWei?: bigint;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      body += chunk;
      if (body.length > 10_000) req.destroy(new Error("body too large"));
    });
    req.on("end", () => resolve(body));
    req.on("error", reject);
  });
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
}

export async function startFaucet(options: FaucetOptions): Promise<Faucet> {
  const dripWei = options.dripWei ?? FAUCET_DRIP_WEI;
  const probe = createPublicClient({ transport: http(options.rpcUrl) });
  const chainId = await probe.getChainId();
  if (!LOCAL_CHAIN_IDS.has(chainId)) throw new Error(`the faucet runs on local chains only, not chain ${chainId}`);
  const chain = defineChain({
    id: chainId,
    name: "local",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [options.rpcUrl] } },
  });
  const account = privateKeyToAccount(options.fundingKey);
  const client = createPublicClient({ chain, transport: http(options.rpcUrl) });
  const wallet = createWalletClient({ account, chain, transport: http(options.rpcUrl) });
  // One drip at a time: concurrent sends from one account would race for the nonce.
  let queue: Promise<unknown> = Promise.resolve();

  const drip = async (address: Hex) => {
    const before = await client.getBalance({ address });
    if (before >= dripWei) return { status: 400, body: { error: "already_funded", balanceWei: before } };
    const txHash = await wallet.sendTransaction({ to: address, value: dripWei });
    await client.waitForTransactionReceipt({ hash: txHash });
    return { status: 200, body: { txHash, amountWei: dripWei, balanceWei: await client.getBalance({ address }) } };
  };

  const server = createServer((req, res) => {
    if (req.method !== "POST" || req.url?.split("?")[0] !== "/faucet")
      return reply(res, 404, { error: "not_found", hint: "POST /faucet {address}" });
    void (async () => {
      try {
        const { address } = JSON.parse(await readBody(req)) as { address?: string };
        if (typeof address !== "string" || !isAddress(address))
          return reply(res, 400, { error: "bad_address", hint: 'send {"address": "0x…"}' });
        const run = queue.then(() => drip(address));
        queue = run.catch(() => {});
        const { status, body } = await run;
        reply(res, status, body);
      } catch (error) {
        reply(res, 500, { error: "faucet_failed", message: error instanceof Error ? error.message : String(error) });
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    address: account.address,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
