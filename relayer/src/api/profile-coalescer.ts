import { type NodeProfile, toJson } from "@gitblock/sdk";
import type { Address } from "viem";
import type { Logger } from "../log.ts";

interface Refresh {
  timer: NodeJS.Timeout | null;
  running: Promise<void> | null;
  /** Changed again since the computation in progress started. */
  stale: boolean;
}

/**
 * Recomputes a watched address's profile once per change, however many subscribers watch it: the changes within
 * `coalesceMs` (a verdict, a credit, a new subscriber) make one computation, one runs at a time per address, and its
 * result, serialised once, goes to every subscriber. The profile is read from the store, because the balances and
 * activity it shows are written there in the transactions that emit the events; what bounds the reads is that they
 * are per changed address and tick, never per push or per subscriber.
 */
export class ProfileCoalescer {
  private readonly refreshes = new Map<Address, Refresh>();
  private readonly compute: (address: Address) => Promise<NodeProfile | undefined>;
  private readonly deliver: (address: Address, json: string) => void;
  private readonly coalesceMs: number;
  private readonly log: Logger;

  constructor(options: {
    compute: (address: Address) => Promise<NodeProfile | undefined>;
    /** Hands the `profile` message to the address's subscribers. */
    deliver: (address: Address, json: string) => void;
    coalesceMs: number;
    log: Logger;
  }) {
    this.compute = options.compute;
    this.deliver = options.deliver;
    this.coalesceMs = options.coalesceMs;
    this.log = options.log;
  }

  /** Something the address's profile shows may have changed: recompute it within `coalesceMs`. */
  changed(address: Address): void {
    let refresh = this.refreshes.get(address);
    if (!refresh) {
      refresh = { timer: null, running: null, stale: false };
      this.refreshes.set(address, refresh);
    }
    if (refresh.running) refresh.stale = true;
    else this.schedule(address, refresh);
  }

  /** Nobody watches the address any more: no computation is scheduled for it. */
  forget(address: Address): void {
    const refresh = this.refreshes.get(address);
    if (!refresh) return;
    if (refresh.timer) clearTimeout(refresh.timer);
    this.refreshes.delete(address);
  }

  /** Cancels what is scheduled and waits for the computations in progress (before the store closes). */
  async close(): Promise<void> {
    const running = [...this.refreshes.values()].map((refresh) => refresh.running);
    for (const address of [...this.refreshes.keys()]) this.forget(address);
    await Promise.allSettled(running);
  }

  private schedule(address: Address, refresh: Refresh): void {
    if (refresh.timer) return;
    refresh.timer = setTimeout(() => {
      refresh.timer = null;
      refresh.stale = false;
      refresh.running = this.run(address).finally(() => {
        refresh.running = null;
        if (refresh.stale && this.refreshes.get(address) === refresh) this.schedule(address, refresh);
      });
    }, this.coalesceMs);
  }

  private async run(address: Address): Promise<void> {
    try {
      const profile = await this.compute(address);
      if (profile && this.refreshes.has(address)) this.deliver(address, toJson({ type: "profile", profile }));
    } catch (error) {
      this.log.warn({ err: error, address }, "dashboard profile failed");
    }
  }
}
