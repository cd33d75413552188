import type { GenerateRequest } from "@gitblock/sdk";
import { outputHash, type TaskMessage, type VerdictMessage } from "@gitblock/sdk";
import { NodeClient } from "@gitblock/sdk/client";
import { type SimulationBehaviour, SimulationEngine, simulatedTokens } from "@gitblock/sdk/engines/simulation";
import { type Address, type Hex, keccak256, stringToBytes } from "viem";
import { privateKeyToAccount } from "viem/accounts";

/**
 * The simulated fleet: N nodes, each with its own wallet and a NodeClient over a real connection, running the
 * simulation engine with a behaviour:
 * - honest: answers every task correctly, promptly;
 * - slow: misses the deadline on a share of its tasks (timeouts);
 * - liar: a random liar, a wrong answer of its own on a share of its tasks;
 * - colluder: a member of a group that answers every task with the group's shared wrong answer;
 * - flaky: honest, but drops its connection every few seconds and reconnects.
 */
export const BEHAVIOURS = ["honest", "slow", "liar", "colluder", "flaky"] as const;
export type Behaviour = (typeof BEHAVIOURS)[number];
export type FleetMix = Record<Behaviour, number>;

export const DISHONEST: ReadonlySet<Behaviour> = new Set(["liar", "colluder"]);

const SIMULATED_COUNTRIES = ["DE", "US", "BR", "IN", "JP", "NG", "FR", "CA"] as const;

export interface FleetOptions {
  relayerUrl: string;
  /** Queues the simulation's jobs at the relayer (HTTP admin API or an in-process scheduler). */
  submit: (specs: GenerateRequest[]) => Promise<void>;
  mix: Partial<FleetMix>;
  tasks: number;
  model?: string;
  maxTokens?: number;
  capacity?: number;
  /** Share of tasks a liar lies on (default 1). */
  lieRate?: number;
  /** Share of tasks a slow node misses the deadline on (default 0.5). */
  slowRate?: number;
  /** Number of colluding groups the colluders are split into (default 1). */
  colluderGroups?: number;
  /**
   * `always`: colluders answer every task with the group's wrong answer. `majority`: the group coordinates out of
   * band and lies only on tasks where enough members were assigned to reach the quorum (the hardest case: caught
   * only by known-answer challenges).
   */
  colluderStrategy?: "always" | "majority";
  /** The relayer's R and quorum, for `majority` colluders (default 3 and 6 600 bps). */
  redundancy?: number;
  quorumBps?: number;
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
  /** Queued + assigned tasks at the relayer; the run ends when it reaches 0. */
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
  behaviour: Behaviour;
  group: string | null;
  tasks: number;
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
  /** Distinct tasks the fleet received (jobs plus the relayer's hidden known-answer challenges). */
  tasks: number;
  validated: number;
  inconclusive: number;
  /** Tasks that got verdicts but were neither validated nor inconclusive (failed challenges). */
  rejected: number;
  /** Submitted jobs with no verdict when the run ended. */
  unfinished: number;
  /** Validated tasks whose accepted answer was a lie. */
  acceptedWrong: number;
  acceptedWrongShare: number;
  /** Honest (honest + flaky) nodes that got at least one wrong verdict. */
  honestWronglyStruck: number;
  honestNodes: number;
  honestWronglyStruckShare: number;
  /** Slow nodes' timeouts (strikes they earned, not wrong strikes). */
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

const taskKey = (t: Pick<GenerateRequest, "model" | "input" | "seed" | "maxTokens">) =>
  `${t.model}\n${t.seed}\n${t.maxTokens}\n${t.input}`;

const median = (values: number[]) => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? null;
};

interface Member {
  behaviour: Behaviour;
  group: string | null;
  client: NodeClient;
  summary: NodeSummary;
  startedAt: number | null;
  dropTimer: ReturnType<typeof setInterval> | null;
  /** The task id of each task this node is working on, by task content (what its engine sees). */
  taskIds: Map<string, string>;
}

export function parseMix(spec: string): FleetMix {
  const mix: FleetMix = { honest: 0, slow: 0, liar: 0, colluder: 0, flaky: 0 };
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
  /** Per task: what each node answered (lie or not) and the verdicts. */
  private readonly answers = new Map<string, Map<Address, boolean>>();
  private readonly verdicts = new Map<string, Array<{ node: Address; verdict: VerdictMessage }>>();
  private readonly taskSpecs = new Map<string, TaskMessage>();
  private readonly submittedInputs = new Set<string>();
  /** Colluding groups' shared notes: how many members received each task. */
  private readonly groupSightings = new Map<string, Map<string, number>>();
  private started = 0;
  /** Jobs submitted so far (`tasks` for a run, growing in `feed`). */
  private submitted = 0;
  private stopped = false;

  constructor(options: FleetOptions) {
    this.options = options;
    this.random = seededRandom(options.seed ?? 1);
    this.mix = { honest: 0, slow: 0, liar: 0, colluder: 0, flaky: 0, ...options.mix };
  }

  get model(): string {
    return this.options.model ?? "sim-llm";
  }

  private behaviourOf(
    kind: Behaviour,
    index: number,
    taskIds: Map<string, string>,
  ): { engine: SimulationBehaviour; group: string | null } {
    switch (kind) {
      case "liar":
        return { engine: { kind: "liar", rate: this.options.lieRate ?? 1 }, group: null };
      case "colluder": {
        const group = `group-${index % Math.max(1, this.options.colluderGroups ?? 1)}`;
        if (this.options.colluderStrategy !== "majority") return { engine: { kind: "colluder", group }, group };
        const needed = Math.ceil(((this.options.redundancy ?? 3) * (this.options.quorumBps ?? 6_600)) / 10_000);
        // The group's shared notes are per task id: a known-answer challenge's input recurs under new task ids.
        const decide = (request: GenerateRequest) => {
          const taskId = taskIds.get(taskKey(request));
          return taskId !== undefined && (this.groupSightings.get(group)?.get(taskId) ?? 0) >= needed;
        };
        return { engine: { kind: "colluder", group, decide }, group };
      }
      default:
        return { engine: { kind: "honest" }, group: null };
    }
  }

  /** Creates every node's wallet and client and signs them all in. */
  async start(): Promise<void> {
    this.started = Date.now();
    const o = this.options;
    const latency = o.latencyMs ?? 10;
    for (const kind of BEHAVIOURS) {
      for (let i = 0; i < this.mix[kind]; i++) {
        const taskIds = new Map<string, string>();
        const { engine: behaviour, group } = this.behaviourOf(kind, i, taskIds);
        const rng = seededRandom(Math.floor(this.random() * 2 ** 32));
        const slowRate = o.slowRate ?? 0.5;
        const engine = new SimulationEngine({
          models: [this.model],
          behaviour,
          random: rng,
          latencyMs: () => (kind === "slow" && rng() < slowRate ? o.taskTimeoutMs * 2 : latency * (0.5 + rng())),
        });
        // Wallets derive from the seed, so a run's node selection (ranked by address on ties) is reproducible.
        const account = privateKeyToAccount(
          keccak256(stringToBytes(`gitblock-sim wallet ${o.seed ?? 1} ${kind} ${i}`)),
        );
        const client = new NodeClient({
          relayer: o.relayerUrl,
          signer: account,
          engine,
          // Spread over a few countries, so the network map of a simulated network is not empty.
          country: SIMULATED_COUNTRIES[this.members.length % SIMULATED_COUNTRIES.length],
          capacity: o.capacity ?? 2,
          reconnect: { initialMs: o.reconnectMs ?? 500, maxMs: (o.reconnectMs ?? 500) * 4 },
        });
        const summary: NodeSummary = {
          address: account.address,
          behaviour: kind,
          group,
          tasks: 0,
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
        const member: Member = { behaviour: kind, group, client, summary, startedAt: null, dropTimer: null, taskIds };
        this.wire(member);
        this.members.push(member);
      }
    }
    await Promise.all(this.members.map((m) => m.client.start()));
    for (const member of this.members) {
      if (member.behaviour !== "flaky") continue;
      member.dropTimer = setInterval(() => member.client.dropConnection(), o.flakyEveryMs ?? 3_000);
    }
  }

  private wire(member: Member): void {
    const { client, summary } = member;
    client.on("task", (task) => {
      summary.tasks++;
      if (member.group) {
        let sightings = this.groupSightings.get(member.group);
        if (!sightings) {
          sightings = new Map();
          this.groupSightings.set(member.group, sightings);
        }
        sightings.set(task.taskId, (sightings.get(task.taskId) ?? 0) + 1);
        member.taskIds.set(taskKey(task), task.taskId);
      }
      member.startedAt ??= Date.now();
      this.taskSpecs.set(task.taskId, task);
    });
    client.on("result", ({ task, output }) => {
      let answers = this.answers.get(task.taskId);
      if (!answers) {
        answers = new Map();
        this.answers.set(task.taskId, answers);
      }
      answers.set(client.address, Boolean((output as { lied?: boolean }).lied));
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
      }
    });
  }

  /** The honest output hash of a task: what the simulation engine answers without lying. */
  truth(task: Pick<TaskMessage, "model" | "input" | "maxTokens" | "seed">): Hex {
    return outputHash(simulatedTokens(task));
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

  private job(i: number): GenerateRequest {
    const input = `sim task ${i}: ${Math.floor(this.random() * 1e9).toString(36)}`;
    this.submittedInputs.add(input);
    this.submitted++;
    return { model: this.model, input, maxTokens: this.options.maxTokens ?? 16, seed: i };
  }

  private classify(taskId: string): "validated" | "inconclusive" | "rejected" | null {
    const list = this.verdicts.get(taskId);
    if (!list || list.length === 0) return null;
    if (list.some((v) => v.verdict.outcome === "correct")) return "validated";
    if (list.some((v) => v.verdict.outcome === "inconclusive")) return "inconclusive";
    return "rejected";
  }

  /** A validated task whose accepted answer (the nodes judged correct) was a lie. */
  private acceptedWrong(taskId: string): boolean {
    const list = this.verdicts.get(taskId) ?? [];
    const answers = this.answers.get(taskId);
    return list.some((v) => v.verdict.outcome === "correct" && answers?.get(v.node) === true);
  }

  progress(): FleetProgress {
    let settled = 0;
    let validated = 0;
    let acceptedWrong = 0;
    for (const taskId of this.verdicts.keys()) {
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
    const counts = { validated: 0, inconclusive: 0, rejected: 0 };
    let acceptedWrong = 0;
    for (const taskId of this.verdicts.keys()) {
      const kind = this.classify(taskId);
      if (!kind) continue;
      counts[kind]++;
      if (kind === "validated" && this.acceptedWrong(taskId)) acceptedWrong++;
    }
    let submittedSettled = 0;
    for (const [taskId, task] of this.taskSpecs) {
      if (this.submittedInputs.has(task.input) && this.classify(taskId)) submittedSettled++;
    }
    const honest = this.members.filter((m) => m.behaviour === "honest" || m.behaviour === "flaky");
    const dishonest = this.members.filter((m) => DISHONEST.has(m.behaviour));
    const bansByBehaviour: FleetMix = { honest: 0, slow: 0, liar: 0, colluder: 0, flaky: 0 };
    for (const m of this.members) if (m.summary.bannedAt !== null) bansByBehaviour[m.behaviour]++;
    const bannedDishonest = dishonest.filter((m) => m.summary.bannedAt !== null);
    const perNode = this.members.map((m) => ({ ...m.summary }));
    const honestStruck = honest.filter((m) => m.summary.wrong > 0).length;
    return {
      nodes: this.members.length,
      mix: this.mix,
      submitted: this.submitted,
      tasks: this.verdicts.size,
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
