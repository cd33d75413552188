import type { Address } from "viem";

/** Which cap a refused dashboard subscription hit (the label of `gitblock_dashboard_refused_total`). */
export type SubscriberLimit = "total" | "ip" | "address";

/**
 * Counts open dashboard subscriptions in total, per client (an IPv4 address, an IPv6 /64: `requestClientKey`) and per
 * subscribed address, and refuses one over any cap.
 */
export class SubscriberLimits {
  private total = 0;
  private readonly perIp = new Map<string, number>();
  private readonly perAddress = new Map<Address, number>();
  private readonly caps: { maxSubscribers: number; maxPerIp: number; maxPerAddress: number };

  constructor(caps: { maxSubscribers: number; maxPerIp: number; maxPerAddress: number }) {
    this.caps = caps;
  }

  /** Counts the subscription in, or names the cap it would exceed (and counts nothing). */
  admit(client: string, address: Address | null): SubscriberLimit | null {
    if (this.total >= this.caps.maxSubscribers) return "total";
    if ((this.perIp.get(client) ?? 0) >= this.caps.maxPerIp) return "ip";
    if (address && (this.perAddress.get(address) ?? 0) >= this.caps.maxPerAddress) return "address";
    this.total += 1;
    adjust(this.perIp, client, 1);
    if (address) adjust(this.perAddress, address, 1);
    return null;
  }

  release(client: string, address: Address | null): void {
    this.total -= 1;
    adjust(this.perIp, client, -1);
    if (address) adjust(this.perAddress, address, -1);
  }
}

/** Keys counted down to zero are deleted, so the maps hold open subscriptions only. */
function adjust<K>(counts: Map<K, number>, key: K, by: number): void {
  const next = (counts.get(key) ?? 0) + by;
  if (next > 0) counts.set(key, next);
  else counts.delete(key);
}
