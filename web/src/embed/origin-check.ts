/**
 * The widget's origin check: the iframe runs the browser node only on a page whose origin is a verified domain of
 * its placement (`GET /api/placements/:id`: `domain`, `active` = the domain's TXT record is verified now).
 *
 * The embedding origin comes from `location.ancestorOrigins` (Chromium, Safari: set by the browser, the page cannot
 * change it), else from `document.referrer` (Firefox; the default referrer policy still sends the origin
 * cross-origin, and a page that sends none is refused: no origin, no node). A hostname matches the domain itself or
 * a subdomain of it (`shop.example.com` under `example.com`), on any scheme and port: a TXT record proves control of
 * the name, not of a port. The path prefix is not checked here: a cross-origin frame sees no path it can trust
 * (widget.js passes one, but any page could lie), so the prefix is the publisher's own bookkeeping. The same check
 * is what `frame-ancestors` enforces where the dApp's server sets it (web/vite.config.ts), so a page that strips
 * the referrer is still held back there.
 */

/** What the iframe needs to know of a placement (a part of the public `GET /api/placements/:id` answer). */
export interface PlacementForCheck {
  id: string;
  domain: string;
  active: boolean;
}

export type OriginVerdict = { ok: true; origin: string } | { ok: false; reason: string };

/** The origin of the page that embeds this frame, or null when the browser tells none. */
export function embeddingOrigin(
  location: { ancestorOrigins?: { length: number; [index: number]: string } } | undefined,
  referrer: string,
): string | null {
  const ancestors = location?.ancestorOrigins;
  if (ancestors && ancestors.length > 0) {
    // The top-most page is the one that earns; a frame nested in a frame of a verified page is that page's business.
    const top = ancestors[ancestors.length - 1];
    if (top && top !== "null") return top;
  }
  if (!referrer) return null;
  try {
    return new URL(referrer).origin;
  } catch {
    return null;
  }
}

/** Whether `hostname` is `domain` or one of its subdomains (both compared lower-case, without a trailing dot). */
export function hostMatchesDomain(hostname: string, domain: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  const name = domain.toLowerCase().replace(/\.$/, "");
  return name.length > 0 && (host === name || host.endsWith(`.${name}`));
}

export function checkEmbeddingOrigin(placement: PlacementForCheck, origin: string | null): OriginVerdict {
  if (!origin) {
    return {
      ok: false,
      reason: "This page does not say where it is embedded (no referrer), so the GitBlock node does not start here.",
    };
  }
  let hostname: string;
  try {
    hostname = new URL(origin).hostname;
  } catch {
    return { ok: false, reason: `The embedding origin ${JSON.stringify(origin)} is not a URL.` };
  }
  if (!hostMatchesDomain(hostname, placement.domain)) {
    return {
      ok: false,
      reason: `This widget (placement ${placement.id}) runs only on ${placement.domain}, not on ${hostname}.`,
    };
  }
  if (!placement.active) {
    return {
      ok: false,
      reason: `The domain ${placement.domain} is not verified now (its DNS TXT record is missing), so placement ${placement.id} is paused.`,
    };
  }
  return { ok: true, origin };
}
