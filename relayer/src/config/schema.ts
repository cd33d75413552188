import * as z from "zod/v4";

const weiString = z
  .string()
  .regex(/^\d+$/, "expected an integer amount in wei, as a decimal string")
  .transform((value) => BigInt(value));
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "expected a 0x-prefixed address");

/** The relayer's configuration: a JSON file overlaid by environment variables (see load.ts). */
export const configSchema = z.strictObject({
  /** Host name nodes sign in to (bound into every signature). */
  domain: z.string().min(1).default("localhost"),
  host: z.string().default("127.0.0.1"),
  port: z.number().int().min(0).max(65_535).default(8080),
  log: z.strictObject({ level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]) }).default({
    level: "info",
  }),
  store: z
    .strictObject({
      driver: z.enum(["sqlite", "postgres"]).default("sqlite"),
      /** SQLite file; `:memory:` for throwaway runs. */
      path: z.string().min(1).default("./relayer.db"),
      /** PostgreSQL connection string (driver "postgres"). */
      url: z.string().optional(),
    })
    .default({ driver: "sqlite", path: "./relayer.db" }),
  chain: z
    .strictObject({
      rpcUrl: z.string().url(),
      chainId: z.number().int().positive(),
      /** RewardsVault address; or `deployment`, a deployments/<network>.json to read it from. */
      rewardsVault: address.optional(),
      deployment: z.string().optional(),
      /** Confirmations to wait for before an on-chain step counts as done. */
      confirmations: z.number().int().min(1).default(1),
    })
    .optional(),
  /** Where the relayer's signing key comes from; the key itself never lives in the config or the repo. */
  key: z
    .strictObject({
      /** Environment variable holding a 0x private key. */
      env: z.string().default("GITBLOCK_RELAYER_KEY"),
      /** Encrypted keystore (v3) file; its password comes from `passwordEnv`. */
      keystore: z.string().optional(),
      passwordEnv: z.string().default("GITBLOCK_KEYSTORE_PASSWORD"),
    })
    .default({ env: "GITBLOCK_RELAYER_KEY", passwordEnv: "GITBLOCK_KEYSTORE_PASSWORD" }),
  rewards: z
    .strictObject({
      /** GBT wei per generated token of a validated task (before the 75/25 split). */
      ratePerTokenWei: weiString.default(10n ** 15n),
      /** Passive reward per interval for a connected, active node. */
      passiveRewardWei: weiString.default(10n ** 16n),
      passiveIntervalMs: z.number().int().positive().default(300_000),
      /** Most passive reward one wallet can earn per UTC day. */
      passiveCapPerDayWei: weiString.default(10n ** 18n),
    })
    .default({
      ratePerTokenWei: 10n ** 15n,
      passiveRewardWei: 10n ** 16n,
      passiveIntervalMs: 300_000,
      passiveCapPerDayWei: 10n ** 18n,
    }),
  verification: z
    .strictObject({
      /** Nodes per task, of distinct operators. */
      redundancy: z.number().int().min(1).max(16).default(3),
      /** Share of voting weight (bps) that must agree on one output hash. */
      quorumBps: z.number().int().min(5_001).max(10_000).default(6_600),
      taskTimeoutMs: z.number().int().positive().default(60_000),
      /** Share of dispatched tasks that are known-answer challenges, in [0, 1]. */
      challengeRate: z.number().min(0).max(1).default(0.05),
      /** How often deadlines are checked. */
      sweepIntervalMs: z.number().int().positive().default(250),
    })
    .default({ redundancy: 3, quorumBps: 6_600, taskTimeoutMs: 60_000, challengeRate: 0.05, sweepIntervalMs: 250 }),
  gateway: z
    .strictObject({
      maxFrameBytes: z.number().int().min(256).max(1_048_576).default(16_384),
      /** Token bucket per connection: sustained messages per second and burst. */
      messagesPerSecond: z.number().positive().default(200),
      burst: z.number().int().positive().default(400),
      /** A node silent for longer than this is dropped (and is not "active" for passive rewards). */
      heartbeatTimeoutMs: z.number().int().positive().default(60_000),
      /** How long an unauthenticated socket may stay before it must sign in. */
      authTimeoutMs: z.number().int().positive().default(30_000),
      challengeTtlSec: z.number().int().positive().default(300),
      sessionTtlSec: z.number().int().positive().default(86_400),
    })
    .default({
      maxFrameBytes: 16_384,
      messagesPerSecond: 200,
      burst: 400,
      heartbeatTimeoutMs: 60_000,
      authTimeoutMs: 30_000,
      challengeTtlSec: 300,
      sessionTtlSec: 86_400,
    }),
  epochs: z
    .strictObject({
      /** Epoch length; 0 disables automatic closing (close with the CLI). */
      intervalMs: z.number().int().nonnegative().default(3_600_000),
      /** Propose closed epochs on-chain automatically (needs `chain` and a key). */
      autoPropose: z.boolean().default(true),
    })
    .default({ intervalMs: 3_600_000, autoPropose: true }),
  api: z
    .strictObject({
      /** Bearer token for task submission and admin routes; unset disables them over HTTP. */
      adminToken: z.string().min(16).optional(),
    })
    .default({}),
});

export type RelayerConfig = z.output<typeof configSchema>;
export type RelayerConfigInput = z.input<typeof configSchema>;
