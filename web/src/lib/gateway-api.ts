/**
 * The relayer's gateway routes the dApp reads and writes as JSON: the model catalogue, the wallet's credit, the
 * day's usage and API keys. (Chat itself streams: ./chat-completions.ts.) Failures are `GatewayError`s, so a 401
 * anywhere asks for a new sign-in the same way.
 */
import type { Address } from "viem";
import { type Catalogue, parseCatalogue } from "./catalogue.ts";
import { GatewayError, gatewayErrorFromResponse } from "./gateway-errors.ts";
import { apiPath, type CreditBalance, NODE_HTTP_ROUTES } from "./sdk.ts";

export interface Credits {
  account: Address;
  contract: Address | null;
  /** Deposits minus withdrawals, on-chain. */
  fundedWei: bigint;
  settledSpentWei: bigint;
  pendingWithdrawalWei: bigint;
  /** Unix seconds the pending withdrawal unlocks at (0: none). */
  unlockAt: number;
  /** Spent through the gateway, settled or not. */
  debitedWei: bigint;
  /** Debited since the last settlement. */
  unsettledWei: bigint;
  /** What premium messages can still be paid from. */
  availableWei: bigint;
}

export interface Usage {
  /** The UTC day the counters are for, as YYYY-MM-DD. */
  day: string;
  requests: number;
  tokens: number;
  requestsPerDay: number;
  tokensPerDay: number;
}

export interface ApiKey {
  id: string;
  name: string;
  /** The key's first characters, to tell keys apart; the key itself is shown only once. */
  prefix: string;
  createdAt: number;
  lastUsedAt: number | null;
}

export interface CreatedApiKey extends ApiKey {
  /** The secret: shown once, never again. */
  key: string;
}

const wei = (value: unknown): bigint =>
  typeof value === "string" && /^\d+$/.test(value) ? BigInt(value) : typeof value === "number" ? BigInt(value) : 0n;
const num = (value: unknown): number => (typeof value === "number" && Number.isFinite(value) ? value : 0);
/** Milliseconds since the epoch from a number (seconds or ms) or an ISO date. */
const time = (value: unknown): number | null => {
  if (typeof value === "number" && Number.isFinite(value)) return value < 1e12 ? value * 1000 : value;
  if (typeof value === "string") {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? null : ms;
  }
  return null;
};

/** The relayer counts days since the Unix epoch (UTC); a date string passes as it is. */
const utcDay = (value: unknown): string =>
  typeof value === "number" && Number.isFinite(value)
    ? new Date(value * 86_400_000).toISOString().slice(0, 10)
    : String(value ?? "");

function parseKey(raw: Record<string, unknown>): ApiKey {
  return {
    id: String(raw.id ?? ""),
    name: String(raw.name ?? ""),
    prefix: String(raw.prefix ?? ""),
    createdAt: time(raw.createdAt) ?? 0,
    lastUsedAt: time(raw.lastUsedAt),
  };
}

export class GatewayApi {
  readonly base: string;
  private readonly fetcher: typeof fetch;

  /** `base`: the relayer's URL, empty for this page's origin. */
  constructor(base = "", fetcher: typeof fetch = (...args) => fetch(...args)) {
    this.base = base.replace(/\/+$/, "");
    this.fetcher = fetcher;
  }

  private async call(path: string, init: RequestInit & { token?: string | null } = {}): Promise<unknown> {
    const { token, ...rest } = init;
    const headers: Record<string, string> = { accept: "application/json" };
    if (rest.body) headers["content-type"] = "application/json";
    if (token) headers.authorization = `Bearer ${token}`;
    let response: Response;
    try {
      response = await this.fetcher(`${this.base}${path}`, { ...rest, headers });
    } catch (error) {
      throw new GatewayError("unavailable", error instanceof Error ? error.message : String(error));
    }
    if (!response.ok) throw await gatewayErrorFromResponse(response);
    if (response.status === 204) return null;
    return response.json().catch(() => null);
  }

  async catalogue(): Promise<Catalogue> {
    return parseCatalogue(await this.call("/api/gateway/models"));
  }

  async credits(address: Address): Promise<Credits> {
    const raw = ((await this.call(apiPath("/api/credits/:address", { address }))) ?? {}) as Partial<
      Record<keyof CreditBalance, unknown>
    >;
    return {
      account: (raw.account as Address) ?? address,
      contract: typeof raw.contract === "string" ? (raw.contract as Address) : null,
      fundedWei: wei(raw.fundedWei),
      settledSpentWei: wei(raw.settledSpentWei),
      pendingWithdrawalWei: wei(raw.pendingWithdrawalWei),
      unlockAt: num(raw.unlockAt),
      debitedWei: wei(raw.debitedWei),
      unsettledWei: wei(raw.unsettledWei),
      availableWei: wei(raw.availableWei),
    };
  }

  async usage(token: string): Promise<Usage> {
    const raw = ((await this.call("/api/gateway/usage", { token })) ?? {}) as Record<string, unknown>;
    return {
      day: utcDay(raw.day),
      requests: num(raw.requests),
      tokens: num(raw.tokens),
      requestsPerDay: num(raw.requestsPerDay),
      tokensPerDay: num(raw.tokensPerDay),
    };
  }

  async keys(token: string): Promise<ApiKey[]> {
    const raw = (await this.call("/api/keys", { token })) as { keys?: unknown } | null;
    return Array.isArray(raw?.keys) ? raw.keys.map((k) => parseKey(k as Record<string, unknown>)) : [];
  }

  async createKey(token: string, name: string): Promise<CreatedApiKey> {
    const raw = ((await this.call("/api/keys", { token, method: "POST", body: JSON.stringify({ name }) })) ??
      {}) as Record<string, unknown>;
    if (typeof raw.key !== "string") throw new GatewayError("unavailable", "the relayer returned no key");
    return { ...parseKey(raw), key: raw.key };
  }

  async revokeKey(token: string, id: string): Promise<void> {
    await this.call(`/api/keys/${encodeURIComponent(id)}`, { token, method: "DELETE" });
  }

  /** The sign-in challenge (a `hello` frame), as the browser node gets it over HTTP. */
  async challenge(): Promise<unknown> {
    return this.call(NODE_HTTP_ROUTES.challenge, { method: "POST", body: "{}" });
  }

  /** Sends the signed `auth` frame; answers the `auth_ok` frame with the session token. */
  async session(auth: unknown): Promise<unknown> {
    return this.call(NODE_HTTP_ROUTES.session, { method: "POST", body: JSON.stringify(auth) });
  }
}
