import { createHash, randomBytes } from "node:crypto";
import type { Address } from "viem";
import type { Clock } from "../clock.ts";
import type { Dialect } from "../store/dialect.ts";
import { num } from "../store/rows.ts";

/** What a key looks like: a prefix that says what it is (secret scanners match it), then 32 random bytes. */
export const API_KEY_PREFIX = "gb_";
/** Keys one wallet may hold (revoked ones do not count). */
export const MAX_KEYS_PER_WALLET = 20;
/** `last_used_at` is written at most this often per key: one write per request would make every call a write. */
const LAST_USED_RESOLUTION_MS = 60_000;

export interface ApiKeyInfo {
  id: string;
  name: string;
  /** The key's first characters, to tell keys apart in a list. */
  prefix: string;
  createdAt: number;
  lastUsedAt: number | null;
}

const hashKey = (key: string) => createHash("sha256").update(key).digest("hex");

/**
 * API keys for the `/v1` gateway, made by a signed-in wallet (its session proves the wallet's signature). A key is
 * shown once, when it is made; the store keeps only its SHA-256 (a random 256-bit key needs no slow hash), so a leaked
 * database leaks no usable key. Revoked keys stop working at once.
 */
export class ApiKeys {
  private readonly dialect: Dialect;
  private readonly clock: Clock;

  constructor(options: { dialect: Dialect; clock: Clock }) {
    this.dialect = options.dialect;
    this.clock = options.clock;
  }

  async create(account: Address, name: string): Promise<ApiKeyInfo & { key: string }> {
    const key = `${API_KEY_PREFIX}${randomBytes(32).toString("base64url")}`;
    const now = this.clock.now();
    const info: ApiKeyInfo = {
      id: randomBytes(8).toString("hex"),
      name,
      prefix: key.slice(0, API_KEY_PREFIX.length + 6),
      createdAt: now,
      lastUsedAt: null,
    };
    const created = await this.dialect.transaction(async (trx) => {
      await this.dialect.exclusive(trx, accountLock(account));
      const held = await trx
        .selectFrom("api_keys")
        .select((eb) => eb.fn.countAll<number | string>().as("n"))
        .where("account", "=", account.toLowerCase())
        .where("revoked_at", "is", null)
        .executeTakeFirstOrThrow();
      if (num(held.n) >= MAX_KEYS_PER_WALLET) return false;
      await trx
        .insertInto("api_keys")
        .values({
          id: info.id,
          account: account.toLowerCase(),
          name,
          prefix: info.prefix,
          key_hash: hashKey(key),
          created_at: now,
          last_used_at: null,
          revoked_at: null,
        })
        .execute();
      return true;
    });
    if (!created) throw new KeyLimitError(`a wallet may hold ${MAX_KEYS_PER_WALLET} keys; revoke one first`);
    return { ...info, key };
  }

  async list(account: Address): Promise<ApiKeyInfo[]> {
    const rows = await this.dialect.db
      .selectFrom("api_keys")
      .selectAll()
      .where("account", "=", account.toLowerCase())
      .where("revoked_at", "is", null)
      .orderBy("created_at")
      .execute();
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      prefix: row.prefix,
      createdAt: num(row.created_at),
      lastUsedAt: row.last_used_at === null ? null : num(row.last_used_at),
    }));
  }

  /** Revokes one of the wallet's keys; false when it has no such key. */
  async revoke(account: Address, id: string): Promise<boolean> {
    const result = await this.dialect.db
      .updateTable("api_keys")
      .set({ revoked_at: this.clock.now() })
      .where("id", "=", id)
      .where("account", "=", account.toLowerCase())
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** The wallet a key belongs to, or null for an unknown or revoked key; notes the use. */
  async resolve(key: string): Promise<{ id: string; account: Address } | null> {
    if (!key.startsWith(API_KEY_PREFIX)) return null;
    const row = await this.dialect.db
      .selectFrom("api_keys")
      .select(["id", "account", "last_used_at"])
      .where("key_hash", "=", hashKey(key))
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    if (!row) return null;
    const now = this.clock.now();
    if (row.last_used_at === null || now - num(row.last_used_at) >= LAST_USED_RESOLUTION_MS) {
      await this.dialect.db.updateTable("api_keys").set({ last_used_at: now }).where("id", "=", row.id).execute();
    }
    return { id: row.id, account: row.account as Address };
  }
}

export class KeyLimitError extends Error {}

/** A stable advisory-lock key per wallet (PostgreSQL), so two relayers cannot both make its 21st key. */
function accountLock(account: Address): number {
  return createHash("sha256").update(`api-keys:${account.toLowerCase()}`).digest().readInt32BE(0);
}
