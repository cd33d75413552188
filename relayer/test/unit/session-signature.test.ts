// The native session-signature check (libsecp256k1) must accept exactly what the sdk's viem check accepts: the same
// answer on good signatures, their high-s twins, every recovery byte, tampered and malformed ones.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { signedBy } from "@gitblock/sdk";
import { type Hex, keccak256, toHex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { sessionSigned } from "../../src/gateway/session-signature.ts";

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const key = privateKeyToAccount(generatePrivateKey());
const other = privateKeyToAccount(generatePrivateKey());

/** The same signature with s → n − s and the recovery bit flipped (valid ECDSA, not canonical). */
function highS(signature: Hex): Hex {
  const r = signature.slice(2, 66);
  const s = BigInt(`0x${signature.slice(66, 130)}`);
  const v = Number.parseInt(signature.slice(130), 16);
  return `0x${r}${(N - s).toString(16).padStart(64, "0")}${(v === 27 ? 28 : 27).toString(16)}`;
}
const withV = (signature: Hex, v: number): Hex => `0x${signature.slice(2, 130)}${v.toString(16).padStart(2, "0")}`;

describe("sessionSigned (native) agrees with the sdk's signedBy (viem)", () => {
  it("on good, high-s, re-encoded, tampered, foreign and malformed signatures", async () => {
    const cases: Array<{ name: string; hash: Hex; signature: Hex; expected: boolean }> = [];
    for (let i = 0; i < 20; i++) {
      const hash = keccak256(toHex(`claim ${i}`));
      const signature = await key.signMessage({ message: { raw: hash } });
      const v = Number.parseInt(signature.slice(130), 16);
      cases.push(
        { name: `good ${i}`, hash, signature, expected: true },
        { name: `high-s ${i}`, hash, signature: highS(signature), expected: true },
        { name: `v as 0/1 ${i}`, hash, signature: withV(signature, v - 27), expected: true },
        { name: `other v ${i}`, hash, signature: withV(signature, 29), expected: false },
        {
          name: `flipped bit ${i}`,
          hash,
          signature: `0x${(BigInt(signature) ^ (1n << 300n)).toString(16).padStart(130, "0")}`,
          expected: false,
        },
        { name: `other message ${i}`, hash: keccak256(toHex(`other ${i}`)), signature, expected: false },
        {
          name: `other key ${i}`,
          hash,
          signature: await other.signMessage({ message: { raw: hash } }),
          expected: false,
        },
      );
    }
    const hash = keccak256(toHex("malformed"));
    for (const signature of ["0x", "0x1234", `0x${"00".repeat(65)}`, `0x${"ff".repeat(65)}`, `0x${"11".repeat(64)}`]) {
      cases.push({
        name: `malformed ${signature.slice(0, 8)}…(${signature.length})`,
        hash,
        signature: signature as Hex,
        expected: false,
      });
    }
    for (const c of cases) {
      const viem = await signedBy(c.hash, c.signature, key.address);
      const native = await sessionSigned(c.hash, c.signature, key.address);
      assert.equal(native, viem, `${c.name}: native ${native}, viem ${viem}`);
      if (c.name.startsWith("good") || c.name.startsWith("other key") || c.name.startsWith("other message")) {
        assert.equal(native, c.expected, c.name);
      }
    }
  });

  it("compares addresses case-insensitively, as the stored session key may be checksummed or not", async () => {
    const hash = keccak256(toHex("case"));
    const signature = await key.signMessage({ message: { raw: hash } });
    assert.equal(await sessionSigned(hash, signature, key.address.toLowerCase() as Hex), true);
    assert.equal(await sessionSigned(hash, signature, key.address), true);
  });
});
