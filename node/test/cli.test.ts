import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { gitBlockTokenAbi } from "@gitblock/sdk";
import type { NodeClient } from "@gitblock/sdk/client";
import {
  CliProcess,
  claimWithApiProof,
  MODEL,
  NODE_CLI,
  runCli,
  runToEnd,
  simNodes,
  spawnNpm,
  startTestChain,
  startTestRelayer,
  stopAll,
  type TestChain,
  type TestRelayer,
} from "@gitblock/testkit";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

const PASSWORD = "correct horse battery";

describe("npx gitblock-node", () => {
  it("is installed as a bin by `npm ci` and lists its commands", async () => {
    const { code, output } = await runToEnd(spawnNpm(["exec", "--", "gitblock-node", "--help"]));
    assert.equal(code, 0, output);
    for (const command of ["start", "status", "keys"]) assert.match(output, new RegExp(`\\b${command}\\b`));
  });
});

describe("gitblock-node keys", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "gitblock-keys-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("creates, shows and checks an encrypted keystore; a wrong password is refused", async () => {
    const file = path.join(dir, "new.json");
    const created = await runCli(
      NODE_CLI,
      ["keys", "new", "--keystore", file, "--light-kdf"],
      {},
      `${PASSWORD}\n${PASSWORD}\n`,
    );
    assert.equal(created.code, 0, created.stderr);
    const address = /address (0x[0-9a-fA-F]{40})/.exec(created.stdout)?.[1];
    assert.ok(address);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.ok(!readFileSync(file, "utf8").includes(PASSWORD));
    assert.ok(!created.stdout.includes(PASSWORD) && !created.stderr.includes(PASSWORD), "the password is never echoed");
    const shown = await runCli(NODE_CLI, ["keys", "show", "--keystore", file]);
    assert.equal(shown.stdout.trim(), address);
    const checked = await runCli(NODE_CLI, ["keys", "show", "--keystore", file, "--check"], {
      GITBLOCK_KEYSTORE_PASSWORD: PASSWORD,
    });
    assert.equal(checked.code, 0);
    const wrong = await runCli(NODE_CLI, ["keys", "show", "--keystore", file, "--check"], {
      GITBLOCK_KEYSTORE_PASSWORD: "nope",
    });
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /wrong keystore password/);
    const again = await runCli(NODE_CLI, ["keys", "new", "--keystore", file, "--light-kdf"], {
      GITBLOCK_KEYSTORE_PASSWORD: PASSWORD,
    });
    assert.equal(again.code, 2, "never overwrites a key");
  });

  it("imports a key from the environment; mismatched passwords are refused", async () => {
    const key = generatePrivateKey();
    const file = path.join(dir, "imported.json");
    const imported = await runCli(NODE_CLI, ["keys", "import", "--keystore", file, "--light-kdf"], {
      GITBLOCK_NODE_KEY: key,
      GITBLOCK_KEYSTORE_PASSWORD: PASSWORD,
    });
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, new RegExp(privateKeyToAccount(key).address));
    const mismatch = await runCli(
      NODE_CLI,
      ["keys", "new", "--keystore", path.join(dir, "x.json"), "--light-kdf"],
      {},
      "password-one\npassword-two\n",
    );
    assert.equal(mismatch.code, 2);
    assert.match(mismatch.stderr, /passwords differ/);
  });
});

describe("gitblock-node start on a local network (Hardhat chain + relayer)", () => {
  let chain: TestChain;
  let t: TestRelayer;
  let peers: NodeClient[] = [];
  let cli: CliProcess | undefined;
  const dir = mkdtempSync(path.join(tmpdir(), "gitblock-node-"));
  before(async () => {
    chain = await startTestChain();
    t = await startTestRelayer({ settleOn: chain });
  });
  after(async () => {
    await cli?.stop();
    await stopAll(peers);
    await t?.stop();
    await chain?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("the CLI process serves tasks, earns confirmed GBT, and claims it after the epoch settles", async () => {
    const keystore = path.join(dir, "node.json");
    const env = { GITBLOCK_KEYSTORE_PASSWORD: PASSWORD, GITBLOCK_NODE_KEY: "" };
    assert.equal((await runCli(NODE_CLI, ["keys", "new", "--keystore", keystore, "--light-kdf"], env)).code, 0);
    cli = new CliProcess(
      NODE_CLI,
      [
        "start",
        "--relayer",
        t.url,
        "--engine",
        "sim",
        "--models",
        MODEL,
        "--keystore",
        keystore,
        "--capacity",
        "2",
        "--json",
      ],
      env,
    );
    const started = await cli.event("starting");
    assert.match(started.engine, /simulation/);
    const auth = await cli.event("authenticated");
    assert.equal(auth.transport, "websocket");
    await cli.event("ready");
    const address = auth.account as `0x${string}`;
    peers = await simNodes(t, [{ kind: "honest" }, { kind: "honest" }]);

    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await t.relayer.scheduler.submit({ model: MODEL, input: `cli task ${i}`, maxTokens: 12, seed: i })).id);
    }
    let earned = 0n;
    for (const id of ids) {
      const verdict = await cli.event("verdict", (v) => v.taskId === id);
      assert.equal(verdict.outcome, "correct");
      earned += BigInt(verdict.rewardWei);
    }
    const record = await t.relayer.store.getNode(address);
    assert.ok(earned > 0n);
    assert.equal(record?.confirmedWei, earned, "confirmed in the relayer's ledger");

    const status = await runCli(NODE_CLI, ["status", "--relayer", t.url, "--address", address, "--json"]);
    const profile = JSON.parse(status.stdout);
    assert.equal(profile.confirmedWei, earned.toString());
    assert.equal(profile.tasksValidated, 3);
    assert.equal(profile.connected, true);

    // Settle the epoch on the chain and claim the node's GBT with the relayer's proof.
    await t.relayer.settler.close();
    const [settled] = await t.relayer.settler.advance();
    assert.equal(settled?.status, "final");
    const { claim, receipt } = await claimWithApiProof(t, chain, address);
    assert.equal(claim.state.cumulativeAmount, earned.toString());
    assert.equal(receipt.status, "success");
    const balance = await chain.publicClient.readContract({
      address: chain.token,
      abi: gitBlockTokenAbi,
      functionName: "balanceOf",
      args: [address],
    });
    assert.equal(balance, earned);

    assert.equal(await cli.stop(), 0);
    const stopped = JSON.parse(cli.lines.findLast((l) => l.includes('"stopped"')) ?? "{}");
    assert.equal(stopped.accepted, 3);
    cli = undefined;
  });
});
