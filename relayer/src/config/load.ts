import { readFileSync } from "node:fs";
import path from "node:path";
import { ConfigError } from "../errors.ts";
import { configSchema, type RelayerConfig, type RelayerConfigInput } from "./schema.ts";

/** Environment variables that override the file: name → dotted config path, and how to parse the value. */
const ENV_OVERRIDES: Array<[string, string[], (raw: string) => unknown]> = [
  ["GITBLOCK_RELAYER_HOST", ["host"], String],
  ["GITBLOCK_RELAYER_PORT", ["port"], Number],
  ["GITBLOCK_RELAYER_DOMAIN", ["domain"], String],
  ["GITBLOCK_DB_PATH", ["store", "path"], String],
  ["GITBLOCK_DATABASE_URL", ["store", "url"], String],
  ["GITBLOCK_BUS_URL", ["bus", "url"], String],
  ["GITBLOCK_INSTANCE_ID", ["bus", "instanceId"], String],
  ["GITBLOCK_RPC_URL", ["chain", "rpcUrl"], String],
  ["GITBLOCK_CHAIN_ID", ["chain", "chainId"], Number],
  ["GITBLOCK_REWARDS_VAULT", ["chain", "rewardsVault"], String],
  ["GITBLOCK_INFERENCE_CREDITS", ["chain", "inferenceCredits"], String],
  ["GITBLOCK_ADMIN_TOKEN", ["api", "adminToken"], String],
  ["GITBLOCK_EPOCH_INTERVAL_MS", ["epochs", "intervalMs"], Number],
  ["LOG_LEVEL", ["log", "level"], String],
];

function setPath(target: Record<string, unknown>, keys: string[], value: unknown): void {
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== "object" || next === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  const last = keys.at(-1);
  if (last) node[last] = value;
}

/** Validates a config object; throws a ConfigError listing every problem with its path. */
export function parseConfig(input: unknown, source = "config"): RelayerConfig {
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  - ${issue.path.join(".") || "(root)"}: ${issue.message}`);
    throw new ConfigError(`Invalid relayer configuration in ${source}:\n${problems.join("\n")}`);
  }
  return parsed.data;
}

/**
 * Reads the JSON config file (optional), applies environment overrides, and validates. Relative paths in the file
 * (store, keystore) resolve against the file's folder.
 */
export function loadConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): RelayerConfig {
  let raw: Record<string, unknown> = {};
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      throw new ConfigError(`Cannot read config file ${file}: ${(error as Error).message}`);
    }
    try {
      raw = JSON.parse(text) as Record<string, unknown>;
    } catch (error) {
      throw new ConfigError(`Config file ${file} is not valid JSON: ${(error as Error).message}`);
    }
  }
  for (const [name, keys, parse] of ENV_OVERRIDES) {
    const value = env[name];
    if (value !== undefined && value !== "") setPath(raw, keys, parse(value));
  }
  const config = parseConfig(raw, file ?? "environment");
  if (file) {
    const base = path.dirname(path.resolve(file));
    if (config.store.path !== ":memory:") config.store.path = path.resolve(base, config.store.path);
    if (config.key.keystore) config.key.keystore = path.resolve(base, config.key.keystore);
  }
  return config;
}

/** Convenience for tests and embedding: defaults plus the given fields. */
export function makeConfig(input: RelayerConfigInput): RelayerConfig {
  return parseConfig(input);
}
