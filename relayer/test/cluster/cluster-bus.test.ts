// Two relayer instances in this process on one PostgreSQL database and the NATS on this machine: what crosses
// between them (presence, frames to another instance's nodes, verdicts, dashboard events, the shared queue).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { makeConfig, OffsetClock, Relayer, type RelayerConfigInput } from "@gitblock/relayer";
import type { NodeClient } from "@gitblock/sdk/client";
import { SimulationEngine } from "@gitblock/sdk/engines/simulation";
import {
  createPgDatabase,
  deleteBusStreams,
  FLEET_MODEL,
  MODEL,
  play,
  relayerProcessConfig,
  simNodes,
  stopAll,
  TEST_NATS_URL,
  TestNode,
  type TestRelayer,
  until,
} from "@gitblock/testkit";
import { pino } from "pino";
import { gatewayClient } from "../gateway-client.ts";

async function instance(pgUrl: string, prefix: string, id: string): Promise<TestRelayer> {
  // The process harness's test defaults (no challenges, short deadlines, no automatic epochs), in this process.
  const config = makeConfig(
    relayerProcessConfig({
      port: 0,
      log: { level: "silent" },
      store: { driver: "postgres", url: pgUrl },
      bus: { url: TEST_NATS_URL, instanceId: id, prefix, presenceTtlMs: 2_000 },
    }) as RelayerConfigInput,
  );
  const clock = new OffsetClock();
  const relayer = await Relayer.create({ config, clock, log: pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" }) });
  const { url } = await relayer.start();
  return { relayer, url, wsUrl: `${url.replace("http", "ws")}/ws/node`, clock, dir: "", stop: () => relayer.stop() };
}

const seenBy = (t: TestRelayer, node: TestNode, where: "here" | "elsewhere") =>
  until(`${node.address} ${where} on ${t.relayer.cluster?.instance}`, () => {
    const presence = t.relayer.registry.get(node.address);
    if (!presence?.ready) return undefined;
    return (presence.instance === null) === (where === "here") ? true : undefined;
  });

describe("two relayer instances on one database and NATS", () => {
  let db: Awaited<ReturnType<typeof createPgDatabase>>;
  let a: TestRelayer;
  let b: TestRelayer;
  let generator: TestNode;
  let verifiers: TestNode[];
  const prefix = `gbt${randomBytes(4).toString("hex")}`;

  before(async () => {
    db = await createPgDatabase();
    a = await instance(db.url, prefix, "a");
    b = await instance(db.url, prefix, "b");
    generator = new TestNode();
    await generator.connect(a.wsUrl);
    generator.ready([FLEET_MODEL], 4);
    verifiers = [new TestNode(), new TestNode()];
    for (const node of verifiers) {
      await node.connect(b.wsUrl);
      node.ready([FLEET_MODEL], 4);
    }
    await seenBy(a, generator, "here");
    await seenBy(b, generator, "elsewhere");
    for (const node of verifiers) {
      await seenBy(a, node, "elsewhere");
      await seenBy(b, node, "here");
    }
  });

  after(async () => {
    for (const node of [generator, ...verifiers]) node?.close();
    await a?.stop();
    await b?.stop();
    await db?.drop();
    await deleteBusStreams(TEST_NATS_URL, prefix);
  });

  it("mirrors each instance's nodes in the other's registry, with the instance holding them", () => {
    assert.equal(a.relayer.registry.get(verifiers[0]?.address as `0x${string}`)?.instance, "b");
    assert.equal(b.relayer.registry.get(generator.address)?.instance, "a");
    assert.equal(a.relayer.registry.localSize, 1);
    assert.equal(b.relayer.registry.localSize, 2);
  });

  it("a task generated on one instance is verified by nodes on the other, and every verdict reaches its node", async () => {
    const pushed: string[] = [];
    const onVerdict = (v: { taskId: string; node: string }) => pushed.push(`${v.taskId} ${v.node}`);
    a.relayer.events.on("verdict", onVerdict);
    // Submitted through b: whichever instance's node draws it generates, the claim crosses to the other instance.
    const task = await b.relayer.scheduler.submit({
      model: FLEET_MODEL,
      input: "across instances",
      maxTokens: 8,
      seed: 0,
    });
    const played = await play(a, [generator, ...verifiers], task.id);
    const onA = (node: TestNode) => node === generator;
    assert.ok(
      played.verifiers.some((v) => onA(v) !== onA(played.generator)),
      "a verifier on the other instance than the generator got the claim",
    );
    const stored = await a.relayer.store.getTask(task.id);
    assert.equal(stored?.status, "validated");
    for (const node of [generator, ...verifiers]) {
      const verdict = await node.next("verdict", { where: (m) => m.taskId === task.id });
      assert.equal(verdict.outcome, "correct", `${node === generator ? "a" : "b"}'s node got its verdict`);
    }
    // Judged wherever the last report landed; the dashboard events reached a either way.
    await until("a's dashboard events for the task", () =>
      pushed.some((p) => p.startsWith(task.id) && p.endsWith(generator.address)) ? true : undefined,
    );
    a.relayer.events.off("verdict", onVerdict);
  });

  it("a /v1 request arriving at one instance is streamed by a node on the other", async () => {
    let servers: NodeClient[] = [];
    try {
      servers = await simNodes(b, [{ kind: "honest" }]);
      const server = servers[0] as NodeClient;
      await until("a to see b's serving node", () =>
        a.relayer.registry.get(server.address as `0x${string}`)?.serves.has(MODEL) ? true : undefined,
      );
      const prompt = "Say something about GPUs.";
      const expected = await new SimulationEngine({ models: [MODEL] }).generate({
        model: MODEL,
        input: prompt,
        maxTokens: 16,
        seed: 0,
      });
      const openai = gatewayClient(a.url);
      const stream = await openai.completions.create({ model: MODEL, prompt, max_tokens: 16, seed: 0, stream: true });
      let text = "";
      for await (const chunk of stream) text += chunk.choices[0]?.text ?? "";
      assert.equal(text, expected.text, "the chunks came back from b's node through the bus");
    } finally {
      await stopAll(servers);
    }
  });

  it("a node that leaves one instance drops out of the other's registry", async () => {
    const extra = new TestNode();
    await extra.connect(b.wsUrl);
    extra.ready([FLEET_MODEL], 1);
    await seenBy(a, extra, "elsewhere");
    extra.close();
    await until("the mirror to go", () => (a.relayer.registry.get(extra.address) ? undefined : true));
  });
});
