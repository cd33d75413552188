import { sql } from "kysely";
import type { Dialect } from "../store/dialect.ts";
import { GroupCommit } from "../store/group-commit.ts";
import { DAY_MS, num } from "../store/rows.ts";
import type { Db } from "../store/schema.ts";

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

interface AdmitRequest {
  subject: string;
  limits: DailyLimits;
  now: number;
}

interface Charge {
  subject: string;
  tokens: number;
  now: number;
}

/** Charges are not waited on by anyone's answer: gathered over this long, they cost one commit per burst. */
const CHARGE_GATHER_MS = 25;
const MAX_BATCH = 500;
const bySubject = <T extends { subject: string }>(a: T, b: T) =>
  a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : 0;

/**
 * Daily request and token budgets per subject (a wallet, or an anonymous caller's address), in the store, so that
 * relayers sharing PostgreSQL enforce one budget. A request is admitted by ONE conditional UPSERT that counts it only
 * while both budgets hold (the row's own lock makes concurrent admissions queue, never both pass the last slot); its
 * tokens are added when it ends. A request admitted with budget left may overrun the token budget by its own length:
 * the next one is refused.
 *
 * Neither admissions nor charges wait for the disk (`durable: false`): a power cut may forget the last few counts,
 * letting a caller a few requests past its budget, which is far cheaper than an fsync (on SQLite, on the event loop
 * every live stream shares) in front of every request's first token. An admission is its own small transaction, run
 * at once: gathering admissions would save nothing more and cost each request an event-loop turn. Charges are not
 * waited on by anyone: they are summed per subject and day over a short window and written together (a group
 * commit), in subject order so that two relayers' batches lock rows in the same order.
 */
export class UsageQuota {
  private readonly dialect: Dialect;
  private readonly charges: GroupCommit<Charge, undefined>;

  constructor(dialect: Dialect) {
    this.dialect = dialect;
    this.charges = new GroupCommit({
      gatherMs: CHARGE_GATHER_MS,
      maxBatch: MAX_BATCH,
      write: async (charges) => {
        await this.dialect.transaction((trx) => chargeAll(trx, charges), { durable: false });
        return charges.map(() => undefined);
      },
    });
  }

  admit(subject: string, limits: DailyLimits, now: number): Promise<Admission> {
    return this.dialect.transaction((trx) => admitIn(trx, { subject, limits, now }), { durable: false });
  }

  /** Adds the tokens a request used (prompt and completion) to today's count; resolves once written. */
  async charge(subject: string, tokens: number, now: number): Promise<void> {
    if (tokens <= 0) return;
    await this.charges.submit({ subject, tokens, now });
  }

  async usage(subject: string, now: number): Promise<DailyUsage> {
    return usageOf(this.dialect.db, subject, Math.floor(now / DAY_MS));
  }

  /** Waits for queued charges to be written (shutdown, tests). */
  drain(): Promise<void> {
    return this.charges.drain();
  }
}

async function admitIn(trx: Db, { subject, limits, now }: AdmitRequest): Promise<Admission> {
  const day = Math.floor(now / DAY_MS);
  const retryAfterSec = Math.ceil(((day + 1) * DAY_MS - now) / 1000);
  if (limits.requestsPerDay > 0 && limits.tokensPerDay > 0) {
    const row = await trx
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
  return { ok: false, usage: await usageOf(trx, subject, day), retryAfterSec };
}

async function chargeAll(trx: Db, charges: Charge[]): Promise<void> {
  const sums = new Map<string, { subject: string; day: number; tokens: number }>();
  for (const { subject, tokens, now } of charges) {
    const day = Math.floor(now / DAY_MS);
    const key = `${day} ${subject}`;
    const sum = sums.get(key) ?? { subject, day, tokens: 0 };
    sum.tokens += tokens;
    sums.set(key, sum);
  }
  for (const { subject, day, tokens } of [...sums.values()].sort((a, b) => bySubject(a, b) || a.day - b.day)) {
    await trx
      .insertInto("gateway_usage")
      .values({ subject, day, requests: 0, tokens })
      .onConflict((oc) => oc.columns(["subject", "day"]).doUpdateSet({ tokens: sql`gateway_usage.tokens + ${tokens}` }))
      .execute();
  }
}

async function usageOf(db: Db, subject: string, day: number): Promise<DailyUsage> {
  const row = await db
    .selectFrom("gateway_usage")
    .select(["requests", "tokens"])
    .where("subject", "=", subject)
    .where("day", "=", day)
    .executeTakeFirst();
  return { day, requests: row ? num(row.requests) : 0, tokens: row ? num(row.tokens) : 0 };
}
