import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Hex } from "viem";
import { KeyError } from "../errors.ts";
import { encryptKeystore, type KeystoreV3 } from "./keystore.ts";

/** geth's "light KDF" (scrypt n = 4096): fast, weaker; for throwaway keys and tests. */
export const LIGHT_SCRYPT_N = 4_096;

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

export const keystoreAddress = (keystore: KeystoreV3) => `0x${keystore.address.replace(/^0x/, "")}`;
