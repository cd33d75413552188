// Several relayer processes on one throwaway PostgreSQL database and the NATS bus, behind nginx: multi-instance mode
// as an operator deploys it, each instance a real `gitblock-relayer start` that a test can kill -9 and restart.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { SERVICE_ROUTES } from "@gitblock/sdk";
import { connect } from "nats";
import type { TestChain } from "./chain.ts";
import { HARDHAT_KEYS } from "./dev-keys.ts";
import { startNginx } from "./nginx.ts";
import { freePort } from "./ports.ts";
import { createPgDatabase } from "./postgres.ts";
import { waitForHttp } from "./readiness.ts";
import { REPO_ROOT } from "./repo.ts";
import { TEST_RELAYER_DEFAULTS } from "./test-relayer-defaults.ts";

const RELAYER_CLI = path.join(REPO_ROOT, "relayer/src/cli/main.ts");
export const TEST_NATS_URL = process.env.GITBLOCK_TEST_NATS_URL ?? "nats://127.0.0.1:4222";

/** A relayer config file's contents (the JSON `gitblock-relayer start -c` reads; relayer/src/config/schema.ts). */
export type RelayerConfigJson = Record<string, unknown>;

/** One `gitblock-relayer start` process; its config file and log stay in place across restarts. */
export interface RelayerProcess {
  id: string;
  url: string;
  wsUrl: string;
  configFile: string;
  /** Its stdout and stderr, appended across restarts. */
  logFile: string;
  /** The running process's id (a restart changes it). */
  readonly pid: number;
  readonly running: boolean;
  /** Signals the process (SIGKILL unless told) and resolves once it has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same config and port (killing it first if it still runs); resolves once it is healthy. */
  restart(): Promise<void>;
}

export interface RelayerCluster {
  /** Through nginx (round robin over the instances). */
  url: string;
  wsUrl: string;
  instances: RelayerProcess[];
  pgUrl: string;
  /** The bus prefix: this cluster's NATS subjects, stream and bucket, apart from any other cluster's. */
  prefix: string;
  /** `api.adminToken` of every instance (task submission). */
  adminToken: string;
  /** Rewrites nginx's upstreams to these instances (all of them when not given). */
  reproxy(instances?: readonly RelayerProcess[]): Promise<void>;
  /** Kills every instance, stops nginx, drops the database and deletes the cluster's NATS streams. */
  stop(): Promise<void>;
}

/**
 * A test relayer's config, as `startTestRelayer` makes it: no challenges, traps or tenure ramp, short deadlines, no
 * automatic epochs, logs at `warn`. `overrides` are deep-merged over it (arrays replace).
 */
export function relayerProcessConfig(overrides: RelayerConfigJson = {}): RelayerConfigJson {
  return deepMerge(
    {
      host: "127.0.0.1",
      log: { level: "warn" },
      ...TEST_RELAYER_DEFAULTS,
    },
    overrides,
  );
}

/**
 * Writes `<dir>/<id>.json` and runs `gitblock-relayer start -c` on it, output to `<dir>/<id>.log`; resolves once
 * `/healthz` answers. `config.port` must be a real port (the url is known before the process starts). Inherited
 * GITBLOCK_* variables are dropped (they would override the file); `env` adds the ones wanted (the relayer key).
 */
export async function startRelayerProcess({
  id,
  dir,
  config,
  env = {},
}: {
  id: string;
  dir: string;
  config: RelayerConfigJson;
  env?: Record<string, string>;
}): Promise<RelayerProcess> {
  if (typeof config.port !== "number" || config.port === 0) throw new Error("startRelayerProcess needs config.port");
  const configFile = path.join(dir, `${id}.json`);
  const logFile = path.join(dir, `${id}.log`);
  writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
  const url = `http://${config.host ?? "127.0.0.1"}:${config.port}`;
  const childEnv = { ...withoutRelayerOverrides(process.env), ...env };
  let child: ChildProcess;
  let exited: Promise<void>;

  const start = async () => {
    const log = openSync(logFile, "a");
    // Straight to the file: a pipe nobody drains would stall a busy relayer once it fills.
    child = spawn(process.execPath, [RELAYER_CLI, "start", "-c", configFile], {
      cwd: REPO_ROOT,
      env: childEnv,
      stdio: ["ignore", log, log],
    });
    closeSync(log);
    const self = child;
    exited = new Promise((resolve) => self.once("exit", () => resolve()));
    try {
      await waitForHttp(`${url}${SERVICE_ROUTES.health}`, { child: self });
    } catch (error) {
      self.kill("SIGKILL");
      await exited;
      throw new Error(`relayer ${id} did not start: ${(error as Error).message}\n${readFileSync(logFile, "utf8")}`);
    }
  };
  const running = () => child.exitCode === null && child.signalCode === null;
  const kill = async (signal: NodeJS.Signals = "SIGKILL") => {
    if (!running()) return;
    child.kill(signal);
    await exited;
  };

  await start();
  return {
    id,
    url,
    wsUrl: `${url.replace("http", "ws")}/ws/node`,
    configFile,
    logFile,
    get pid() {
      return child.pid ?? -1;
    },
    get running() {
      return running();
    },
    kill,
    async restart() {
      await kill();
      await start();
    },
  };
}

/**
 * `instances` relayer processes (`r0`, `r1`, …) on one throwaway database, joined on the bus under a prefix of
 * their own, behind nginx (which they trust for the client address: `admission.trustProxy`). `settleOn`: settle
 * on that test chain's vault with Hardhat's relayer key (only the leader instance settles). `config`: deep-merged
 * over each instance's config.
 */
export async function startRelayerCluster({
  instances,
  natsUrl = TEST_NATS_URL,
  settleOn,
  config = {},
}: {
  instances: number;
  natsUrl?: string;
  settleOn?: TestChain;
  config?: RelayerConfigJson;
}): Promise<RelayerCluster> {
  if (!Number.isInteger(instances) || instances < 1) throw new Error(`instances must be ≥ 1 (got ${instances})`);
  const dir = mkdtempSync(path.join(tmpdir(), "gitblock-cluster-"));
  const prefix = `gbt${randomBytes(4).toString("hex")}`;
  const adminToken = randomBytes(16).toString("hex");
  const database = await createPgDatabase();
  const started: RelayerProcess[] = [];
  let proxy: Awaited<ReturnType<typeof startNginx>> | null = null;

  const stop = async () => {
    await Promise.all(started.map((instance) => instance.kill()));
    await proxy?.stop();
    try {
      await database.drop();
      await deleteBusStreams(natsUrl, prefix);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  try {
    const chain = settleOn
      ? { rpcUrl: settleOn.rpcUrl, chainId: settleOn.chainId, rewardsVault: settleOn.vault, confirmations: 1 }
      : undefined;
    const env: Record<string, string> = settleOn ? { GITBLOCK_RELAYER_KEY: HARDHAT_KEYS.relayer } : {};
    const ports = await distinctFreePorts(instances);
    // Started together: migrations take turns under an advisory lock.
    const starts = await Promise.allSettled(
      ports.map((port, i) => {
        const id = `r${i}`;
        const instanceConfig = relayerProcessConfig(
          deepMerge(
            {
              port,
              store: { driver: "postgres", url: database.url },
              bus: { url: natsUrl, instanceId: id, prefix },
              admission: { trustProxy: true },
              api: { adminToken },
              ...(chain ? { chain } : {}),
            },
            config,
          ),
        );
        return startRelayerProcess({ id, dir, config: instanceConfig, env });
      }),
    );
    for (const start of starts) if (start.status === "fulfilled") started.push(start.value);
    const failed = starts.find((start) => start.status === "rejected");
    if (failed) throw failed.reason;
    const upstreams = (list: readonly RelayerProcess[]) => list.map((instance) => new URL(instance.url).host);
    proxy = await startNginx({ upstreams: upstreams(started) });
    const nginx = proxy;
    return {
      url: nginx.url,
      wsUrl: nginx.wsUrl,
      instances: started,
      pgUrl: database.url,
      prefix,
      adminToken,
      reproxy: (list = started) => nginx.reload(upstreams(list)),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

/** Deletes the bus's JetStream streams (frames, and the presence bucket's `KV_<bucket>`) of one prefix. */
export async function deleteBusStreams(natsUrl: string, prefix: string): Promise<void> {
  const nc = await connect({ servers: natsUrl, timeout: 5_000 });
  try {
    const jsm = await nc.jetstreamManager();
    const ours: string[] = [];
    for await (const name of jsm.streams.names()) {
      if (name.toLowerCase().includes(prefix.toLowerCase())) ours.push(name);
    }
    for (const name of ours) await jsm.streams.delete(name);
  } finally {
    await nc.close();
  }
}

/** GITBLOCK_* and LOG_LEVEL override a relayer's config file (relayer/src/config/load.ts). */
function withoutRelayerOverrides(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(env).filter(([name]) => !name.startsWith("GITBLOCK_") && name !== "LOG_LEVEL"),
  );
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function deepMerge(base: RelayerConfigJson, overrides: RelayerConfigJson): RelayerConfigJson {
  const merged: RelayerConfigJson = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    const under = merged[key];
    merged[key] = isPlainObject(under) && isPlainObject(value) ? deepMerge(under, value) : value;
  }
  return merged;
}
