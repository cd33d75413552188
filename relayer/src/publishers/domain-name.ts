/** A domain a publisher claims, as stored: lower-case, no trailing dot, letters, digits and hyphens in each label. */
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Bad publisher input: the route answers 400 with this message. */
export class PublisherInputError extends Error {
  override name = "PublisherInputError";
}

/**
 * The domain in its one stored spelling. Refuses what DNS cannot hold (empty labels, more than 253 characters), a
 * bare top-level name, IP addresses (no TXT record to prove them by), and anything with a scheme, port or path:
 * a publisher types a host name, not a URL.
 */
export function normalizeDomain(raw: unknown): string {
  if (typeof raw !== "string") throw new PublisherInputError("domain must be a string such as example.com");
  const domain = raw.trim().toLowerCase().replace(/\.$/, "");
  if (/[/:@]/.test(domain)) {
    throw new PublisherInputError(
      `"${raw}" is not a host name: give the domain alone (example.com), no scheme or path`,
    );
  }
  const labels = domain.split(".");
  if (domain.length > 253 || labels.length < 2 || !labels.every((label) => LABEL.test(label))) {
    throw new PublisherInputError(`"${raw}" is not a domain name (letters, digits, hyphens; at least two labels)`);
  }
  if (labels.every((label) => /^\d+$/.test(label))) {
    throw new PublisherInputError(`"${raw}" is an IP address; verify a domain name`);
  }
  return domain;
}
