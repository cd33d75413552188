/**
 * A demo publisher, set up through the relayer's publisher API as a real one is through the dashboard: the wallet
 * signs in (the nodes' EIP-712 sign-in over HTTP), claims a domain, publishes the TXT record it is given (on the
 * local DNS server the relayer reads, `publishers.dnsServers`), verifies it and creates a placement. `npm start`
 * runs it for its demo page (./publisher-page.ts); the publisher e2e (web/e2e/publisher.e2e.ts) runs it too.
 */
import {
  type DomainCheck,
  type Placement,
  type PlacementInput,
  PUBLISHER_ROUTES,
  type PublisherDomain,
} from "@gitblock/sdk";
import type { LocalAccount } from "viem";
import { callJson, signInOverHttp } from "./http-sign-in.ts";

export interface DemoPublisher {
  token: string;
  domain: PublisherDomain;
  placement: Placement;
}

export async function setUpDemoPublisher(options: {
  relayerUrl: string;
  wallet: LocalAccount;
  domain: string;
  /** Publishes `value` as a TXT record at `name` where the relayer's resolver reads it. */
  publishTxt: (name: string, value: string) => Promise<void> | void;
  placement?: Partial<Omit<PlacementInput, "domain">>;
}): Promise<DemoPublisher> {
  const { relayerUrl, wallet } = options;
  const token = await signInOverHttp(relayerUrl, wallet);
  const domain = await callJson<PublisherDomain>(`${relayerUrl}${PUBLISHER_ROUTES.domains}`, {
    body: { domain: options.domain },
    token,
  });
  await options.publishTxt(domain.names[1], domain.record);
  const verifyPath = PUBLISHER_ROUTES.verify.replace(":domain", encodeURIComponent(domain.domain));
  const check = await callJson<DomainCheck>(`${relayerUrl}${verifyPath}`, { method: "POST", token });
  if (check.status !== "verified") throw new Error(`${domain.domain} did not verify: ${check.reason ?? check.status}`);
  const placement = await callJson<Placement>(`${relayerUrl}${PUBLISHER_ROUTES.placements}`, {
    body: {
      pageId: "home",
      placementId: "sidebar",
      pathPrefix: "/",
      limits: { gpuSecondsPerVisitorPerDay: 1_800, cpuThreads: 2, stopWhenHidden: true },
      publisherShareBps: 2_000,
      ...options.placement,
      domain: domain.domain,
    },
    token,
  });
  return { token, domain: { ...domain, status: check.status }, placement };
}
