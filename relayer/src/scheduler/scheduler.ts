import { randomBytes } from "node:crypto";
import { PROTOCOL_VERSION, type TaskMessage } from "@gitblock/sdk";
import type { Address } from "viem";
import type { Clock } from "../clock.ts";
import type { RelayerConfig } from "../config/schema.ts";
import type { RelayerEvents } from "../events.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import type { NodeRegistry, Presence } from "../presence/registry.ts";
import type { Store, TaskRecord, TaskSpec } from "../store/types.ts";
import { CandidatePool, selectNodes } from "./select-nodes.ts";

interface Planned {
  task: TaskRecord;
  chosen: Presence[];
  now: number;
  deadline: number;
}

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
  at: { kind: TaskRecord["kind"]; redundancy: number; createdAt: number; id?: string },
): TaskRecord {
  return {
    id: at.id ?? newTaskId(at.createdAt),
    kind: at.kind,
    status: "queued",
    ...spec,
    expectedHash: null,
    challengeId: null,
    redundancy: at.redundancy,
    createdAt: at.createdAt,
    assignedAt: null,
    deadline: null,
    outputHash: null,
    tokensGenerated: null,
    judgedAt: null,
    epoch: null,
  };
}

export function taskMessage(task: TaskRecord): TaskMessage {
  return {
    type: "task",
    v: PROTOCOL_VERSION,
    taskId: task.id,
    model: task.model,
    input: task.input,
    maxTokens: task.maxTokens,
    seed: task.seed,
    greedy: true,
    deadline: task.deadline ?? 0,
  };
}

/**
 * Moves queued tasks to nodes. Work comes from the submission queue (API/CLI) and, at `challengeRate`, from
 * known-answer challenges mixed in beside real tasks. A dispatch pass runs whenever something changes (a task
 * arrives, a node becomes ready or frees capacity); passes never overlap.
 */
export class Scheduler {
  private readonly store: Store;
  private readonly registry: NodeRegistry;
  private readonly clock: Clock;
  private readonly config: RelayerConfig["verification"];
  private readonly events: RelayerEvents;
  private readonly metrics: Metrics;
  private readonly log: Logger;
  private readonly random: () => number;
  private running = false;
  private again = false;
  private idleWaiters: Array<() => void> = [];

  constructor(options: {
    store: Store;
    registry: NodeRegistry;
    clock: Clock;
    config: RelayerConfig["verification"];
    events: RelayerEvents;
    metrics: Metrics;
    log: Logger;
    random?: () => number;
  }) {
    this.store = options.store;
    this.registry = options.registry;
    this.clock = options.clock;
    this.config = options.config;
    this.events = options.events;
    this.metrics = options.metrics;
    this.log = options.log;
    this.random = options.random ?? Math.random;
  }

  /** Queues a task from the API or the CLI. */
  async submit(spec: TaskSpec, redundancy = this.config.redundancy): Promise<TaskRecord> {
    const task = this.newTask(spec, "job", redundancy);
    await this.store.insertTask(task);
    this.events.emit("task", { taskId: task.id, status: task.status, model: task.model });
    this.kick();
    return task;
  }

  /** Queues many tasks in one write (bulk API submissions, benchmarks). */
  async submitMany(specs: readonly TaskSpec[], redundancy = this.config.redundancy): Promise<TaskRecord[]> {
    const tasks = specs.map((spec) => this.newTask(spec, "job", redundancy));
    await this.store.insertTasks(tasks);
    this.kick();
    return tasks;
  }

  private newTask(
    spec: TaskSpec,
    kind: TaskRecord["kind"],
    redundancy: number,
    createdAt = this.clock.now(),
  ): TaskRecord {
    return queuedTask(spec, { kind, redundancy, createdAt });
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
    // Read only as many queued tasks as free capacity could take, and stop trying a model once it is full:
    // a pass costs O(placeable tasks × nodes), not O(queue × nodes).
    let freeSlots = 0;
    for (const presence of this.registry.all()) {
      if (presence.ready) freeSlots += Math.max(0, presence.ready.capacity - presence.inflight.size);
    }
    if (freeSlots === 0) return;
    const queued = await this.store.queuedTasks(Math.min(1_000, Math.ceil(freeSlots / this.config.redundancy) + 8));
    const batch: Planned[] = [];
    const full = new Set<string>();
    const pools = new Map<string, CandidatePool>();
    const challengesBeside: TaskRecord[] = [];
    for (const task of queued) {
      if (full.has(task.model)) continue;
      let pool = pools.get(task.model);
      if (!pool) {
        pool = new CandidatePool(this.registry.all(), task.model, this.clock.now());
        pools.set(task.model, pool);
      }
      const planned = this.plan(task, pool);
      if (!planned) {
        full.add(task.model);
        continue;
      }
      batch.push(planned);
      if (task.kind === "job" && this.config.challengeRate > 0 && this.random() < this.config.challengeRate) {
        challengesBeside.push(task);
      }
    }
    await this.commit(batch);
    for (const job of challengesBeside) await this.mixInChallenge(job);
  }

  /** Picks nodes for a task and reserves their capacity; undefined when too few qualify. */
  private plan(task: TaskRecord, pool?: CandidatePool): Planned | undefined {
    const now = this.clock.now();
    const chosen = pool
      ? pool.take(task.redundancy)
      : selectNodes(this.registry.all(), task.model, task.redundancy, now);
    if (chosen.length < task.redundancy) return undefined;
    // Reserved before the write so the next plan in this pass does not pick the same slots.
    for (const presence of chosen) presence.inflight.add(task.id);
    return { task, chosen, now, deadline: now + this.config.taskTimeoutMs };
  }

  /** Writes a pass's assignments in one transaction, then sends the tasks. */
  private async commit(batch: Planned[]): Promise<void> {
    if (batch.length === 0) return;
    try {
      await this.store.assignTasks(
        batch.map((p) => ({
          taskId: p.task.id,
          nodes: p.chosen.map((c) => c.address),
          now: p.now,
          deadline: p.deadline,
        })),
      );
    } catch (error) {
      for (const p of batch) for (const presence of p.chosen) presence.inflight.delete(p.task.id);
      throw error;
    }
    for (const p of batch) {
      const message = taskMessage({ ...p.task, deadline: p.deadline });
      for (const presence of p.chosen) this.registry.send(presence.address as Address, message);
      this.metrics.tasksDispatched.inc();
      this.events.emit("task", { taskId: p.task.id, status: "assigned", model: p.task.model });
    }
  }

  /** Inserts a known-answer challenge for the job's model, shaped exactly like a job, and dispatches it. */
  private async mixInChallenge(job: TaskRecord): Promise<void> {
    const challenge = await this.store.pickChallenge(job.model, this.random());
    if (!challenge) return;
    const task: TaskRecord = {
      ...this.newTask(
        { model: challenge.model, input: challenge.input, maxTokens: challenge.maxTokens, seed: challenge.seed },
        "challenge",
        this.config.redundancy,
        job.createdAt,
      ),
      expectedHash: challenge.expectedHash,
      challengeId: challenge.id,
    };
    await this.store.insertTask(task);
    await this.assign(task);
  }

  private async assign(task: TaskRecord): Promise<boolean> {
    const planned = this.plan(task);
    if (!planned) return false;
    await this.commit([planned]);
    return true;
  }
}
