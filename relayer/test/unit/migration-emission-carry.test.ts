import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, describe, it } from "node:test";
import { reconcileEpoch } from "../../src/ledger/reconcile.ts";
import { SqliteStore } from "../../src/store/index.ts";
import { MIGRATIONS } from "../../src/store/migrations.ts";

describe("migration 5 (emission carry)", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "gitblock-migration-5-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps epochs settled before it as they were: earnings are the leaves, nothing carried, the books still balance", async () => {
    const file = path.join(dir, "v4.db");
    const v4 = new DatabaseSync(file);
    v4.exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at BIGINT)");
    for (const migration of MIGRATIONS.filter((m) => m.version <= 4)) {
      v4.exec(migration.sql);
      v4.prepare("INSERT INTO schema_migrations VALUES (?, ?, 0)").run(migration.version, migration.name);
    }
    v4.exec(`INSERT INTO epochs (epoch, status, opened_at, closed_at, leaf_count, cumulative_total, network_share, root, content_hash)
      VALUES (1, 'final', 0, 10, 1, '750', '0', '0x${"11".repeat(32)}', '0x${"22".repeat(32)}')`);
    v4.exec(`INSERT INTO epoch_leaves (epoch, idx, account, cumulative_amount, reputation_bps, tasks_validated, tasks_failed, strikes)
      VALUES (1, 0, '0xaa', '750', 5000, 1, 0, 0)`);
    v4.exec(
      `INSERT INTO ledger (epoch, account, kind, ref, amount_wei, created_at) VALUES (1, '0xaa', 'passive', 'w1', '750', 5)`,
    );
    v4.close();

    const store = new SqliteStore(file);
    try {
      const epoch = await store.getEpoch(1);
      assert.deepEqual(
        [epoch?.networkCredits, epoch?.carryWei, epoch?.networkCarryWei, epoch?.proposalError],
        [0n, 0n, 0n, null],
      );
      const [leaf] = await store.epochLeaves(1);
      assert.deepEqual([leaf?.cumulativeAmount, leaf?.earnedWei], [750n, 750n]);
      const books = await reconcileEpoch(store, 1, 0n, 0);
      assert.deepEqual(books.problems, [], "the proposal accounts for every credit");
    } finally {
      await store.close();
    }
  });
});
