import * as z from "zod/v4";

const weiString = z
  .string()
  .regex(/^\d+$/, "expected an integer amount in wei, as a decimal string")
  .transform((value) => BigInt(value));
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "expected a 0x-prefixed address");

/** The relayer's configuration: a JSON file overlaid by environment variables (see load.ts). */
export const configSchema = z
  .strictObject({
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
    /**
     * Several relayer instances sharing the work (relayer/src/bus/README.md): NATS with JetStream carries frames for
     * nodes connected to another instance, presence, dashboard events and served-request streams. Needs
     * `store.driver: postgres` (the state they share); absent: one process, nothing but the store needed.
     */
    bus: z
      .strictObject({
        /** `nats://host:port` (a comma-separated list for a NATS cluster). */
        url: z.string().min(1),
        /** This instance's name on the bus (default: host name + port + a random suffix); unique per running process. */
        instanceId: z
          .string()
          .regex(/^[A-Za-z0-9_-]{1,64}$/, "letters, digits, _ and - only (it is part of NATS subjects)")
          .optional(),
        /** A presence entry (who is connected where) lives this long unless its instance refreshes it. */
        presenceTtlMs: z.number().int().min(1_000).default(10_000),
        /** Prefix of the subjects, stream and bucket names: several networks can share one NATS. */
        prefix: z
          .string()
          .regex(/^[A-Za-z0-9_-]{1,32}$/)
          .default("gitblock"),
      })
      .optional(),
    /** Only one instance settles (epoch close, proposals, credit settlement, domain re-checks) at a time. */
    leader: z
      .strictObject({
        /** How often an instance that is not the leader tries to become it, and the leader checks it still is. */
        checkIntervalMs: z.number().int().min(100).default(2_000),
      })
      .default({ checkIntervalMs: 2_000 }),
    chain: z
      .strictObject({
        rpcUrl: z.string().url(),
        chainId: z.number().int().positive(),
        /** RewardsVault address; or `deployment`, a deployments/<network>.json to read it from. */
        rewardsVault: address.optional(),
        /** NodeBond address (bonds weigh verifiers and are slashed for proven wrong results); or from `deployment`. */
        nodeBond: address.optional(),
        /** InferenceCredits address (premium `/v1` models are paid from it); or from `deployment`. */
        inferenceCredits: address.optional(),
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
        /** Share of the verifying weight (bps) whose reports must pass for a claim to be validated without dispute. */
        quorumBps: z.number().int().min(5_001).max(10_000).default(6_600),
        /** How long a generator has to commit and reveal. */
        taskTimeoutMs: z.number().int().positive().default(60_000),
        /**
         * A queued task no ready node can take (nobody connected serves its model; a probe's node is gone) ends
         * `expired` once it has waited this long. Tasks of a served model never expire: their lane drains.
         */
        queueTimeoutMs: z.number().int().positive().default(600_000),
        /** How long a verifier (or the dispute tier) has to report. */
        verifyTimeoutMs: z.number().int().positive().default(60_000),
        /** A claim nobody could verify or decide for this long is given up as inconclusive (nobody struck). */
        giveUpAfterMs: z.number().int().positive().default(600_000),
        /** Share of jobs followed by a challenge beside them (checked by the dispute tier), in [0, 1]. */
        challengeRate: z.number().min(0).max(1).default(0.05),
        /** Share of claims that also get a trap (an altered copy for one more verifier), in [0, 1]. */
        trapRate: z.number().min(0).max(1).default(0.1),
        /** Verifiers per claim: for trusted generators (bonded, tenured, reputation ≥ trustedReputationBps) and others. */
        verifiers: z
          .strictObject({
            trusted: z.number().int().min(1).max(16).default(2),
            untrusted: z.number().int().min(1).max(16).default(4),
          })
          .default({ trusted: 2, untrusted: 4 }),
        /** Trusted (fewer verifiers) only at full reputation: one caught lie puts a node back on k = untrusted. */
        trustedReputationBps: z.number().int().min(0).max(10_000).default(10_000),
        /** A new wallet reaches full weight after this many validated tasks (0: no ramp), starting at `tenureFloor`. */
        tenureTasks: z.number().int().nonnegative().default(20),
        tenureFloor: z.number().min(0.01).max(1).default(0.1),
        /** How long a strike counts towards a ban. */
        strikeWindowMs: z
          .number()
          .int()
          .positive()
          .default(7 * 24 * 3_600_000),
        /** A verifier's pay per confirmed token, in bps of the generation rate. */
        verifyRateBps: z.number().int().min(0).max(10_000).default(2_000),
        /**
         * Bonds in NodeBond (`chain.nodeBond`, or the deployment's). `required` (default: whenever a NodeBond is
         * known): only nodes bonding at least `minWei` verify, and a node proven wrong has `slashWei` of its bond
         * proposed for slashing (the guardian may veto it during the challenge window). Without NodeBond (a devnet)
         * every tenured node may verify. Bonds are read again every `cacheTtlMs`.
         */
        bond: z
          .strictObject({
            required: z.boolean().optional(),
            minWei: weiString.default(0n),
            slashWei: weiString.default(0n),
            cacheTtlMs: z.number().int().positive().default(60_000),
          })
          .default({ minWei: 0n, slashWei: 0n, cacheTtlMs: 60_000 }),
        /** The dispute tier: the operator's reference verifiers, by node address. */
        referenceVerifiers: z.array(address).default([]),
        /** The agreement rule per model id: δ from a calibration, stored with the measurement that produced it. */
        models: z
          .record(
            z.string().min(1),
            z.strictObject({
              delta: z.number().positive().max(100),
              /** The measurement δ came from (gitblock-node calibrate --json), kept as evidence. */
              calibration: z.unknown().optional(),
            }),
          )
          .default({}),
        /** δ for a model without an entry. */
        defaultDelta: z.number().positive().max(100).default(0.05),
        nonTop1Share: z.number().min(0).max(1).default(0.02),
        minNonTop1: z.number().int().nonnegative().default(2),
        /**
         * A passing report whose largest gap exceeds this share of δ, or that spends all of M, sends the claim to the
         * dispute tier (a close call: δ is twice the largest honest gap measured, so honest claims rarely come near it
         * and steered ones do).
         */
        closeCallShare: z.number().min(0).max(1).default(0.5),
        /**
         * A served answer sampled at temperature T > 0 passes a token within δ + T × this many nats of the top-1, with
         * no limit on non-top-1 tokens: sampling picks runners-up by design, but never tokens the model all but rules out.
         */
        sampledGapNats: z.number().nonnegative().default(8),
        /** How often deadlines are checked. */
        sweepIntervalMs: z.number().int().positive().default(250),
      })
      .default({
        quorumBps: 6_600,
        taskTimeoutMs: 60_000,
        queueTimeoutMs: 600_000,
        verifyTimeoutMs: 60_000,
        giveUpAfterMs: 600_000,
        challengeRate: 0.05,
        trapRate: 0.1,
        verifiers: { trusted: 2, untrusted: 4 },
        trustedReputationBps: 10_000,
        tenureTasks: 20,
        tenureFloor: 0.1,
        strikeWindowMs: 7 * 24 * 3_600_000,
        verifyRateBps: 2_000,
        bond: { minWei: 0n, slashWei: 0n, cacheTtlMs: 60_000 },
        referenceVerifiers: [],
        models: {},
        defaultDelta: 0.05,
        nonTop1Share: 0.02,
        minNonTop1: 2,
        closeCallShare: 0.5,
        sampledGapNats: 8,
        sweepIntervalMs: 250,
      }),
    gateway: z
      .strictObject({
        maxFrameBytes: z.number().int().min(256).max(1_048_576).default(131_072),
        /** Frame token bucket, sustained messages per second and burst: per wallet once signed in, per socket before. */
        messagesPerSecond: z.number().positive().default(200),
        burst: z.number().int().positive().default(400),
        /** A node silent for longer than this is dropped (and is not "active" for passive rewards). */
        heartbeatTimeoutMs: z.number().int().positive().default(60_000),
        /** How long an unauthenticated socket may stay before it must sign in (a node needs milliseconds). */
        authTimeoutMs: z.number().int().positive().default(5_000),
        challengeTtlSec: z.number().int().positive().default(300),
        sessionTtlSec: z.number().int().positive().default(86_400),
      })
      .default({
        maxFrameBytes: 131_072,
        messagesPerSecond: 200,
        burst: 400,
        heartbeatTimeoutMs: 60_000,
        authTimeoutMs: 5_000,
        challengeTtlSec: 300,
        sessionTtlSec: 86_400,
      }),
    /**
     * Admission control (gateway/admission.ts): what one client address (an IPv4 address, an IPv6 /64) and one wallet
     * may hold and spend, so that a flood from one host leaves the relayer serving everyone else.
     */
    admission: z
      .strictObject({
        /** TCP connections open at once in all; more are dropped on arrival. Keep it below the process's `ulimit -n`. */
        maxConnections: z.number().int().positive().default(20_000),
        /** TCP connections open at once from one address (API, polling and node sockets alike); more are closed. */
        maxConnectionsPerIp: z.number().int().positive().default(256),
        /** Node sockets from one address not yet signed in; more are refused at the upgrade (HTTP 429). */
        maxUnauthenticatedPerIp: z.number().int().positive().default(64),
        /** Sign-in budget per address, spent by challenges, session requests, node socket opens and auth frames. */
        signInsPerSecond: z.number().positive().default(20),
        signInBurst: z.number().int().positive().default(200),
        /** Node channels (WebSockets, and an HTTP polling session) one wallet may hold at once. */
        maxChannelsPerWallet: z.number().int().positive().default(4),
        /** Bytes a node has left unread; beyond this its channel is closed (its tasks time out and go to others). */
        maxSendBufferBytes: z.number().int().min(65_536).default(4_194_304),
        /** HTTP: request headers must arrive within `headersTimeoutMs`, the whole request within `requestTimeoutMs`. */
        headersTimeoutMs: z.number().int().positive().default(10_000),
        requestTimeoutMs: z.number().int().positive().default(30_000),
        /** An idle keep-alive connection is closed after this. */
        keepAliveTimeoutMs: z.number().int().positive().default(5_000),
        /**
         * Behind one reverse proxy: sign-in budgets and unauthenticated sockets count the last `X-Forwarded-For` hop
         * instead of the socket's address (connection caps still count sockets: the proxy's).
         */
        trustProxy: z.boolean().default(false),
        /** An address's refusals are logged at most once per interval (all are counted in /metrics). */
        refusalLogIntervalMs: z.number().int().positive().default(60_000),
      })
      .refine((a) => a.headersTimeoutMs <= a.requestTimeoutMs, "headersTimeoutMs must not exceed requestTimeoutMs")
      .default({
        maxConnections: 20_000,
        maxConnectionsPerIp: 256,
        maxUnauthenticatedPerIp: 64,
        signInsPerSecond: 20,
        signInBurst: 200,
        maxChannelsPerWallet: 4,
        maxSendBufferBytes: 4_194_304,
        headersTimeoutMs: 10_000,
        requestTimeoutMs: 30_000,
        keepAliveTimeoutMs: 5_000,
        trustProxy: false,
        refusalLogIntervalMs: 60_000,
      }),
    epochs: z
      .strictObject({
        /** Epoch length; 0 disables automatic closing (close with the CLI). */
        intervalMs: z.number().int().nonnegative().default(3_600_000),
        /** Propose closed epochs on-chain automatically (needs `chain` and a key). */
        autoPropose: z.boolean().default(true),
      })
      .default({ intervalMs: 3_600_000, autoPropose: true }),
    /** The dApp's push channel (`/ws/dashboard`): how many may subscribe, and how far behind a subscriber may fall. */
    dashboard: z
      .strictObject({
        /** Open subscriptions in all; one more is refused with 429. */
        maxSubscribers: z.number().int().positive().default(1_000),
        /** Per client address (an IPv4 address, an IPv6 /64; with `admission.trustProxy`, the forwarded one). */
        maxPerIp: z.number().int().positive().default(32),
        /** Per subscribed wallet address. */
        maxPerAddress: z.number().int().positive().default(16),
        /** A subscriber with more than this waiting to be sent to it (it stopped reading) is dropped. */
        maxBufferedBytes: z.number().int().min(4_096).default(262_144),
        /** Changes to one address's profile within this window are computed (and pushed) once. */
        profileCoalesceMs: z.number().int().nonnegative().max(1_000).default(100),
        /** The on-chain claimed amount a profile shows is read again after this long. */
        claimedTtlMs: z.number().int().positive().default(30_000),
      })
      .default({
        maxSubscribers: 1_000,
        maxPerIp: 32,
        maxPerAddress: 16,
        maxBufferedBytes: 262_144,
        profileCoalesceMs: 100,
        claimedTtlMs: 30_000,
      }),
    /**
     * The user gateway (`/v1`, inference/): which models it offers at what price, who may call it how much, and the
     * deadlines and buffers of a served request. A model nodes serve that the catalogue does not list is served free.
     */
    inference: z
      .strictObject({
        /** Models priced or tiered (the rest of what nodes serve is free, rendered with `defaultTemplate`). */
        catalogue: z
          .array(
            z.strictObject({
              id: z.string().min(1).max(128),
              label: z.string().min(1).max(128).optional(),
              /** GBT wei per message (one completion); 0: free. */
              priceWei: weiString.default(0n),
              /** The model opens once this many nodes are active in the network (the dashboard's unlock tiers). */
              minActiveNodes: z.number().int().nonnegative().default(0),
              template: z.enum(["chatml", "llama3", "plain"]).default("chatml"),
            }),
          )
          .default([]),
        defaultTemplate: z.enum(["chatml", "llama3", "plain"]).default("chatml"),
        /** Free tier per wallet (an API key's or a session's), per UTC day. */
        freeRequestsPerDay: z.number().int().nonnegative().default(200),
        freeTokensPerDay: z.number().int().nonnegative().default(100_000),
        /** Calls without a key, per client address (IPv4, IPv6 /64) and UTC day; free models only. */
        anonymousRequestsPerDay: z.number().int().nonnegative().default(20),
        anonymousTokensPerDay: z.number().int().nonnegative().default(10_000),
        /** `max_tokens` when a request names none, and the most one may name. */
        defaultMaxTokens: z.number().int().min(1).max(8_192).default(256),
        maxTokens: z.number().int().min(1).max(8_192).default(4_096),
        /** The first token must arrive within this (else the next node is tried), the whole answer within the total. */
        firstTokenTimeoutMs: z.number().int().positive().default(30_000),
        requestTimeoutMs: z.number().int().positive().default(300_000),
        /** Nodes one request may be tried on (the first, then failovers) before it fails with an error. */
        maxAttempts: z.number().int().min(1).max(16).default(3),
        /** Streamed output waiting for a slow client; beyond it the request is cancelled with an error. */
        maxBufferedBytes: z.number().int().min(4_096).default(262_144),
        /** Served requests in flight at once in this relayer; more are answered 503. */
        maxConcurrentRequests: z.number().int().positive().default(10_000),
        /**
         * Share of a node's served requests re-scored by verifiers: `maxVerifyShare` for a node without tenure or
         * below the trusted reputation, falling to `minVerifyShare` for a fully trusted one.
         */
        minVerifyShare: z.number().min(0).max(1).default(0.05),
        maxVerifyShare: z.number().min(0).max(1).default(0.5),
      })
      .refine((c) => c.defaultMaxTokens <= c.maxTokens, "defaultMaxTokens must not exceed maxTokens")
      .refine((c) => c.minVerifyShare <= c.maxVerifyShare, "minVerifyShare must not exceed maxVerifyShare")
      .default({
        catalogue: [],
        defaultTemplate: "chatml",
        freeRequestsPerDay: 200,
        freeTokensPerDay: 100_000,
        anonymousRequestsPerDay: 20,
        anonymousTokensPerDay: 10_000,
        defaultMaxTokens: 256,
        maxTokens: 4_096,
        firstTokenTimeoutMs: 30_000,
        requestTimeoutMs: 300_000,
        maxAttempts: 3,
        maxBufferedBytes: 262_144,
        maxConcurrentRequests: 10_000,
        minVerifyShare: 0.05,
        maxVerifyShare: 0.5,
      }),
    /** The credit book (credits/): how premium `/v1` messages are debited and settled on InferenceCredits. */
    credits: z
      .strictObject({
        /**
         * How long an account's on-chain credit is reused without reading it again. Far below the contract's
         * withdrawal delay (1 hour at least): a withdrawal requested within this window may still be debited, which
         * the delay exists for.
         */
        cacheTtlMs: z.number().int().positive().max(60_000).default(2_000),
        /**
         * Settle spent credit on this timer as well as at each epoch close (0: at each epoch close only). The vault's
         * settlement signs with the same key on its own timer: a nonce one takes from the other is retried next round.
         */
        settleIntervalMs: z.number().int().nonnegative().default(0),
        /** Accounts per `settle` transaction (~10,000 gas each); more are settled in the next epochs of the round. */
        maxAccountsPerSettlement: z.number().int().min(1).max(1_000).default(200),
      })
      .default({ cacheTtlMs: 2_000, settleIntervalMs: 0, maxAccountsPerSettlement: 200 }),
    /** Publishers (publishers/): how their domains' TXT records are checked. */
    publishers: z
      .strictObject({
        /**
         * DNS servers the TXT records are read from, as `ip` or `ip:port` (empty: the system's resolvers). Tests point
         * it at a DNS server on loopback.
         */
        dnsServers: z.array(z.string().min(1)).max(8).default([]),
        /** How long one DNS query may take before the check fails as "resolver unreachable". */
        dnsTimeoutMs: z.number().int().positive().max(60_000).default(5_000),
        /** How often verified domains are checked again (0: never on a timer; a check can still be asked for). */
        recheckIntervalMs: z
          .number()
          .int()
          .nonnegative()
          .default(6 * 3_600_000),
      })
      .default({ dnsServers: [], dnsTimeoutMs: 5_000, recheckIntervalMs: 6 * 3_600_000 }),
    api: z
      .strictObject({
        /** Bearer token for task submission and admin routes; unset disables them over HTTP. */
        adminToken: z.string().min(16).optional(),
      })
      .default({}),
  })
  // Instances share their state through the store: a SQLite file is one process's.
  .refine((c) => !c.bus || c.store.driver === "postgres", {
    message: "bus (several relayer instances) needs store.driver postgres: SQLite is one process's store",
    path: ["bus"],
  });

export type RelayerConfig = z.output<typeof configSchema>;
export type RelayerConfigInput = z.input<typeof configSchema>;
