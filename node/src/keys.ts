import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import type { Hex, LocalAccount } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
// The keystore (v3, scrypt + aes-128-ctr) is the relayer's module, shared by relative path until it moves to a
// package both can import.
import { decryptKeystore, encryptKeystore, type KeystoreV3 } from "../../relayer/src/keys/keystore.ts";

export const KEY_ENV = "GITBLOCK_NODE_KEY";
export const PASSWORD_ENV = "GITBLOCK_KEYSTORE_PASSWORD";
export const DEFAULT_KEYSTORE = path.join(homedir(), ".gitblock", "node-keystore.json");
/** geth's "light KDF" (scrypt n = 4096): fast, weaker; for throwaway keys and tests. */
export const LIGHT_SCRYPT_N = 4_096;

export class KeyError extends Error {
  override name = "KeyError";
}

/** Lines of a piped stdin, read once and handed out in order (several prompts read one pipe). */
let pipedLines: { lines: string[]; waiters: Array<(line: string | null) => void>; closed: boolean } | null = null;

function nextPipedLine(): Promise<string | null> {
  if (!pipedLines) {
    const state = { lines: [] as string[], waiters: [] as Array<(line: string | null) => void>, closed: false };
    pipedLines = state;
    const rl = createInterface({ input: process.stdin, terminal: false });
    rl.on("line", (line) => {
      const waiter = state.waiters.shift();
      if (waiter) waiter(line);
      else state.lines.push(line);
    });
    rl.on("close", () => {
      state.closed = true;
      for (const waiter of state.waiters.splice(0)) waiter(null);
    });
  }
  const state = pipedLines;
  const line = state.lines.shift();
  if (line !== undefined) return Promise.resolve(line);
  if (state.closed) return Promise.resolve(null);
  return new Promise((resolve) => state.waiters.push(resolve));
}

/**
 * Asks for a secret on the terminal without echoing it. Without a terminal (a pipe), reads the next line of stdin.
 * The prompt goes to stderr so stdout stays clean for scripts.
 */
export async function promptSecret(question: string): Promise<string> {
  const input = process.stdin;
  if (!input.isTTY) {
    process.stderr.write(question);
    const line = await nextPipedLine();
    process.stderr.write("\n");
    if (line === null) throw new KeyError("no input on stdin");
    return line;
  }
  const rl = createInterface({ input, output: process.stderr, terminal: true });
  let muted = false;
  // Echo nothing of what is typed; only the prompt is written.
  const writable = rl as unknown as { _writeToOutput: (s: string) => void };
  writable._writeToOutput = (s: string) => {
    if (!muted) process.stderr.write(s);
  };
  return new Promise((resolve, reject) => {
    let answered = false;
    rl.question(question, (answer) => {
      answered = true;
      rl.close();
      process.stderr.write("\n");
      resolve(answer);
    });
    muted = true;
    rl.once("close", () => {
      if (!answered) reject(new KeyError("no input"));
    });
    rl.once("SIGINT", () => {
      rl.close();
      reject(new KeyError("cancelled"));
    });
  });
}

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

export function parsePrivateKey(raw: string, what = "private key"): Hex {
  const key = (raw.trim().startsWith("0x") ? raw.trim() : `0x${raw.trim()}`) as Hex;
  if (!/^0x[0-9a-fA-F]{64}$/.test(key)) throw new KeyError(`${what} must be 32 bytes of hex`);
  return key;
}

export function readKeystore(file: string): KeystoreV3 {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as KeystoreV3;
  } catch (error) {
    throw new KeyError(`cannot read keystore ${file}: ${(error as Error).message}`);
  }
}

/** Encrypts `key` into `file` (owner-only permissions); refuses to overwrite. */
export function writeKeystore(file: string, key: Hex, password: string, light = false): KeystoreV3 {
  if (existsSync(file)) throw new KeyError(`${file} exists; refusing to overwrite a key`);
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const keystore = encryptKeystore(key, password, light ? LIGHT_SCRYPT_N : undefined);
  writeFileSync(file, `${JSON.stringify(keystore, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return keystore;
}

export function newKey(): Hex {
  return generatePrivateKey();
}

export const keystoreAddress = (keystore: KeystoreV3) => `0x${keystore.address.replace(/^0x/, "")}`;

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
