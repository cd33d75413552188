import { randomBytes } from "node:crypto";
import type { Address } from "viem";
import type { Clock } from "../clock.ts";
import type { RelayerConfig } from "../config/schema.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import { busySlots, type NodeRegistry, type Presence } from "../presence/registry.ts";
import type { Store, TaskKind, TaskRecord, TaskSpec } from "../store/types.ts";
import { drawWeighted } from "../verification/draw.ts";
import { generatorWeight, type TrustPolicy } from "../verification/weight.ts";
import { type ChallengeInputs, corpusInputs } from "./challenge-inputs.ts";
import { mayGenerateHere, type QueueLanes, queueLanes } from "./queue-lanes.ts";
import { taskMessage } from "./task-frames.ts";

/**
 * 48 bits of creation time, then 48 random bits. Time first keeps the database's task and assignment indexes
 * appending instead of writing a random page per task. A challenge takes the creation time of the job it is mixed
 * in beside, so neither its id nor its `createdAt` tells a node which one it got.
 */
export const newTaskId = (createdAt: number) =>
  `${Math.max(0, Math.floor(createdAt)).toString(16).padStart(12, "0").slice(-12)}${randomBytes(6).toString("hex")}`;

/** A task as it enters the queue: nothing assigned, answered or judged yet. */
export function queuedTask(
  spec: TaskSpec,
  at: { kind: TaskKind; createdAt: number; id?: string; pinnedNode?: Address | null },
): TaskRecord {
  return {
    id: at.id ?? newTaskId(at.createdAt),
    kind: at.kind,
    status: "queued",
    ...spec,
    pinnedNode: at.pinnedNode ?? null,
    createdAt: at.createdAt,
    assignedAt: null,
    deadline: null,
    outputHash: null,
    tokensGenerated: null,
    judgedAt: null,
    epoch: null,
  };
}

/** Tokens a liveness probe asks for: enough to prove a running engine, cheap to verify. */
export const PROBE_MAX_TOKENS = 8;

/** Most tasks one lane read returns, however much capacity is free: a pass costs O(tasks read × nodes). */
const MAX_LANE_READ = 1_000;
/** How often the queue is checked for tasks to expire (a scan of the tasks queued longer than the timeout). */
const EXPIRY_CHECK_MS = 1_000;
/** Tasks expired per statement. */
const EXPIRY_BATCH = 1_000;

/**
 * Moves queued tasks to generators. Work comes from the submission queue (API/CLI), from challenges mixed in beside
 * jobs at `challengeRate` (generated inputs, same shape as the job beside them), and from liveness probes (one idle
 * node each). Each task gets ONE generator, drawn at random by weight (reputation × tenure) among ready nodes with
 * free capacity: random, so answering fast buys no extra work and nobody starves. Verifiers are drawn later, by the
 * judge, after the generator's commitment. A dispatch pass runs whenever something changes; passes never overlap.
 * The queue is read by lane (./queue-lanes.ts), so tasks nobody can take now never hold back those that can be placed;
 * tasks nobody serves expire after `queueTimeoutMs`.
 */
export class Scheduler {
  private readonly store: Store;
  private readonly registry: NodeRegistry;
  private readonly clock: Clock;
  private readonly config: RelayerConfig["verification"];
  private readonly trust: TrustPolicy;
  private readonly metrics: Metrics;
  private readonly log: Logger;
  private readonly random: () => number;
  private readonly challengeInputs: ChallengeInputs;
  /** The dispute tier keeps its capacity for disputes: it never generates. */
  private readonly references: Set<string>;
  private running = false;
  private again = false;
  private nextExpiryCheck = Number.NEGATIVE_INFINITY;
  private idleWaiters: Array<() => void> = [];
  /**
   * Called when jobs were queued here: with several instances the others' schedulers are woken through the bus, so
   * their idle nodes take the work at once instead of at their next pass.
   */
  onQueued: (() => void) | null = null;

  constructor(options: {
    store: Store;
    registry: NodeRegistry;
    clock: Clock;
    config: RelayerConfig["verification"];
    trust: TrustPolicy;
    metrics: Metrics;
    log: Logger;
    random?: () => number;
    challengeInputs?: ChallengeInputs;
  }) {
    this.store = options.store;
    this.registry = options.registry;
    this.clock = options.clock;
    this.config = options.config;
    this.trust = options.trust;
    this.metrics = options.metrics;
    this.log = options.log;
    this.random = options.random ?? Math.random;
    this.challengeInputs = options.challengeInputs ?? corpusInputs();
    this.references = new Set(options.config.referenceVerifiers.map((a) => a.toLowerCase()));
  }

  /** Queues a task from the API or the CLI. */
  async submit(spec: TaskSpec): Promise<TaskRecord> {
    const [task] = await this.submitMany([spec]);
    return task as TaskRecord;
  }

  /** Queues many tasks in one write (bulk API submissions, benchmarks). */
  async submitMany(specs: readonly TaskSpec[]): Promise<TaskRecord[]> {
    const now = this.clock.now();
    const tasks = specs.map((spec) => queuedTask(spec, { kind: "job", createdAt: now }));
    await this.store.insertTasks(tasks);
    this.kick();
    this.onQueued?.();
    return tasks;
  }

  /** A liveness probe for an idle node: a short generated task only it may generate, verified like any other. */
  async probe(node: Address, model: string): Promise<TaskRecord> {
    const now = this.clock.now();
    const spec = { model, input: this.challengeInputs.next(this.random), maxTokens: PROBE_MAX_TOKENS, seed: 0 };
    const task = queuedTask(spec, { kind: "probe", createdAt: now, pinnedNode: node });
    await this.store.insertTask(task);
    this.kick();
    return task;
  }

  /** Requests a dispatch pass soon; cheap to call often. */
  kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    // Gathering window: a pass placed after a few ms covers every slot freed meanwhile, in one commit.
    setTimeout(() => {
      this.dispatch()
        .catch((error: unknown) => this.log.error({ err: error }, "dispatch pass failed"))
        .finally(() => {
          this.running = false;
          if (this.again) {
            this.again = false;
            this.kick();
          }
          if (!this.running) for (const wake of this.idleWaiters.splice(0)) wake();
        });
    }, 3);
  }

  /**
   * Resolves once no dispatch pass is running or requested: everything queued so far has been looked at (and
   * placed, or left queued for want of nodes). For callers that must know a pass happened, e.g. tests.
   */
  whenIdle(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async dispatch(): Promise<void> {
    const now = this.clock.now();
    const lanes = queueLanes(this.registry.all(), now, this.references);
    if (now >= this.nextExpiryCheck) {
      this.nextExpiryCheck = now + EXPIRY_CHECK_MS;
      await this.expireUnserved(now, lanes);
    }
    if (lanes.freeSlots === 0) return;
    const queued = await this.readLanes(lanes);
    const placed: Array<{ task: TaskRecord; generator: Presence; deadline: number; challenge?: TaskRecord }> = [];
    const full = new Set<string>();
    for (const task of queued) {
      if (full.has(task.model) && !task.pinnedNode) continue;
      const generator = this.drawGenerator(task, now);
      if (!generator) {
        if (!task.pinnedNode) full.add(task.model);
        continue;
      }
      // Reserved before the write so the next draw in this pass sees the slot taken.
      generator.inflight.add(task.id);
      const challenge =
        task.kind === "job" && this.config.challengeRate > 0 && this.random() < this.config.challengeRate
          ? this.challengeBeside(task)
          : undefined;
      placed.push({ task, generator, deadline: now + this.config.taskTimeoutMs, challenge });
    }
    if (placed.length === 0) return;
    let assigned: Set<string>;
    try {
      assigned = await this.store.assignTasks(
        placed.map((p) => ({ taskId: p.task.id, generator: p.generator.address, now, deadline: p.deadline })),
      );
    } catch (error) {
      for (const p of placed) p.generator.inflight.delete(p.task.id);
      throw error;
    }
    const challenges: TaskRecord[] = [];
    for (const p of placed) {
      if (!assigned.has(p.task.id)) {
        // Another relayer sharing the database assigned it first (or it expired): the slot is free again.
        p.generator.inflight.delete(p.task.id);
        continue;
      }
      this.registry.send(p.generator.address, taskMessage(p.task, p.deadline));
      this.metrics.tasksDispatched.inc();
      if (p.challenge) challenges.push(p.challenge);
    }
    // The slots freed above may take other queued tasks: another pass reads the queue again.
    if (assigned.size < placed.length) this.again = true;
    if (challenges.length > 0) {
      await this.store.insertTasks(challenges);
      this.again = true;
    }
  }

  /**
   * The oldest tasks of every model lane some node can take from now, each as deep as its free slots (any of them fits
   * any free node of the lane), and the pinned lane, merged oldest first: where lanes share nodes, the older task
   * draws first. The pinned lane is read whole (up to the cap): its tasks are probes, at most one per idle node and
   * taken at once, so it is short, and the few pinned to a busy node must not keep a free node's probe unread.
   */
  private async readLanes(lanes: QueueLanes): Promise<TaskRecord[]> {
    const reads = [...lanes.freeByModel].map(([model, free]) =>
      this.store.queuedTasks({ model }, Math.min(MAX_LANE_READ, free)),
    );
    reads.push(this.store.queuedTasks("pinned", MAX_LANE_READ));
    return (await Promise.all(reads))
      .flat()
      .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /**
   * Ends the tasks queued longer than `queueTimeoutMs` that no connected node could take: nobody ready serves their
   * model, or a probe's node is gone. A task of a served model waits however long its lane is: it will be placed.
   */
  private async expireUnserved(now: number, lanes: QueueLanes): Promise<void> {
    const options = {
      createdBefore: now - this.config.queueTimeoutMs,
      now,
      servedModels: [...lanes.servedModels],
      readyNodes: lanes.readyNodes,
    };
    let expired = 0;
    for (;;) {
      const batch = await this.store.expireQueued(options, EXPIRY_BATCH);
      expired += batch;
      if (batch < EXPIRY_BATCH) break;
    }
    if (expired === 0) return;
    this.metrics.tasksExpired.inc(expired);
    this.log.info(
      { tasks: expired, queueTimeoutMs: this.config.queueTimeoutMs },
      "queued tasks expired: no node served them",
    );
  }

  /** Sets the queue-depth gauge, per model, from the store (called when /metrics is scraped). */
  async measureQueue(): Promise<void> {
    const depths = await this.store.queuedPerModel();
    this.metrics.queuedTasks.reset();
    for (const { model, count } of depths) this.metrics.queuedTasks.set({ model }, count);
  }

  /** One generator for a task, by weight; a probe goes to its node only. */
  private drawGenerator(task: TaskRecord, now: number): Presence | undefined {
    const candidates = [];
    for (const presence of this.registry.all()) {
      const ready = presence.ready;
      if (!ready?.models.has(task.model) || busySlots(presence) >= ready.capacity) continue;
      if (!mayGenerateHere(presence, now, this.references)) continue;
      if (task.pinnedNode && presence.address !== task.pinnedNode) continue;
      candidates.push({ item: presence, weight: generatorWeight(presence.record, this.trust), operator: "" });
    }
    // Operators do not matter for the one generator: each candidate is its own "operator" here.
    return drawWeighted(
      candidates.map((c) => ({ ...c, operator: c.item.address })),
      1,
      this.random,
    )[0];
  }

  /**
   * A challenge beside a job: a generated input of the same model and length, with the job's creation time. What
   * makes it a challenge is only what happens after the reveal (the dispute tier checks it besides the verifiers).
   */
  private challengeBeside(job: TaskRecord): TaskRecord {
    return queuedTask(
      { model: job.model, input: this.challengeInputs.next(this.random), maxTokens: job.maxTokens, seed: job.seed },
      { kind: "challenge", createdAt: job.createdAt },
    );
  }
}
