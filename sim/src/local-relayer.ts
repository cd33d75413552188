import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { makeConfig, Relayer, SINGLE_HOST_FLEET_ADMISSION } from "@gitblock/relayer";
import type { GenerateRequest } from "@gitblock/sdk";
import { RelayerApi } from "@gitblock/sdk";
import { pino } from "pino";
import type { Address } from "viem";

export interface LocalRelayerOptions {
  quorumBps?: number;
  /** Share of jobs followed by a challenge beside them (0 = challenges off); jobs are audited at the same rate. */
  challengeRate?: number;
  /** Share of claims that also get a trap (an altered copy for one more verifier). */
  trapRate?: number;
  /** Verifiers per claim of a trusted and of another generator. */
  verifiers?: { trusted: number; untrusted: number };
  /** δ of the simulated model (nats). */
  delta?: number;
  /** Validated tasks before a new wallet may verify; default 0 (a fresh local fleet has no history to ramp from). */
  tenureTasks?: number;
  /** The dispute tier: addresses of the reference verifiers the fleet runs (`referenceAccounts`). */
  referenceVerifiers?: Address[];
  taskTimeoutMs?: number;
  /** Where challenge inputs come from: the fleet's own job inputs (`Fleet.jobInput`), so challenges look like jobs. */
  challengeInput?: (random: () => number) => string;
  port?: number;
  logLevel?: string;
}

export interface LocalRelayer {
  relayer: Relayer;
  url: string;
  adminToken: string;
  taskTimeoutMs: number;
  delta: number;
  submit(specs: GenerateRequest[]): Promise<void>;
  /** Tasks queued or in flight (not yet final). */
  pending(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * A relayer in this process on a throwaway SQLite file, for the simulator: no chain, passive rewards off (so credited
 * GBT is task and verification rewards only), the fleet's reference verifiers as its dispute tier.
 */
export async function startLocalRelayer(options: LocalRelayerOptions = {}): Promise<LocalRelayer> {
  const dir = mkdtempSync(path.join(tmpdir(), "gitblock-sim-"));
  const adminToken = randomBytes(16).toString("hex");
  const taskTimeoutMs = options.taskTimeoutMs ?? 2_000;
  const delta = options.delta ?? 0.05;
  const config = makeConfig({
    port: options.port ?? 0,
    log: { level: "silent" },
    store: { driver: "sqlite", path: path.join(dir, "relayer.db") },
    api: { adminToken },
    verification: {
      quorumBps: options.quorumBps ?? 6_600,
      challengeRate: options.challengeRate ?? 0,
      trapRate: options.trapRate ?? 0.05,
      verifiers: options.verifiers ?? { trusted: 2, untrusted: 4 },
      tenureTasks: options.tenureTasks ?? 0,
      defaultDelta: delta,
      referenceVerifiers: options.referenceVerifiers ?? [],
      taskTimeoutMs,
      verifyTimeoutMs: taskTimeoutMs,
      sweepIntervalMs: 100,
    },
    rewards: { passiveIntervalMs: 3_600_000 },
    epochs: { intervalMs: 0, autoPropose: false },
    // The whole fleet is one host (127.0.0.1) and signs in at once.
    admission: SINGLE_HOST_FLEET_ADMISSION,
  });
  const challengeInput = options.challengeInput;
  const relayer = await Relayer.create({
    config,
    chain: null,
    log: pino({ level: options.logLevel ?? process.env.GITBLOCK_SIM_LOG_LEVEL ?? "silent" }),
    ...(challengeInput ? { challengeInputs: { next: (random: () => number) => challengeInput(random) } } : {}),
  });
  const { url } = await relayer.start();
  return {
    relayer,
    url,
    adminToken,
    taskTimeoutMs,
    delta,
    async submit(specs) {
      await relayer.scheduler.submitMany(specs);
    },
    async pending() {
      return (await relayer.store.stats(Date.now())).tasksQueued;
    },
    async stop() {
      await relayer.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Submission and progress against a relayer in another process, through its HTTP API (admin token needed). */
export function remoteRelayer(url: string, adminToken: string) {
  const api = new RelayerApi(url);
  return {
    async submit(specs: GenerateRequest[]): Promise<void> {
      for (const spec of specs) await api.submitTask(spec, adminToken);
    },
    async pending(): Promise<number> {
      return (await api.stats()).tasksQueued;
    },
  };
}
