/** The public placement record the iframe checks its embedding origin against (`GET /api/placements/:id`, no auth). */
import { type Placement, PUBLISHER_ROUTES } from "../lib/sdk.ts";

/** What the public route answers: a placement without its bookkeeping. */
export type PublicPlacement = Pick<
  Placement,
  "id" | "publisher" | "domain" | "pathPrefix" | "limits" | "publisherShareBps" | "active"
>;

/** Placement ids as the relayer issues them; anything else is refused before a request goes out. */
const PLACEMENT_ID = /^[\w.-]{1,128}$/;

export async function fetchPlacement(
  relayer: string,
  id: string,
  fetcher: typeof fetch = fetch,
): Promise<PublicPlacement> {
  if (!PLACEMENT_ID.test(id)) throw new Error(`"${id}" is not a placement id (letters, digits, "-", "_", "." only)`);
  const response = await fetcher(`${relayer}${PUBLISHER_ROUTES.placement.replace(":id", encodeURIComponent(id))}`);
  if (response.status === 404) throw new Error(`There is no placement ${id}: check the snippet's data-placement.`);
  if (!response.ok) throw new Error(`The relayer could not tell placement ${id} (HTTP ${response.status}).`);
  return (await response.json()) as PublicPlacement;
}
