/**
 * The browser node: the SDK's NodeClient (sdk/src/client) with the web-llm engine and the connected wallet as signer.
 * It signs in to the relayer once per session with the wallet (one EIP-712 signature); reconnects resume with the
 * relayer's session token, so a dropped socket does not ask the wallet again. Loaded lazily with web-llm.
 */

import type { Engine } from "@gitblock/sdk";
import type { Address } from "viem";

export type { NodeClient } from "@gitblock/sdk/client";

export async function startBrowserNode(options: {
  relayer: string;
  provider: { request(args: { method: string; params?: readonly unknown[] | object }): Promise<unknown> };
  address: Address;
  engine: Engine;
  country?: string;
}) {
  const { NodeClient, eip1193Signer } = await import("@gitblock/sdk/client");
  const signer = await eip1193Signer(options.provider, options.address);
  const client = new NodeClient({
    relayer: options.relayer || window.location.origin,
    signer,
    engine: options.engine,
    capacity: 1,
    ...(options.country ? { country: options.country } : {}),
  });
  await client.start();
  return client;
}

/** The country to declare, from the browser's locale (region subtag), if it has one. */
export function localeCountry(locale = globalThis.navigator?.language ?? ""): string | undefined {
  const region = locale.split(/[-_]/)[1];
  return region && /^[A-Za-z]{2}$/.test(region) ? region.toUpperCase() : undefined;
}
