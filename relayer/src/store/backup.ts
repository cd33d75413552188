import { existsSync } from "node:fs";
import { backup, DatabaseSync } from "node:sqlite";
import { NotFoundError, RelayerError } from "../errors.ts";

/**
 * Online backup of a SQLite store through SQLite's backup API: a consistent copy even while the relayer writes
 * (pages changed during the copy are copied again), then checked with `PRAGMA integrity_check`.
 */
export async function backupSqlite(
  source: string,
  destination: string,
  onProgress?: (pagesDone: number, pagesTotal: number) => void,
): Promise<{ pages: number; integrity: "ok" }> {
  if (!existsSync(source)) throw new NotFoundError(`No SQLite database at ${source}`);
  const db = new DatabaseSync(source, { readOnly: true });
  let pages = 0;
  try {
    pages = await backup(db, destination, {
      rate: 1_000,
      progress: ({ totalPages, remainingPages }) => onProgress?.(totalPages - remainingPages, totalPages),
    });
  } finally {
    db.close();
  }
  const copy = new DatabaseSync(destination);
  try {
    // One self-contained file (no -wal/-shm beside it); the relayer turns WAL back on when it opens a restored copy.
    copy.exec("PRAGMA journal_mode = DELETE");
    const result = copy.prepare("PRAGMA integrity_check").get();
    if (result?.integrity_check !== "ok") {
      throw new RelayerError(
        `the copy at ${destination} failed its integrity check: ${String(result?.integrity_check)}`,
      );
    }
  } finally {
    copy.close();
  }
  return { pages, integrity: "ok" };
}
