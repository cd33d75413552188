import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { makeConfig, Relayer } from "@gitblock/relayer";
import type { GenerateRequest } from "@gitblock/sdk";
import { outputHash, RelayerApi } from "@gitblock/sdk";
import { simulatedTokens } from "@gitblock/sdk/engines/simulation";
import { pino } from "pino";

export interface LocalRelayerOptions {
  redundancy?: number;
  quorumBps?: number;
  /** Share of dispatched jobs followed by a known-answer challenge (0 = challenges off). */
  challengeRate?: number;
  taskTimeoutMs?: number;
  /** Known-answer challenges to register, with answers from the (honest) simulation engine. */
  challenges?: number;
  model?: string;
  maxTokens?: number;
  port?: number;
  logLevel?: string;
}

export interface LocalRelayer {
  relayer: Relayer;
  url: string;
  adminToken: string;
  taskTimeoutMs: number;
  submit(specs: GenerateRequest[]): Promise<void>;
  /** Tasks queued or assigned (not yet settled). */
  pending(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * A relayer in this process on a throwaway SQLite file, for the simulator and the integrity bench: no chain,
 * passive rewards off (so credited GBT is task rewards only), known-answer challenges registered up front.
 */
export async function startLocalRelayer(options: LocalRelayerOptions = {}): Promise<LocalRelayer> {
  const dir = mkdtempSync(path.join(tmpdir(), "gitblock-sim-"));
  const adminToken = randomBytes(16).toString("hex");
  const taskTimeoutMs = options.taskTimeoutMs ?? 2_000;
  const config = makeConfig({
    port: options.port ?? 0,
    log: { level: "silent" },
    store: { driver: "sqlite", path: path.join(dir, "relayer.db") },
    api: { adminToken },
    verification: {
      redundancy: options.redundancy ?? 3,
      quorumBps: options.quorumBps ?? 6_600,
      challengeRate: options.challengeRate ?? 0,
      taskTimeoutMs,
      sweepIntervalMs: 100,
    },
    rewards: { passiveIntervalMs: 3_600_000 },
    epochs: { intervalMs: 0, autoPropose: false },
  });
  const relayer = await Relayer.create({
    config,
    chain: null,
    log: pino({ level: options.logLevel ?? process.env.GITBLOCK_SIM_LOG_LEVEL ?? "silent" }),
  });
  const model = options.model ?? "sim-llm";
  for (let i = 0; i < (options.challenges ?? 0); i++) {
    const spec = {
      model,
      input: `known answer ${i}: ${randomBytes(6).toString("hex")}`,
      maxTokens: options.maxTokens ?? 16,
      seed: 1_000 + i,
    };
    await relayer.store.insertChallenge({
      ...spec,
      id: `challenge-${i}`,
      expectedHash: outputHash(simulatedTokens(spec)),
      createdAt: Date.now(),
      uses: 0,
    });
  }
  const { url } = await relayer.start();
  return {
    relayer,
    url,
    adminToken,
    taskTimeoutMs,
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
