import { decryptKeystore, KeyError, parsePrivateKey, readKeystore } from "@gitblock/sdk/keys";
import type { LocalAccount } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { RelayerConfig } from "../config/schema.ts";

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
    return privateKeyToAccount(decryptKeystore(readKeystore(config.keystore), password));
  }
  const raw = env[config.env];
  if (!raw) return null;
  return privateKeyToAccount(parsePrivateKey(raw, config.env));
}
