/**
 * The created wallet in this tab: its record at rest (./keystore.ts) and, once unlocked, its account in memory only.
 * A reload locks it again. The wagmi connector (./connector.ts) and the UI both watch this one store.
 * The HD-wallet code and the BIP-39 word list load only when a wallet is created, unlocked or exported (`hdWallet()`):
 * the connector is in the initial bundle, and most visitors never create a wallet.
 */
import { type Hex, toHex } from "viem";
import type { HDAccount } from "viem/accounts";
import {
  deleteWalletRecord,
  openWallet,
  readWalletRecord,
  sealWallet,
  type UnlockSecret,
  type WalletRecord,
  writeWalletRecord,
} from "./keystore.ts";
import { passkeySecret, registerPasskey } from "./passkey.ts";

/** viem's HD-wallet code and the English BIP-39 word list, in a chunk of their own. */
export const hdWallet = () => import("viem/accounts");

export interface BrowserWalletState {
  record: WalletRecord | null;
  /** Present while unlocked. */
  account: HDAccount | null;
}

type Storage = Pick<globalThis.Storage, "getItem" | "setItem" | "removeItem">;

export class BrowserWallet {
  private state: BrowserWalletState;
  private readonly listeners = new Set<() => void>();

  private readonly storage: Storage | undefined;

  constructor(storage: Storage | undefined = globalThis.localStorage) {
    this.storage = storage;
    this.state = { record: readWalletRecord(storage), account: null };
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getState = (): BrowserWalletState => this.state;

  private set(next: Partial<BrowserWalletState>): void {
    this.state = { ...this.state, ...next };
    for (const listener of this.listeners) listener();
  }

  /** Generates a phrase here (never sent), seals it and unlocks the new wallet. Returns the phrase to back up. */
  async create(secret: UnlockSecret): Promise<string> {
    const { english, generateMnemonic, mnemonicToAccount } = await hdWallet();
    const mnemonic = generateMnemonic(english);
    const record = await sealWallet(mnemonic, secret);
    writeWalletRecord(record, this.storage);
    this.set({ record, account: mnemonicToAccount(mnemonic) });
    return mnemonic;
  }

  /** Creates a wallet protected by a new passkey (throws PrfUnavailableError where PRF is missing). */
  async createWithPasskey(): Promise<string> {
    const registration = await registerPasskey(`GitBlock wallet ${new Date().toISOString().slice(0, 10)}`);
    const prfOutput = await passkeySecret(registration);
    return this.create({ kind: "passkey", registration, prfOutput });
  }

  /** The secret that opens the stored record: the password given, or the passkey asked now. */
  async secretFor(password?: string): Promise<UnlockSecret> {
    const protection = this.requireRecord().protection;
    if (protection.kind === "password") return { kind: "password", password: password ?? "" };
    return { kind: "passkey", registration: protection, prfOutput: await passkeySecret(protection) };
  }

  async unlock(password?: string): Promise<HDAccount> {
    const record = this.requireRecord();
    const { mnemonicToAccount } = await hdWallet();
    const account = mnemonicToAccount(await openWallet(record, await this.secretFor(password)));
    this.set({ account });
    return account;
  }

  lock(): void {
    this.set({ account: null });
  }

  confirmBackup(): void {
    const record = { ...this.requireRecord(), backupConfirmed: true };
    writeWalletRecord(record, this.storage);
    this.set({ record });
  }

  /** The phrase and private key, after unlocking again (export must prove the user is the owner now). */
  async exportSecrets(password?: string): Promise<{ mnemonic: string; privateKey: Hex }> {
    const mnemonic = await openWallet(this.requireRecord(), await this.secretFor(password));
    const { mnemonicToAccount } = await hdWallet();
    const privateKey = mnemonicToAccount(mnemonic).getHdKey().privateKey;
    if (!privateKey) throw new Error("the phrase yields no private key");
    return { mnemonic, privateKey: toHex(privateKey) };
  }

  delete(): void {
    deleteWalletRecord(this.storage);
    this.set({ record: null, account: null });
  }

  private requireRecord(): WalletRecord {
    if (!this.state.record) throw new Error("No wallet was created in this browser.");
    return this.state.record;
  }
}

/** The one store of this tab. */
export const browserWallet = new BrowserWallet();
