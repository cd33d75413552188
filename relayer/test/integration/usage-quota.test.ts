// The free tier's daily budget lives in the store: relayers sharing PostgreSQL (two connection pools here) admit
// exactly as many requests as the budget holds, however the requests race (GITBLOCK_TEST_STORE=postgres); on SQLite
// one relayer's concurrent requests do the same.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { createPgDatabase } from "@gitblock/testkit";
import { sql } from "kysely";
import { UsageQuota } from "../../src/inference/usage-quota.ts";
import { PostgresStore, SqliteStore, type Store } from "../../src/store/index.ts";
import { DAY_MS } from "../../src/store/rows.ts";

describe("free-tier quota in the store", () => {
  const stores: Store[] = [];
  let cleanup: () => Promise<void> = async () => {};

  before(async () => {
    if (process.env.GITBLOCK_TEST_STORE === "postgres") {
      const database = await createPgDatabase();
      stores.push(await PostgresStore.connect(database.url), await PostgresStore.connect(database.url));
      cleanup = () => database.drop();
    } else {
      const dir = mkdtempSync(path.join(tmpdir(), "gitblock-quota-"));
      stores.push(new SqliteStore(path.join(dir, "relayer.db")));
      cleanup = async () => rmSync(dir, { recursive: true, force: true });
    }
  });
  after(async () => {
    for (const store of stores) await store.close();
    await cleanup();
  });

  it("admits exactly the day's requests when 60 race for 25, and says when to retry", async () => {
    const quotas = stores.map((store) => new UsageQuota(store.dialect));
    const limits = { requestsPerDay: 25, tokensPerDay: 1_000_000 };
    const now = 20_000 * DAY_MS + 3_600_000; // 01:00 UTC
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => (quotas[i % quotas.length] as UsageQuota).admit("wallet:a", limits, now)),
    );
    assert.equal(results.filter((r) => r.ok).length, 25);
    const refused = results.find((r) => !r.ok);
    assert.ok(refused && !refused.ok);
    assert.equal(refused.retryAfterSec, 23 * 3_600, "until the next UTC midnight");
    // Another wallet and the next day have budgets of their own.
    assert.ok((await (quotas[0] as UsageQuota).admit("wallet:b", limits, now)).ok);
    assert.ok((await (quotas[0] as UsageQuota).admit("wallet:a", limits, now + DAY_MS)).ok);
  });

  it("refuses once the day's tokens are spent, and counts what was charged", async () => {
    const quota = new UsageQuota((stores[0] as Store).dialect);
    const limits = { requestsPerDay: 100, tokensPerDay: 50 };
    const now = 20_001 * DAY_MS;
    assert.ok((await quota.admit("ip:1.2.3.4", limits, now)).ok);
    await quota.charge("ip:1.2.3.4", 60, now);
    const refused = await quota.admit("ip:1.2.3.4", limits, now);
    assert.equal(refused.ok, false);
    assert.deepEqual(await quota.usage("ip:1.2.3.4", now), { day: 20_001, requests: 1, tokens: 60 });
    assert.equal((await quota.admit("ip:1.2.3.4", { requestsPerDay: 0, tokensPerDay: 50 }, now + DAY_MS)).ok, false);
  });

  it("concurrent admissions for two wallets admit exactly each budget, and charges in one window add up", async () => {
    const store = stores[0] as Store;
    const quota = new UsageQuota(store.dialect);
    const limits = { requestsPerDay: 7, tokensPerDay: 1_000 };
    const now = 20_002 * DAY_MS;
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => quota.admit(i % 3 === 0 ? "wallet:c" : "wallet:d", limits, now)),
    );
    assert.equal(results.filter((r) => r.ok).length, 4 + 7, "wallet:c's 4 requests and 7 of wallet:d's 8");
    assert.deepEqual(await quota.usage("wallet:d", now), { day: 20_002, requests: 7, tokens: 0 });
    await Promise.all([
      quota.charge("wallet:c", 5, now),
      quota.charge("wallet:c", 6, now),
      quota.charge("wallet:d", 1, now),
    ]);
    assert.deepEqual(await quota.usage("wallet:c", now), { day: 20_002, requests: 4, tokens: 11 });
  });

  it("counters commit without waiting for the disk, and the store's other commits still do", async () => {
    const { dialect } = stores[0] as Store;
    const setting = async (trx: typeof dialect.db) =>
      dialect.kind === "postgres"
        ? String((await sql<{ v: string }>`SELECT current_setting('synchronous_commit') AS v`.execute(trx)).rows[0]?.v)
        : String((await sql<{ synchronous: number }>`PRAGMA synchronous`.execute(trx)).rows[0]?.synchronous);
    const [durable, relaxed] = dialect.kind === "postgres" ? ["on", "off"] : ["2", "1"]; // SQLite: FULL = 2, NORMAL = 1
    assert.equal(await dialect.transaction(setting), durable);
    assert.equal(await dialect.transaction(setting, { durable: false }), relaxed);
    assert.equal(await dialect.transaction(setting), durable, "the relaxed setting ends with its transaction");
  });
});
