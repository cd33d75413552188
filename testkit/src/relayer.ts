import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { RelayerConfigInput } from "@gitblock/relayer";
import { connectChain, makeConfig, OffsetClock, Relayer, type RelayerOptions } from "@gitblock/relayer";
import { pino } from "pino";
import { privateKeyToAccount } from "viem/accounts";
import type { TestChain } from "./chain.ts";
import { HARDHAT_KEYS } from "./dev-keys.ts";
import { createPgDatabase } from "./postgres.ts";
import { TEST_RELAYER_DEFAULTS } from "./test-relayer-defaults.ts";

export interface TestRelayer {
  relayer: Relayer;
  url: string;
  wsUrl: string;
  clock: OffsetClock;
  dir: string;
  stop(): Promise<void>;
}

/** SQLite (a fresh file) or PostgreSQL (a throwaway database); `$GITBLOCK_TEST_STORE` picks when not given. */
export type TestStoreDriver = "sqlite" | "postgres";

type Overrides = Omit<RelayerConfigInput, "verification" | "gateway" | "rewards" | "epochs" | "chain" | "store"> & {
  store?: TestStoreDriver;
  /** Settle epochs on this test chain's vault, signing with Hardhat's relayer key (which holds the relayer role). */
  settleOn?: TestChain;
  /** Also read bonds from (and propose slashes to) the chain's NodeBond: bonds are then required to verify. */
  bonds?: boolean;
  /** Also debit and settle premium `/v1` credit on the chain's InferenceCredits. */
  credits?: boolean;
  verification?: Partial<NonNullable<RelayerConfigInput["verification"]>>;
  gateway?: Partial<NonNullable<RelayerConfigInput["gateway"]>>;
  rewards?: Partial<NonNullable<RelayerConfigInput["rewards"]>>;
  epochs?: Partial<NonNullable<RelayerConfigInput["epochs"]>>;
};

/** A relayer on a free port with a fresh SQLite file, silent logs, a clock tests can move, no automatic epochs. */
export async function startTestRelayer(
  { settleOn, bonds = false, credits = false, store = testStoreDriver(), ...overrides }: Overrides = {},
  options: Partial<RelayerOptions> = {},
): Promise<TestRelayer> {
  const dir = mkdtempSync(path.join(tmpdir(), "gitblock-relayer-"));
  const pgDatabase = store === "postgres" ? await createPgDatabase() : null;
  const chainConfig = settleOn
    ? {
        rpcUrl: settleOn.rpcUrl,
        chainId: settleOn.chainId,
        rewardsVault: settleOn.vault,
        ...(bonds ? { nodeBond: settleOn.nodeBond } : {}),
        ...(credits ? { inferenceCredits: settleOn.inferenceCredits } : {}),
        confirmations: 1,
      }
    : undefined;
  const config = makeConfig({
    port: 0,
    log: { level: "silent" },
    ...overrides,
    chain: chainConfig,
    store: pgDatabase
      ? { driver: "postgres", url: pgDatabase.url }
      : { driver: "sqlite", path: path.join(dir, "relayer.db") },
    verification: { ...TEST_RELAYER_DEFAULTS.verification, ...overrides.verification },
    gateway: { ...overrides.gateway },
    rewards: { ...TEST_RELAYER_DEFAULTS.rewards, ...overrides.rewards },
    epochs: { ...TEST_RELAYER_DEFAULTS.epochs, ...overrides.epochs },
  });
  const clock = new OffsetClock();
  const relayer = await Relayer.create({
    config,
    clock,
    log: pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" }),
    ...(chainConfig ? await settlementClients(chainConfig) : { chain: null }),
    ...options,
  });
  const { url } = await relayer.start();
  let stopped = false;
  return {
    relayer,
    url,
    wsUrl: `${url.replace("http", "ws")}/ws/node`,
    clock,
    dir,
    async stop() {
      if (stopped) return;
      stopped = true;
      await relayer.stop();
      await pgDatabase?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** GITBLOCK_TEST_STORE=postgres runs the same suites against PostgreSQL (`npm run test:pg -w relayer`). */
function testStoreDriver(): TestStoreDriver {
  return process.env.GITBLOCK_TEST_STORE === "postgres" ? "postgres" : "sqlite";
}

async function settlementClients(chainConfig: NonNullable<RelayerConfigInput["chain"]>) {
  const account = privateKeyToAccount(HARDHAT_KEYS.relayer);
  const config = makeConfig({ chain: chainConfig });
  return { chain: await connectChain(config.chain as NonNullable<typeof config.chain>, account), account };
}
