// The testkit's relayer cluster (two `gitblock-relayer start` processes on PostgreSQL and NATS behind nginx) works
// as a deployment would: round robin, node sockets upgraded through the proxy, a killed instance skipped.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type RelayerCluster, startRelayerCluster, TestNode, until } from "@gitblock/testkit";

interface Health {
  ok: boolean;
  instance: string | null;
  nodesHere: number;
}

const health = async (url: string): Promise<Health> => {
  const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5_000) });
  assert.equal(response.status, 200, `${url}/healthz answered ${response.status}`);
  return (await response.json()) as Health;
};

describe("a relayer cluster behind nginx (testkit startRelayerCluster)", () => {
  let cluster: RelayerCluster;

  before(async () => {
    cluster = await startRelayerCluster({ instances: 2 });
  });
  after(() => cluster?.stop());

  it("answers on each instance directly and on both through nginx, in turn", async () => {
    assert.deepEqual(
      await Promise.all(cluster.instances.map(async (instance) => (await health(instance.url)).instance)),
      ["r0", "r1"],
    );
    const seen = new Set<string | null>();
    for (let i = 0; i < 4; i++) seen.add((await health(cluster.url)).instance);
    assert.deepEqual([...seen].sort(), ["r0", "r1"]);
  });

  it("signs a node in over a WebSocket upgraded by nginx, and skips an instance killed with SIGKILL", async () => {
    const node = new TestNode();
    await node.connect(cluster.wsUrl);
    assert.ok(node.session, "auth_ok carried a session");
    node.ready(["tiny-llm"], 1);
    const holder = await until("one instance to hold the node", async () => {
      const here = await Promise.all(cluster.instances.map(async (i) => ((await health(i.url)).nodesHere ? i : null)));
      const holders = here.filter((i) => i !== null);
      return holders.length === 1 ? holders[0] : undefined;
    });
    const survivor = cluster.instances.find((i) => i !== holder);
    assert.ok(holder && survivor);

    await holder.kill("SIGKILL");
    assert.equal(holder.running, false);
    await node.closed();
    // Every request goes to the survivor: the dead upstream refuses the connection and nginx tries the next.
    for (let i = 0; i < 4; i++) assert.equal((await health(cluster.url)).instance, survivor.id);
    // The session lives in the shared database: it resumes on the other instance.
    await node.connect(cluster.wsUrl, { resume: true });
    await until("the survivor to hold the node", async () =>
      (await health(survivor.url)).nodesHere === 1 ? true : undefined,
    );
    node.close();

    await holder.restart();
    assert.equal((await health(holder.url)).instance, holder.id);
  });
});
