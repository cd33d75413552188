import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { decryptKeystore, encryptKeystore, KeyError } from "@gitblock/sdk/keys";
import { generatePrivateKey, privateKeyToAddress } from "viem/accounts";
import { loadConfig } from "../../src/config/load.ts";
import { ConfigError } from "../../src/errors.ts";
import { loadRelayerAccount } from "../../src/keys/load-key.ts";

describe("keys", () => {
  it("round-trips a v3 keystore and refuses a wrong password", () => {
    const key = generatePrivateKey();
    const keystore = encryptKeystore(key, "correct horse", 1024);
    assert.equal(`0x${keystore.address}`, privateKeyToAddress(key).toLowerCase());
    assert.equal(decryptKeystore(keystore, "correct horse"), key);
    assert.throws(() => decryptKeystore(keystore, "wrong"), KeyError);
  });

  it("loads the relayer key from a keystore or the environment, never silently", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "gitblock-keys-"));
    try {
      const key = generatePrivateKey();
      const file = path.join(dir, "relayer.json");
      writeFileSync(file, JSON.stringify(encryptKeystore(key, "pw", 1024)));
      const fromStore = loadRelayerAccount({ env: "K", keystore: file, passwordEnv: "P" }, { P: "pw" });
      assert.equal(fromStore?.address, privateKeyToAddress(key));
      assert.throws(() => loadRelayerAccount({ env: "K", keystore: file, passwordEnv: "P" }, {}), /needs its password/);
      assert.equal(loadRelayerAccount({ env: "K", passwordEnv: "P" }, { K: key })?.address, privateKeyToAddress(key));
      assert.equal(loadRelayerAccount({ env: "K", passwordEnv: "P" }, {}), null);
      assert.throws(() => loadRelayerAccount({ env: "K", passwordEnv: "P" }, { K: "0x1234" }), KeyError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("config", () => {
  it("validates the file plus environment and explains every problem", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "gitblock-config-"));
    try {
      const file = path.join(dir, "relayer.json");
      writeFileSync(file, JSON.stringify({ port: 9000, store: { path: "data/r.db" } }));
      const config = loadConfig(file, { GITBLOCK_RELAYER_PORT: "9100" });
      assert.equal(config.port, 9100, "environment overrides the file");
      assert.equal(config.store.path, path.join(dir, "data/r.db"), "relative paths resolve against the file");
      assert.deepEqual(config.verification.verifiers, { trusted: 2, untrusted: 4 });
      assert.equal(config.verification.quorumBps, 6_600);
      assert.deepEqual(config.verification.referenceVerifiers, []);
      assert.equal(config.rewards.ratePerTokenWei, 10n ** 15n);

      writeFileSync(file, JSON.stringify({ port: "x", verification: { quorumBps: 10 }, bogus: 1 }));
      assert.throws(
        () => loadConfig(file, {}),
        (error: unknown) =>
          error instanceof ConfigError &&
          /port/.test(error.message) &&
          /verification\.quorumBps/.test(error.message) &&
          /bogus/.test(error.message),
      );
      writeFileSync(file, "{ not json");
      assert.throws(() => loadConfig(file, {}), /not valid JSON/);
      assert.throws(() => loadConfig(path.join(dir, "missing.json"), {}), /Cannot read config file/);
      const example = loadConfig(path.resolve(import.meta.dirname, "../../relayer.config.example.json"), {});
      assert.equal(example.chain?.deployment, "localhost");
      assert.equal(example.epochs.intervalMs, 60_000);
      assert.deepEqual(example.verification.verifiers, { trusted: 2, untrusted: 4 });
      writeFileSync(file, JSON.stringify({ verification: { redundancy: 3 } }));
      assert.throws(() => loadConfig(file, {}), /redundancy/, "the old redundancy setting is refused, not ignored");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
