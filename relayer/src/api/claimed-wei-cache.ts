import type { Address } from "viem";
import type { Clock } from "../clock.ts";
import type { ClaimedWeiOf } from "./profile.ts";

/**
 * The on-chain claimed amount per address for dashboard profiles, read at most once per `ttlMs` per address: a
 * claim happens on-chain without the relayer hearing of it, so a profile push has nothing better than a recent read,
 * and reading the chain on every push let a crowd of subscribers turn each verdict into as many RPC calls. The read
 * in progress is what is cached, so concurrent profiles share one call. At most `maxEntries` addresses are kept
 * (oldest read dropped first), so subscribing to ever new addresses cannot grow it.
 */
export class ClaimedWeiCache {
  private readonly entries = new Map<Address, { value: Promise<bigint | null>; readAt: number }>();
  private readonly read: ClaimedWeiOf;
  private readonly clock: Clock;
  private readonly ttlMs: number;
  private readonly maxEntries: number;

  constructor(options: { read: ClaimedWeiOf; clock: Clock; ttlMs: number; maxEntries: number }) {
    this.read = options.read;
    this.clock = options.clock;
    this.ttlMs = options.ttlMs;
    this.maxEntries = options.maxEntries;
  }

  readonly claimedWei: ClaimedWeiOf = (address) => {
    const now = this.clock.now();
    const cached = this.entries.get(address);
    if (cached && now - cached.readAt < this.ttlMs) return cached.value;
    // Re-inserted, so the map's order stays oldest read first.
    this.entries.delete(address);
    const value = this.read(address);
    this.entries.set(address, { value, readAt: now });
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(oldest);
    }
    return value;
  };
}
