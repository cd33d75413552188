/**
 * The publisher API (issue 15): a site that embeds the browser node verifies its domains by a DNS TXT record,
 * creates placements on them and earns a share of the rewards of the nodes running in its placements. Every route
 * but `PUBLISHER_ROUTES.placement` needs `Authorization: Bearer <session>` (the node sign-in: `POST /api/auth/challenge`
 * then `POST /api/auth/session`). Amounts travel as decimal strings of wei.
 */
import type { Address } from "viem";

export const PUBLISHER_ROUTES = {
  /** `POST {domain}`: claims a domain for this publisher (one publisher per domain) and issues its token. */
  domains: "/api/publishers/domains",
  /** `POST`: checks the domain's TXT record now. */
  verify: "/api/publishers/domains/:domain/verify",
  /** `GET`: the signed-in publisher's domains and placements. */
  me: "/api/publishers/me",
  /** `GET`: earnings per placement and UTC day, and the nodes running in each placement now. */
  earnings: "/api/publishers/me/earnings",
  /** `POST`: creates a placement on one of this publisher's domains. */
  placements: "/api/publishers/placements",
  /** `GET` (public): a placement as the embedded widget checks it. */
  placement: "/api/placements/:id",
} as const;

/** The TXT record's value prefix: `gitblock-verify=<token>`, at the domain or at `_gitblock.<domain>`. */
export const DOMAIN_RECORD_PREFIX = "gitblock-verify=";

/** The most of a node's task reward a placement may give its publisher: 30% of the node's share (bps of it). */
export const MAX_PUBLISHER_SHARE_BPS = 3_000;

/**
 * pending: claimed, never verified; verified: the record was found at the last check; failed: a check found no
 * matching record before it was ever verified; revoked: it was verified, and a later check no longer found it (its
 * placements stop earning until a check finds it again).
 */
export type DomainStatus = "pending" | "verified" | "failed" | "revoked";

export interface PublisherDomain {
  domain: string;
  token: string;
  /** The TXT record's value to publish. */
  record: string;
  /** Where the record may be: the domain itself or `_gitblock.<domain>`. */
  names: [string, string];
  status: DomainStatus;
  /** Why the last check failed (no record, wrong token, NXDOMAIN, resolver unreachable). */
  reason?: string;
  /** ms since the epoch of the last check; null before any. */
  checkedAt: number | null;
}

export interface DomainCheck {
  domain: string;
  status: DomainStatus;
  reason?: string;
  checkedAt: number;
}

export interface PlacementLimits {
  gpuSecondsPerVisitorPerDay: number;
  cpuThreads: number;
  stopWhenHidden: boolean;
}

export interface PlacementInput {
  pageId: string;
  placementId: string;
  domain: string;
  /** Starts with `/`; the widget runs on pages whose path starts with it. */
  pathPrefix: string;
  limits: PlacementLimits;
  /** The publisher's part of the node's task reward, bps; at most `MAX_PUBLISHER_SHARE_BPS`. */
  publisherShareBps: number;
}

export interface Placement extends PlacementInput {
  /** The relayer's id: `pl_` and 24 hex digits; the node sends it in `ready.placement`. */
  id: string;
  publisher: Address;
  /** Whether its domain is verified now (only then does it earn). */
  active: boolean;
  createdAt: number;
}

export interface PublisherMe {
  address: Address;
  domains: PublisherDomain[];
  placements: Placement[];
}

export interface PublisherEarnings {
  /** `day`: the UTC day as YYYY-MM-DD; `wei`: decimal. Oldest first. */
  perPlacementPerDay: Array<{ placementId: string; day: string; wei: string }>;
  /** Nodes connected now whose session runs in the placement, by placement id. */
  activeSessions: Record<string, number>;
}
