/**
 * The publisher side of the relayer API (the sdk's `PUBLISHER_ROUTES` and types; the calls are listed in the
 * README's "Publishers" section). The publisher signs in as the dApp's wallet session does
 * (hooks/wallet-session.ts: the node's EIP-712 sign-in over HTTP); every call here carries that session as
 * `Authorization: Bearer <token>`.
 */
import {
  type DomainCheck,
  type Placement,
  type PlacementInput,
  PUBLISHER_ROUTES,
  type PublisherDomain,
  type PublisherEarnings,
  type PublisherMe,
} from "../lib/sdk.ts";

export { MAX_PUBLISHER_SHARE_BPS } from "../lib/sdk.ts";
export type { Placement, PlacementInput, PublisherDomain, PublisherEarnings, PublisherMe };

/** A refused call, with the relayer's status (401: the session expired, sign in again). */
export class PublisherApiError extends Error {
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.status = status;
  }
}

async function json<T>(response: Response, what: string): Promise<T> {
  const body = (await response.json().catch(() => null)) as { error?: string } | null;
  if (!response.ok) {
    throw new PublisherApiError(`${what} failed: ${body?.error ?? `HTTP ${response.status}`}`, response.status);
  }
  return body as T;
}

/** The signed-in publisher's calls. */
export class PublisherApi {
  private readonly relayer: string;
  private readonly session: string;

  constructor(relayer: string, session: string) {
    this.relayer = relayer;
    this.session = session;
  }

  private async call<T>(method: "GET" | "POST", path: string, what: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.relayer}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.session}`,
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return json<T>(response, what);
  }

  me(): Promise<PublisherMe> {
    return this.call("GET", PUBLISHER_ROUTES.me, "loading your publisher account");
  }

  earnings(): Promise<PublisherEarnings> {
    return this.call("GET", PUBLISHER_ROUTES.earnings, "loading your earnings");
  }

  addDomain(domain: string): Promise<PublisherDomain> {
    return this.call("POST", PUBLISHER_ROUTES.domains, `adding ${domain}`, { domain });
  }

  verifyDomain(domain: string): Promise<DomainCheck> {
    const path = PUBLISHER_ROUTES.verify.replace(":domain", encodeURIComponent(domain));
    return this.call("POST", path, `verifying ${domain}`);
  }

  createPlacement(placement: PlacementInput): Promise<Placement> {
    return this.call("POST", PUBLISHER_ROUTES.placements, "creating the placement", placement);
  }
}
