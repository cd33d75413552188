// Several relayers sharing one PostgreSQL database: two `PostgresStore`s (two pools, as two processes would have) on
// one throwaway database race on every write they can share. Where the outcome hangs on who goes first, a third
// connection holds the contested row the way another relayer's transaction would, both racers are seen waiting on
// it (pg_stat_activity), and only then is it let go: the interleaving is forced, not hoped for.
import assert from "node:assert/strict";
import { after, afterEach, before, beforeEach, describe, it } from "node:test";
import type { RelayerMessage } from "@gitblock/sdk";
import { createPgDatabase, until } from "@gitblock/testkit";
import pg from "pg";
import { pino } from "pino";
import type { Address, Hex } from "viem";
import { generatePrivateKey, privateKeyToAddress } from "viem/accounts";
import { configSchema } from "../../src/config/schema.ts";
import { UsageQuota } from "../../src/inference/usage-quota.ts";
import { createMetrics } from "../../src/metrics.ts";
import { NodeRegistry } from "../../src/presence/registry.ts";
import { queuedTask, Scheduler } from "../../src/scheduler/scheduler.ts";
import { PostgresStore } from "../../src/store/dialects/postgres.ts";
import { MIGRATIONS } from "../../src/store/migrations.ts";
import { DAY_MS } from "../../src/store/rows.ts";
import type { NodeRecord, Store, TaskRecord, TaskSnapshot, WorkWrite } from "../../src/store/types.ts";

const newAddress = (): Address => privateKeyToAddress(generatePrivateKey());
const task = (id: string, createdAt = 1): TaskRecord =>
  queuedTask({ model: "m", input: "x", maxTokens: 4, seed: 0 }, { id, kind: "job", createdAt });
const commitment = `0x${"ab".repeat(32)}` as Hex;
const commit = (taskId: string, node: Address, at: number): WorkWrite => ({
  kind: "commit",
  taskId,
  node,
  commitment,
  signature: "0x01",
  at,
});
const reveal = (taskId: string, node: Address, at: number): WorkWrite => ({
  kind: "reveal",
  taskId,
  node,
  tokenIds: [5, 6],
  opens: (c) => c === commitment,
  queueMs: 0,
  inferenceMs: 1,
  at,
});

/** Another relayer's transaction in the middle of its work: it holds what it wrote until `release`. */
interface Holder {
  hold(...statements: Array<[string, unknown[]?]>): Promise<void>;
  release(): Promise<void>;
}

describe("store writes two relayers sharing PostgreSQL race on", () => {
  let database: { url: string; drop(): Promise<void> };
  let a: PostgresStore;
  let b: PostgresStore;
  let holderClient: pg.Client;
  let observer: pg.Client;
  let holder: Holder;

  /** Resolves once `count` sessions on this database wait on a lock (a row lock or an advisory one). */
  const waiting = (count: number) =>
    until(
      `${count} sessions waiting on a lock`,
      async () => {
        const { rows } = await observer.query(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        );
        return rows[0].n >= count ? true : undefined;
      },
      { timeoutMs: 10_000 },
    );

  beforeEach(async () => {
    database = await createPgDatabase();
    a = await PostgresStore.connect(database.url);
    b = await PostgresStore.connect(database.url);
    holderClient = new pg.Client({ connectionString: database.url });
    observer = new pg.Client({ connectionString: database.url });
    await holderClient.connect();
    await observer.connect();
    holder = {
      async hold(...statements) {
        await holderClient.query("BEGIN");
        for (const [text, values] of statements) await holderClient.query(text, values);
      },
      async release() {
        await holderClient.query("COMMIT");
      },
    };
  });
  afterEach(async () => {
    await holderClient.end();
    await observer.end();
    await a.close();
    await b.close();
    await database.drop();
  });

  it("a dispatch pass: each queued task is assigned once, the loser keeps the tasks still queued, and a held task is skipped, not waited on", async () => {
    const [x, y] = [newAddress(), newAddress()];
    await a.touchNode(x, 1);
    await a.touchNode(y, 1);
    const ids = Array.from({ length: 30 }, (_, i) => `q${String(i).padStart(2, "0")}`);
    await a.insertTasks(ids.map((id) => task(id)));
    const pass = (generator: Address) => ids.map((taskId) => ({ taskId, generator, now: 10, deadline: 100 }));
    const [byA, byB] = await Promise.all([a.assignTasks(pass(x)), b.assignTasks(pass(y))]);
    assert.equal(byA.size + byB.size, ids.length, "every task assigned by one of the two");
    assert.deepEqual([...new Set([...byA, ...byB])].sort(), ids);
    for (const id of ids) {
      const generators = (await a.getAssignments(id)).map((row) => row.node);
      assert.deepEqual(generators, [byA.has(id) ? x : y], `${id} has exactly the generator that assigned it`);
    }

    await a.insertTasks([task("h1"), task("h2")]);
    // Another relayer's pass holds h1: this pass takes h2 at once and leaves h1 to it.
    await holder.hold(["SELECT id FROM tasks WHERE id = 'h1' FOR UPDATE"]);
    assert.deepEqual(
      await b.assignTasks([
        { taskId: "h1", generator: y, now: 10, deadline: 100 },
        { taskId: "h2", generator: y, now: 10, deadline: 100 },
      ]),
      new Set(["h2"]),
    );
    await holder.release();
    assert.deepEqual(await a.assignTasks([{ taskId: "h1", generator: x, now: 10, deadline: 100 }]), new Set(["h1"]));
  });

  it("two schedulers dispatching one queue: each task sent once, by the relayer that assigned it, and no slot left reserved for a task lost", async () => {
    const records = [await a.touchNode(newAddress(), 1), await a.touchNode(newAddress(), 1)];
    const ids = Array.from({ length: 40 }, (_, i) => `d${String(i).padStart(2, "0")}`);
    await a.insertTasks(ids.map((id, i) => task(id, 1 + i)));
    // A's pass writes only once B's pass has read the queue, and B's writes only after A's: B's pass then lists
    // the tasks A took, as a second relayer's would.
    let bRead: () => void = () => {};
    const bHasRead = new Promise<void>((resolve) => {
      bRead = resolve;
    });
    let aWrote: () => void = () => {};
    const aHasWritten = new Promise<void>((resolve) => {
      aWrote = resolve;
    });
    const gate = (store: Store, before: () => Promise<void>, afterwards: () => void): Store =>
      new Proxy(store, {
        get(target, name) {
          if (name === "assignTasks") {
            return async (...args: Parameters<Store["assignTasks"]>) => {
              await before();
              const assigned = await target.assignTasks(...args);
              afterwards();
              return assigned;
            };
          }
          const value = Reflect.get(target, name, target);
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
    const config = configSchema.parse({}).verification;
    const errors: string[] = [];
    const relayers = [
      { store: gate(a, () => bHasRead, aWrote), capacity: 25 },
      {
        store: gate(
          b,
          () => {
            bRead();
            return aHasWritten;
          },
          () => {},
        ),
        capacity: 50,
      },
    ].map(({ store, capacity }, i) => {
      const registry = new NodeRegistry();
      const sent: string[] = [];
      const record = records[i] as NodeRecord;
      const presence = registry.attach(
        record,
        {
          kind: "ws",
          send: (message: RelayerMessage) => {
            if (message.type === "task") sent.push(message.taskId);
          },
          close: () => {},
        },
        Date.now(),
      );
      presence.ready = { models: new Set(["m"]), capacity, verify: false };
      const scheduler = new Scheduler({
        store,
        registry,
        clock: { now: () => Date.now() },
        config: { ...config, challengeRate: 0 },
        trust: {
          tenureTasks: config.tenureTasks,
          tenureFloor: config.tenureFloor,
          bond: { required: false, minWei: 0n },
          trustedReputationBps: config.trustedReputationBps,
          verifiers: config.verifiers,
        },
        metrics: createMetrics(),
        log: pino({ level: "error" }, { write: (line: string) => errors.push(line) }),
      });
      return { scheduler, presence, sent, node: record.address };
    });
    for (const r of relayers) r.scheduler.kick();
    await Promise.all(relayers.map((r) => r.scheduler.whenIdle()));
    assert.deepEqual(errors, [], "no dispatch pass failed");
    const [first, second] = relayers as [(typeof relayers)[0], (typeof relayers)[0]];
    assert.equal(first.sent.length, 25, "A filled its node");
    assert.equal(second.sent.length, 15, "B placed what A left, though its pass had listed all 40");
    assert.deepEqual([...first.sent, ...second.sent].sort(), ids, "each task sent once");
    for (const r of relayers) {
      for (const id of r.sent) {
        assert.deepEqual(
          (await a.getAssignments(id)).map((row) => row.node),
          [r.node],
          `${id} went to the node it was assigned to`,
        );
      }
      assert.deepEqual([...r.presence.inflight].sort(), [...r.sent].sort(), "slots reserved only for tasks sent");
    }
  });

  it("opening the first epoch: exactly one is opened", async () => {
    const opened = await Promise.all(
      Array.from({ length: 16 }, (_, i) => ((i % 2 === 0 ? a : b) as PostgresStore).openEpoch(1_000 + i)),
    );
    assert.deepEqual(
      (await a.listEpochs(10)).map((e) => [e.epoch, e.status]),
      [[1, "open"]],
    );
    assert.deepEqual(new Set(opened.map((e) => e.epoch)), new Set([1]), "every caller got the same epoch");
  });

  it("closing the open epoch: it is closed once and the next one opened, not closed in turn", async () => {
    await a.openEpoch(10);
    await holder.hold(["SELECT epoch FROM epochs WHERE epoch = 1 FOR UPDATE"]);
    const closes = Promise.all([a.closeEpoch(50), b.closeEpoch(51)]);
    await waiting(2);
    await holder.release();
    const [one, two] = await closes;
    assert.deepEqual([one.epoch, two.epoch], [1, 1], "both answer the epoch they asked to close");
    assert.deepEqual(
      (await a.listEpochs(10)).map((e) => [e.epoch, e.status]),
      [
        [2, "open"],
        [1, "closed"],
      ],
    );
  });

  it("consuming a sign-in nonce: exactly one wins", async () => {
    const nonce = `0x${"12".repeat(32)}` as Hex;
    await a.saveNonce(nonce, 10_000);
    await holder.hold(["SELECT nonce FROM auth_nonces WHERE nonce = $1 FOR UPDATE", [nonce]]);
    const consumed = Promise.all([a.consumeNonce(nonce, 100), b.consumeNonce(nonce, 100)]);
    await waiting(2);
    await holder.release();
    assert.deepEqual((await consumed).sort(), ["ok", "used"]);
  });

  it("free-tier admissions: never more than the day's limit, the first row created by a race too", async () => {
    const quotas = [new UsageQuota(a.dialect), new UsageQuota(b.dialect)];
    const limits = { requestsPerDay: 7, tokensPerDay: 1_000_000 };
    const now = 20_000 * DAY_MS;
    const admissions = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (quotas[i % 2] as UsageQuota).admit("wallet:race", limits, now)),
    );
    assert.equal(admissions.filter((x) => x.ok).length, 7);
    assert.equal((await (quotas[0] as UsageQuota).usage("wallet:race", now)).requests, 7);
  });

  it("a node's first sign-in on both at once: one row, no unique violation", async () => {
    const node = newAddress();
    const touched = await Promise.all(
      Array.from({ length: 12 }, (_, i) => ((i % 2 === 0 ? a : b) as PostgresStore).touchNode(node, 100 + i)),
    );
    assert.ok(touched.every((record) => record.address === node));
    assert.deepEqual(
      (await a.listNodes({ limit: 10, offset: 0 })).map((n) => n.address),
      [node],
    );
  });

  it("an answer arriving while a judge holds its task is decided on the judge's verdict", async () => {
    const node = newAddress();
    await a.touchNode(node, 1);
    await a.insertTasks([task("j1")]);
    await a.assignTasks([{ taskId: "j1", generator: node, now: 10, deadline: 100 }]);
    await holder.hold(["UPDATE tasks SET status = 'rejected', judged_at = 60 WHERE id = 'j1'"]);
    const stored = b.recordWork([commit("j1", node, 50)]);
    await waiting(1);
    await holder.release();
    assert.deepEqual((await stored).outcomes, ["late"], "the task was judged first: the commitment is late");
    assert.equal((await a.getAssignments("j1"))[0]?.status, "assigned");
  });

  it("a judge waiting on an answer's lock judges with that answer", async () => {
    const node = newAddress();
    await a.touchNode(node, 1);
    await a.insertTasks([task("k1")]);
    await a.assignTasks([{ taskId: "k1", generator: node, now: 10, deadline: 100 }]);
    await a.recordWork([commit("k1", node, 20)]);
    // Another relayer storing the reveal, before the deadline, of a task that is due by the time it is judged.
    await holder.hold(
      [
        "UPDATE assignments SET status = 'revealed', token_ids = '[5,6]', tokens_generated = 2, submitted_at = 90 WHERE task_id = 'k1'",
      ],
      ["UPDATE tasks SET open_assignments = open_assignments - 1 WHERE id = 'k1'"],
    );
    let seen: string[] = [];
    // Expected to reject: the handler is attached now, because the rejection may come before `release()` resolves
    // (the waiter's answer can arrive ahead of the holder's COMMIT), and one left unhandled meanwhile fails the test.
    const judged = assert.rejects(
      b.judgeTasks(["k1"], 200, (snapshot: TaskSnapshot) => {
        seen = snapshot.assignments.map((x) => x.status);
        throw new Error("seen");
      }),
      /seen/,
    );
    await waiting(1);
    await holder.release();
    await judged;
    assert.deepEqual(seen, ["revealed"]);
  });

  it("withdrawing a node's assignments while its answer is being stored: the answer stays, counted once", async () => {
    const node = newAddress();
    await a.touchNode(node, 1);
    await a.insertTasks([task("w1")]);
    await a.assignTasks([{ taskId: "w1", generator: node, now: 10, deadline: 1_000 }]);
    await a.recordWork([commit("w1", node, 20)]);
    await holder.hold(
      ["UPDATE assignments SET status = 'revealed', token_ids = '[5,6]' WHERE task_id = 'w1'"],
      ["UPDATE tasks SET open_assignments = open_assignments - 1 WHERE id = 'w1'"],
    );
    const withdrawn = b.withdrawAssignments(node, 30);
    await waiting(1);
    await holder.release();
    assert.deepEqual(await withdrawn, [], "nothing left open to withdraw");
    assert.equal((await a.getAssignments("w1"))[0]?.status, "revealed");
    const { rows } = await observer.query("SELECT open_assignments FROM tasks WHERE id = 'w1'");
    assert.equal(rows[0].open_assignments, 0, "the answer counted off once, not again as a withdrawal");
    assert.deepEqual((await b.recordWork([reveal("w1", node, 40)])).outcomes, ["duplicate"]);
  });

  it("saving an epoch's emission while another relayer proposes it: the proposal is not set back", async () => {
    await a.openEpoch(10);
    await a.closeEpoch(50);
    await holder.hold(["UPDATE epochs SET status = 'proposing' WHERE epoch = 1"]);
    // Attached at once, as above: the refusal may come before `release()` resolves.
    const refused = assert.rejects(
      b.saveEpochEmission(1, {
        leaves: [],
        cumulativeTotal: 0n,
        networkShare: 0n,
        carryWei: 0n,
        networkCarryWei: 0n,
      }),
      /epoch 1 is proposing/,
    );
    await waiting(1);
    await holder.release();
    await refused;
    assert.equal((await a.getEpoch(1))?.status, "proposing");
  });
});

describe("relayers starting together on a fresh database", () => {
  const databases: Array<{ url: string; drop(): Promise<void> }> = [];
  before(async () => {
    for (let i = 0; i < 3; i++) databases.push(await createPgDatabase());
  });
  after(async () => {
    for (const database of databases) await database.drop();
  });

  it("migrate it once, none failing", async () => {
    for (const database of databases) {
      const started = await Promise.allSettled(Array.from({ length: 4 }, () => PostgresStore.connect(database.url)));
      const failed = started.flatMap((s) => (s.status === "rejected" ? [String(s.reason)] : []));
      for (const s of started) if (s.status === "fulfilled") await s.value.close();
      assert.deepEqual(failed, []);
      const admin = new pg.Client({ connectionString: database.url });
      await admin.connect();
      try {
        const { rows } = await admin.query("SELECT version FROM schema_migrations ORDER BY version");
        assert.deepEqual(
          rows.map((row) => row.version),
          MIGRATIONS.map((m) => m.version),
        );
      } finally {
        await admin.end();
      }
    }
  });
});
