import { sql } from "kysely";
import type { Dialect } from "../store/dialect.ts";
import { DAY_MS, num } from "../store/rows.ts";

export interface DailyLimits {
  requestsPerDay: number;
  tokensPerDay: number;
}

export interface DailyUsage {
  /** Days since the Unix epoch (UTC). */
  day: number;
  requests: number;
  tokens: number;
}

export type Admission = { ok: true; usage: DailyUsage } | { ok: false; usage: DailyUsage; retryAfterSec: number };

/**
 * Daily request and token budgets per subject (a wallet, or an anonymous caller's address), in the store, so that
 * relayers sharing PostgreSQL enforce one budget. A request is admitted by ONE conditional UPSERT that counts it only
 * while both budgets hold (the row's own lock makes concurrent admissions queue, never both pass the last slot); its
 * tokens are added when it ends. A request admitted with budget left may overrun the token budget by its own length:
 * the next one is refused.
 */
export class UsageQuota {
  private readonly dialect: Dialect;

  constructor(dialect: Dialect) {
    this.dialect = dialect;
  }

  async admit(subject: string, limits: DailyLimits, now: number): Promise<Admission> {
    const day = Math.floor(now / DAY_MS);
    const retryAfterSec = Math.ceil(((day + 1) * DAY_MS - now) / 1000);
    if (limits.requestsPerDay > 0 && limits.tokensPerDay > 0) {
      const row = await this.dialect.db
        .insertInto("gateway_usage")
        .values({ subject, day, requests: 1, tokens: 0 })
        .onConflict((oc) =>
          oc
            .columns(["subject", "day"])
            .doUpdateSet({ requests: sql`gateway_usage.requests + 1` })
            .where("gateway_usage.requests", "<", limits.requestsPerDay)
            .where("gateway_usage.tokens", "<", limits.tokensPerDay),
        )
        .returning(["requests", "tokens"])
        .executeTakeFirst();
      if (row) return { ok: true, usage: { day, requests: num(row.requests), tokens: num(row.tokens) } };
    }
    return { ok: false, usage: await this.usage(subject, now), retryAfterSec };
  }

  /** Adds the tokens a request used (prompt and completion) to today's count. */
  async charge(subject: string, tokens: number, now: number): Promise<void> {
    if (tokens <= 0) return;
    const day = Math.floor(now / DAY_MS);
    await this.dialect.db
      .insertInto("gateway_usage")
      .values({ subject, day, requests: 0, tokens })
      .onConflict((oc) => oc.columns(["subject", "day"]).doUpdateSet({ tokens: sql`gateway_usage.tokens + ${tokens}` }))
      .execute();
  }

  async usage(subject: string, now: number): Promise<DailyUsage> {
    const day = Math.floor(now / DAY_MS);
    const row = await this.dialect.db
      .selectFrom("gateway_usage")
      .select(["requests", "tokens"])
      .where("subject", "=", subject)
      .where("day", "=", day)
      .executeTakeFirst();
    return { day, requests: row ? num(row.requests) : 0, tokens: row ? num(row.tokens) : 0 };
  }
}
