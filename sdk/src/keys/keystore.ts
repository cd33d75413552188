import { createCipheriv, createDecipheriv, randomBytes, randomUUID, scryptSync, timingSafeEqual } from "node:crypto";
import { bytesToHex, type Hex, hexToBytes, keccak256 } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import { KeyError } from "../errors.ts";

/**
 * Ethereum keystore v3 (Web3 Secret Storage) with scrypt and aes-128-ctr, from node:crypto: the format geth,
 * ethers, Foundry's `cast wallet` and Hardhat's tools read and write.
 */
export interface KeystoreV3 {
  version: 3;
  id: string;
  address: string;
  crypto: {
    cipher: "aes-128-ctr";
    cipherparams: { iv: string };
    ciphertext: string;
    kdf: "scrypt";
    kdfparams: { dklen: number; n: number; r: number; p: number; salt: string };
    mac: string;
  };
}

const strip0x = (hex: string) => (hex.startsWith("0x") ? hex.slice(2) : hex);

function deriveKey(password: string, params: KeystoreV3["crypto"]["kdfparams"]): Buffer {
  return scryptSync(Buffer.from(password, "utf8"), Buffer.from(params.salt, "hex"), params.dklen, {
    N: params.n,
    r: params.r,
    p: params.p,
    maxmem: 256 * params.n * params.r + 64 * 1024 * 1024,
  });
}

function mac(derived: Buffer, ciphertext: Buffer): string {
  return strip0x(keccak256(new Uint8Array(Buffer.concat([derived.subarray(16, 32), ciphertext]))));
}

/** Encrypts a private key; `n` defaults to the standard 2^18 (use less only in tests). */
export function encryptKeystore(privateKey: Hex, password: string, n = 262_144): KeystoreV3 {
  const kdfparams = { dklen: 32, n, r: 8, p: 1, salt: randomBytes(32).toString("hex") };
  const derived = deriveKey(password, kdfparams);
  const iv = randomBytes(16);
  const cipher = createCipheriv("aes-128-ctr", derived.subarray(0, 16), iv);
  const ciphertext = Buffer.concat([cipher.update(hexToBytes(privateKey)), cipher.final()]);
  return {
    version: 3,
    id: randomUUID(),
    address: strip0x(privateKeyToAddress(privateKey)).toLowerCase(),
    crypto: {
      cipher: "aes-128-ctr",
      cipherparams: { iv: iv.toString("hex") },
      ciphertext: ciphertext.toString("hex"),
      kdf: "scrypt",
      kdfparams,
      mac: mac(derived, ciphertext),
    },
  };
}

/** Decrypts a keystore; a wrong password is reported as such (the MAC does not match). */
export function decryptKeystore(keystore: KeystoreV3, password: string): Hex {
  if (keystore.version !== 3 || keystore.crypto?.kdf !== "scrypt" || keystore.crypto.cipher !== "aes-128-ctr") {
    throw new KeyError("unsupported keystore: expected version 3 with scrypt and aes-128-ctr");
  }
  const derived = deriveKey(password, keystore.crypto.kdfparams);
  const ciphertext = Buffer.from(keystore.crypto.ciphertext, "hex");
  const expected = Buffer.from(strip0x(keystore.crypto.mac), "hex");
  const actual = Buffer.from(mac(derived, ciphertext), "hex");
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
    throw new KeyError("wrong keystore password (MAC mismatch)");
  }
  const decipher = createDecipheriv(
    "aes-128-ctr",
    derived.subarray(0, 16),
    Buffer.from(keystore.crypto.cipherparams.iv, "hex"),
  );
  return bytesToHex(Buffer.concat([decipher.update(ciphertext), decipher.final()]));
}
