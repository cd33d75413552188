import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { API_BASE, PROTOCOL_VERSION, SERVICE_ROUTES } from "@gitblock/sdk";
import express, { type NextFunction, type Request, type Response } from "express";
import helmet from "helmet";
import { keccak256, type LocalAccount, stringToHex } from "viem";
import { ClaimedWeiCache } from "./api/claimed-wei-cache.ts";
import { DashboardChannel } from "./api/dashboard.ts";
import { sendJson } from "./api/json.ts";
import { claimedOnChain, nodeProfile } from "./api/profile.ts";
import { apiRouter } from "./api/routes.ts";
import { AuthService } from "./auth/sign-in.ts";
import { BondBook } from "./bonds/bond-book.ts";
import { Cluster, defaultInstanceId } from "./bus/cluster.ts";
import { type Clock, systemClock } from "./clock.ts";
import type { RelayerConfig } from "./config/schema.ts";
import { CreditBook } from "./credits/credit-book.ts";
import { creditsRouter } from "./credits/routes.ts";
import { RelayerEvents } from "./events.ts";
import { Admission, httpServerOptions } from "./gateway/admission.ts";
import { httpPollingRouter } from "./gateway/http-polling.ts";
import { NodeProtocol } from "./gateway/node-protocol.ts";
import { WalletLimits } from "./gateway/wallet-limits.ts";
import { WorkIngest } from "./gateway/work-ingest.ts";
import { WsGateway } from "./gateway/ws-gateway.ts";
import { ApiKeys } from "./inference/api-keys.ts";
import { ModelCatalogue } from "./inference/catalogue.ts";
import { InferenceGateway } from "./inference/inference-gateway.ts";
import { gatewayRouter } from "./inference/routes.ts";
import { UsageQuota } from "./inference/usage-quota.ts";
import { SettlementLeader } from "./leader/settlement-leader.ts";
import { PassiveRewards } from "./ledger/passive.ts";
import { createLogger, type Logger } from "./log.ts";
import { createMetrics, type Metrics } from "./metrics.ts";
import { NodeRegistry } from "./presence/registry.ts";
import { PublisherBook } from "./publishers/publisher-book.ts";
import { publishersRouter } from "./publishers/routes.ts";
import { TxtCheck } from "./publishers/txt-check.ts";
import type { ChallengeInputs } from "./scheduler/challenge-inputs.ts";
import { Scheduler } from "./scheduler/scheduler.ts";
import { type ChainClients, connectChain } from "./settlement/chain.ts";
import { EpochSettler } from "./settlement/settler.ts";
import { openStore } from "./store/index.ts";
import type { Store } from "./store/types.ts";
import { type BondOf, claimRule, TaskJudge } from "./verification/task-judge.ts";
import type { TrustPolicy } from "./verification/weight.ts";

export interface RelayerOptions {
  config: RelayerConfig;
  clock?: Clock;
  log?: Logger;
  /** The relayer's signing account (RELAYER_ROLE on the vault); null: no on-chain settlement. */
  account?: LocalAccount | null;
  /** Pre-built chain clients (tests); otherwise built from `config.chain`. */
  chain?: ChainClients | null;
  store?: Store;
  random?: () => number;
  /** Where challenge and probe inputs come from (default: the built-in corpus; the simulator passes its own). */
  challengeInputs?: ChallengeInputs;
  /** Bonds as last read from NodeBond (default: none known). */
  bondOf?: BondOf;
  /** Called when a node is proven wrong (slash its bond). */
  onProvenWrong?: (node: `0x${string}`, taskId: string) => void;
}

/** The trust policy the config describes (weight.ts); bonds are required by default wherever NodeBond is known. */
export function trustPolicy(config: RelayerConfig["verification"], nodeBondKnown = false): TrustPolicy {
  return {
    tenureTasks: config.tenureTasks,
    tenureFloor: config.tenureFloor,
    bond: { required: config.bond.required ?? nodeBondKnown, minWei: config.bond.minWei },
    trustedReputationBps: config.trustedReputationBps,
    verifiers: config.verifiers,
  };
}

/**
 * The composition root: wires store, gateway, scheduler, verification, ledger, settlement and API, and owns the
 * timers. Everything else is a small module that gets its collaborators passed in.
 */
export class Relayer {
  readonly config: RelayerConfig;
  readonly clock: Clock;
  readonly log: Logger;
  readonly store: Store;
  readonly events = new RelayerEvents();
  readonly metrics: Metrics = createMetrics();
  readonly registry = new NodeRegistry();
  readonly auth: AuthService;
  readonly scheduler: Scheduler;
  readonly ingest: WorkIngest;
  readonly taskJudge: TaskJudge;
  readonly protocol: NodeProtocol;
  readonly gateway: WsGateway;
  /** Per client address: connections, unauthenticated sockets, sign-in budget. */
  readonly admission: Admission;
  /** Per wallet: one frame budget for all its channels, and how many channels it may hold. */
  readonly walletLimits: WalletLimits;
  readonly passive: PassiveRewards;
  readonly settler: EpochSettler;
  readonly dashboard: DashboardChannel;
  /** The user gateway (`/v1`): served requests, API keys, free-tier quotas, the model catalogue. */
  readonly inference: InferenceGateway;
  readonly apiKeys: ApiKeys;
  readonly usageQuota: UsageQuota;
  readonly catalogue: ModelCatalogue;
  readonly chain: ChainClients | null;
  /** Bonds from NodeBond (null: no NodeBond known, bonds play no part). */
  readonly bonds: BondBook | null;
  /** Prepaid GBT credit for premium `/v1` models (InferenceCredits; without one nothing is available). */
  readonly credits: CreditBook;
  /** Publishers' domains (DNS TXT verified) and placements; their share is paid in the ledger (store). */
  readonly publishers: PublisherBook;
  /** With `bus` configured: this instance among the others sharing the work (relayer/src/bus); null when alone. */
  cluster: Cluster | null = null;
  /** With several instances: whether this one settles (one at a time, through PostgreSQL); null when alone. */
  leader: SettlementLeader | null = null;
  private server: Server | null = null;
  private timers: NodeJS.Timeout[] = [];
  private pollingSweep: () => void = () => {};

  private constructor(options: RelayerOptions & { chain: ChainClients | null; store: Store }) {
    const config = options.config;
    this.config = config;
    this.clock = options.clock ?? systemClock;
    this.log = options.log ?? createLogger(config.log.level);
    this.store = options.store;
    this.chain = options.chain;
    this.auth = new AuthService({
      store: this.store,
      clock: this.clock,
      relayer: config.domain,
      chainId: config.chain?.chainId ?? this.chain?.chain.id ?? 31_337,
      challengeTtlSec: config.gateway.challengeTtlSec,
      sessionTtlSec: config.gateway.sessionTtlSec,
    });
    const common = { store: this.store, clock: this.clock, events: this.events, metrics: this.metrics, log: this.log };
    this.bonds = this.chain?.nodeBond
      ? new BondBook({
          publicClient: this.chain.publicClient,
          nodeBond: this.chain.nodeBond,
          walletClient: this.chain.walletClient,
          cacheTtlMs: config.verification.bond.cacheTtlMs,
          confirmations: config.chain?.confirmations ?? 1,
          clock: this.clock,
        })
      : null;
    const trust = trustPolicy(config.verification, this.bonds !== null);
    const bonds = this.bonds;
    this.scheduler = new Scheduler({
      ...common,
      registry: this.registry,
      config: config.verification,
      trust,
      ...(options.random ? { random: options.random } : {}),
      ...(options.challengeInputs ? { challengeInputs: options.challengeInputs } : {}),
    });
    this.taskJudge = new TaskJudge({
      ...common,
      registry: this.registry,
      config: config.verification,
      trust,
      ratePerTokenWei: config.rewards.ratePerTokenWei,
      bondOf: options.bondOf ?? bonds?.knownBondOf ?? (() => 0n),
      ...(options.random ? { random: options.random } : {}),
      onProvenWrong: options.onProvenWrong ?? ((node, taskId) => this.slash(node, taskId)),
      onCapacityFreed: () => this.scheduler.kick(),
    });
    this.ingest = new WorkIngest({
      store: this.store,
      clock: this.clock,
      metrics: this.metrics,
      log: this.log,
      onCompleted: (ids) => this.taskJudge.enqueue(ids),
    });
    this.protocol = new NodeProtocol({
      ...common,
      registry: this.registry,
      scheduler: this.scheduler,
      ingest: this.ingest,
      ruleOf: (task) => claimRule(config.verification, task),
    });
    this.admission = new Admission({
      config: config.admission,
      clock: this.clock,
      metrics: this.metrics,
      log: this.log,
    });
    this.walletLimits = new WalletLimits({
      clock: this.clock,
      messagesPerSecond: config.gateway.messagesPerSecond,
      burst: config.gateway.burst,
      maxChannels: config.admission.maxChannelsPerWallet,
    });
    this.gateway = new WsGateway({
      auth: this.auth,
      protocol: this.protocol,
      clock: this.clock,
      config: config.gateway,
      admissionConfig: config.admission,
      admission: this.admission,
      walletLimits: this.walletLimits,
      metrics: this.metrics,
      log: this.log,
    });
    this.passive = new PassiveRewards({
      ...common,
      registry: this.registry,
      probe: (node, model) => this.scheduler.probe(node, model),
      config: config.rewards,
      heartbeatTimeoutMs: config.gateway.heartbeatTimeoutMs,
    });
    this.settler = new EpochSettler({ ...common, chain: this.chain, confirmations: config.chain?.confirmations ?? 1 });
    const inferenceCredits = this.chain?.inferenceCredits;
    this.credits = new CreditBook({
      dialect: this.store.dialect,
      credits:
        this.chain && inferenceCredits
          ? { publicClient: this.chain.publicClient, address: inferenceCredits, walletClient: this.chain.walletClient }
          : null,
      clock: this.clock,
      log: this.log,
      metrics: this.metrics,
      cacheTtlMs: config.credits.cacheTtlMs,
      maxAccountsPerSettlement: config.credits.maxAccountsPerSettlement,
      confirmations: config.chain?.confirmations ?? 1,
    });
    this.publishers = new PublisherBook({
      dialect: this.store.dialect,
      txt: new TxtCheck({ servers: config.publishers.dnsServers, timeoutMs: config.publishers.dnsTimeoutMs }),
      clock: this.clock,
      log: this.log,
    });
    this.apiKeys = new ApiKeys({ dialect: this.store.dialect, clock: this.clock });
    this.usageQuota = new UsageQuota(this.store.dialect);
    this.catalogue = new ModelCatalogue(config.inference, this.registry);
    this.inference = new InferenceGateway({
      config,
      store: this.store,
      registry: this.registry,
      catalogue: this.catalogue,
      quota: this.usageQuota,
      credits: this.credits.contract ? this.credits : null,
      clock: this.clock,
      metrics: this.metrics,
      log: this.log,
      verify: (taskIds) => this.taskJudge.enqueue(taskIds),
      ...(options.random ? { random: options.random } : {}),
    });
    this.protocol.streamSink = {
      // A stream frame for a request another instance holds goes back there; anything else is this gateway's.
      frame: (account, message) =>
        !this.inference.holds(message.requestId) && this.cluster?.frames.streamBack(account, message)
          ? null
          : this.inference.frame(account, message),
    };
    const claimed = new ClaimedWeiCache({
      read: claimedOnChain(this.chain),
      clock: this.clock,
      ttlMs: config.dashboard.claimedTtlMs,
      maxEntries: config.dashboard.maxSubscribers,
    });
    this.dashboard = new DashboardChannel({
      events: this.events,
      config: config.dashboard,
      trustProxy: config.admission.trustProxy,
      metrics: this.metrics,
      log: this.log,
      profile: (address) =>
        nodeProfile(
          {
            store: this.store,
            registry: this.registry,
            clock: this.clock,
            claimedWei: claimed.claimedWei,
            config: this.config,
          },
          address,
        ),
    });
  }

  static async create(options: RelayerOptions): Promise<Relayer> {
    let chain = options.chain ?? null;
    if (options.chain === undefined && options.config.chain) {
      chain = await connectChain(options.config.chain, options.account ?? null);
    }
    const store = options.store ?? (await openStore(options.config));
    return new Relayer({ ...options, chain, store });
  }

  /** Starts HTTP + WebSocket serving and the timers; resumes any settlement a crash interrupted. */
  async start(): Promise<{ port: number; url: string }> {
    await this.store.openEpoch(this.clock.now());
    const bus = this.config.bus;
    if (bus) {
      // Joined before serving: the first node to connect here already sees the other instances' nodes.
      this.cluster = await Cluster.join({
        config: bus,
        instance: bus.instanceId ?? defaultInstanceId(this.config.port),
        registry: this.registry,
        store: this.store,
        events: this.events,
        clock: this.clock,
        log: this.log,
        onStream: (account, message) => this.inference.frame(account, message),
        onWork: () => this.scheduler.kick(),
      });
      const cluster = this.cluster;
      this.scheduler.onQueued = () => cluster.announceWork();
      this.leader = new SettlementLeader({
        url: this.config.store.url as string,
        checkIntervalMs: this.config.leader.checkIntervalMs,
        log: this.log,
        instanceId: this.cluster.instance,
      });
    }
    const app = express();
    app.disable("x-powered-by");
    // Security headers on every answer (the API serves JSON only: no inline content to allow).
    app.use(helmet());
    app.get(SERVICE_ROUTES.health, async (_req, res) => {
      const epoch = await this.store.openEpoch(this.clock.now());
      sendJson(res, {
        ok: true,
        store: this.store.kind,
        openEpoch: epoch.epoch,
        connectedNodes: this.registry.size,
        // With several instances: which one answered, the nodes whose sockets it holds, whether it settles.
        instance: this.cluster?.instance ?? null,
        nodesHere: this.registry.localSize,
        settles: this.leader?.isLeader ?? true,
        // The epoch whose proposal the vault refuses, and why (null: settlement is not stuck).
        stuckProposal: this.settler.stuck,
      });
    });
    app.get(SERVICE_ROUTES.metrics, async (_req, res) => {
      // This instance's sockets: a scrape of each instance adds up to the network's.
      this.metrics.connectedNodes.set(this.registry.localSize);
      await this.scheduler.measureQueue();
      res.type(this.metrics.registry.contentType).send(await this.metrics.registry.metrics());
    });
    const polling = httpPollingRouter({
      auth: this.auth,
      protocol: this.protocol,
      clock: this.clock,
      config: this.config.gateway,
      admissionConfig: this.config.admission,
      admission: this.admission,
      walletLimits: this.walletLimits,
      metrics: this.metrics,
    });
    this.pollingSweep = polling.sweep;
    app.use(
      gatewayRouter({
        gateway: this.inference,
        catalogue: this.catalogue,
        keys: this.apiKeys,
        quota: this.usageQuota,
        auth: this.auth,
        clock: this.clock,
        log: this.log,
        trustProxy: this.config.admission.trustProxy,
      }),
    );
    app.use(API_BASE, polling.router);
    app.use(
      API_BASE,
      apiRouter({
        store: this.store,
        registry: this.registry,
        scheduler: this.scheduler,
        settler: this.settler,
        clock: this.clock,
        chain: this.chain,
        config: this.config,
      }),
    );
    app.use(API_BASE, creditsRouter({ credits: this.credits }));
    app.use(API_BASE, publishersRouter({ book: this.publishers, auth: this.auth, registry: this.registry }));
    // Unknown routes answer JSON like every other route, not Express's HTML page.
    app.use((_req: Request, res: Response) => sendJson(res, { error: "not found" }, 404));
    app.use((error: Error & { status?: number; type?: string }, _req: Request, res: Response, _next: NextFunction) => {
      if (error.type === "entity.too.large") {
        sendJson(
          res,
          { type: "error", v: PROTOCOL_VERSION, code: "frame_too_large", message: "request body too large" },
          413,
        );
      } else if (error.type === "entity.parse.failed") {
        sendJson(
          res,
          { type: "error", v: PROTOCOL_VERSION, code: "bad_frame", message: "body is not valid JSON" },
          400,
        );
      } else {
        // The details go to the log only: an internal error's text is no answer to give a client.
        const status = error.status !== undefined && error.status >= 400 && error.status < 500 ? error.status : 500;
        if (status === 500) this.log.error({ err: error }, "request failed");
        sendJson(
          res,
          {
            type: "error",
            v: PROTOCOL_VERSION,
            code: status === 500 ? "internal" : "bad_frame",
            message: status === 500 ? "internal error" : "bad request",
          },
          status,
        );
      }
    });

    const server = createServer(httpServerOptions(this.config.admission), app);
    this.admission.watch(server);
    server.on("upgrade", (request, socket, head) => {
      if (this.gateway.handleUpgrade(request, socket, head)) return;
      if (this.dashboard.handleUpgrade(request, socket, head)) return;
      socket.end("HTTP/1.1 404 Not Found\r\n\r\n");
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.config.port, this.config.host, () => resolve());
    });
    this.server = server;
    this.startTimers();
    const { port } = server.address() as AddressInfo;
    const url = `http://${this.config.host}:${port}`;
    this.log.info({ url, store: this.store.kind, chain: this.chain?.chain.id ?? null }, "relayer listening");
    return { port, url };
  }

  private readonly inFlight = new Set<Promise<unknown>>();

  private every(ms: number, work: () => Promise<unknown> | unknown, what: string): void {
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      const job = Promise.resolve()
        .then(work)
        .catch((error: unknown) => this.log.error({ err: error }, `${what} failed`))
        .finally(() => {
          running = false;
          this.inFlight.delete(job);
        });
      this.inFlight.add(job);
    }, ms);
    timer.unref();
    this.timers.push(timer);
  }

  private startTimers(): void {
    const { verification, rewards, epochs, gateway } = this.config;
    this.every(verification.sweepIntervalMs, () => this.taskJudge.sweep(), "deadline sweep");
    this.every(
      Math.min(5_000, gateway.heartbeatTimeoutMs / 3),
      () => {
        this.gateway.sweep();
        this.pollingSweep();
        this.admission.sweep();
        this.walletLimits.sweep();
      },
      "connection sweep",
    );
    // Picks up bans and tasks queued with the CLI (another process) within a second.
    this.every(
      1_000,
      async () => {
        await this.refreshNodes();
        this.scheduler.kick();
      },
      "node refresh",
    );
    this.every(rewards.passiveIntervalMs, () => this.passive.tick(), "passive rewards");
    // Challenges nobody signed (every socket open and every POST /api/auth/challenge writes one) do not pile up.
    this.every(60_000, () => this.store.deleteExpiredNonces(this.clock.now()), "nonce expiry");
    if (this.bonds) this.every(verification.bond.cacheTtlMs, () => this.refreshBonds(), "bond refresh");
    // Settlement work runs on the leader only (alone, this instance is it).
    const asLeader = (work: () => Promise<unknown>) => () => (this.leader ? this.leader.whileLeader(work) : work());
    if (epochs.intervalMs > 0) {
      this.every(
        epochs.intervalMs,
        asLeader(() => this.closeAndSettle()),
        "epoch close",
      );
    }
    if (epochs.autoPropose) {
      this.every(
        Math.max(1_000, Math.min(15_000, epochs.intervalMs || 15_000)),
        asLeader(() => this.settler.advance()),
        "settlement",
      );
    }
    const { recheckIntervalMs } = this.config.publishers;
    if (recheckIntervalMs > 0) {
      // Ticks more often than the interval, so each domain is checked about once per interval, not up to twice it.
      this.every(
        Math.min(recheckIntervalMs, 60_000),
        asLeader(() => this.publishers.recheck(recheckIntervalMs)),
        "publisher domain re-check",
      );
    }
    if (this.config.credits.settleIntervalMs > 0) {
      this.every(
        this.config.credits.settleIntervalMs,
        asLeader(() => this.credits.settle()),
        "credit settlement",
      );
    }
    if (this.leader) {
      // Whoever takes the lead (at start, or when the leader died) first finishes what the last one left half done.
      this.leader.onChange((leading) => {
        if (leading && this.timers.length > 0) this.track(this.resumeSettlement());
      });
      this.track(this.leader.start());
    } else {
      this.track(this.resumeSettlement());
    }
  }

  private track(job: Promise<unknown>): void {
    const tracked = job
      .catch((error: unknown) => this.log.error({ err: error }, "background work failed"))
      .finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  /**
   * Finishes a settlement a crash (or a dead leader) interrupted: the vault's first, then credit settlement, as both
   * sign with the one key (one nonce at a time). Not once the relayer is stopping (its timers are gone).
   */
  private async resumeSettlement(): Promise<void> {
    if (this.config.epochs.autoPropose) {
      await this.settler
        .advance()
        .catch((error: unknown) => this.log.error({ err: error }, "resuming settlement failed"));
    }
    if (this.timers.length > 0) await this.settleCredits();
  }

  /** Settles spent credit; a failure is logged and the debits wait for the next round. */
  private settleCredits(): Promise<void> {
    const job = this.credits
      .settle()
      .then(() => {})
      .catch((error: unknown) => this.log.error({ err: error }, "credit settlement failed"))
      .finally(() => this.inFlight.delete(job));
    this.inFlight.add(job);
    return job;
  }

  async closeAndSettle(): Promise<void> {
    // Until a node has earned there is nothing to settle in the vault: the epoch stays open (settler.close).
    if (await this.store.hasConfirmedEarnings()) {
      await this.settler.close();
      // The close is done: a proposal that fails now is settlement's failure, logged as such, not the close's.
      if (this.config.epochs.autoPropose) {
        await this.settler.advance().catch((error: unknown) => this.log.error({ err: error }, "settlement failed"));
      }
    }
    // After the vault's settlement, and never in its way; users' spent credit settles at every tick all the same.
    await this.settleCredits();
  }

  /**
   * A node proven wrong: propose slashing `bond.slashWei` of its bond (never more than it holds). The guardian may
   * veto the slash during the challenge window; the chain being down only costs this one proposal (logged).
   */
  private slash(node: `0x${string}`, taskId: string): void {
    const bonds = this.bonds;
    const perOffence = this.config.verification.bond.slashWei;
    if (!bonds || perOffence <= 0n) return;
    const held = bonds.knownBondOf(node);
    if (held <= 0n) return;
    // biome-ignore lint/complexity/useMathMinMax: bigints (Math.min takes numbers)
    const amount = held < perOffence ? held : perOffence;
    bonds
      .proposeSlash(node, amount, keccak256(stringToHex(taskId)))
      .then((slash) =>
        this.log.warn({ node, taskId, amount: amount.toString(), id: slash.id.toString() }, "slash proposed"),
      )
      .catch((error: unknown) => this.log.error({ err: error, node, taskId }, "proposing a slash failed"));
  }

  private async refreshBonds(): Promise<void> {
    if (!this.bonds) return;
    const addresses = [...this.registry.all()].map((p) => p.address);
    if (addresses.length > 0) await this.bonds.refresh(addresses);
  }

  private async refreshNodes(): Promise<void> {
    const addresses = [...this.registry.all()].map((p) => p.address);
    for (const record of await this.store.getNodes(addresses)) this.registry.updateRecord(record);
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    // Let timer work that already started finish before the store closes under it.
    await Promise.allSettled([...this.inFlight]);
    await this.ingest.drain();
    await this.inference.drain();
    await this.gateway.close();
    await this.dashboard.close();
    await this.leader?.stop();
    this.leader = null;
    this.scheduler.onQueued = null;
    await this.cluster?.leave();
    this.cluster = null;
    if (this.server) {
      this.server.closeAllConnections();
      await new Promise<void>((resolve) => this.server?.close(() => resolve()));
      this.server = null;
    }
    await this.store.close();
  }
}
