/**
 * The created wallet at rest, in this browser's localStorage: its address in the clear (so the app can say which
 * wallet is locked) and its recovery phrase sealed with AES-GCM (./vault-crypto.ts). The phrase never leaves the
 * browser: nothing here is sent anywhere.
 */
import type { Address } from "viem";
import type { PasskeyRegistration } from "./passkey.ts";
import {
  fromBase64,
  keyFromPassword,
  keyFromPrf,
  MIN_PASSWORD_LENGTH,
  PBKDF2_ITERATIONS,
  randomBytes,
  type SealedSecret,
  seal,
  toBase64,
  unseal,
  WeakPasswordError,
} from "./vault-crypto.ts";

export type Protection =
  | { kind: "password"; salt: string; iterations: number }
  | ({ kind: "passkey"; salt: string } & PasskeyRegistration);

export interface WalletRecord {
  v: 1;
  address: Address;
  protection: Protection;
  /** The BIP-39 phrase, sealed. */
  sealed: SealedSecret;
  createdAt: number;
  /** The user typed back words of the phrase. */
  backupConfirmed: boolean;
}

const KEY = "gitblock.browserWallet.v1";
type Storage = Pick<globalThis.Storage, "getItem" | "setItem" | "removeItem">;

export function readWalletRecord(storage: Storage | undefined = globalThis.localStorage): WalletRecord | null {
  try {
    const raw = storage?.getItem(KEY);
    if (!raw) return null;
    const record = JSON.parse(raw) as WalletRecord;
    return record.v === 1 && typeof record.address === "string" && record.sealed ? record : null;
  } catch {
    return null;
  }
}

export function writeWalletRecord(record: WalletRecord, storage: Storage | undefined = globalThis.localStorage): void {
  storage?.setItem(KEY, JSON.stringify(record));
}

export function deleteWalletRecord(storage: Storage | undefined = globalThis.localStorage): void {
  storage?.removeItem(KEY);
}

/** The unlocking secret: a password, or a passkey's PRF output with its registration. */
export type UnlockSecret =
  | { kind: "password"; password: string }
  | { kind: "passkey"; registration: PasskeyRegistration; prfOutput: BufferSource };

async function keyFor(secret: UnlockSecret, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<CryptoKey> {
  return secret.kind === "password"
    ? keyFromPassword(secret.password, salt, iterations)
    : keyFromPrf(secret.prfOutput, salt);
}

/** Seals a phrase into a new record. */
export async function sealWallet(mnemonic: string, secret: UnlockSecret, now = Date.now()): Promise<WalletRecord> {
  if (secret.kind === "password" && secret.password.length < MIN_PASSWORD_LENGTH) throw new WeakPasswordError();
  const { mnemonicToAccount } = await import("viem/accounts");
  const address = mnemonicToAccount(mnemonic).address;
  const salt = randomBytes(16);
  const key = await keyFor(secret, salt, PBKDF2_ITERATIONS);
  const protection: Protection =
    secret.kind === "password"
      ? { kind: "password", salt: toBase64(salt), iterations: PBKDF2_ITERATIONS }
      : { kind: "passkey", salt: toBase64(salt), ...secret.registration };
  return {
    v: 1,
    address,
    protection,
    sealed: await seal(key, mnemonic, address),
    createdAt: now,
    backupConfirmed: false,
  };
}

/** The phrase from a record; WrongSecretError when the secret does not open it. */
export async function openWallet(record: WalletRecord, secret: UnlockSecret): Promise<string> {
  const iterations = record.protection.kind === "password" ? record.protection.iterations : 0;
  const key = await keyFor(secret, fromBase64(record.protection.salt), iterations);
  return unseal(key, record.sealed, record.address, secret.kind);
}
