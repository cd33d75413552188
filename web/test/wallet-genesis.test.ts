import { signInTypedData } from "@gitblock/sdk";
import { eip1193Signer } from "@gitblock/sdk/client";
import { recoverMessageAddress, toHex, verifyTypedData } from "viem";
import { hardhat } from "viem/chains";
import { describe, expect, it } from "vitest";
import { migrateConsent, readConsent } from "../src/lib/consent.ts";
import { ownershipMessage, verifyOwnership } from "../src/onboarding/verify-message.ts";
import { BrowserWallet } from "../src/wallet-genesis/browser-wallet.ts";
import { openWallet, readWalletRecord, sealWallet } from "../src/wallet-genesis/keystore.ts";
import { pickWordsToConfirm, wrongWords } from "../src/wallet-genesis/phrase-check.ts";
import { createBrowserWalletProvider } from "../src/wallet-genesis/provider.ts";
import { WeakPasswordError, WrongSecretError } from "../src/wallet-genesis/vault-crypto.ts";

const PHRASE = "test test test test test test test test test test test junk";

function memoryStorage() {
  const store = new Map<string, string>();
  return {
    store,
    getItem: (k: string) => store.get(k) ?? null,
    setItem: (k: string, v: string) => void store.set(k, v),
    removeItem: (k: string) => void store.delete(k),
  };
}

describe("wallet genesis: encryption at rest", () => {
  it("seals the phrase with a password and opens it again with the same password", async () => {
    const record = await sealWallet(PHRASE, { kind: "password", password: "correct horse battery" });
    expect(record.address).toBe("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    expect(JSON.stringify(record)).not.toContain("junk");
    expect(record.protection).toMatchObject({ kind: "password", iterations: 600_000 });
    await expect(openWallet(record, { kind: "password", password: "correct horse battery" })).resolves.toBe(PHRASE);
  });

  it("refuses a wrong password with a clear error, and a short one before encrypting", async () => {
    const record = await sealWallet(PHRASE, { kind: "password", password: "correct horse battery" });
    const wrong = openWallet(record, { kind: "password", password: "wrong horse battery" });
    await expect(wrong).rejects.toBeInstanceOf(WrongSecretError);
    await expect(wrong).rejects.toThrow("Wrong password: it does not unlock this wallet.");
    await expect(sealWallet(PHRASE, { kind: "password", password: "short" })).rejects.toBeInstanceOf(WeakPasswordError);
  });

  it("seals with a passkey's PRF output: the same output opens it, another one does not", async () => {
    const registration = { credentialId: "AQID", prfSalt: "BAUG" };
    const prfOutput = new Uint8Array(32).fill(7);
    const record = await sealWallet(PHRASE, { kind: "passkey", registration, prfOutput });
    expect(record.protection).toMatchObject({ kind: "passkey", credentialId: "AQID", prfSalt: "BAUG" });
    await expect(openWallet(record, { kind: "passkey", registration, prfOutput })).resolves.toBe(PHRASE);
    await expect(
      openWallet(record, { kind: "passkey", registration, prfOutput: new Uint8Array(32).fill(8) }),
    ).rejects.toThrow("This passkey does not unlock this wallet.");
  });

  it("creates, locks, unlocks after a 'reload', exports and deletes a wallet", async () => {
    const storage = memoryStorage();
    const wallet = new BrowserWallet(storage);
    const phrase = await wallet.create({ kind: "password", password: "a long password" });
    expect(phrase.split(" ")).toHaveLength(12);
    const address = wallet.getState().account?.address;
    expect(address).toMatch(/^0x[0-9a-fA-F]{40}$/);
    const reloaded = new BrowserWallet(storage);
    expect(reloaded.getState()).toMatchObject({ account: null, record: { address } });
    await expect(reloaded.unlock("not the password")).rejects.toBeInstanceOf(WrongSecretError);
    expect((await reloaded.unlock("a long password")).address).toBe(address);
    const exported = await reloaded.exportSecrets("a long password");
    expect(exported.mnemonic).toBe(phrase);
    expect(exported.privateKey).toMatch(/^0x[0-9a-f]{64}$/);
    reloaded.delete();
    expect(readWalletRecord(storage)).toBeNull();
    expect(reloaded.getState()).toEqual({ record: null, account: null });
  });
});

describe("wallet genesis: backup phrase confirmation", () => {
  it("asks for three distinct positions and accepts only the right words", () => {
    const sequence = [0.05, 0.05, 0.5, 0.99];
    const positions = pickWordsToConfirm(12, 3, () => sequence.shift() ?? 0);
    expect(positions).toEqual([0, 6, 11]);
    expect(wrongWords(PHRASE, positions, ["test", " TEST ", "junk"])).toEqual([]);
    expect(wrongWords(PHRASE, positions, ["test", "nope", ""])).toEqual([6, 11]);
    expect(() => pickWordsToConfirm(2, 3)).toThrow("cannot ask for 3 of 2 words");
  });
});

describe("wallet genesis: EIP-1193 provider", () => {
  it("answers nothing while locked, then signs the node sign-in (eth_signTypedData_v4) and personal_sign", async () => {
    const wallet = new BrowserWallet(memoryStorage());
    const provider = createBrowserWalletProvider(wallet, [hardhat]);
    const changes: unknown[] = [];
    provider.on("accountsChanged", (accounts) => changes.push(accounts));
    expect(await provider.request({ method: "eth_accounts" })).toEqual([]);
    await expect(provider.request({ method: "eth_requestAccounts" })).rejects.toThrow("Unlock the browser wallet");
    await wallet.create({ kind: "password", password: "a long password" });
    const address = wallet.getState().account?.address as `0x${string}`;
    expect(changes).toEqual([[address]]);
    expect(await provider.request({ method: "eth_chainId" })).toBe("0x7a69");

    const typedData = signInTypedData({
      relayer: "relayer.test",
      chainId: 31337,
      account: address,
      nonce: toHex(new Uint8Array(32).fill(1)),
      issuedAt: 1_700_000_000,
      expiresAt: 1_700_000_300,
      sessionKey: address,
    });
    const signer = await eip1193Signer(provider, address);
    const signature = await signer.signTypedData(typedData);
    expect(await verifyTypedData({ ...typedData, address, signature })).toBe(true);

    const message = ownershipMessage(address, "n-1", new Date(0));
    const signed = (await provider.request({
      method: "personal_sign",
      params: [toHex(message), address],
    })) as `0x${string}`;
    expect(await recoverMessageAddress({ message, signature: signed })).toBe(address);
    expect(await verifyOwnership(address, message, signed)).toEqual({ recovered: address, matches: true });
    wallet.lock();
    expect(changes).toEqual([[address], []]);
  });
});

describe("consent", () => {
  it("migrates a v1 record (GPU only) to the current shape: no CPU, one thread", () => {
    const storage = memoryStorage();
    storage.setItem(
      "gitblock.miningConsent.v1",
      JSON.stringify({ gpu: true, storage: true, dailyGpuSeconds: 1_800, acceptedAt: 5 }),
    );
    expect(readConsent(storage)).toEqual({
      gpu: true,
      cpu: false,
      storage: true,
      dailyGpuSeconds: 1_800,
      cpuThreads: 1,
      acceptedAt: 5,
    });
    expect(migrateConsent({ gpu: false, cpu: true, dailyGpuSeconds: 60, cpuThreads: 4 })).toMatchObject({
      cpu: true,
      cpuThreads: 4,
    });
    expect(migrateConsent({ gpu: false, cpu: false, dailyGpuSeconds: 60 })).toBeNull();
    expect(migrateConsent({ gpu: true, dailyGpuSeconds: Number.NaN })).toBeNull();
  });
});
