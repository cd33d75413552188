import type { RelayerConfig } from "../config/schema.ts";
import { ConfigError } from "../errors.ts";
import { PostgresStore } from "./dialects/postgres.ts";
import { SqliteStore } from "./dialects/sqlite.ts";
import type { Store } from "./types.ts";

export type * from "./types.ts";
export { NETWORK_ACCOUNT } from "./types.ts";
export { PostgresStore, SqliteStore };

/** Opens the configured store: SQLite (one machine, default) or PostgreSQL (several relayers). Same store. */
export async function openStore(config: Pick<RelayerConfig, "store">): Promise<Store> {
  switch (config.store.driver) {
    case "sqlite":
      return new SqliteStore(config.store.path);
    case "postgres":
      if (!config.store.url) throw new ConfigError("store.url (or GITBLOCK_DATABASE_URL) is required for postgres");
      return PostgresStore.connect(config.store.url);
  }
}
