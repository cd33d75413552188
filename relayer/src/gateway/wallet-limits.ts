import type { Address } from "viem";
import type { Clock } from "../clock.ts";
import { TokenBucket } from "./rate-limit.ts";

interface Wallet {
  frames: TokenBucket;
  channels: number;
}

/**
 * Limits per signed-in wallet rather than per connection: every channel of one account (its WebSockets and its
 * HTTP polling session) spends one frame budget, and an account holds at most `maxChannels` channels, so twenty
 * sockets of one wallet get one wallet's budget, not twenty. A wallet is forgotten once it holds no channel and
 * its budget has refilled: reconnecting does not buy a fresh budget, and memory follows the wallets connected.
 */
export class WalletLimits {
  private readonly wallets = new Map<Address, Wallet>();
  private readonly clock: Clock;
  private readonly messagesPerSecond: number;
  private readonly burst: number;
  readonly maxChannels: number;

  constructor(options: { clock: Clock; messagesPerSecond: number; burst: number; maxChannels: number }) {
    this.clock = options.clock;
    this.messagesPerSecond = options.messagesPerSecond;
    this.burst = options.burst;
    this.maxChannels = options.maxChannels;
  }

  /** Counts a new channel of `account`; false when it already holds `maxChannels` (the channel is refused). */
  open(account: Address): boolean {
    const wallet = this.wallet(account);
    if (wallet.channels >= this.maxChannels) return false;
    wallet.channels++;
    return true;
  }

  /** One of the account's channels ended. */
  close(account: Address): void {
    const wallet = this.wallets.get(account);
    if (wallet && wallet.channels > 0) wallet.channels--;
  }

  /** Spends one frame of the account's budget; false when it is spent. */
  take(account: Address): boolean {
    return this.wallet(account).frames.take(this.clock.now());
  }

  /** Periodic: forgets wallets with no channel whose budget has refilled. */
  sweep(): void {
    const now = this.clock.now();
    for (const [account, wallet] of this.wallets) {
      if (wallet.channels === 0 && wallet.frames.isFull(now)) this.wallets.delete(account);
    }
  }

  get trackedWallets(): number {
    return this.wallets.size;
  }

  private wallet(account: Address): Wallet {
    let wallet = this.wallets.get(account);
    if (!wallet) {
      wallet = { frames: new TokenBucket(this.messagesPerSecond, this.burst, this.clock.now()), channels: 0 };
      this.wallets.set(account, wallet);
    }
    return wallet;
  }
}
