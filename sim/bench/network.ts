// The integrity bench's network: a discrete-event model of the protocol in this process. Simulated nodes (the
// simulation engine: hardware classes, behaviours) generate, commit/reveal and report; the relayer's own decision code
// (./relayer-rules.ts) draws, judges each stage, scores reputation and pays, over in-memory node, task and assignment
// records. The old rule (R nodes, exact-hash voting) runs on the same fleet and tasks for comparison (./old-rule.ts).
import { type AgreementRule, gapMicros, judgeScores, passesAt } from "@gitblock/sdk";
import {
  type HardwareClass,
  honestTokens,
  type SimulationBehaviour,
  SimulationEngine,
  type SimulationMemo,
  simulatedScores,
} from "@gitblock/sdk/engines/simulation";
import type { Address } from "viem";
import { judgeOldRule } from "./old-rule.ts";
import * as rules from "./relayer-rules.ts";

export const ADVERSARIES = [
  "colluders",
  "challenge-aware",
  "selection-gaming",
  "steerer",
  "cheap-model",
  "lazy-verifier",
  "griefer",
  "whitewasher",
] as const;
export type Adversary = (typeof ADVERSARIES)[number];

/** What the relayer is configured with: the knobs the bench tunes. */
export interface RuleSettings {
  verifiers: { trusted: number; untrusted: number };
  trapRate: number;
  challengeRate: number;
  quorumBps: number;
  tenureTasks: number;
  tenureFloor: number;
  trustedReputationBps: number;
  verifyRateBps: number;
  nonTop1Share: number;
  minNonTop1: number;
  /** The old rule: R and its quorum. */
  oldRedundancy: number;
  oldQuorumBps: number;
}

/** The world the rules run in: the fleet, the load, costs and the adversaries' parameters. */
export interface WorldSettings {
  nodes: number;
  /** The operator's reference verifiers (the dispute tier). */
  references: number;
  /** Hardware classes the nodes are spread over (the reference verifiers have one more of their own). */
  classes: number;
  jobs: number;
  maxTokens: number;
  model: string;
  /** A job arrives every `arrivalMs`; a generation takes about `generateMs` (per node 0.6–1.4×). */
  arrivalMs: number;
  generateMs: number;
  /** A verification (teacher-forced scoring) in generations. */
  verifyCost: number;
  /** A cheap model's generation in generations of the task's model. */
  cheapCost: number;
  capacity: number;
  /** What a node's compute costs, per generation, as a share of what a validated generation pays. */
  computePrice: number;
  bondWei: bigint;
  /** Share of the bond a proven-wrong verdict slashes (the relayer proposes it; the amount is not in its rules). */
  slashShare: number;
  /** The challenge-aware adversary lies on this share of its jobs. */
  lieRate: number;
  /** Chance that a challenge-aware node recognizes a challenge (0: they are indistinguishable, as designed). */
  challengeLeak: number;
  seed: number;
}

export interface Cell {
  rule: "new" | "old";
  /** null: every node honest (the twin run the adversary's earnings are compared with). */
  adversary: Adversary | null;
  share: number;
  noise: number;
  delta: number;
}

export interface IdentityResult {
  identity: number;
  adversary: boolean;
  earnedWei: bigint;
  /** Compute actually spent, in generations. */
  compute: number;
  provenWrong: number;
  banned: boolean;
  /** When the ban of its last wallet ends (null: that wallet is not banned at the end of the run). */
  bannedUntil: number | null;
  wallets: number;
}

export interface RunResult {
  jobs: number;
  challenges: number;
  validatedJobs: number;
  rejectedJobs: number;
  inconclusiveJobs: number;
  /** Jobs no node could take before the give-up time (too few nodes left unbanned). */
  unassignedJobs: number;
  acceptedWrong: number;
  /** Of those, the ones the true model fails even at 2δ (beyond what the dispute tier calls honest rounding). */
  acceptedWrongAt2Delta: number;
  disputedJobs: number;
  honestNodes: number;
  /** Honest nodes given at least one strike (a wrong or failed-challenge verdict; honest nodes never time out here). */
  honestStruck: number;
  honestStrikes: number;
  /** Honest nodes struck at least once where the proposed dispute band (2δ and 2M) would not have struck them. */
  honestStruckUnderProposal: number;
  honestGenerations: number;
  honestUnpaid: number;
  /** Assignments that did their work: generations, verifications (incl. traps), traps, dispute-tier checks. */
  work: { generations: number; verifications: number; traps: number; disputes: number };
  /** Nominal compute per job in generations: generations + verifyCost × (verifications + disputes). */
  costPerJob: number;
  adversarySeats: { generate: number; verify: number };
  seats: { generate: number; verify: number };
  /** Jobs on which two honest nodes of different classes generate different ids (measured on every job). */
  disagreement: { differing: number; jobs: number };
  /** Mean pay of a validated honest generation (the unit compute is priced in). */
  meanGenerationWei: number;
  identities: IdentityResult[];
  adversaryBanned: number;
  adversaryIdentities: number;
  /** Simulated time at the end of the run (ms). */
  endedAt: number;
}

const RATE_PER_TOKEN_WEI = 10n ** 15n;
const TASK_TIMEOUT_MS = 60_000;
const VERIFY_TIMEOUT_MS = 60_000;
const GIVE_UP_MS = 600_000;
const STRIKE_WINDOW_MS = 7 * 24 * 3_600_000;
/** Established nodes: long past the tenure ramp. */
const ESTABLISHED_TASKS = 1_000;

/** mulberry32. */
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

function mix(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    h = Math.imul(h ^ (p | 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** A random stream per (task, purpose), so the adversary run and its honest twin draw alike until they diverge. */
const streamFor = (seed: number, task: number, purpose: number, attempt = 0) =>
  seededRandom(mix(seed, task, purpose, attempt));

class EventQueue<T> {
  private readonly heap: Array<{ at: number; seq: number; item: T }> = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(at: number, item: T): void {
    const heap = this.heap;
    heap.push({ at, seq: this.seq++, item });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      [heap[i], heap[parent]] = [heap[parent] as (typeof heap)[number], heap[i] as (typeof heap)[number]];
      i = parent;
    }
  }

  pop(): { at: number; item: T } | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined) return undefined;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && this.less(l, m)) m = l;
        if (r < heap.length && this.less(r, m)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m] as (typeof heap)[number], heap[i] as (typeof heap)[number]];
        i = m;
      }
    }
    return { at: top.at, item: top.item };
  }

  private less(a: number, b: number): boolean {
    const x = this.heap[a] as { at: number; seq: number };
    const y = this.heap[b] as { at: number; seq: number };
    return x.at < y.at || (x.at === y.at && x.seq < y.seq);
  }
}

export const hardwareClasses = (count: number, noise: number): HardwareClass[] =>
  Array.from({ length: count }, (_, i) => ({ name: `gpu-${String.fromCharCode(97 + i)}`, noise }));
export const referenceHardware = (noise: number): HardwareClass => ({ name: "reference", noise });

const addressOf = (identity: number, wallet: number): Address =>
  `0x${(identity * 1_000 + wallet + 1).toString(16).padStart(40, "0")}` as Address;

interface Wallet {
  address: Address;
  identity: number;
  adversary: Adversary | null;
  reference: boolean;
  hardware: HardwareClass;
  engine: SimulationEngine;
  /** Typical generation time (ms) and heartbeat round trip (the old scheduler ranked by it). */
  latencyMs: number;
  rttMs: number;
  inflight: number;
  spent: { compute: number };
  earnedWei: bigint;
  provenWrong: number;
  honestStrikes: number;
  /** Honest strikes the proposed dispute band would have spared. */
  excusedStrikes: number;
  bannedAt: number | null;
}

interface TaskState {
  index: number;
  record: rules.TaskRecord;
  assignments: rules.AssignmentRecord[];
  disputed: boolean;
  final: boolean;
  /** Old rule: whether the colluding group answers this task with its claim. */
  groupLies: boolean;
  released: Set<rules.AssignmentRecord>;
}

type Event =
  | { type: "arrive"; index: number; kind: "job" | "challenge"; attempt: number; task?: TaskState }
  | { type: "generated"; task: TaskState; assignment: rules.AssignmentRecord }
  | { type: "reported"; task: TaskState; assignment: rules.AssignmentRecord }
  | { type: "rejudge"; task: TaskState };

const GROUP = "colluders";
/** Whether the true model fails a claim at δ: a pure function of (δ, task, claim), shared by the runs of a process. */
const truthMemo = new Map<string, boolean>();

/** One run of one rule on one fleet. */
export class NetworkRun {
  private readonly world: WorldSettings;
  private readonly settings: RuleSettings;
  private readonly cell: Cell;
  private readonly memo: SimulationMemo;
  private readonly rule: AgreementRule;
  private readonly policy: rules.TrustPolicy;
  private readonly classes: HardwareClass[];
  private readonly reference: HardwareClass;
  private readonly queue = new EventQueue<Event>();
  private readonly wallets: Wallet[] = [];
  private readonly byAddress = new Map<string, Wallet>();
  private readonly records = new Map<string, rules.NodeRecord>();
  private readonly tasksByInput = new Map<string, TaskState>();
  private readonly identityWallets = new Map<number, Wallet[]>();
  private now = 0;
  private readonly result: RunResult;
  private generationPaid = { wei: 0n, count: 0 };

  constructor(world: WorldSettings, settings: RuleSettings, cell: Cell, memo: SimulationMemo) {
    this.world = world;
    this.settings = settings;
    this.cell = cell;
    this.memo = memo;
    this.rule = { delta: cell.delta, nonTop1Share: settings.nonTop1Share, minNonTop1: settings.minNonTop1 };
    this.policy = {
      tenureTasks: settings.tenureTasks,
      tenureFloor: settings.tenureFloor,
      bond: { required: true, minWei: world.bondWei },
      trustedReputationBps: settings.trustedReputationBps,
      verifiers: settings.verifiers,
    };
    this.classes = hardwareClasses(world.classes, cell.noise);
    this.reference = referenceHardware(cell.noise);
    this.result = {
      jobs: 0,
      challenges: 0,
      validatedJobs: 0,
      rejectedJobs: 0,
      inconclusiveJobs: 0,
      unassignedJobs: 0,
      acceptedWrong: 0,
      acceptedWrongAt2Delta: 0,
      disputedJobs: 0,
      honestNodes: 0,
      honestStruck: 0,
      honestStrikes: 0,
      honestStruckUnderProposal: 0,
      honestGenerations: 0,
      honestUnpaid: 0,
      work: { generations: 0, verifications: 0, traps: 0, disputes: 0 },
      costPerJob: 0,
      adversarySeats: { generate: 0, verify: 0 },
      seats: { generate: 0, verify: 0 },
      disagreement: { differing: 0, jobs: 0 },
      meanGenerationWei: 0,
      identities: [],
      adversaryBanned: 0,
      adversaryIdentities: 0,
      endedAt: 0,
    };
    const dishonest = cell.adversary === null ? 0 : Math.round(world.nodes * cell.share);
    const speed = seededRandom(mix(world.seed, 7));
    for (let i = 0; i < world.nodes; i++) {
      const latency = world.generateMs * (0.6 + 0.8 * speed());
      const rtt = 20 + 180 * speed();
      this.addWallet(i, i < dishonest ? cell.adversary : null, this.classes[i % world.classes] as HardwareClass, {
        latency,
        rtt,
        established: true,
      });
    }
    for (let r = 0; r < world.references; r++) {
      this.addWallet(
        world.nodes + r,
        null,
        this.reference,
        { latency: world.generateMs, rtt: 20, established: true },
        true,
      );
    }
  }

  private addWallet(
    identity: number,
    adversary: Adversary | null,
    hardware: HardwareClass,
    timing: { latency: number; rtt: number; established: boolean },
    reference = false,
  ): Wallet {
    const wallets = this.identityWallets.get(identity) ?? [];
    const address = addressOf(identity, wallets.length);
    const instant = adversary === "selection-gaming";
    // Compute actually spent, in generations: made-up claims and reports cost nothing, a cheap model less.
    const spent = { compute: 0 };
    const cheap = adversary === "cheap-model" ? this.world.cheapCost : 1;
    const engine = new SimulationEngine({
      models: [this.world.model],
      hardware,
      memo: this.memo,
      behaviour: this.behaviour(address, adversary),
      random: seededRandom(mix(this.world.seed, identity, wallets.length, 11)),
      observe: (event) => {
        if (event.type === "generate") {
          const madeUp = event.lied && adversary !== "steerer" && adversary !== "cheap-model";
          spent.compute += madeUp ? 0 : cheap;
        } else if (event.scored) spent.compute += this.world.verifyCost * cheap;
      },
    });
    const wallet: Wallet = {
      address,
      identity,
      adversary,
      reference,
      hardware,
      engine,
      latencyMs: instant ? 0 : timing.latency,
      rttMs: instant ? 1 : timing.rtt,
      inflight: 0,
      spent,
      earnedWei: 0n,
      provenWrong: 0,
      honestStrikes: 0,
      excusedStrikes: 0,
      bannedAt: null,
    };
    wallets.push(wallet);
    this.identityWallets.set(identity, wallets);
    this.wallets.push(wallet);
    this.byAddress.set(address, wallet);
    this.records.set(address, {
      address,
      operator: address,
      country: null,
      reputationBps: 10_000,
      strikes: 0,
      activeStrikes: 0,
      tasksValidated: timing.established ? ESTABLISHED_TASKS : 0,
      tasksFailed: 0,
      bannedUntil: null,
      confirmedWei: 0n,
      createdAt: this.now,
      lastSeenAt: this.now,
      strikeTimes: [],
    });
    return wallet;
  }

  private record(address: string): rules.NodeRecord {
    return this.records.get(address) as rules.NodeRecord;
  }

  /** Whether the group holds every verifier seat of this claim (members share their assignments out of band). */
  private groupHoldsEverySeat(input: string): boolean {
    const task = this.tasksByInput.get(input);
    if (!task) return false;
    const seats = task.assignments.filter((a) => a.role === "verify" && !a.trap);
    return seats.length > 0 && seats.every((a) => this.byAddress.get(a.node)?.adversary !== null);
  }

  /** Trusted as the relayer sees it (weight.ts): may verify, and reputation at the trusted level. */
  private trusted(address: Address): boolean {
    const record = this.record(address);
    const weight = rules.verifierWeight(record, this.world.bondWei, this.policy);
    return weight > 0 && record.reputationBps >= this.policy.trustedReputationBps;
  }

  private behaviour(address: Address, adversary: Adversary | null): SimulationBehaviour {
    const old = this.cell.rule === "old";
    const seats = (request: { input: string }) => this.groupHoldsEverySeat(request.input);
    const groupLies = (request: { input: string }) => this.tasksByInput.get(request.input)?.groupLies ?? false;
    const underTwoStrikes = () => this.record(address).activeStrikes < 2;
    const suspects = (request: { input: string }) => {
      const task = this.tasksByInput.get(request.input);
      if (task?.record.kind !== "challenge") return false;
      return streamFor(this.world.seed, task.index, 91)() < this.world.challengeLeak;
    };
    switch (adversary) {
      case "colluders":
      case "selection-gaming":
        return old
          ? { kind: "colluder", group: GROUP, decide: groupLies }
          : adversary === "colluders"
            ? { kind: "colluder", group: GROUP, passes: seats }
            : { kind: "selection-gaming", group: GROUP, passes: seats };
      case "challenge-aware":
        return {
          kind: "challenge-aware",
          group: GROUP,
          rate: old ? 1 : this.world.lieRate,
          suspectsChallenge: suspects,
          decide: old ? (r) => groupLies(r) && underTwoStrikes() : underTwoStrikes,
          passes: seats,
        };
      case "whitewasher":
        return old
          ? { kind: "colluder", group: GROUP, decide: groupLies }
          : { kind: "colluder", group: GROUP, passes: seats, decide: () => this.trusted(address) };
      case "steerer":
        return {
          kind: "steerer",
          delta: this.cell.delta,
          rule: { nonTop1Share: this.settings.nonTop1Share, minNonTop1: this.settings.minNonTop1 },
        };
      case "cheap-model":
        return { kind: "cheap-model" };
      case "lazy-verifier":
        return { kind: old ? "honest" : "lazy-verifier" };
      case "griefer":
        return old ? { kind: "liar", rate: 1 } : { kind: "griefer" };
      default:
        return { kind: "honest" };
    }
  }

  async run(): Promise<RunResult> {
    const { world } = this;
    for (let i = 0; i < world.jobs; i++) {
      this.queue.push(i * world.arrivalMs, { type: "arrive", index: i, kind: "job", attempt: 0 });
      if (streamFor(world.seed, i, 1)() < this.settings.challengeRate) {
        this.queue.push(i * world.arrivalMs + world.arrivalMs / 2, {
          type: "arrive",
          index: i,
          kind: "challenge",
          attempt: 0,
        });
      }
    }
    for (let e = this.queue.pop(); e; e = this.queue.pop()) {
      this.now = e.at;
      await this.handle(e.item);
    }
    return this.finishResult();
  }

  private async handle(event: Event): Promise<void> {
    switch (event.type) {
      case "arrive":
        return this.cell.rule === "new" ? this.arriveNew(event, event.task) : this.arriveOld(event);
      case "generated":
        return this.generated(event.task, event.assignment);
      case "reported":
        return this.reported(event.task, event.assignment);
      case "rejudge":
        return this.judge(event.task);
    }
  }

  private newTask(index: number, kind: "job" | "challenge"): TaskState {
    const input = `${kind} ${this.world.seed}:${index}`;
    const task: TaskState = {
      index: kind === "job" ? index : this.world.jobs + index,
      record: {
        id: `${kind}-${index}`,
        model: this.world.model,
        input,
        maxTokens: this.world.maxTokens,
        seed: index,
        status: "queued",
        createdAt: this.now,
        assignedAt: null,
        deadline: null,
        outputHash: null,
        tokensGenerated: null,
        judgedAt: null,
        epoch: null,
        kind,
        pinnedNode: null,
      },
      assignments: [],
      disputed: false,
      final: false,
      groupLies: false,
      released: new Set(),
    };
    this.tasksByInput.set(input, task);
    if (kind === "job") {
      this.result.jobs++;
      this.measureDisagreement(task);
    } else this.result.challenges++;
    return task;
  }

  /** p: do two honest classes (rotating over the pairs) generate different ids for this job? */
  private measureDisagreement(task: TaskState): void {
    const n = this.classes.length;
    if (n < 2) return;
    const a = task.index % n;
    const b = (a + 1 + (Math.floor(task.index / n) % (n - 1))) % n;
    const spec = task.record;
    const x = honestTokens(spec, this.classes[a], this.memo);
    const y = honestTokens(spec, this.classes[b], this.memo);
    this.result.disagreement.jobs++;
    if (x.length !== y.length || x.some((id, i) => id !== y[i])) this.result.disagreement.differing++;
  }

  private assignment(task: TaskState, node: Address, role: rules.AssignmentRecord["role"], deadline: number) {
    const a: rules.AssignmentRecord = {
      taskId: task.record.id,
      node,
      role,
      status: "assigned",
      outputHash: null,
      tokensGenerated: null,
      queueMs: null,
      inferenceMs: null,
      assignedAt: this.now,
      submittedAt: null,
      rewardWei: 0n,
      commitment: null,
      commitSignature: null,
      tokenIds: null,
      report: null,
      trap: false,
      deadline,
    };
    task.assignments.push(a);
    return a;
  }

  private eligible(wallet: Wallet): boolean {
    return (
      !wallet.reference &&
      wallet.inflight < this.world.capacity &&
      !rules.isBanned(this.record(wallet.address), this.now) &&
      wallet.bannedAt === null
    );
  }

  // --- the new rule: one generator, then verifiers ---

  private arriveNew(event: Extract<Event, { type: "arrive" }>, existing?: TaskState): void {
    const task = existing ?? this.newTask(event.index, event.kind);
    const candidates = this.wallets
      .filter((w) => this.eligible(w))
      .map((w) => ({
        item: w,
        weight: rules.generatorWeight(this.record(w.address), this.policy),
        operator: this.record(w.address).operator,
      }));
    const [generator] = rules.drawWeighted(candidates, 1, streamFor(this.world.seed, task.index, 2, event.attempt));
    if (!generator) {
      if (this.now - task.record.createdAt < GIVE_UP_MS) {
        this.queue.push(this.now + 1_000, { ...event, attempt: event.attempt + 1, task });
      } else {
        // Nobody could take it before the give-up time (e.g. too few nodes left unbanned): never served.
        task.final = true;
        if (task.record.kind === "job") this.result.unassignedJobs++;
      }
      return;
    }
    task.record.status = "assigned";
    task.record.assignedAt ??= this.now;
    task.record.deadline = this.now + TASK_TIMEOUT_MS;
    const a = this.assignment(task, generator.address, "generate", this.now + TASK_TIMEOUT_MS);
    generator.inflight++;
    this.countSeat(generator, "generate", task);
    this.queue.push(this.now + this.jitter(generator, task, 1), { type: "generated", task, assignment: a });
  }

  private jitter(wallet: Wallet, task: TaskState, scale: number): number {
    return (
      wallet.latencyMs * scale * (0.8 + 0.4 * streamFor(this.world.seed, task.index, 3, task.assignments.length)())
    );
  }

  private countSeat(wallet: Wallet, role: "generate" | "verify", task: TaskState): void {
    if (task.record.kind !== "job") return;
    this.result.seats[role]++;
    if (wallet.adversary !== null) this.result.adversarySeats[role]++;
  }

  private async generated(task: TaskState, a: rules.AssignmentRecord): Promise<void> {
    if (a.status !== "assigned") return;
    const wallet = this.byAddress.get(a.node) as Wallet;
    const out = await wallet.engine.generate({ ...this.spec(task), seed: task.record.seed });
    this.result.work.generations++;
    a.tokenIds = out.tokenIds;
    a.tokensGenerated = out.tokenIds.length;
    a.submittedAt = this.now;
    if (this.cell.rule === "old") {
      a.status = "submitted";
      a.outputHash = null;
      if (task.assignments.every((x) => x.status !== "assigned")) this.judgeOld(task);
      return;
    }
    a.status = "revealed";
    a.outputHash = this.hashOf(out.tokenIds);
    this.judge(task);
  }

  /**
   * A stand-in for the claim's output hash (keccak256 would cost more than the whole simulated model): the judge
   * copies it and never checks it; hashes and signatures are the gateway's business, not this bench's.
   */
  private readonly hashes = new WeakMap<readonly number[], `0x${string}`>();
  private hashOf(claim: readonly number[]): `0x${string}` {
    let hash = this.hashes.get(claim);
    if (!hash) {
      let a = mix(1, claim.length);
      let b = mix(2, claim.length);
      for (const id of claim) {
        a = mix(a, id);
        b = mix(b, id ^ 0x5bd1e995);
      }
      hash = `0x${a.toString(16).padStart(8, "0")}${b.toString(16).padStart(8, "0")}${"0".repeat(48)}`;
      this.hashes.set(claim, hash);
    }
    return hash;
  }

  private spec(task: TaskState) {
    return { model: task.record.model, input: task.record.input, maxTokens: task.record.maxTokens };
  }

  private async reported(task: TaskState, a: rules.AssignmentRecord): Promise<void> {
    if (a.status !== "assigned" || task.final) return;
    const wallet = this.byAddress.get(a.node) as Wallet;
    const generator = rules.currentGenerator(task.assignments);
    const claim = a.trap ? (a.tokenIds ?? []) : (generator?.tokenIds ?? []);
    const scores = await wallet.engine.score({ ...this.spec(task), tokenIds: claim });
    const delta = a.role === "dispute" ? 2 * this.rule.delta : this.rule.delta;
    const report = judgeScores(scores, { ...this.rule, delta });
    if (a.trap) this.result.work.traps++;
    if (a.role === "dispute") this.result.work.disputes++;
    else this.result.work.verifications++;
    a.report = {
      claimHash: this.hashOf(claim),
      pass: report.pass,
      firstFailingPosition: report.firstFailingPosition ?? -1,
      nonTop1: report.nonTop1,
      maxGapMicros: gapMicros(report.maxGap),
      scored: report.scored,
      signature: "0x",
    };
    a.status = "submitted";
    a.submittedAt = this.now;
    if (task.assignments.every((x) => x.status !== "assigned")) this.judge(task);
  }

  private weightOf(record: rules.NodeRecord): number {
    if (this.byAddress.get(record.address)?.reference) return 1;
    return rules.verifierWeight(record, this.world.bondWei, this.policy);
  }

  private draw(role: "verify" | "dispute", count: number, exclude: ReadonlySet<string>, random: () => number) {
    const excludedOperators = new Set([...exclude].map((a) => this.record(a).operator));
    const candidates = [];
    for (const w of this.wallets) {
      if ((role === "dispute") !== w.reference) continue;
      if (!w.reference && !this.eligible(w)) continue;
      const record = this.record(w.address);
      if (exclude.has(w.address) || excludedOperators.has(record.operator)) continue;
      candidates.push({ item: w, weight: this.weightOf(record), operator: record.operator });
    }
    const drawn = rules.drawWeighted(candidates, count, random);
    for (const w of drawn) w.inflight++;
    return drawn.map((w) => w.address);
  }

  private judge(task: TaskState): void {
    if (task.final) return;
    const stage = task.assignments.length;
    const random = streamFor(this.world.seed, task.index, 4, stage);
    const nodes = new Map<string, rules.NodeRecord>();
    for (const a of task.assignments) nodes.set(a.node, this.record(a.node));
    const judgement = rules.judgeTask(
      { task: task.record, assignments: task.assignments, nodes, openEpoch: 1 },
      {
        now: this.now,
        quorumBps: this.settings.quorumBps,
        ratePerTokenWei: RATE_PER_TOKEN_WEI,
        verifyRateBps: this.settings.verifyRateBps,
        rule: this.rule,
        strikes: { windowMs: STRIKE_WINDOW_MS },
        verifyDeadline: this.now + VERIFY_TIMEOUT_MS,
        retryDrawAt: this.now + 1_000,
        verifyGiveUpAt: (t) => (t.assignedAt ?? t.createdAt) + GIVE_UP_MS,
        weightOf: (record) => this.weightOf(record),
        verifierCount: (record) => rules.verifierCount(record, this.world.bondWei, this.policy),
        draw: (role, count, exclude) => this.draw(role, count, exclude, random),
        trap: random() < this.settings.trapRate,
        // As the relayer does (task-judge.ts): jobs are audited by the dispute tier at the challenge rate.
        audit: random() < this.settings.challengeRate,
        alterClaim: (claim) => rules.alterClaim(claim, random, this.rule),
      },
    );
    Object.assign(task.record, judgement.task);
    if (judgement.task.status === "queued") {
      // Its generator was banned while holding it: drawn again (withdraw() normally does this first).
      this.arriveNew({ type: "arrive", index: task.index, kind: task.record.kind as "job", attempt: 200 }, task);
      return;
    }
    if (!judgement.final) {
      if (judgement.task.status === "disputed") task.disputed = true;
      for (const drawn of judgement.newAssignments) {
        const a = this.assignment(task, drawn.node, drawn.role, drawn.deadline);
        a.trap = drawn.trapTokenIds !== null;
        a.tokenIds = drawn.trapTokenIds;
        const wallet = this.byAddress.get(drawn.node) as Wallet;
        if (drawn.role === "verify" && !a.trap) this.countSeat(wallet, "verify", task);
        this.queue.push(this.now + this.jitter(wallet, task, this.world.verifyCost), {
          type: "reported",
          task,
          assignment: a,
        });
      }
      if (judgement.newAssignments.length === 0 && task.assignments.every((x) => x.status !== "assigned")) {
        // Nobody could be drawn: the stage is judged again at its deadline (the relayer's retryDrawAt).
        this.queue.push(Math.max(this.now + 1, judgement.task.deadline ?? this.now + 1_000), { type: "rejudge", task });
      }
      return;
    }
    task.final = true;
    // The generator as judged (the final statuses mark one banned meanwhile "withdrawn"; its claim still stands).
    const generator = rules.currentGenerator(task.assignments);
    for (const update of judgement.assignments) {
      const a = task.assignments.find((x) => x.node === update.node && x.role === update.role);
      if (a) {
        a.status = update.status;
        a.rewardWei = update.rewardWei;
      }
    }
    for (const record of judgement.nodes) this.records.set(record.address, record);
    for (const entry of judgement.ledger) {
      const wallet = this.byAddress.get(entry.account);
      if (wallet) wallet.earnedWei += entry.amountWei;
    }
    this.release(task);
    this.tally(task, judgement, generator);
  }

  private release(task: TaskState): void {
    for (const a of task.assignments) {
      if (task.released.has(a)) continue;
      task.released.add(a);
      const wallet = this.byAddress.get(a.node);
      if (wallet) wallet.inflight--;
    }
  }

  /** What a final task adds to the figures, and the bans it brings. */
  private tally(task: TaskState, judgement: rules.Judgement, generator: rules.AssignmentRecord | undefined): void {
    const generatorWallet = generator ? this.byAddress.get(generator.node) : undefined;
    const claim = generator?.tokenIds ?? [];
    if (task.record.kind === "job") {
      if (task.disputed) this.result.disputedJobs++;
      if (judgement.task.status === "validated") {
        this.result.validatedJobs++;
        if (this.wrongByTruth(task, claim)) {
          this.result.acceptedWrong++;
          if (this.wrongByTruth(task, claim, 2)) this.result.acceptedWrongAt2Delta++;
        }
      } else if (judgement.task.status === "rejected") this.result.rejectedJobs++;
      else this.result.inconclusiveJobs++;
    }
    if (generatorWallet && generatorWallet.adversary === null && !generatorWallet.reference && generator) {
      this.result.honestGenerations++;
      if (generator.rewardWei === 0n) this.result.honestUnpaid++;
      else {
        this.generationPaid.wei += generator.rewardWei;
        this.generationPaid.count++;
      }
    }
    const reference = task.assignments.find((a) => a.role === "dispute" && a.report !== null);
    for (const verdict of judgement.verdicts) {
      const wallet = this.byAddress.get(verdict.node);
      if (!wallet) continue;
      const outcome = verdict.internalOutcome;
      if (outcome === "wrong" || outcome === "failed_challenge") {
        wallet.provenWrong++;
        if (wallet.adversary === null && !wallet.reference) {
          wallet.honestStrikes++;
          const a = task.assignments.find((x) => x.node === verdict.node);
          if (a && this.excusedByProposal(a, reference)) wallet.excusedStrikes++;
        }
      }
      if (verdict.newlyBanned) this.banned(wallet);
    }
  }

  /**
   * The proposed dispute band: a claim is rejected only if the reference fails it at 2δ with 2M non-top-1 allowed,
   * and a failing verifier is wrong only if its own report is outside that band. Would this strike be spared?
   */
  private excusedByProposal(a: rules.AssignmentRecord, reference: rules.AssignmentRecord | undefined): boolean {
    const band = {
      delta: 2 * this.rule.delta,
      nonTop1Share: 2 * (this.rule.nonTop1Share ?? 0.02),
      minNonTop1: 2 * (this.rule.minNonTop1 ?? 2),
    };
    const figures = (r: rules.StoredReport) => ({ nonTop1: r.nonTop1, maxGap: r.maxGapMicros / 1e6, scored: r.scored });
    const claimInBand = reference?.report ? passesAt(figures(reference.report), band) : false;
    if (a.role === "generate" || (a.role === "verify" && a.report?.pass)) return claimInBand;
    if (a.role === "verify" && a.report && !a.report.pass && !a.trap) return passesAt(figures(a.report), band);
    return false;
  }

  /** Accepted-wrong: the true model (exact hardware, no noise) fails the claim at δ (or at `scale` × δ). */
  private wrongByTruth(task: TaskState, claim: number[], scale = 1): boolean {
    const delta = this.rule.delta * scale;
    const key = `${delta}\n${task.record.input}\n${this.hashOf(claim)}`;
    let wrong = truthMemo.get(key);
    if (wrong === undefined) {
      const scores = simulatedScores({ ...this.spec(task), tokenIds: claim });
      const positions = scores.end ? [...scores.tokens, scores.end] : scores.tokens;
      let nonTop1 = 0;
      let maxGap = 0;
      for (const p of positions) {
        if (p.top1) continue;
        nonTop1++;
        maxGap = Math.max(maxGap, p.gap);
      }
      wrong = !passesAt({ nonTop1, maxGap, scored: positions.length }, { ...this.rule, delta });
      if (truthMemo.size > 500_000) truthMemo.clear();
      truthMemo.set(key, wrong);
    }
    return wrong;
  }

  private banned(wallet: Wallet): void {
    if (wallet.bannedAt !== null) return;
    wallet.bannedAt = this.now;
    if (this.cell.rule === "new") this.withdraw(wallet);
    if (wallet.adversary === "whitewasher") {
      // Back at once as a new wallet: a new operator id, tenure from zero (the old rule had none), bonded again.
      this.addWallet(wallet.identity, wallet.adversary, wallet.hardware, {
        latency: wallet.latencyMs,
        rtt: wallet.rttMs,
        established: this.cell.rule === "old",
      });
    }
  }

  /** A banned node's open assignments are withdrawn; a generator's task goes back to the draw. */
  private withdraw(wallet: Wallet): void {
    for (const task of this.tasksByInput.values()) {
      if (task.final) continue;
      const open = task.assignments.filter((a) => a.node === wallet.address && a.status === "assigned");
      if (open.length === 0) continue;
      for (const a of open) {
        a.status = "withdrawn";
        task.released.add(a);
        wallet.inflight--;
      }
      if (open.some((a) => a.role === "generate")) {
        this.arriveNew({ type: "arrive", index: task.index, kind: task.record.kind as "job", attempt: 100 }, task);
      } else if (task.assignments.every((x) => x.status !== "assigned")) {
        this.queue.push(this.now, { type: "rejudge", task });
      }
    }
  }

  // --- the old rule: R generators, exact-hash voting ---

  private arriveOld(event: Extract<Event, { type: "arrive" }>): void {
    const R = this.settings.oldRedundancy;
    const index = event.kind === "job" ? event.index : this.world.jobs + event.index;
    const order = streamFor(this.world.seed, index, 5, event.attempt);
    // selectNodes: ranked by load, then distrust, then heartbeat latency; distinct operators (ties broken at random).
    const ranked = this.wallets
      .filter((w) => this.eligible(w))
      .map((w) => {
        const record = this.record(w.address);
        const load = w.inflight / this.world.capacity;
        const score = load * 4 + (1 - record.reputationBps / 10_000) * 2 + Math.min(w.rttMs, 5_000) / 5_000;
        return { w, score, tie: order() };
      })
      .sort((a, b) => a.score - b.score || a.tie - b.tie);
    const chosen: Wallet[] = [];
    const operators = new Set<string>();
    for (const { w } of ranked) {
      const operator = this.record(w.address).operator;
      if (operators.has(operator)) continue;
      operators.add(operator);
      chosen.push(w);
      if (chosen.length === R) break;
    }
    if (chosen.length < R) {
      // The old scheduler kept it queued until R nodes were free; with fewer than R left unbanned (bans last 24 h,
      // longer than the run) or after the give-up time, it counts as never served.
      const unbanned = this.wallets.filter((w) => !w.reference && !rules.isBanned(this.record(w.address), this.now));
      if (unbanned.length >= R && event.attempt * 500 < GIVE_UP_MS) {
        this.queue.push(this.now + 500, { ...event, attempt: event.attempt + 1 });
      } else if (event.kind === "job") this.result.unassignedJobs++;
      return;
    }
    const task = this.newTask(event.index, event.kind);
    // Coordinated colluders see their members' seats and answer with the group's claim only where they hold a quorum.
    const weight = (w: Wallet) => this.record(w.address).reputationBps;
    const total = chosen.reduce((s, w) => s + weight(w), 0);
    const group = chosen.filter((w) => w.adversary !== null).reduce((s, w) => s + weight(w), 0);
    const rate = this.cell.adversary === "challenge-aware" ? this.world.lieRate : 1;
    task.groupLies =
      group * 10_000 >= this.settings.oldQuorumBps * total && streamFor(this.world.seed, task.index, 6)() < rate;
    task.record.status = "assigned";
    task.record.assignedAt = this.now;
    for (const w of chosen) {
      const a = this.assignment(task, w.address, "generate", this.now + TASK_TIMEOUT_MS);
      w.inflight++;
      this.countSeat(w, "generate", task);
      this.queue.push(this.now + this.jitter(w, task, 1), { type: "generated", task, assignment: a });
    }
  }

  private judgeOld(task: TaskState): void {
    const knownAnswer =
      task.record.kind === "challenge" ? honestTokens(this.spec(task), this.reference, this.memo).join(",") : null;
    const decision = judgeOldRule(
      task.assignments.map((a) => ({
        node: a.node,
        answer: a.tokenIds ? a.tokenIds.join(",") : null,
        tokens: a.tokenIds?.length ?? 0,
        weight: this.record(a.node).reputationBps,
      })),
      { quorumBps: this.settings.oldQuorumBps, maxTokens: task.record.maxTokens, knownAnswer },
    );
    task.final = true;
    this.release(task);
    if (task.record.kind === "job") {
      if (decision.status === "validated") {
        this.result.validatedJobs++;
        const agreed = task.assignments.find((a) => a.tokenIds?.join(",") === decision.agreed);
        if (agreed && this.wrongByTruth(task, agreed.tokenIds ?? [])) {
          this.result.acceptedWrong++;
          if (this.wrongByTruth(task, agreed.tokenIds ?? [], 2)) this.result.acceptedWrongAt2Delta++;
        }
      } else if (decision.status === "rejected") this.result.rejectedJobs++;
      else this.result.inconclusiveJobs++;
    }
    for (const a of task.assignments) {
      const wallet = this.byAddress.get(a.node) as Wallet;
      const outcome = decision.outcomes.get(a.node) ?? "inconclusive";
      const before = this.record(a.node);
      if (rules.isBanned(before, this.now)) continue;
      let after = rules.applyOutcome(before, outcome, this.now, { windowMs: STRIKE_WINDOW_MS });
      let reward = 0n;
      if (outcome === "correct" && decision.tokens !== null) {
        const r = rules.taskReward(decision.tokens, RATE_PER_TOKEN_WEI, before.reputationBps);
        reward = r.node + r.bonus;
        after = { ...after, confirmedWei: after.confirmedWei + reward };
      }
      this.records.set(a.node, after);
      wallet.earnedWei += reward;
      if (wallet.adversary === null) {
        this.result.honestGenerations++;
        if (reward === 0n) this.result.honestUnpaid++;
        else {
          this.generationPaid.wei += reward;
          this.generationPaid.count++;
        }
      }
      if (outcome === "wrong" || outcome === "failed_challenge") {
        wallet.provenWrong++;
        if (wallet.adversary === null) wallet.honestStrikes++;
      }
      if (after.bannedUntil !== before.bannedUntil && rules.isBanned(after, this.now)) this.banned(wallet);
    }
  }

  private finishResult(): RunResult {
    const r = this.result;
    const honest = this.wallets.filter((w) => w.adversary === null && !w.reference);
    r.honestNodes = honest.length;
    r.honestStruck = honest.filter((w) => w.honestStrikes > 0).length;
    r.honestStrikes = honest.reduce((s, w) => s + w.honestStrikes, 0);
    r.honestStruckUnderProposal = honest.filter((w) => w.honestStrikes > w.excusedStrikes).length;
    const verifyCost = this.world.verifyCost;
    r.costPerJob = (r.work.generations + verifyCost * (r.work.verifications + r.work.disputes)) / Math.max(1, r.jobs);
    r.meanGenerationWei =
      this.generationPaid.count > 0 ? Number(this.generationPaid.wei) / this.generationPaid.count : 0;
    for (const [identity, wallets] of this.identityWallets) {
      const first = wallets[0] as Wallet;
      if (first.reference) continue;
      r.identities.push({
        identity,
        adversary: first.adversary !== null,
        earnedWei: wallets.reduce((s, w) => s + w.earnedWei, 0n),
        compute: wallets.reduce((s, w) => s + w.spent.compute, 0),
        provenWrong: wallets.reduce((s, w) => s + w.provenWrong, 0),
        banned: wallets.some((w) => w.bannedAt !== null),
        bannedUntil: this.record((wallets[wallets.length - 1] as Wallet).address).bannedUntil,
        wallets: wallets.length,
      });
    }
    const adversaries = r.identities.filter((i) => i.adversary);
    r.adversaryIdentities = adversaries.length;
    r.adversaryBanned = adversaries.filter((i) => i.banned).length;
    r.endedAt = this.now;
    return r;
  }
}
