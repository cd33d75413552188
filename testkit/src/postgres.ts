import { randomBytes } from "node:crypto";
import pg from "pg";

/** The PostgreSQL server tests and benchmarks make throwaway databases on. */
export const PG_ADMIN_URL = process.env.GITBLOCK_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

async function pgAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (error) {
    const where = new URL(PG_ADMIN_URL);
    where.password = "";
    throw new Error(
      `cannot reach PostgreSQL at ${where} (${(error as Error).message}): start it, or point $GITBLOCK_TEST_PG_URL at a server`,
    );
  }
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A throwaway database on the test PostgreSQL server, dropped by `drop()`. */
export async function createPgDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `gitblock_test_${randomBytes(6).toString("hex")}`;
  await pgAdmin((admin) => admin.query(`CREATE DATABASE ${name}`));
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => pgAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}),
  };
}

/** "PostgreSQL 15.20 (fsync on, synchronous_commit on)": what a benchmark ran against. */
export function describePostgres(): Promise<string> {
  return pgAdmin(async (admin) => {
    const setting = async (name: string) => (await admin.query(`SHOW ${name}`)).rows[0]?.[name] as string;
    const version = (await setting("server_version")).split(" ")[0];
    return `PostgreSQL ${version} (fsync ${await setting("fsync")}, synchronous_commit ${await setting("synchronous_commit")})`;
  });
}
