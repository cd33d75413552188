// `gitblock-node start --model <file.gguf>`: the CLI runs the embedded llama.cpp engine on the tiny GGUF and earns
// a validated task next to two in-process nodes on the same model file.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { NodeClient } from "@gitblock/sdk/client";
import {
  CliProcess,
  clientsReady,
  NODE_CLI,
  startTestRelayer,
  stopAll,
  type TestRelayer,
  writeTinyGguf,
} from "@gitblock/testkit";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { LlamaCppEngine } from "../src/engines/llama-cpp.ts";

describe("gitblock-node start --model <file.gguf>", () => {
  let t: TestRelayer;
  let dir = "";
  let model = "";
  let cli: CliProcess | undefined;
  let peers: NodeClient[] = [];
  const engines: LlamaCppEngine[] = [];
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "gitblock-gguf-cli-"));
    model = await writeTinyGguf(path.join(dir, "tiny.gguf"), { seed: 1 });
    t = await startTestRelayer();
  });
  after(async () => {
    await cli?.stop();
    await stopAll(peers);
    for (const e of engines) await e.dispose();
    await t?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("serves the file's model under its name and earns a validated task", async () => {
    cli = new CliProcess(
      NODE_CLI,
      ["start", "--relayer", t.url, "--model", model, "--gpu", "cpu", "--threads", "1", "--json"],
      { GITBLOCK_NODE_KEY: generatePrivateKey() },
    );
    const started = await cli.event("starting");
    assert.equal(started.kind, "llama-cpp");
    const ready = await cli.event("ready");
    assert.deepEqual(ready.models, ["tiny"]);
    const auth = await cli.event("authenticated");
    const engine = () => {
      const e = new LlamaCppEngine({ modelPath: model, gpu: false, threads: 1, contextSize: 256 });
      engines.push(e);
      return e;
    };
    peers = [1, 2].map(
      () =>
        new NodeClient({
          relayer: t.url,
          signer: privateKeyToAccount(generatePrivateKey()),
          engine: engine(),
          capacity: 1,
          reconnect: { initialMs: 100, maxMs: 1_000 },
        }),
    );
    await Promise.all(peers.map((p) => p.start()));
    await clientsReady(t, peers, "tiny");
    const { id } = await t.relayer.scheduler.submit({
      model: "tiny",
      input: "The quick brown fox",
      maxTokens: 16,
      seed: 1,
    });
    const verdict = await cli.event("verdict", (v) => v.taskId === id);
    assert.equal(verdict.outcome, "correct");
    assert.ok(auth.account);
    assert.equal(await cli.stop(), 0);
    cli = undefined;
  });
});
