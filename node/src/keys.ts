import { existsSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { decryptKeystore, KeyError, parsePrivateKey, promptSecret, readKeystore } from "@gitblock/sdk/keys";
import type { LocalAccount } from "viem";
import { privateKeyToAccount } from "viem/accounts";

export const KEY_ENV = "GITBLOCK_NODE_KEY";
export const PASSWORD_ENV = "GITBLOCK_KEYSTORE_PASSWORD";
export const DEFAULT_KEYSTORE = path.join(homedir(), ".gitblock", "node-keystore.json");

/** The keystore password: `$GITBLOCK_KEYSTORE_PASSWORD`, else a prompt (twice when creating). */
export async function keystorePassword(env: NodeJS.ProcessEnv, confirm: boolean): Promise<string> {
  const fromEnv = env[PASSWORD_ENV];
  if (fromEnv !== undefined) return fromEnv;
  const password = await promptSecret("Keystore password: ");
  if (confirm) {
    if (password.length < 8) throw new KeyError("use a password of at least 8 characters");
    const again = await promptSecret("Repeat the password: ");
    if (again !== password) throw new KeyError("the passwords differ");
  }
  return password;
}

/**
 * The node's wallet: `$GITBLOCK_NODE_KEY` when set (operators, scripts), else the keystore (password from
 * `$GITBLOCK_KEYSTORE_PASSWORD` or a prompt).
 */
export async function loadNodeAccount(options: { keystore?: string }, env = process.env): Promise<LocalAccount> {
  const raw = env[KEY_ENV];
  if (raw && !options.keystore) return privateKeyToAccount(parsePrivateKey(raw, KEY_ENV));
  const file = options.keystore ?? DEFAULT_KEYSTORE;
  if (!existsSync(file)) {
    throw new KeyError(
      `no key: set ${KEY_ENV}, or create a keystore with \`gitblock-node keys new\` (looked for ${file})`,
    );
  }
  const keystore = readKeystore(file);
  const password = await keystorePassword(env, false);
  try {
    return privateKeyToAccount(decryptKeystore(keystore, password));
  } catch (error) {
    throw new KeyError((error as Error).message);
  }
}
