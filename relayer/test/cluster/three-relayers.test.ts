/**
 * Three `gitblock-relayer start` processes on one PostgreSQL database and NATS, behind nginx as the one address
 * nodes and users see, settling on a real chain; then `kill -9` of instances under load. Real parts throughout:
 * processes, nginx, WebSockets, the sdk's NodeClient (simulation engine), the official `openai` client.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { makeConfig, openStore, type Store } from "@gitblock/relayer";
import { FINAL_TASK_STATUSES, rewardsVaultAbi } from "@gitblock/sdk";
import { NodeClient, type NodeClientOptions } from "@gitblock/sdk/client";
import { SimulationEngine } from "@gitblock/sdk/engines/simulation";
import {
  type RelayerCluster,
  type RelayerProcess,
  startRelayerCluster,
  startTestChain,
  stopAll,
  TEST_NATS_URL,
  type TestChain,
  until,
} from "@gitblock/testkit";
import { connect, type KV, type NatsConnection } from "nats";
import { parseEventLogs } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import WebSocket from "ws";
import { gatewayClient } from "../gateway-client.ts";

const MODEL = "tiny-llm";
const FLEET = 6;

interface Health {
  instance: string | null;
  nodesHere: number;
  settles: boolean;
}

const health = async (instance: RelayerProcess): Promise<Health> =>
  (await (await fetch(`${instance.url}/healthz`)).json()) as Health;

/** Honest simulated nodes signing in at `url` (here: nginx), started together. */
async function simNodesAt(url: string, count: number, options: Partial<NodeClientOptions>): Promise<NodeClient[]> {
  const clients = Array.from(
    { length: count },
    () =>
      new NodeClient({
        relayer: url,
        signer: privateKeyToAccount(generatePrivateKey()),
        engine: new SimulationEngine({ models: [MODEL] }),
        ...options,
      }),
  );
  await Promise.all(clients.map((client) => client.start()));
  return clients;
}

describe("three relayers behind nginx", { timeout: 240_000 }, () => {
  let chain: TestChain;
  let cluster: RelayerCluster;
  let store: Store;
  let nc: NatsConnection;
  let presence: KV;
  let nodes: NodeClient[] = [];
  /** Every acknowledgement a node got: `${node} ${taskId}`. */
  const acked = new Set<string>();
  /** Submissions sent again after nginx answered 502 (in flight at a killed instance). */
  let resentAfter502 = 0;

  /** The instance whose presence entry holds the node now. */
  const instanceOf = async (node: string): Promise<string | undefined> => {
    const entry = await presence.get(`node.${node}`);
    return entry?.value.length ? (entry.json<{ instance: string }>().instance ?? undefined) : undefined;
  };

  /**
   * Queues a task through `target`. A submission in flight at an instance as it is killed gets nginx's 502 (nginx
   * does not resend a POST it has passed on); the client sends it again, as the openai client does with a 502, and
   * nginx, having marked the dead instance failed, passes it to a survivor.
   */
  const submit = async (target: { url: string }, input: string): Promise<string> => {
    for (let attempt = 1; ; attempt++) {
      const response = await fetch(`${target.url}/api/tasks`, {
        method: "POST",
        headers: { authorization: `Bearer ${cluster.adminToken}`, "content-type": "application/json" },
        body: JSON.stringify({ model: MODEL, input, maxTokens: 8, seed: 0 }),
      });
      if (response.status === 502 && attempt < 3) {
        resentAfter502++;
        continue;
      }
      assert.equal(response.status, 201, await response.clone().text());
      return ((await response.json()) as { id: string }).id;
    }
  };

  const untilFinal = (ids: readonly string[], timeoutMs = 60_000) =>
    until(
      `${ids.length} tasks final`,
      async () => {
        for (const id of ids) {
          const task = await store.getTask(id);
          if (!task || !(FINAL_TASK_STATUSES as readonly string[]).includes(task.status)) return undefined;
        }
        return true;
      },
      { timeoutMs },
    );

  before(async () => {
    chain = await startTestChain();
    cluster = await startRelayerCluster({
      instances: 3,
      settleOn: chain,
      config: {
        bus: { presenceTtlMs: 3_000 },
        leader: { checkIntervalMs: 300 },
        epochs: { intervalMs: 1_500, autoPropose: true },
      },
    });
    store = await openStore(makeConfig({ store: { driver: "postgres", url: cluster.pgUrl } }));
    nc = await connect({ servers: TEST_NATS_URL });
    presence = await nc.jetstream().views.kv(`${cluster.prefix}-presence`);
    // At first nginx sends nodes to r1 and r2 only: r0 holds no node, so what it is asked must cross instances.
    await cluster.reproxy([cluster.instances[1] as RelayerProcess, cluster.instances[2] as RelayerProcess]);
    nodes = await simNodesAt(cluster.url, FLEET, { capacity: 2, reconnect: { initialMs: 100, maxMs: 500 } });
    for (const node of nodes) node.on("ack", (taskId) => acked.add(`${node.address.toLowerCase()} ${taskId}`));
    await until("every node on r1 or r2, seen by every instance", async () => {
      const here = await Promise.all(cluster.instances.map(health));
      if (here[0]?.nodesHere !== 0 || here.reduce((sum, h) => sum + h.nodesHere, 0) !== FLEET) return undefined;
      const where = await Promise.all(nodes.map((n) => instanceOf(n.address)));
      return where.every((w) => w === "r1" || w === "r2") ? true : undefined;
    });
  });

  after(async () => {
    await stopAll(nodes);
    await store?.close();
    await nc?.close();
    await cluster?.stop();
    await chain?.stop();
  });

  it("a task submitted to an instance holding no node is generated and verified on the others", async () => {
    const r0 = cluster.instances[0] as RelayerProcess;
    const ids = await Promise.all(Array.from({ length: 6 }, (_, i) => submit(r0, `flows across instances ${i}`)));
    await untilFinal(ids);
    for (const id of ids) {
      const task = await store.getTask(id);
      assert.equal(task?.status, "validated", `task ${id}`);
      const assignments = await store.getAssignments(id);
      const generator = assignments.find((a) => a.role === "generate");
      assert.ok(generator, `task ${id} had a generator`);
      assert.ok(["r1", "r2"].includes((await instanceOf(generator.node)) ?? ""), "generated on r1 or r2");
      assert.ok(
        assignments.some((a) => a.role === "verify"),
        `task ${id} was verified`,
      );
    }
  });

  it("a /v1 request arriving at an instance holding no node is served by a node on another", async () => {
    const r0 = cluster.instances[0] as RelayerProcess;
    const openai = gatewayClient(r0.url);
    const stream = await openai.completions.create({
      model: MODEL,
      prompt: "Hello GPUs",
      max_tokens: 12,
      stream: true,
    });
    let text = "";
    let chunks = 0;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.text ?? "";
      chunks++;
    }
    assert.ok(chunks > 1 && text.length > 0, `streamed through r0 from a node elsewhere (${chunks} chunks)`);
  });

  it("a dashboard on any instance gets the pushes of a node held by another", async () => {
    const r0 = cluster.instances[0] as RelayerProcess;
    const watched = nodes[0] as NodeClient;
    const socket = new WebSocket(`${r0.wsUrl.replace(/\/ws\/node$/, "")}/ws/dashboard?address=${watched.address}`);
    const verdict = new Promise<{ type: string; taskId: string }>((resolve, reject) => {
      socket.on("message", (data) => {
        const message = JSON.parse(String(data)) as { type: string; taskId: string };
        if (message.type === "verdict") resolve(message);
      });
      socket.on("error", reject);
    });
    await new Promise((resolve) => socket.once("open", resolve));
    try {
      // Enough tasks that the watched node takes part in one (as generator or verifier).
      const ids = await Promise.all(Array.from({ length: 6 }, (_, i) => submit(cluster, `dashboard push ${i}`)));
      await untilFinal(ids);
      const pushed = await verdict;
      assert.equal(pushed.type, "verdict");
    } finally {
      socket.close();
    }
  });

  it("kill -9 of the settlement leader and of an instance holding nodes, under load: nothing lost or paid twice", async (t) => {
    await cluster.reproxy();
    const [leaderBefore] = await until("one settlement leader", async () => {
      const all = await Promise.all(cluster.instances.map(health));
      const leaders = all.filter((h) => h.settles);
      return leaders.length === 1 ? leaders.map((h) => h.instance) : undefined;
    });
    await until("an epoch proposed on-chain", async () => ((await proposals()).length > 0 ? true : undefined));
    const load = Array.from({ length: 24 }, (_, i) => submit(cluster, `under load ${i}`));
    const firstHalf = await Promise.all(load.slice(0, 12));
    const victims = [cluster.instances.find((r) => r.id === leaderBefore) as RelayerProcess];
    // The leader may hold no node (r0 held none); then an instance that does dies too.
    if (victims[0]?.id === "r0") victims.push(cluster.instances[1] as RelayerProcess);
    const killedAtBlock = await chain.publicClient.getBlockNumber();
    const heldByVictims = (await Promise.all(nodes.map((n) => instanceOf(n.address)))).filter((w) =>
      victims.some((v) => v.id === w),
    ).length;
    for (const victim of victims) await victim.kill("SIGKILL");
    t.diagnostic(`killed ${victims.map((v) => v.id)} (leader ${leaderBefore}), holding ${heldByVictims} nodes`);
    const ids = [...firstHalf, ...(await Promise.all(load.slice(12)))];
    const survivors = cluster.instances.filter((r) => !victims.includes(r));

    await until("every node reconnected to a survivor", async () => {
      const here = await Promise.all(survivors.map(health));
      return here.reduce((sum, h) => sum + h.nodesHere, 0) === FLEET ? true : undefined;
    });
    await untilFinal(ids, 90_000);
    const statuses = await Promise.all(ids.map(async (id) => (await store.getTask(id))?.status));
    assert.ok(
      statuses.filter((s) => s === "validated").length >= ids.length - 2,
      `tasks validated across the kill: ${statuses.join(",")}`,
    );

    // Every result a node had acknowledged is stored.
    for (const key of acked) {
      const [node, taskId] = key.split(" ") as [string, string];
      const assignment = (await store.getAssignments(taskId)).find((a) => a.node.toLowerCase() === node);
      assert.ok(assignment, `acknowledged ${key} has its assignment`);
      assert.ok(
        assignment.commitment !== null || assignment.report !== null || assignment.outputHash !== null,
        `acknowledged ${key} is stored`,
      );
    }
    assert.ok(acked.size > ids.length, "nodes acknowledged work");
    assert.ok(heldByVictims > 0, "the killed instances held nodes, which reconnected");

    // A new leader took over and kept settling: consecutive epochs on-chain, none twice, one after the kill.
    await until("a survivor leads", async () => {
      const leaders = (await Promise.all(survivors.map(health))).filter((h) => h.settles);
      return leaders.length === 1 ? true : undefined;
    });
    const afterKill = await until(
      "an epoch proposed after the kill",
      async () => {
        const all = await proposals();
        return all.some((p) => p.block > killedAtBlock) ? all : undefined;
      },
      { timeoutMs: 60_000 },
    );
    const epochs = afterKill.map((p) => p.epoch);
    t.diagnostic(
      `epochs on-chain ${epochs}; ${acked.size} acknowledgements checked; tasks ${statuses.join(",")}; ${resentAfter502} submissions sent again after a 502`,
    );
    assert.deepEqual(
      epochs,
      epochs.map((_, i) => i + 1),
      `epochs proposed once each, in order: ${epochs}`,
    );

    // No task paid twice; every settled epoch's books balance.
    const ledger = await store.dialect.db
      .selectFrom("ledger")
      .select(["account", "kind", "ref"])
      .select((eb) => eb.fn.countAll().as("n"))
      .groupBy(["account", "kind", "ref"])
      .having((eb) => eb.fn.countAll(), ">", 1)
      .execute();
    assert.deepEqual(ledger, [], "no ledger entry twice");
    const { reconcileEpoch } = await import("../../src/ledger/reconcile.ts");
    const config = makeConfig({});
    for (const epoch of epochs) {
      const books = await reconcileEpoch(
        store,
        epoch,
        config.rewards.ratePerTokenWei,
        config.verification.verifyRateBps,
      );
      assert.deepEqual(books.problems, [], `epoch ${epoch} reconciles`);
    }
  });

  /** The vault's EpochProposed events, oldest first. */
  async function proposals(): Promise<Array<{ epoch: number; block: bigint }>> {
    const logs = await chain.publicClient.getLogs({ address: chain.vault, fromBlock: 0n });
    return parseEventLogs({ abi: rewardsVaultAbi, logs, eventName: "EpochProposed" }).map((log) => ({
      epoch: Number(log.args.epoch),
      block: log.blockNumber,
    }));
  }
});
