import {
  createPublicClient,
  createWalletClient,
  defineChain,
  getAddress,
  http,
  isAddress,
  type PublicClient,
} from "viem";
import { RelayerError } from "../errors.ts";
import { loadRelayerAccount } from "../keys/load-key.ts";
import { createLogger } from "../log.ts";
import { httpEpochFiles } from "./http-epoch-files.ts";
import { Watcher } from "./watcher.ts";

export interface WatchCommandOptions {
  rpc?: string;
  vault?: string;
  relayer?: string;
  keyEnv: string;
  keystore?: string;
  passwordEnv: string;
  grace: string;
  pollMs: string;
  once?: boolean;
  logLevel: string;
}

/** `--once` exit codes: every proposal checked passed (or none was pending), one failed, a file could not be had. */
export const WATCH_EXIT = { pass: 0, mismatch: 1, unchecked: 2 } as const;

/**
 * `gitblock-relayer watch`: builds the watcher from the command line (no relayer config: anyone can run it with an
 * RPC URL, the vault's address and the relayer's URL). The key, if any, is read like the relayer's own: an encrypted
 * keystore with its password in an environment variable, or a raw key in an environment variable. Resolves with
 * the exit code (`--once`) or when SIGINT/SIGTERM stops it.
 */
export async function watchCommand(opts: WatchCommandOptions): Promise<number> {
  if (!opts.rpc) throw new RelayerError("--rpc <url> (or $GITBLOCK_RPC_URL) is required");
  if (!opts.vault || !isAddress(opts.vault, { strict: false })) {
    throw new RelayerError("--vault <address> (or $GITBLOCK_REWARDS_VAULT) is required: the RewardsVault's address");
  }
  if (!opts.relayer) throw new RelayerError("--relayer <url> is required: the relayer whose epoch files are checked");
  const graceSeconds = Number(opts.grace);
  const pollIntervalMs = Number(opts.pollMs);
  if (!Number.isSafeInteger(graceSeconds) || graceSeconds < 0)
    throw new RelayerError("--grace must be whole seconds ≥ 0");
  if (!Number.isSafeInteger(pollIntervalMs) || pollIntervalMs < 1) throw new RelayerError("--poll-ms must be ≥ 1");

  const transport = http(opts.rpc, { retryCount: 2 });
  const probe = createPublicClient({ transport });
  const chain = defineChain({
    id: await probe.getChainId(),
    name: "watched chain",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [opts.rpc] } },
  });
  const publicClient = createPublicClient({
    chain,
    transport,
    pollingInterval: Math.min(pollIntervalMs, 1_000),
  }) as PublicClient;
  const account = loadRelayerAccount({
    env: opts.keyEnv,
    passwordEnv: opts.passwordEnv,
    ...(opts.keystore ? { keystore: opts.keystore } : {}),
  });
  const walletClient = account ? createWalletClient({ chain, transport, account }) : null;
  const log = createLogger(opts.logLevel);
  const watcher = new Watcher({
    publicClient,
    walletClient,
    vault: getAddress(opts.vault),
    files: httpEpochFiles(opts.relayer),
    log,
    graceSeconds,
    pollIntervalMs,
  });

  if (opts.once) {
    await watcher.poll();
    return watcher.mismatchCount > 0
      ? WATCH_EXIT.mismatch
      : watcher.unchecked > 0
        ? WATCH_EXIT.unchecked
        : WATCH_EXIT.pass;
  }
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => watcher.stop());
  await watcher.run();
  return WATCH_EXIT.pass;
}
