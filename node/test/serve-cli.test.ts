// `gitblock-node start` serving users' requests: `--price-floor` and `--no-serve` in the announced `ready.serves`, a
// request served to its end, and a price floor that is not an amount refused.
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { PROTOCOL_VERSION } from "@gitblock/sdk";
import { simulatedTokens } from "@gitblock/sdk/engines/simulation";
import { CliProcess, MODEL, NODE_CLI, runCli } from "@gitblock/testkit";
import { generatePrivateKey } from "viem/accounts";
import { FakeRelayer } from "./fake-relayer.ts";

describe("gitblock-node start: serving", () => {
  let relayer: FakeRelayer | undefined;
  let cli: CliProcess | undefined;
  afterEach(async () => {
    await cli?.stop();
    relayer?.stop();
    cli = undefined;
    relayer = undefined;
  });

  const start = async (flags: string[]) => {
    relayer = new FakeRelayer();
    await relayer.start();
    cli = new CliProcess(
      NODE_CLI,
      ["start", "--relayer", relayer.url, "--engine", "sim", "--models", MODEL, "--json", ...flags],
      { GITBLOCK_NODE_KEY: generatePrivateKey() },
    );
    return { relayer, cli, ready: await relayer.next("ready", () => true, { timeoutMs: 30_000 }) };
  };

  it("announces its price floor, serves a request to its end and logs it", async () => {
    const { relayer, cli, ready } = await start(["--price-floor", "0.002"]);
    assert.deepEqual(ready.serves, [{ model: MODEL, contextLength: 32_768, priceFloorWei: "2000000000000000" }]);
    const input = "served from the CLI";
    relayer.send({
      type: "serve",
      v: PROTOCOL_VERSION,
      requestId: "cli-1",
      model: MODEL,
      input,
      prefix: [],
      maxTokens: 16,
      temperature: 0,
      seed: 1,
      deadline: Date.now() + 30_000,
    });
    const end = await relayer.next("serve_end", (m) => m.requestId === "cli-1");
    assert.deepEqual([end.finish, end.tokens], ["length", 16]);
    const streamed = relayer.received.flatMap((m) => (m.type === "chunk" ? m.tokenIds : []));
    assert.deepEqual(streamed, simulatedTokens({ model: MODEL, input, maxTokens: 16 }));
    const logged = await cli.event("served", (e) => e.requestId === "cli-1");
    assert.deepEqual([logged.outcome, logged.tokens, logged.finish], ["ended", 16, "length"]);
  });

  it("--no-serve announces no served models", async () => {
    const { ready } = await start(["--no-serve"]);
    assert.deepEqual(ready.models, [MODEL]);
    assert.equal(ready.serves, undefined);
  });

  it("refuses a price floor that is not an amount of GBT", async () => {
    const run = await runCli(NODE_CLI, ["start", "--engine", "sim", "--price-floor", "cheap"], {
      GITBLOCK_NODE_KEY: generatePrivateKey(),
    });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /--price-floor must be an amount of GBT like 0.002, got "cheap"/);
  });
});
