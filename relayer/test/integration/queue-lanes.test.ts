import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, it } from "node:test";
import {
  closeAll,
  engine,
  fleet,
  play,
  startTestRelayer,
  TestNode,
  type TestRelayer,
  until,
  untilFinal,
  waitForReadyNodes,
} from "@gitblock/testkit";
import { requireJudgeable } from "../../src/scheduler/judgeable.ts";
import type { TaskRecord } from "../../src/store/types.ts";

const ADMIN = "queue-lanes-admin-token-0123456789";
const cli = path.resolve(import.meta.dirname, "../../src/cli/main.ts");
const spec = (model: string, input: string) => ({ model, input, maxTokens: 8, seed: 1 });
const many = (model: string, count: number) =>
  Array.from({ length: count }, (_, i) => spec(model, `${model} backlog ${i}`));

/** One whole dispatch pass after everything queued so far (the scheduler's own signal, no sleep). */
async function pass(t: TestRelayer): Promise<void> {
  t.relayer.scheduler.kick();
  await t.relayer.scheduler.whenIdle();
}

async function statuses(t: TestRelayer, tasks: readonly TaskRecord[]): Promise<string[]> {
  return Promise.all(tasks.map(async (task) => (await t.relayer.store.getTask(task.id))?.status ?? "missing"));
}

const submitOverHttp = (t: TestRelayer) =>
  fetch(`${t.url}/api/tasks`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN}` },
    body: JSON.stringify({ model: "tiny-llm", input: "admit me", maxTokens: 4 }),
  });

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("queue lanes: tasks nobody can take never hold back those that can be placed", () => {
  let t: TestRelayer;
  let nodes: TestNode[] = [];
  afterEach(async () => {
    closeAll(nodes);
    nodes = [];
    await t.stop();
  });

  it("tasks queued for a model nobody serves do not stall the served tasks behind them", async () => {
    t = await startTestRelayer({ verification: { verifiers: { trusted: 1, untrusted: 1 } } });
    nodes = await fleet(t, 3, { capacity: 1 });
    // 3 free slots: a pass used to read the 3 + 8 oldest queued tasks, here all for a model nobody serves.
    const unserved = await t.relayer.scheduler.submitMany(many("nobody-serves", 40));
    t.clock.advance(1); // the served tasks are strictly younger than every unserved one
    const served = await t.relayer.scheduler.submitMany([spec("tiny-llm", "a"), spec("tiny-llm", "b")]);
    await pass(t);
    assert.deepEqual(await statuses(t, served), ["assigned", "assigned"]);
    await Promise.all(served.map((task) => play(t, nodes, task.id)));
    assert.deepEqual(await statuses(t, served), ["validated", "validated"]);
    assert.ok(
      (await statuses(t, unserved)).every((status) => status === "queued"),
      "unserved tasks wait",
    );
  });

  it("a task its model's only node cannot get verified, and a backlog behind that busy node, hold back no other model", async () => {
    t = await startTestRelayer({
      verification: { verifiers: { trusted: 1, untrusted: 1 }, giveUpAfterMs: 30_000 },
    });
    const solo = new TestNode();
    await solo.connect(t.wsUrl);
    solo.ready(["solo-llm"], 1);
    await waitForReadyNodes(t, [solo.address], "solo-llm");
    nodes = [solo, ...(await fleet(t, 2, { capacity: 1 }))];

    // Generated and revealed, then no verifier of another operator serves solo-llm: it waits for one.
    const unverifiable = await t.relayer.scheduler.submit(spec("solo-llm", "nobody can check me"));
    await solo.next("task", { where: (m) => m.taskId === unverifiable.id });
    await solo.generate(unverifiable.id, engine("nobody can check me").slice(0, unverifiable.maxTokens));
    await until("the claim to wait for verifiers", async () =>
      (await t.relayer.store.getTask(unverifiable.id))?.status === "verifying" ? true : undefined,
    );
    // It holds no capacity (the reveal freed the generator's slot): solo takes the next task and sits on it.
    t.clock.advance(1);
    const backlog = await t.relayer.scheduler.submitMany(many("solo-llm", 20));
    await until("solo to hold a backlog task", () =>
      solo.received.some((m) => m.type === "task" && backlog.some((task) => task.id === m.taskId)) ? true : undefined,
    );

    t.clock.advance(1);
    const other = await t.relayer.scheduler.submitMany([spec("tiny-llm", "c"), spec("tiny-llm", "d")]);
    await pass(t);
    assert.deepEqual(await statuses(t, other), ["assigned", "assigned"]);
    await Promise.all(other.map((task) => play(t, nodes.slice(1), task.id)));
    assert.deepEqual(await statuses(t, other), ["validated", "validated"]);
    assert.equal((await statuses(t, backlog)).filter((status) => status === "queued").length, 19);

    // Nobody could ever verify it: given up as inconclusive, the generator unpaid and not struck.
    t.clock.advance(30_000);
    await untilFinal(t, unverifiable.id);
    assert.equal((await t.relayer.store.getTask(unverifiable.id))?.status, "inconclusive");
  });

  it("tasks nobody serves expire after verification.queueTimeoutMs, with the reason in the task API; served lanes wait", async () => {
    t = await startTestRelayer({ verification: { queueTimeoutMs: 60_000, taskTimeoutMs: 3_600_000 } });
    nodes = await fleet(t, 1, { capacity: 1 });
    const gone = new TestNode();
    await gone.connect(t.wsUrl);
    gone.close();
    await until("the node to leave", () => (t.relayer.registry.get(gone.address) ? undefined : true));

    const [unserved, servedLater] = await t.relayer.scheduler.submitMany([
      spec("nobody-serves", "wait for nobody"),
      spec("later-llm", "wait for a node that comes"),
    ]);
    const probe = await t.relayer.scheduler.probe(gone.address, "tiny-llm");
    const held = await t.relayer.scheduler.submit(spec("tiny-llm", "held"));
    await pass(t);
    const waiting = await t.relayer.scheduler.submit(spec("tiny-llm", "next")); // the only node holds `held`
    await pass(t);
    const ids = [unserved, servedLater, probe, held, waiting] as TaskRecord[];
    assert.deepEqual(await statuses(t, ids), ["queued", "queued", "queued", "assigned", "queued"]);
    assert.equal((await fetch(`${t.url}/api/tasks/${unserved?.id}`)).status, 404, "in flight until it expires");

    // A node for later-llm signs in before the timeout: its task was only waiting in its lane.
    t.clock.advance(30_000);
    const later = new TestNode();
    await later.connect(t.wsUrl);
    later.ready(["later-llm"], 1);
    nodes.push(later);
    await later.next("task", { where: (m) => m.taskId === servedLater?.id });

    t.clock.advance(30_001);
    await pass(t);
    assert.deepEqual(await statuses(t, ids), ["expired", "assigned", "expired", "assigned", "queued"]);
    assert.equal((await t.relayer.store.getTask(unserved?.id as string))?.input, "", "the prompt is not kept");

    const detail = (await (await fetch(`${t.url}/api/tasks/${unserved?.id}`)).json()) as Record<string, unknown>;
    assert.equal(detail.status, "expired");
    assert.match(String(detail.reason), /not taken within 6\d s, and no connected node could generate it/);
    assert.match(String(detail.reason), /nobody-serves/);
    const feed = (await (await fetch(`${t.url}/api/tasks?status=expired`)).json()) as { tasks: Array<{ id: string }> };
    assert.deepEqual(feed.tasks.map((row) => row.id).sort(), [unserved?.id, probe.id].sort());

    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    assert.match(metrics, /gitblock_tasks_expired_total\{[^}]*\} 2/);
    assert.match(metrics, /gitblock_queued_tasks\{[^}]*model="tiny-llm"[^}]*\} 1/);
    assert.doesNotMatch(metrics, /gitblock_queued_tasks\{[^}]*model="nobody-serves"/);
  });

  it("a task needing more nodes than the network could ever have is refused by the API and the CLI, with the reason", async () => {
    t = await startTestRelayer({ api: { adminToken: ADMIN }, verification: { tenureTasks: 3 } });
    // No dispute tier and nobody with full tenure: no claim could ever be verified, however many nodes join.
    const refused = await submitOverHttp(t);
    assert.equal(refused.status, 400);
    const { error } = (await refused.json()) as { error: string };
    assert.match(error, /needs a verifier besides its generator, and none could ever be drawn/);
    assert.match(error, /verification\.tenureTasks = 3 validated tasks/);
    assert.match(error, /verification\.referenceVerifiers/);

    const configFile = path.join(t.dir, "cli.json");
    const cliConfig = { store: t.relayer.config.store, log: { level: "warn" }, verification: { tenureTasks: 3 } };
    writeFileSync(configFile, JSON.stringify(cliConfig));
    const submit = ["--config", configFile, "tasks", "submit", "--model", "tiny-llm", "--input", "hi", "--json"];
    const cliRefused = await runCli(submit);
    assert.equal(cliRefused.code, 1, cliRefused.stderr);
    assert.match(cliRefused.stderr, /error: task refused: it needs a verifier besides its generator/);
    assert.deepEqual(await t.relayer.store.listTasks({ limit: 10 }), [], "nothing was queued");

    // A node with full tenure can verify other nodes' claims, and they earn tenure from its verdicts.
    const veteran = new TestNode();
    await veteran.connect(t.wsUrl);
    nodes = [veteran];
    await until("the node to be known", () => t.relayer.store.getNode(veteran.address));
    await t.relayer.store.updateNode(veteran.address, (node) => ({ ...node, tasksValidated: 3 }));
    assert.equal((await submitOverHttp(t)).status, 201);
    const accepted = await runCli(submit);
    assert.equal(accepted.code, 0, accepted.stderr);
    assert.equal(JSON.parse(accepted.stdout).status, "queued");

    // With the dispute tier, or with no tenure ramp, someone can always check a claim: accepted on an empty network.
    const nobodyTenured = { anyNodeValidated: async () => false };
    await requireJudgeable(nobodyTenured, { referenceVerifiers: [veteran.address], tenureTasks: 3 });
    await requireJudgeable(nobodyTenured, { referenceVerifiers: [], tenureTasks: 0 });
  });
});
