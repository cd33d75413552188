import { existsSync } from "node:fs";
import { KeyError, keystoreAddress, parsePrivateKey, readKeystore } from "@gitblock/sdk/keys";
import { type Address, getAddress, isAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { DEFAULT_KEYSTORE, KEY_ENV } from "../keys.ts";

/**
 * The address a read-only command is about, without the password: `--address`/`--account` when given, else the
 * key in `$GITBLOCK_NODE_KEY`, else the keystore's (its address is stored in clear).
 */
export function accountAddress(opts: { address?: string; keystore?: string }, flag = "--address"): Address {
  if (opts.address) {
    if (!isAddress(opts.address, { strict: false })) throw new KeyError(`"${opts.address}" is not an address`);
    return getAddress(opts.address);
  }
  const raw = process.env[KEY_ENV];
  if (raw && !opts.keystore) return privateKeyToAccount(parsePrivateKey(raw, KEY_ENV)).address;
  const file = opts.keystore ?? DEFAULT_KEYSTORE;
  if (!existsSync(file)) throw new KeyError(`no keystore at ${file}; pass ${flag} or --keystore`);
  return getAddress(keystoreAddress(readKeystore(file)));
}
