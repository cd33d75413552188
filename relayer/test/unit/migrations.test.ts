import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, describe, it } from "node:test";
import { SqliteStore } from "../../src/store/index.ts";
import { MIGRATIONS } from "../../src/store/migrations.ts";

describe("migrations", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "gitblock-migrations-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("upgrades a version-1 database: ledger rows and verdict times kept, a passive window still credits once", async () => {
    const file = path.join(dir, "v1.db");
    const v1 = new DatabaseSync(file);
    v1.exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at BIGINT)");
    v1.exec(MIGRATIONS[0]?.sql ?? "");
    v1.prepare("INSERT INTO schema_migrations VALUES (1, 'initial', 0)").run();
    const credit = v1.prepare(
      "INSERT INTO ledger (epoch, account, kind, ref, amount_wei, bonus_wei, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    );
    credit.run(1, "0xaa", "task", "t1", "750", "50", 10);
    credit.run(1, "network", "network", "t1", "250", "0", 10);
    credit.run(1, "0xaa", "passive", "w1", "400", "0", 20);
    v1.exec(`INSERT INTO tasks (id, kind, status, model, input, max_tokens, seed, redundancy, created_at, settled_at, epoch)
      VALUES ('t1', 'job', 'validated', 'tiny', 'hi', 8, 1, 3, 5, 40, 1)`);
    v1.close();

    const store = new SqliteStore(file);
    try {
      const entries = await store.ledgerEntries(1);
      assert.deepEqual(
        entries.map((e) => [e.account, e.kind, e.ref, e.amountWei, e.bonusWei]),
        [
          ["0xaa", "task", "t1", 750n, 50n],
          ["network", "network", "t1", 250n, 0n],
          ["0xaa", "passive", "w1", 400n, 0n],
        ],
      );
      assert.equal((await store.getTask("t1"))?.judgedAt, 40, "the verdict time moved to judged_at");
      const db = new DatabaseSync(file);
      try {
        const versions = db.prepare("SELECT version FROM schema_migrations ORDER BY version").all();
        assert.deepEqual(
          versions.map((row) => Number(row.version)),
          MIGRATIONS.map((m) => m.version),
        );
        assert.throws(
          () =>
            db
              .prepare(
                "INSERT INTO ledger (epoch, account, kind, ref, amount_wei, created_at) VALUES (1, '0xaa', 'passive', 'w1', '1', 30)",
              )
              .run(),
          /UNIQUE constraint failed/,
          "a second credit for the same passive window is refused by the database",
        );
      } finally {
        db.close();
      }
    } finally {
      await store.close();
    }
  });
});
