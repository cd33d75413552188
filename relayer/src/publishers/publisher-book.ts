import { randomBytes } from "node:crypto";
import {
  DOMAIN_RECORD_PREFIX,
  type DomainCheck,
  type DomainStatus,
  type Placement,
  type PlacementInput,
  type PlacementLimits,
  type PublisherDomain,
  type PublisherEarnings,
  type PublisherMe,
} from "@gitblock/sdk";
import type { Selectable } from "kysely";
import type { Address } from "viem";
import type { Clock } from "../clock.ts";
import { NotFoundError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { Dialect } from "../store/dialect.ts";
import type { PlacementsTable, PublisherDomainsTable } from "../store/schema.ts";
import { normalizeDomain, PublisherInputError } from "./domain-name.ts";
import { placementInput } from "./placement-rules.ts";
import type { TxtCheck } from "./txt-check.ts";

/** Another publisher holds the domain, or the publisher already has a placement with those ids: 409. */
export class PublisherConflictError extends Error {
  override name = "PublisherConflictError";
}

type DomainRow = Selectable<PublisherDomainsTable>;
type PlacementRow = Selectable<PlacementsTable>;

/**
 * Publishers' domains and placements (issue 15), in the store's database (migration 9): a domain belongs to the one
 * publisher that claimed it first (its primary key: "one publisher per domain keeps fraud low"); it earns while its
 * last check found `gitblock-verify=<token>`. Checks happen when the publisher asks and again on a timer for
 * verified domains (`recheck`): a record that is gone makes the domain `revoked`, and from then on its placements
 * pay nothing (the ledger reads the domain's status when it pays: store `payPublishers`).
 */
export class PublisherBook {
  private readonly dialect: Dialect;
  private readonly txt: TxtCheck;
  private readonly clock: Clock;
  private readonly log: Logger;

  constructor(options: { dialect: Dialect; txt: TxtCheck; clock: Clock; log: Logger }) {
    this.dialect = options.dialect;
    this.txt = options.txt;
    this.clock = options.clock;
    this.log = options.log;
  }

  /** Claims a domain and issues its token; claiming one's own domain again answers it as it is (`created: false`). */
  async claimDomain(publisher: Address, raw: unknown): Promise<{ domain: PublisherDomain; created: boolean }> {
    const domain = normalizeDomain(raw);
    const inserted = await this.dialect.db
      .insertInto("publisher_domains")
      .values({
        domain,
        publisher,
        token: randomBytes(16).toString("hex"),
        status: "pending",
        reason: null,
        created_at: this.clock.now(),
      })
      .onConflict((oc) => oc.column("domain").doNothing())
      .returningAll()
      .executeTakeFirst();
    const row = inserted ?? (await this.domainRow(domain));
    if (!row) throw new Error(`domain ${domain} was neither inserted nor found`);
    if (row.publisher !== publisher) {
      throw new PublisherConflictError(
        `domain ${domain} already belongs to another publisher (one publisher per domain)`,
      );
    }
    return { domain: domainView(row), created: inserted !== undefined };
  }

  /** Checks the domain's record now and records the outcome. */
  async verify(publisher: Address, raw: unknown): Promise<DomainCheck> {
    const domain = normalizeDomain(raw);
    const row = await this.domainRow(domain);
    if (!row || row.publisher !== publisher) {
      throw new NotFoundError(`you have not claimed ${domain}: POST /api/publishers/domains first`);
    }
    return this.check(row);
  }

  /**
   * Checks again every verified domain last checked at least `olderThanMs` ago (the timer passes
   * `publishers.recheckIntervalMs`; 0 checks them all). Returns the checks made.
   */
  async recheck(olderThanMs: number): Promise<DomainCheck[]> {
    const rows = await this.dialect.db
      .selectFrom("publisher_domains")
      .selectAll()
      .where("status", "=", "verified")
      .where("checked_at", "<=", this.clock.now() - olderThanMs)
      .orderBy("checked_at")
      .limit(1_000)
      .execute();
    const checks: DomainCheck[] = [];
    for (const row of rows) checks.push(await this.check(row));
    return checks;
  }

  async createPlacement(publisher: Address, body: unknown): Promise<Placement> {
    const parsed = placementInput.safeParse(body);
    if (!parsed.success) {
      throw new PublisherInputError(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
    }
    const input: PlacementInput = { ...parsed.data, domain: normalizeDomain(parsed.data.domain) };
    const domain = await this.domainRow(input.domain);
    if (!domain || domain.publisher !== publisher) {
      throw new PublisherInputError(`you have not claimed ${input.domain}: POST /api/publishers/domains first`);
    }
    const id = `pl_${randomBytes(12).toString("hex")}`;
    const inserted = await this.dialect.db
      .insertInto("placements")
      .values({
        id,
        publisher,
        page_id: input.pageId,
        placement_id: input.placementId,
        domain: input.domain,
        path_prefix: input.pathPrefix,
        limits: JSON.stringify(input.limits),
        publisher_share_bps: input.publisherShareBps,
        created_at: this.clock.now(),
      })
      .onConflict((oc) => oc.columns(["publisher", "page_id", "placement_id"]).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!inserted) {
      throw new PublisherConflictError(
        `you already have placement ${input.placementId} on page ${input.pageId}; pick other ids`,
      );
    }
    return placementView(inserted, domain.status === "verified");
  }

  /** A placement as anyone may read it (the widget checks its embedding origin against it). */
  async placement(id: string): Promise<Placement | undefined> {
    const row = await this.dialect.db
      .selectFrom("placements as p")
      .innerJoin("publisher_domains as d", "d.domain", "p.domain")
      .selectAll("p")
      .select(["d.status as domain_status", "d.publisher as domain_publisher"])
      .where("p.id", "=", id)
      .executeTakeFirst();
    if (!row) return undefined;
    return placementView(row, row.domain_status === "verified" && row.domain_publisher === row.publisher);
  }

  async me(publisher: Address): Promise<PublisherMe> {
    const domains = await this.dialect.db
      .selectFrom("publisher_domains")
      .selectAll()
      .where("publisher", "=", publisher)
      .orderBy("created_at")
      .execute();
    const verified = new Set(domains.filter((d) => d.status === "verified").map((d) => d.domain));
    const placements = await this.dialect.db
      .selectFrom("placements")
      .selectAll()
      .where("publisher", "=", publisher)
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    return {
      address: publisher,
      domains: domains.map(domainView),
      placements: placements.map((p) => placementView(p, verified.has(p.domain))),
    };
  }

  /**
   * Earnings per placement and UTC day, from the publisher's ledger credits (a revoked claim's share is gone from
   * the ledger, so it is gone here too); `connected` says whether a node is connected to this relayer now.
   */
  async earnings(publisher: Address, connected: (node: Address) => boolean): Promise<PublisherEarnings> {
    const credits = await this.dialect.db
      .selectFrom("ledger as l")
      .innerJoin("placement_tasks as pt", "pt.task_id", "l.ref")
      .select(["pt.placement", "l.amount_wei", "l.created_at"])
      .where("l.account", "=", publisher)
      .where("l.kind", "=", "publisher")
      .where("pt.publisher", "=", publisher)
      .execute();
    const perDay = new Map<string, { placementId: string; day: string; wei: bigint }>();
    for (const credit of credits) {
      const day = new Date(Number(credit.created_at)).toISOString().slice(0, 10);
      const key = `${day} ${credit.placement}`;
      const entry = perDay.get(key) ?? { placementId: credit.placement, day, wei: 0n };
      entry.wei += BigInt(credit.amount_wei);
      perDay.set(key, entry);
    }
    const sessions = await this.dialect.db
      .selectFrom("node_placements as np")
      .innerJoin("placements as p", "p.id", "np.placement")
      .select(["np.node", "np.placement"])
      .where("p.publisher", "=", publisher)
      .execute();
    const activeSessions: Record<string, number> = {};
    for (const session of sessions) {
      if (!connected(session.node as Address)) continue;
      activeSessions[session.placement] = (activeSessions[session.placement] ?? 0) + 1;
    }
    return {
      perPlacementPerDay: [...perDay.keys()]
        .sort()
        .map((key) => perDay.get(key) as { placementId: string; day: string; wei: bigint })
        .map((e) => ({ placementId: e.placementId, day: e.day, wei: e.wei.toString() })),
      activeSessions,
    };
  }

  private async check(row: DomainRow): Promise<DomainCheck> {
    const result = await this.txt.check(row.domain, row.token);
    const checkedAt = this.clock.now();
    const wasVerified = row.status === "verified" || row.status === "revoked";
    const status: DomainStatus = result.ok ? "verified" : wasVerified ? "revoked" : "failed";
    const reason = result.ok ? null : result.reason;
    await this.dialect.db
      .updateTable("publisher_domains")
      .set({ status, reason, checked_at: checkedAt, ...(result.ok ? { verified_at: checkedAt } : {}) })
      .where("domain", "=", row.domain)
      .execute();
    if (status !== row.status) this.log.info({ domain: row.domain, status, reason }, "publisher domain checked");
    return { domain: row.domain, status, ...(reason ? { reason } : {}), checkedAt };
  }

  private domainRow(domain: string): Promise<DomainRow | undefined> {
    return this.dialect.db.selectFrom("publisher_domains").selectAll().where("domain", "=", domain).executeTakeFirst();
  }
}

function domainView(row: DomainRow): PublisherDomain {
  return {
    domain: row.domain,
    token: row.token,
    record: `${DOMAIN_RECORD_PREFIX}${row.token}`,
    names: [row.domain, `_gitblock.${row.domain}`],
    status: row.status as DomainStatus,
    ...(row.reason ? { reason: row.reason } : {}),
    checkedAt: row.checked_at === null ? null : Number(row.checked_at),
  };
}

function placementView(row: PlacementRow, active: boolean): Placement {
  return {
    id: row.id,
    publisher: row.publisher as Address,
    pageId: row.page_id,
    placementId: row.placement_id,
    domain: row.domain,
    pathPrefix: row.path_prefix,
    limits: JSON.parse(row.limits) as PlacementLimits,
    publisherShareBps: row.publisher_share_bps,
    active,
    createdAt: Number(row.created_at),
  };
}
