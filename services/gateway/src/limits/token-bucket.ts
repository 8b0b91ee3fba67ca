/** A token bucket: `burst` tokens, refilled continuously at `perSec`. Pure: time is passed in. */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly burst: number,
    private readonly perSec: number,
    now: number,
  ) {
    this.tokens = burst;
    this.updatedAt = now;
  }

  private refill(now: number) {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.updatedAt) / 1000) * this.perSec);
    this.updatedAt = now;
  }

  /** Takes one token, or says how long until one is there. */
  take(now: number): { ok: true; remaining: number; resetTime: number } | { ok: false; retryAfterMs: number } {
    this.refill(now);
    if (this.tokens < 1) return { ok: false, retryAfterMs: Math.ceil(((1 - this.tokens) / this.perSec) * 1000) };
    this.tokens -= 1;
    return { ok: true, remaining: Math.floor(this.tokens), resetTime: now + Math.ceil(((this.burst - this.tokens) / this.perSec) * 1000) };
  }

  isFull(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.burst;
  }
}
