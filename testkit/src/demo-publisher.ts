/**
 * A demo publisher, set up through the relayer's publisher API as a real one is through the dashboard: the wallet
 * signs in (the nodes' EIP-712 sign-in over HTTP), claims a domain, publishes the TXT record it is given (on the
 * local DNS server the relayer reads, `publishers.dnsServers`), verifies it and creates a placement. `npm start`
 * runs it for its demo page (./publisher-page.ts); the publisher e2e (web/e2e/publisher.e2e.ts) runs it too.
 */
import {
  type DomainCheck,
  NODE_HTTP_ROUTES,
  type Placement,
  type PlacementInput,
  PROTOCOL_VERSION,
  PUBLISHER_ROUTES,
  type PublisherDomain,
  signInTypedData,
} from "@gitblock/sdk";
import type { LocalAccount } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

async function call<T>(url: string, init: { method?: string; body?: unknown; token?: string } = {}): Promise<T> {
  const response = await fetch(url, {
    method: init.method ?? (init.body === undefined ? "GET" : "POST"),
    headers: {
      "content-type": "application/json",
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** The wallet's session token (the Bearer of every publisher call). */
export async function signInOverHttp(relayerUrl: string, wallet: LocalAccount): Promise<string> {
  const hello = await call<{
    relayer: string;
    chainId: number;
    nonce: `0x${string}`;
    issuedAt: number;
    expiresAt: number;
  }>(`${relayerUrl}${NODE_HTTP_ROUTES.challenge}`, { body: {} });
  const challenge = {
    relayer: hello.relayer,
    chainId: hello.chainId,
    account: wallet.address,
    nonce: hello.nonce,
    issuedAt: hello.issuedAt,
    expiresAt: hello.expiresAt,
    sessionKey: privateKeyToAccount(generatePrivateKey()).address,
  };
  const signature = await wallet.signTypedData(signInTypedData(challenge));
  const ok = await call<{ session: string }>(`${relayerUrl}${NODE_HTTP_ROUTES.session}`, {
    body: { type: "auth", v: PROTOCOL_VERSION, signIn: { ...challenge, signature } },
  });
  return ok.session;
}

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
  const domain = await call<PublisherDomain>(`${relayerUrl}${PUBLISHER_ROUTES.domains}`, {
    body: { domain: options.domain },
    token,
  });
  await options.publishTxt(domain.names[1], domain.record);
  const verifyPath = PUBLISHER_ROUTES.verify.replace(":domain", encodeURIComponent(domain.domain));
  const check = await call<DomainCheck>(`${relayerUrl}${verifyPath}`, { method: "POST", token });
  if (check.status !== "verified") throw new Error(`${domain.domain} did not verify: ${check.reason ?? check.status}`);
  const placement = await call<Placement>(`${relayerUrl}${PUBLISHER_ROUTES.placements}`, {
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
