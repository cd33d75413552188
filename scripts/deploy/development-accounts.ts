import type { Hex } from "viem";
import { type HDAccount, mnemonicToAccount } from "viem/accounts";

/** Hardhat's public development mnemonic: its accounts are funded on local chains and known to everyone. */
export const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";

/** Hardhat's development account `addressIndex` (0 deploys, 1 relays on the local network, …). */
export function developmentAccount(addressIndex: number): HDAccount {
  return mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex });
}

/** The same account with its private key, for processes that take a key in the environment. */
export function developmentKey(addressIndex: number): { address: `0x${string}`; privateKey: Hex } {
  const account = developmentAccount(addressIndex);
  const key = account.getHdKey().privateKey;
  if (!key) throw new Error(`no private key for development account #${addressIndex}`);
  return { address: account.address, privateKey: `0x${Buffer.from(key).toString("hex")}` };
}
