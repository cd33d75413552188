// One settlement leader among relayer instances sharing PostgreSQL: whoever holds a session-level advisory lock.
//
// Why an advisory session lock rather than a lease row: a lease compares timestamps written by different machines
// (clock skew decides who leads) and must be renewed and expired by hand; the lock has no clocks, PostgreSQL
// releases it the moment the holder's connection ends (a kill -9 closes the socket), and it needs no table or
// migration. The cost is that leadership is tied to one connection: if that connection dies while the process
// lives, the lock is gone and another instance may win it. So work runs through `whileLeader`, which first
// confirms the lock connection still answers (a live session keeps its lock) and steps down if it does not.
// What that check cannot fence is work already running when the connection dies; that overlap is the settler's to
// tolerate: it resumes from store and chain state, a proposal is a signed transaction stored before it is sent, and
// each epoch write is a compare-and-set on the status and root the step read (`Store.updateEpoch`), so of two
// overlapping steps the second writes and sends nothing.
import { createHash } from "node:crypto";
import pg from "pg";
import type { Logger } from "../log.ts";
import { shortReason } from "../watch/watcher.ts";

/** The advisory-lock key settlement leadership is held under, unless a network configures its own. */
export const SETTLEMENT_LEADER_KEY = createHash("sha256").update("gitblock-settlement").digest().readBigInt64BE(0);
/** Connecting, or one query on the lock connection, taking longer than this counts as a broken connection. */
const LOCK_CONNECTION_TIMEOUT_MS = 5_000;

export interface SettlementLeaderOptions {
  /** PostgreSQL connection string: the database every instance shares. */
  url: string;
  /** Advisory-lock key (int8); instances contend only with those using the same key. */
  key?: bigint | number;
  /** How often a follower tries to take the lock, and a leader confirms it still holds it. */
  checkIntervalMs: number;
  log: Logger;
  instanceId: string;
}

export class SettlementLeader {
  private readonly url: string;
  private readonly key: string;
  private readonly checkIntervalMs: number;
  private readonly log: Logger;
  private readonly instanceId: string;
  private readonly listeners: ((leader: boolean) => void)[] = [];
  /** The one connection the lock lives on; undefined until connected, and after it broke. */
  private client: pg.Client | undefined;
  private leader = false;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private readonly working = new Set<Promise<unknown>>();
  /**
   * The lock connection's last query: pg runs one at a time per connection (pg@9 refuses overlapping ones). A new
   * connection starts a fresh queue, so a query hanging on a broken one holds nothing up.
   */
  private queued: Promise<unknown> = Promise.resolve();

  constructor(options: SettlementLeaderOptions) {
    this.url = options.url;
    this.key = BigInt(options.key ?? SETTLEMENT_LEADER_KEY).toString();
    this.checkIntervalMs = options.checkIntervalMs;
    this.log = options.log;
    this.instanceId = options.instanceId;
  }

  get isLeader(): boolean {
    return this.leader;
  }

  /** `listener` hears every change of leadership, `true` on winning the lock and `false` on losing or leaving it. */
  onChange(listener: (leader: boolean) => void): void {
    this.listeners.push(listener);
  }

  /** Tries for the lock now (resolves after that first try), then every `checkIntervalMs` until `stop()`. */
  start(): Promise<void> {
    if (this.ticking || this.stopping) throw new Error("a settlement leader starts once");
    return this.tick();
  }

  /**
   * Runs `work` if this instance still leads, once the lock connection has answered; otherwise, or if that
   * connection turns out broken (this instance then steps down), resolves undefined without running it.
   */
  async whileLeader<T>(work: () => Promise<T>): Promise<T | undefined> {
    const client = this.client;
    if (!this.leader || !client) return undefined;
    try {
      await this.query(client, "SELECT 1");
    } catch (error) {
      this.discard(client, error);
      return undefined;
    }
    // Stepped down or stopping while the check was on the wire.
    if (!this.leader || this.client !== client) return undefined;
    const job = Promise.resolve().then(work);
    const settled = job.then(
      () => {},
      () => {},
    );
    this.working.add(settled);
    void settled.then(() => this.working.delete(settled));
    return job;
  }

  /** Steps down after the work in flight, releases the lock and closes its connection; idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.shutDown();
    return this.stopping;
  }

  private async shutDown(): Promise<void> {
    clearTimeout(this.timer);
    await this.ticking;
    const wasLeader = this.leader;
    this.setLeader(false, "stopping");
    // Nobody else may lead while this instance's work still runs.
    await Promise.all(this.working);
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    try {
      if (wasLeader) await this.query(client, "SELECT pg_advisory_unlock($1::bigint)", [this.key]);
    } catch (error) {
      // Ending the connection releases the lock all the same.
      this.log.warn({ instance: this.instanceId, reason: shortReason(error) }, "releasing settlement lock failed");
    }
    await client.end().catch(() => {});
  }

  private tick(): Promise<void> {
    this.ticking = this.check()
      .catch((error: unknown) =>
        this.log.warn({ instance: this.instanceId, reason: shortReason(error) }, "settlement leader check failed"),
      )
      .finally(() => {
        if (this.stopping) return;
        this.timer = setTimeout(() => void this.tick(), this.checkIntervalMs);
        this.timer.unref();
      });
    return this.ticking;
  }

  /** A follower tries to take the lock; a leader confirms its lock connection still answers. */
  private async check(): Promise<void> {
    const client = this.client ?? (await this.connect());
    if (!client) return;
    try {
      if (this.leader) {
        await this.query(client, "SELECT 1");
        return;
      }
      const { rows } = await this.query<{ acquired: boolean }>(
        client,
        "SELECT pg_try_advisory_lock($1::bigint) AS acquired",
        [this.key],
      );
      if (rows[0]?.acquired && this.client === client) this.setLeader(true);
    } catch (error) {
      // Whether the try took the lock is unknown: closing the connection settles it (released).
      this.discard(client, error);
    }
  }

  private async connect(): Promise<pg.Client | undefined> {
    const client = new pg.Client({
      connectionString: this.url,
      connectionTimeoutMillis: LOCK_CONNECTION_TIMEOUT_MS,
      query_timeout: LOCK_CONNECTION_TIMEOUT_MS,
      // A peer gone without a FIN (a partition) is noticed by TCP instead of by the next query hanging.
      keepAlive: true,
      // Operators see who holds the lock: pg_locks joined to pg_stat_activity on pid.
      application_name: `gitblock-settlement-leader:${this.instanceId}`,
    });
    // The server closing the connection (restart, pg_terminate_backend) is an event, not a crash.
    client.on("error", (error) => this.discard(client, error));
    client.on("end", () => this.discard(client, new Error("lock connection ended")));
    try {
      await client.connect();
    } catch (error) {
      this.log.warn({ instance: this.instanceId, reason: shortReason(error) }, "settlement lock connection failed");
      await client.end().catch(() => {});
      return undefined;
    }
    if (this.stopping) {
      await client.end().catch(() => {});
      return undefined;
    }
    this.client = client;
    this.queued = Promise.resolve();
    return client;
  }

  private query<R extends pg.QueryResultRow>(
    client: pg.Client,
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>> {
    const result = this.queued.then(() => client.query<R>(text, values));
    this.queued = result.catch(() => {});
    return result;
  }

  /** Drops a broken lock connection (the lock went with it); the next tick connects afresh. */
  private discard(client: pg.Client, error: unknown): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.log.warn({ instance: this.instanceId, reason: shortReason(error) }, "settlement lock connection lost");
    this.setLeader(false, "lock connection lost");
    client.end().catch(() => {});
  }

  private setLeader(leader: boolean, reason?: string): void {
    if (this.leader === leader) return;
    this.leader = leader;
    if (leader) this.log.info({ instance: this.instanceId }, "became settlement leader");
    else this.log.info({ instance: this.instanceId, reason }, "stepped down as settlement leader");
    for (const listener of this.listeners) {
      try {
        listener(leader);
      } catch (error) {
        this.log.error({ err: error, instance: this.instanceId }, "settlement leadership listener failed");
      }
    }
  }
}
