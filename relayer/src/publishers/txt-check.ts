import { Resolver } from "node:dns/promises";
import { DOMAIN_RECORD_PREFIX } from "@gitblock/sdk";

/** A check's outcome: `ok`, or why the record was not accepted, in words a publisher can act on. */
export type TxtCheckResult = { ok: true } | { ok: false; reason: string };

export interface TxtCheckOptions {
  /** `ip` or `ip:port` (config `publishers.dnsServers`); empty: the system's resolvers. */
  servers: readonly string[];
  /** Per query (config `publishers.dnsTimeoutMs`). */
  timeoutMs: number;
}

/** Error codes node:dns uses for a server that did not answer, as opposed to one that answered "no". */
const UNREACHABLE = new Set(["ECONNREFUSED", "ETIMEOUT", "ESERVFAIL", "ECONNRESET", "EREFUSED", "ECANCELLED"]);

/**
 * Reads a domain's verification record: `TXT gitblock-verify=<token>` at the domain itself or at `_gitblock.<domain>`
 * (either will do: an apex that holds other TXT records may prefer the subdomain). One resolver per check, with
 * its own servers and timeout and no retries beyond one, so a dead server fails the check quickly and clearly.
 */
export class TxtCheck {
  private readonly options: TxtCheckOptions;

  constructor(options: TxtCheckOptions) {
    this.options = options;
  }

  async check(domain: string, token: string): Promise<TxtCheckResult> {
    const expected = `${DOMAIN_RECORD_PREFIX}${token}`;
    const outcomes = await Promise.all([domain, `_gitblock.${domain}`].map((name) => this.lookup(name)));
    if (outcomes.some((o) => o.kind === "records" && o.values.includes(expected))) return { ok: true };
    const unreachable = outcomes.find((o) => o.kind === "unreachable");
    if (unreachable) return { ok: false, reason: `DNS resolver unreachable (${unreachable.code}); try again later` };
    const others = outcomes.flatMap((o) => (o.kind === "records" ? o.values : []));
    if (others.some((value) => value.startsWith(DOMAIN_RECORD_PREFIX))) {
      return { ok: false, reason: `wrong token: the TXT record found is not ${expected}` };
    }
    if (outcomes.every((o) => o.kind === "nxdomain")) {
      return { ok: false, reason: `domain ${domain} does not exist (NXDOMAIN)` };
    }
    return { ok: false, reason: `no TXT record ${expected} at ${domain} or _gitblock.${domain}` };
  }

  private async lookup(
    name: string,
  ): Promise<{ kind: "records"; values: string[] } | { kind: "nxdomain" } | { kind: "unreachable"; code: string }> {
    const resolver = new Resolver({ timeout: this.options.timeoutMs, tries: 1 });
    if (this.options.servers.length > 0) resolver.setServers([...this.options.servers]);
    try {
      // A TXT record may be split into several strings; its value is their concatenation.
      return { kind: "records", values: (await resolver.resolveTxt(name)).map((chunks) => chunks.join("")) };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "unknown";
      if (code === "ENOTFOUND") return { kind: "nxdomain" };
      if (UNREACHABLE.has(code)) return { kind: "unreachable", code };
      // ENODATA and the like: the name exists, without TXT records.
      return { kind: "records", values: [] };
    }
  }
}
