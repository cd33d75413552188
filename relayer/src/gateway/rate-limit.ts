/** Token bucket: `ratePerSecond` sustained, `burst` at once. One per connection; cheap enough for 10k sockets. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly ratePerMs: number;
  private readonly burst: number;

  constructor(ratePerSecond: number, burst: number, now: number) {
    this.ratePerMs = ratePerSecond / 1000;
    this.burst = burst;
    this.tokens = burst;
    this.last = now;
  }

  take(now: number): boolean {
    this.tokens = Math.min(this.burst, this.tokens + (now - this.last) * this.ratePerMs);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
