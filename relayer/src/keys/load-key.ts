import { readFileSync } from "node:fs";
import type { Hex, LocalAccount } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { RelayerConfig } from "../config/schema.ts";
import { KeyError } from "../errors.ts";
import { decryptKeystore, type KeystoreV3 } from "./keystore.ts";

/**
 * The relayer's signing account: from an encrypted keystore (password in an environment variable) when the config
 * names one, else from the environment variable holding the raw key. Null when neither is set: the relayer then
 * runs without settling on-chain.
 */
export function loadRelayerAccount(
  config: RelayerConfig["key"],
  env: NodeJS.ProcessEnv = process.env,
): LocalAccount | null {
  if (config.keystore) {
    const password = env[config.passwordEnv];
    if (password === undefined) {
      throw new KeyError(
        `keystore ${config.keystore} needs its password in the environment variable ${config.passwordEnv}`,
      );
    }
    let keystore: KeystoreV3;
    try {
      keystore = JSON.parse(readFileSync(config.keystore, "utf8")) as KeystoreV3;
    } catch (error) {
      throw new KeyError(`cannot read keystore ${config.keystore}: ${(error as Error).message}`);
    }
    return privateKeyToAccount(decryptKeystore(keystore, password));
  }
  const raw = env[config.env];
  if (!raw) return null;
  const key = (raw.startsWith("0x") ? raw : `0x${raw}`) as Hex;
  if (!/^0x[0-9a-fA-F]{64}$/.test(key)) throw new KeyError(`${config.env} must hold a 32-byte hex private key`);
  return privateKeyToAccount(key);
}
