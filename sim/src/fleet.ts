import type { GenerateRequest, TaskMessage, TaskStatus, VerdictMessage, VerifyMessage } from "@gitblock/sdk";
import { judgeScores, outputHash, RelayerApi } from "@gitblock/sdk";
import { NodeClient } from "@gitblock/sdk/client";
import {
  type HardwareClass,
  type SimulationBehaviour,
  SimulationEngine,
  simulatedScores,
} from "@gitblock/sdk/engines/simulation";
import { type Address, type Hex, keccak256, stringToBytes } from "viem";
import { type PrivateKeyAccount, privateKeyToAccount } from "viem/accounts";

/**
 * The simulated fleet: N nodes, each with its own wallet and a NodeClient over a real connection, running the
 * simulation engine on one of a few hardware classes (honest nodes of different classes sometimes generate different
 * ids: honest disagreement), with a behaviour:
 * - honest; slow (misses the deadline on a share of its tasks); flaky (honest, drops its connection and reconnects);
 * - liar (a wrong claim of its own on a share of its tasks); colluder (the group's wrong claim on every task, and
 *   passes the group's claims as a verifier); challenge-aware (a colluder lying on a share of its tasks and not at
 *   all once two strikes are active); selection-gaming (a colluder answering instantly);
 * - steerer (replaces near-ties by the runner-up within δ); cheap-model (runs a cheaper model);
 * - lazy-verifier (passes every claim without scoring); griefer (fails every claim);
 * - whitewasher (a colluder that comes back as a new wallet when banned).
 * Besides them the fleet runs the operator's reference verifiers (the dispute tier) when the relayer names them.
 */
export const BEHAVIOURS = [
  "honest",
  "slow",
  "flaky",
  "liar",
  "colluder",
  "challenge-aware",
  "selection-gaming",
  "steerer",
  "cheap-model",
  "lazy-verifier",
  "griefer",
  "whitewasher",
] as const;
export type Behaviour = (typeof BEHAVIOURS)[number];
export type FleetMix = Record<Behaviour, number>;

export const HONEST: ReadonlySet<Behaviour> = new Set(["honest", "slow", "flaky"]);
export const DISHONEST: ReadonlySet<Behaviour> = new Set(BEHAVIOURS.filter((b) => !HONEST.has(b)));

const SIMULATED_COUNTRIES = ["DE", "US", "BR", "IN", "JP", "NG", "FR", "CA"] as const;

const emptyMix = (): FleetMix => Object.fromEntries(BEHAVIOURS.map((b) => [b, 0])) as FleetMix;

/** The operator's reference verifiers for a fleet seed: the local relayer names these addresses in its config. */
export function referenceAccounts(seed: number, count: number): PrivateKeyAccount[] {
  return Array.from({ length: count }, (_, i) =>
    privateKeyToAccount(keccak256(stringToBytes(`gitblock-sim reference verifier ${seed} ${i}`))),
  );
}

export interface FleetOptions {
  relayerUrl: string;
  /** Queues the simulation's jobs at the relayer (HTTP admin API or an in-process scheduler). */
  submit: (specs: GenerateRequest[]) => Promise<void>;
  mix: Partial<FleetMix>;
  tasks: number;
  model?: string;
  maxTokens?: number;
  capacity?: number;
  /** Hardware classes the nodes are spread over (default 4) and the noise each adds to the logits (default 0.001). */
  classes?: number;
  noise?: number;
  /** The relayer's δ for the model (default 0.05): steerers steer within it; accepted-wrong is judged at it. */
  delta?: number;
  /** Reference verifiers to run (default 0: a remote relayer runs its own); their wallets: `referenceAccounts`. */
  references?: number;
  /** Share of tasks a liar (and a challenge-aware colluder) lies on (default 1 and 0.25). */
  lieRate?: number;
  /** Share of tasks a slow node misses the deadline on (default 0.5). */
  slowRate?: number;
  /** Number of colluding groups the colluders are split into (default 1). */
  colluderGroups?: number;
  /** Honest inference time per task (ms, default 10) and the relayer's task timeout (for slow nodes). */
  latencyMs?: number;
  taskTimeoutMs: number;
  /** A flaky node drops its connection this often (ms, default 3 000). */
  flakyEveryMs?: number;
  /** Reconnect delay of every node (default 500 ms; the SDK's default is 5 s). */
  reconnectMs?: number;
  seed?: number;
  /** Gives up when nothing settles for this long (e.g. too few nodes left unbanned), default 15 s. */
  stallMs?: number;
  /** Queued + in-flight tasks at the relayer; the run ends when it reaches 0. */
  pending: () => Promise<number>;
  onProgress?: (progress: FleetProgress) => void;
  progressEveryMs?: number;
}

export interface FleetProgress {
  elapsedMs: number;
  submitted: number;
  settled: number;
  validated: number;
  acceptedWrong: number;
  bans: number;
  creditedWei: bigint;
}

export interface NodeSummary {
  address: Address;
  behaviour: Behaviour | "reference";
  hardware: string;
  group: string | null;
  /** Tasks to generate and claims to verify this node received. */
  tasks: number;
  verifications: number;
  correct: number;
  wrong: number;
  timeouts: number;
  inconclusive: number;
  strikes: number;
  creditedWei: bigint;
  bannedAt: number | null;
  /** Tasks this node received before the verdict that banned it. */
  tasksBeforeBan: number | null;
  msToBan: number | null;
}

export interface FleetReport {
  nodes: number;
  mix: FleetMix;
  /** Jobs the simulation submitted. */
  submitted: number;
  /** Distinct tasks generated by the fleet (jobs plus the relayer's hidden challenges). */
  tasks: number;
  validated: number;
  inconclusive: number;
  /** Tasks whose claim was rejected (the generator's verdict was wrong). */
  rejected: number;
  /** Validated tasks revoked later: their generator was proven wrong on another task in the same epoch. */
  revoked: number;
  /** Submitted jobs with no verdict when the run ended. */
  unfinished: number;
  /** Validated tasks whose claim the true model (no hardware noise) fails at δ. */
  acceptedWrong: number;
  acceptedWrongShare: number;
  /** Honest (honest, slow, flaky) nodes that got at least one wrong verdict. */
  honestWronglyStruck: number;
  honestNodes: number;
  honestWronglyStruckShare: number;
  timeouts: number;
  wrongVerdicts: number;
  strikes: number;
  bans: number;
  bansByBehaviour: FleetMix;
  dishonestNodes: number;
  dishonestBanned: number;
  creditedWei: bigint;
  /** Median over banned dishonest nodes. */
  medianMsToBan: number | null;
  medianTasksToBan: number | null;
  elapsedMs: number;
  perNode: NodeSummary[];
}

/** mulberry32: a small seeded PRNG, so a run is reproducible given the same seed and timing. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const median = (values: number[]) => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? null;
};

interface Member {
  behaviour: Behaviour | "reference";
  group: string | null;
  client: NodeClient;
  summary: NodeSummary;
  startedAt: number | null;
  dropTimer: ReturnType<typeof setInterval> | null;
  /** Whitewashers: how many wallets this identity has used. */
  wallet: number;
  index: number;
}

export function parseMix(spec: string): FleetMix {
  const mix = emptyMix();
  for (const part of spec.split(",").filter(Boolean)) {
    const [name, count] = part.split("=");
    if (!BEHAVIOURS.includes(name as Behaviour) || !/^\d+$/.test(count ?? "")) {
      throw new Error(`bad mix entry "${part}": expected <${BEHAVIOURS.join("|")}>=<count>`);
    }
    mix[name as Behaviour] = Number(count);
  }
  return mix;
}

export class Fleet {
  readonly members: Member[] = [];
  private readonly options: FleetOptions;
  private readonly random: () => number;
  readonly mix: FleetMix;
  private readonly hardware: HardwareClass[];
  /** Per task: its generator (the latest one sent it), the claim its engine produced, the task's fields, verdicts. */
  private readonly generators = new Map<string, Address>();
  private readonly claims = new Map<string, { tokenIds: number[]; node: Address }>();
  /** Final statuses read from the relayer's task API, for tasks whose generator's verdict does not tell. */
  private readonly published = new Map<string, TaskStatus>();
  private readonly claimsByHash = new Map<Hex, number[]>();
  private readonly verdicts = new Map<string, Array<{ node: Address; verdict: VerdictMessage }>>();
  private readonly taskSpecs = new Map<string, TaskMessage>();
  private readonly submittedInputs = new Set<string>();
  private started = 0;
  /** Jobs submitted so far (`tasks` for a run, growing in `feed`). */
  private submitted = 0;
  private stopped = false;

  constructor(options: FleetOptions) {
    this.options = options;
    this.random = seededRandom(options.seed ?? 1);
    this.mix = { ...emptyMix(), ...options.mix };
    const noise = options.noise ?? 0.001;
    this.hardware = Array.from({ length: Math.max(1, options.classes ?? 4) }, (_, i) => ({
      name: `gpu-${String.fromCharCode(97 + i)}`,
      noise,
    }));
  }

  /** The fleet's own nodes (not the reference verifiers), whitewashers' new wallets included. */
  get nodeCount(): number {
    return this.members.filter((m) => m.behaviour !== "reference").length;
  }

  get model(): string {
    return this.options.model ?? "sim-llm";
  }

  private get delta(): number {
    return this.options.delta ?? 0.05;
  }

  private behaviourOf(kind: Behaviour, index: number, summary: NodeSummary): SimulationBehaviour {
    const group = `group-${index % Math.max(1, this.options.colluderGroups ?? 1)}`;
    switch (kind) {
      case "liar":
        return { kind: "liar", rate: this.options.lieRate ?? 1 };
      case "colluder":
      case "whitewasher":
        return { kind: "colluder", group };
      case "challenge-aware":
        // Its own count of strikes (wrong verdicts) stands in for the active ones: it stops lying at two.
        return { kind: "challenge-aware", group, rate: this.options.lieRate ?? 0.25, decide: () => summary.wrong < 2 };
      case "selection-gaming":
        return { kind: "selection-gaming", group };
      case "steerer":
        return { kind: "steerer", delta: this.delta };
      case "cheap-model":
        return { kind: "cheap-model" };
      case "lazy-verifier":
        return { kind: "lazy-verifier" };
      case "griefer":
        return { kind: "griefer" };
      default:
        return { kind: "honest" };
    }
  }

  /** Creates every node's wallet and client and signs them all in. */
  async start(): Promise<void> {
    this.started = Date.now();
    let index = 0;
    for (const kind of BEHAVIOURS) {
      for (let i = 0; i < this.mix[kind]; i++) this.addMember(kind, i, index++, 0);
    }
    referenceAccounts(this.options.seed ?? 1, this.options.references ?? 0).forEach((account, i) => {
      this.addMember("reference", i, index++, 0, account);
    });
    await Promise.all(this.members.map((m) => m.client.start()));
    for (const member of this.members) this.startFlaky(member);
  }

  private startFlaky(member: Member): void {
    if (member.behaviour !== "flaky") return;
    member.dropTimer = setInterval(() => member.client.dropConnection(), this.options.flakyEveryMs ?? 3_000);
  }

  private addMember(
    kind: Behaviour | "reference",
    i: number,
    index: number,
    wallet: number,
    reference?: PrivateKeyAccount,
  ): Member {
    const o = this.options;
    const latency = o.latencyMs ?? 10;
    const rng = seededRandom(Math.floor(this.random() * 2 ** 32));
    const slowRate = o.slowRate ?? 0.5;
    const hardware: HardwareClass =
      kind === "reference"
        ? { name: "reference", noise: o.noise ?? 0.001 }
        : (this.hardware[index % this.hardware.length] as HardwareClass);
    // Wallets derive from the seed, so a run is reproducible up to timing.
    const account =
      reference ??
      privateKeyToAccount(keccak256(stringToBytes(`gitblock-sim wallet ${o.seed ?? 1} ${kind} ${i} ${wallet}`)));
    const summary: NodeSummary = {
      address: account.address,
      behaviour: kind,
      hardware: hardware.name,
      group: null,
      tasks: 0,
      verifications: 0,
      correct: 0,
      wrong: 0,
      timeouts: 0,
      inconclusive: 0,
      strikes: 0,
      creditedWei: 0n,
      bannedAt: null,
      tasksBeforeBan: null,
      msToBan: null,
    };
    const behaviour: SimulationBehaviour =
      kind === "reference" ? { kind: "honest" } : this.behaviourOf(kind, i, summary);
    summary.group = "group" in behaviour ? behaviour.group : null;
    const engine = new SimulationEngine({
      models: [this.model],
      behaviour,
      hardware,
      random: rng,
      latencyMs: () => (kind === "slow" && rng() < slowRate ? o.taskTimeoutMs * 2 : latency * (0.5 + rng())),
      observe: (event) => {
        if (event.type !== "generate") return;
        const taskId = this.taskIdOf(account.address, event.request.input);
        if (taskId === undefined) return;
        this.claims.set(taskId, { tokenIds: event.tokenIds, node: account.address });
        this.claimsByHash.set(outputHash(event.tokenIds), event.tokenIds);
      },
    });
    const client = new NodeClient({
      relayer: o.relayerUrl,
      signer: account,
      engine,
      // Spread over a few countries, so the network map of a simulated network is not empty.
      country: SIMULATED_COUNTRIES[index % SIMULATED_COUNTRIES.length],
      capacity: o.capacity ?? 2,
      reconnect: { initialMs: o.reconnectMs ?? 500, maxMs: (o.reconnectMs ?? 500) * 4 },
    });
    const member: Member = {
      behaviour: kind,
      group: summary.group,
      client,
      summary,
      startedAt: null,
      dropTimer: null,
      wallet,
      index,
    };
    this.wire(member);
    this.members.push(member);
    return member;
  }

  /** Which task a node's engine is working on, from the task frames it received (inputs are unique per job). */
  private readonly working = new Map<string, string>();
  private taskIdOf(node: Address, input: string): string | undefined {
    return this.working.get(`${node}\n${input}`);
  }

  private wire(member: Member): void {
    const { client, summary } = member;
    client.on("task", (work: TaskMessage | VerifyMessage) => {
      if (work.type === "verify") summary.verifications++;
      else {
        summary.tasks++;
        this.generators.set(work.taskId, client.address);
        this.taskSpecs.set(work.taskId, work);
        this.working.set(`${client.address}\n${work.input}`, work.taskId);
      }
      member.startedAt ??= Date.now();
    });
    client.on("verdict", (verdict) => {
      let list = this.verdicts.get(verdict.taskId);
      if (!list) {
        list = [];
        this.verdicts.set(verdict.taskId, list);
      }
      list.push({ node: client.address, verdict });
      if (verdict.outcome === "correct") summary.correct++;
      else if (verdict.outcome === "wrong") summary.wrong++;
      else if (verdict.outcome === "timeout") summary.timeouts++;
      else summary.inconclusive++;
      summary.strikes = summary.wrong + summary.timeouts;
      summary.creditedWei += BigInt(verdict.rewardWei);
      if (verdict.bannedUntil !== undefined && summary.bannedAt === null) {
        summary.bannedAt = Date.now();
        summary.tasksBeforeBan = summary.tasks;
        summary.msToBan = summary.bannedAt - (member.startedAt ?? this.started);
        if (member.behaviour === "whitewasher" && !this.stopped) void this.whitewash(member);
      }
    });
  }

  /** A banned whitewasher leaves and comes back at once with a new wallet (tenure starts over at the relayer). */
  private async whitewash(member: Member): Promise<void> {
    if (member.dropTimer) clearInterval(member.dropTimer);
    await member.client.stop().catch(() => {});
    const next = this.addMember("whitewasher", member.index, member.index, member.wallet + 1);
    await next.client.start();
  }

  /**
   * Whether the claim a task was validated with (found by the output hash the relayer stored) is one the true model
   * fails at δ; undefined when this fleet did not generate it. The relayer erases inputs once a task is final, so
   * the task's fields come from the frame the fleet received.
   */
  acceptedWrongClaim(taskId: string, hash: Hex): boolean | undefined {
    const claim = this.claimsByHash.get(hash);
    const task = this.taskSpecs.get(taskId);
    return claim && task ? this.wrongByTruth(task, claim) : undefined;
  }

  /** Whether the true model (exact hardware) fails a claim for this task at δ: what accepted-wrong counts. */
  wrongByTruth(task: Pick<TaskMessage, "model" | "input" | "maxTokens">, tokenIds: readonly number[]): boolean {
    const scores = simulatedScores({
      model: task.model,
      input: task.input,
      maxTokens: task.maxTokens,
      tokenIds: [...tokenIds],
    });
    return !judgeScores(scores, { delta: this.delta }).pass;
  }

  /** Submits the jobs, waits until the relayer has settled them (or the run stalls), returns the report. */
  async run(): Promise<FleetReport> {
    const o = this.options;
    const specs: GenerateRequest[] = [];
    for (let i = 0; i < o.tasks; i++) specs.push(this.job(i));
    await o.submit(specs);
    let lastSettled = -1;
    let lastChange = Date.now();
    let lastProgress = 0;
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const pending = await o.pending();
      const progress = this.progress();
      if (progress.settled !== lastSettled) {
        lastSettled = progress.settled;
        lastChange = Date.now();
      }
      if (o.onProgress && Date.now() - lastProgress >= (o.progressEveryMs ?? 1_000)) {
        lastProgress = Date.now();
        o.onProgress(progress);
      }
      if (pending === 0) break;
      if (Date.now() - lastChange > (o.stallMs ?? 15_000)) break;
    }
    // Verdicts go out right after settlement; give the last ones a moment to arrive. Flaky nodes stop dropping and
    // fetch what they missed while away from the task API, as any node does after a reconnect.
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const m of this.members) if (m.dropTimer) clearInterval(m.dropTimer);
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      const behind = this.members.filter((m) => m.client.awaitingVerdicts > 0);
      if (behind.length === 0) break;
      await Promise.all(
        behind.filter((m) => m.client.state === "online").map((m) => m.client.recoverVerdicts().catch(() => {})),
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await this.resolve();
    return this.report();
  }

  /** Keeps the network busy until `stop()`: one job every `everyMs` (a live local network, not a measurement). */
  async feed(everyMs: number): Promise<void> {
    let lastProgress = 0;
    for (let i = 0; !this.stopped; i++) {
      await this.options.submit([this.job(i)]);
      if (this.options.onProgress && Date.now() - lastProgress >= (this.options.progressEveryMs ?? 1_000)) {
        lastProgress = Date.now();
        this.options.onProgress(this.progress());
      }
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  }

  /** A job's input: what the relayer's challenges are drawn from too (`jobInput`), so they look alike. */
  jobInput(random: () => number = this.random): string {
    return `sim task: ${Math.floor(random() * 1e12).toString(36)}`;
  }

  private job(i: number): GenerateRequest {
    const input = this.jobInput();
    this.submittedInputs.add(input);
    this.submitted++;
    return { model: this.model, input, maxTokens: this.options.maxTokens ?? 16, seed: i };
  }

  /**
   * A task's fate, from its generator's verdict (the latest generator: one banned before it revealed is replaced).
   * A generator banned after it revealed is told "inconclusive" whatever became of its claim: then the relayer's
   * public task API says (`resolve`).
   */
  private classify(taskId: string): "validated" | "inconclusive" | "rejected" | "revoked" | null {
    const published = this.published.get(taskId);
    if (
      published === "validated" ||
      published === "rejected" ||
      published === "inconclusive" ||
      published === "revoked"
    ) {
      return published;
    }
    const generator = this.generators.get(taskId);
    const verdict = this.verdicts.get(taskId)?.find((v) => v.node === generator)?.verdict;
    if (!verdict) return null;
    if (verdict.outcome === "correct") return "validated";
    if (verdict.outcome === "wrong") return "rejected";
    return "inconclusive";
  }

  /**
   * Reads the final status of every task the verdicts leave open (inconclusive or missing) from the task API, and
   * which validated ones were revoked later (their generator proven wrong on another task: no verdict says so).
   */
  private async resolve(): Promise<void> {
    const api = new RelayerApi(this.options.relayerUrl);
    for (const task of await api.tasks({ status: "revoked", limit: 500 })) {
      if (this.generators.has(task.id)) this.published.set(task.id, "revoked");
    }
    for (const taskId of this.generators.keys()) {
      const kind = this.classify(taskId);
      if (kind === "validated" || kind === "rejected" || this.published.has(taskId)) continue;
      const task = await api.task(taskId).catch(() => null);
      if (task) this.published.set(taskId, task.status);
    }
  }

  private acceptedWrong(taskId: string): boolean {
    const claim = this.claims.get(taskId);
    const task = this.taskSpecs.get(taskId);
    return (
      claim !== undefined &&
      task !== undefined &&
      claim.node === this.generators.get(taskId) &&
      this.wrongByTruth(task, claim.tokenIds)
    );
  }

  progress(): FleetProgress {
    let settled = 0;
    let validated = 0;
    let acceptedWrong = 0;
    for (const taskId of this.generators.keys()) {
      const kind = this.classify(taskId);
      if (kind) settled++;
      if (kind === "validated") {
        validated++;
        if (this.acceptedWrong(taskId)) acceptedWrong++;
      }
    }
    return {
      elapsedMs: Date.now() - this.started,
      submitted: this.submitted,
      settled,
      validated,
      acceptedWrong,
      bans: this.members.filter((m) => m.summary.bannedAt !== null).length,
      creditedWei: this.members.reduce((sum, m) => sum + m.summary.creditedWei, 0n),
    };
  }

  report(): FleetReport {
    const counts = { validated: 0, inconclusive: 0, rejected: 0, revoked: 0 };
    let acceptedWrong = 0;
    for (const taskId of this.generators.keys()) {
      const kind = this.classify(taskId);
      if (!kind) continue;
      counts[kind]++;
      if (kind === "validated" && this.acceptedWrong(taskId)) acceptedWrong++;
    }
    let submittedSettled = 0;
    for (const [taskId, task] of this.taskSpecs) {
      if (this.submittedInputs.has(task.input) && this.classify(taskId)) submittedSettled++;
    }
    const nodes = this.members.filter((m) => m.behaviour !== "reference");
    const honest = nodes.filter((m) => HONEST.has(m.behaviour as Behaviour));
    const dishonest = nodes.filter((m) => DISHONEST.has(m.behaviour as Behaviour));
    const bansByBehaviour = emptyMix();
    for (const m of nodes) if (m.summary.bannedAt !== null) bansByBehaviour[m.behaviour as Behaviour]++;
    const bannedDishonest = dishonest.filter((m) => m.summary.bannedAt !== null);
    const perNode = this.members.map((m) => ({ ...m.summary }));
    const honestStruck = honest.filter((m) => m.summary.wrong > 0).length;
    return {
      nodes: nodes.length,
      mix: this.mix,
      submitted: this.submitted,
      tasks: this.generators.size,
      ...counts,
      unfinished: Math.max(0, this.submitted - submittedSettled),
      acceptedWrong,
      acceptedWrongShare: counts.validated > 0 ? acceptedWrong / counts.validated : 0,
      honestWronglyStruck: honestStruck,
      honestNodes: honest.length,
      honestWronglyStruckShare: honest.length > 0 ? honestStruck / honest.length : 0,
      timeouts: perNode.reduce((s, n) => s + n.timeouts, 0),
      wrongVerdicts: perNode.reduce((s, n) => s + n.wrong, 0),
      strikes: perNode.reduce((s, n) => s + n.wrong + n.timeouts, 0),
      bans: perNode.filter((n) => n.bannedAt !== null).length,
      bansByBehaviour,
      dishonestNodes: dishonest.length,
      dishonestBanned: bannedDishonest.length,
      creditedWei: perNode.reduce((s, n) => s + n.creditedWei, 0n),
      medianMsToBan: median(bannedDishonest.map((m) => m.summary.msToBan ?? 0)),
      medianTasksToBan: median(bannedDishonest.map((m) => m.summary.tasksBeforeBan ?? 0)),
      elapsedMs: Date.now() - this.started,
      perNode,
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const m of this.members) if (m.dropTimer) clearInterval(m.dropTimer);
    await Promise.all(this.members.map((m) => m.client.stop()));
  }
}
