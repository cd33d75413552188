// Settlement leadership through a PostgreSQL advisory lock: of the instances sharing a database exactly one leads;
// when it stops, or its lock connection dies as it would under kill -9 (pg_terminate_backend here), another takes
// over, and work passed to `whileLeader` never runs on two instances at once.
import assert from "node:assert/strict";
import net, { type AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { setTimeout as pause } from "node:timers/promises";
import { createPgDatabase, until } from "@gitblock/testkit";
import pg from "pg";
import { SettlementLeader } from "../../src/leader/settlement-leader.ts";
import { createLogger } from "../../src/log.ts";

const CHECK_INTERVAL_MS = 100;

/**
 * A TCP relay to PostgreSQL the test can cut: `refuse` drops new connections (the instance cannot reach the
 * database for now), `freeze` silently stops forwarding on open ones (a partition: no error, no answer).
 */
async function pgRelay(url: string) {
  const target = new URL(url);
  let refusing = false;
  let frozen = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("error", () => {});
      socket.on("close", () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.on("data", (bytes) => frozen || upstream.write(bytes));
    upstream.on("data", (bytes) => frozen || client.write(bytes));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const relayed = new URL(url);
  relayed.host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: relayed.toString(),
    refuse: (on: boolean) => {
      refusing = on;
    },
    freeze: () => {
      frozen = true;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe("settlement leader", () => {
  let database: { url: string; drop(): Promise<void> };
  let admin: pg.Client;
  const started: SettlementLeader[] = [];

  before(async () => {
    database = await createPgDatabase();
    admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
  });
  after(async () => {
    for (const leader of started) await leader.stop();
    await admin.end();
    await database.drop();
  });

  /** A started instance contending for `key` (one per test: a failed test leaves no leader in the next one's way). */
  async function instance(
    key: number,
    instanceId: string,
    url = database.url,
  ): Promise<{ leader: SettlementLeader; changes: boolean[] }> {
    const leader = new SettlementLeader({
      url,
      key,
      checkIntervalMs: CHECK_INTERVAL_MS,
      log: createLogger("silent"),
      instanceId,
    });
    const changes: boolean[] = [];
    leader.onChange((leading) => changes.push(leading));
    started.push(leader);
    await leader.start();
    return { leader, changes };
  }

  /** The instances (by lock connection's application_name) holding the advisory lock on `key` (a small int8). */
  async function lockHolders(key: number): Promise<string[]> {
    const { rows } = await admin.query<{ application_name: string }>(
      `SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a USING (pid)
       WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
         AND l.classid = 0 AND l.objid = $1 AND l.objsubid = 1`,
      [key],
    );
    return rows.map((row) => row.application_name.replace("gitblock-settlement-leader:", ""));
  }

  it("of two instances exactly one leads, and the other takes over when the leader stops", async () => {
    const key = 1;
    const [one, two] = await Promise.all([instance(key, "stop-1"), instance(key, "stop-2")]);
    const leaders = [one, two].filter((i) => i.leader.isLeader);
    assert.equal(leaders.length, 1, "exactly one leader");
    const [first, second] = one.leader.isLeader ? [one, two] : [two, one];
    assert.deepEqual(await lockHolders(key), [first === one ? "stop-1" : "stop-2"]);
    assert.equal(await second.leader.whileLeader(async () => "ran"), undefined, "a follower runs no work");
    assert.equal(await first.leader.whileLeader(async () => "ran"), "ran");

    await first.leader.stop();
    await first.leader.stop(); // idempotent
    assert.equal(first.leader.isLeader, false);
    await until("the other instance to lead", () => (second.leader.isLeader ? true : undefined));
    assert.deepEqual(first.changes, [true, false]);
    assert.deepEqual(second.changes, [true]);
    await second.leader.stop();
    assert.deepEqual(await lockHolders(key), [], "stopping released the lock");
  });

  it("a leader whose lock connection is terminated (as by kill -9) steps down and leads again only once the other stops", async () => {
    const key = 2;
    const relay = await pgRelay(database.url);
    const a = await instance(key, "kill-a", relay.url);
    assert.equal(a.leader.isLeader, true);
    const b = await instance(key, "kill-b");
    assert.equal(b.leader.isLeader, false);

    // Like a killed process, the terminated instance does not come back at once (else it may win the lock again).
    relay.refuse(true);
    const terminated = await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE datname = current_database() AND application_name = 'gitblock-settlement-leader:kill-a'`,
    );
    assert.equal(terminated.rowCount, 1);
    let ran = false;
    const result = await a.leader.whileLeader(async () => {
      ran = true;
      return "ran";
    });
    assert.equal(result, undefined, "the fenced leader's work does not run");
    assert.equal(ran, false);
    assert.equal(a.leader.isLeader, false);
    await until("the other instance to lead", () => (b.leader.isLeader ? true : undefined));
    assert.equal(await b.leader.whileLeader(async () => "ran"), "ran");

    relay.refuse(false);
    // The terminated instance reconnects and tries the lock again, and does not get it while the other leads.
    await until("the terminated instance to try for the lock again", async () => {
      const { rows } = await admin.query<{ query: string }>(
        `SELECT query FROM pg_stat_activity
         WHERE datname = current_database() AND application_name = 'gitblock-settlement-leader:kill-a' AND state = 'idle'`,
      );
      return rows[0]?.query.includes("pg_try_advisory_lock") ? true : undefined;
    });
    assert.equal(a.leader.isLeader, false);
    assert.deepEqual(await lockHolders(key), ["kill-b"]);

    await b.leader.stop();
    await until("the terminated instance to lead again", () => (a.leader.isLeader ? true : undefined));
    assert.deepEqual(await lockHolders(key), ["kill-a"]);
    assert.deepEqual(a.changes, [true, false, true]);
    assert.deepEqual(b.changes, [true, false]);
    await a.leader.stop();
    await relay.close();
  });

  it("a leader whose lock connection stops answering runs no work, steps down, and the lock passes on", async () => {
    const key = 4;
    const relay = await pgRelay(database.url);
    const a = await instance(key, "silent-a", relay.url);
    assert.equal(a.leader.isLeader, true);
    const b = await instance(key, "silent-b");

    relay.freeze();
    let ran = false;
    const result = await a.leader.whileLeader(async () => {
      ran = true;
      return "ran";
    });
    assert.equal(result, undefined, "no answer on the lock connection: the work does not run");
    assert.equal(ran, false);
    assert.equal(a.leader.isLeader, false);
    // Stepping down closed the connection, so PostgreSQL released the lock it still held for it.
    await until("the other instance to lead", () => (b.leader.isLeader ? true : undefined));
    assert.deepEqual(await lockHolders(key), ["silent-b"]);
    assert.deepEqual(a.changes, [true, false]);
    await relay.close();
    await Promise.all([a.leader.stop(), b.leader.stop()]);
  });

  it("work raced through whileLeader on two instances never overlaps, across four hand-overs", async () => {
    const active = new Map<string, number>();
    const runs = new Map<string, number>();
    let overlaps = 0;
    let racing = true;
    // The next piece of work lasts several check intervals: a leader stopping then must not let another lead yet.
    let slowNext = false;
    let slowRunning = false;
    const workPool = new pg.Pool({ connectionString: database.url, max: 8 });
    const work = (id: string) => async () => {
      for (const [other, count] of active) if (other !== id && count > 0) overlaps++;
      active.set(id, (active.get(id) ?? 0) + 1);
      const slow = slowNext;
      slowNext = false;
      slowRunning ||= slow;
      // Real work that spans several turns of the event loop, so another instance could run meanwhile.
      await workPool.query("SELECT pg_sleep($1)", [slow ? (3 * CHECK_INTERVAL_MS) / 1000 : 0.002]);
      if (slow) slowRunning = false;
      active.set(id, (active.get(id) ?? 0) - 1);
      runs.set(id, (runs.get(id) ?? 0) + 1);
      return true;
    };
    const workers: Promise<void>[] = [];
    const race = (leader: SettlementLeader, id: string) => {
      for (let i = 0; i < 4; i++) {
        workers.push(
          (async () => {
            while (racing) {
              // Pacing only, so a follower does not spin; whileLeader decides whether work runs.
              if ((await leader.whileLeader(work(id))) === undefined) await pause(1);
            }
          })(),
        );
      }
    };
    const ranTwenty = (id: string) => () => ((runs.get(id) ?? 0) >= 20 ? true : undefined);

    const key = 3;
    let current = await instance(key, "race-0");
    race(current.leader, "race-0");
    let currentId = "race-0";
    for (let n = 1; n <= 4; n++) {
      const nextId = `race-${n}`;
      const next = await instance(key, nextId);
      race(next.leader, nextId);
      await until(`${currentId} to run work`, ranTwenty(currentId));
      assert.equal(next.leader.isLeader, false);
      slowNext = true;
      await until("a slow piece of work in flight", () => (slowRunning ? true : undefined));
      await current.leader.stop();
      assert.equal(slowRunning, false, "stop waited for the work in flight");
      await until(`${nextId} to lead and run work`, ranTwenty(nextId));
      current = next;
      currentId = nextId;
    }
    racing = false;
    await Promise.all(workers);
    await workPool.end();
    assert.equal(overlaps, 0, "work ran on two instances at once");
    assert.deepEqual(
      [...runs.keys()].sort(),
      ["race-0", "race-1", "race-2", "race-3", "race-4"],
      "every instance led in turn and ran work",
    );
  });
});
