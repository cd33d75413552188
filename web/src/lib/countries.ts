/**
 * ISO 3166-1 alpha-2 → numeric code (the ids of world-atlas' geometry) and name, for the countries nodes most often
 * declare. A code missing here still counts in the totals and the table; it just is not shaded on the map.
 */
const TABLE =
  "AR032Argentina|AT040Austria|AU036Australia|BD050Bangladesh|BE056Belgium|BG100Bulgaria|BR076Brazil|CA124Canada|CH756Switzerland|CL152Chile|CN156China|CO170Colombia|CZ203Czechia|DE276Germany|DK208Denmark|EE233Estonia|EG818Egypt|ES724Spain|FI246Finland|FR250France|GB826United Kingdom|GR300Greece|HK344Hong Kong|HU348Hungary|ID360Indonesia|IE372Ireland|IL376Israel|IN356India|IR364Iran|IS352Iceland|IT380Italy|JP392Japan|KE404Kenya|KR410South Korea|KZ398Kazakhstan|LT440Lithuania|LV428Latvia|MA504Morocco|MX484Mexico|MY458Malaysia|NG566Nigeria|NL528Netherlands|NO578Norway|NZ554New Zealand|PE604Peru|PH608Philippines|PK586Pakistan|PL616Poland|PT620Portugal|RO642Romania|RS688Serbia|RU643Russia|SA682Saudi Arabia|SE752Sweden|SG702Singapore|SK703Slovakia|TH764Thailand|TR792Türkiye|TW158Taiwan|UA804Ukraine|US840United States|VE862Venezuela|VN704Vietnam|ZA710South Africa|AE784United Arab Emirates";

export const COUNTRIES: ReadonlyMap<string, { numeric: string; name: string }> = new Map(
  TABLE.split("|").map((entry) => [entry.slice(0, 2), { numeric: entry.slice(2, 5), name: entry.slice(5) }]),
);

/**
 * The relayer counts nodes that declared no country under "XX" (`/api/stats` nodesPerCountry: ISO 3166's code for
 * an unknown state), so "XX" is a bucket, not a country.
 */
export const UNKNOWN_COUNTRY = "XX";

export function countryName(alpha2: string): string {
  if (alpha2 === UNKNOWN_COUNTRY) return "unknown";
  return COUNTRIES.get(alpha2)?.name ?? alpha2;
}

/** "Germany (DE)"; "unknown" alone for the no-country bucket; a code not in the table as itself. */
export function countryLabel(alpha2: string): string {
  const name = countryName(alpha2);
  return name === alpha2 || alpha2 === UNKNOWN_COUNTRY ? name : `${name} (${alpha2})`;
}

/** Node counts keyed by world-atlas numeric id. */
export function countsByNumeric(perCountry: Record<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [alpha2, count] of Object.entries(perCountry)) {
    const numeric = COUNTRIES.get(alpha2)?.numeric;
    if (numeric) out.set(numeric, (out.get(numeric) ?? 0) + count);
  }
  return out;
}
