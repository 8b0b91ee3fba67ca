import { AppError, type RequestType } from '@chat/contracts';
import { TokenBucket } from './token-bucket.ts';
import { WindowCap } from './window-cap.ts';

/** Requests that spend the user's tokens; all others count against the connection cap. */
export const BUCKET_REQUESTS: ReadonlySet<string> = new Set<RequestType>(['message.send', 'dm.send', 'room.create', 'room.invite']);

export interface RateVerdict {
  /** Sent after the successful reply when the bucket runs low. */
  warning?: { remaining: number; resetTime: number; message: string };
}

/** The rate limits of one gateway: a token bucket per user, a window cap per connection. */
export function createRateLimits(opts: { burst: number; perSec: number; connPerSec: number }) {
  const buckets = new Map<string, TokenBucket>();
  const warnAt = Math.floor(opts.burst * 0.2);

  // Full buckets carry no state worth keeping.
  const sweeper = setInterval(() => {
    const now = Date.now();
    for (const [userId, bucket] of buckets) if (bucket.isFull(now)) buckets.delete(userId);
  }, 60_000);
  sweeper.unref();

  return {
    newConnectionCap: () => new WindowCap(opts.connPerSec),
    /** Throws RATE_LIMITED when the request must not be applied; closeConn asks for a 1008 close. */
    check(userId: string, type: string, cap: WindowCap, now = Date.now()): RateVerdict & { closeConn?: boolean } {
      if (!BUCKET_REQUESTS.has(type)) {
        const verdict = cap.hit(now);
        if (verdict.ok) return {};
        if (verdict.close) return { closeConn: true };
        throw new AppError('RATE_LIMITED', 'too many requests on this connection', verdict.retryAfterMs);
      }
      let bucket = buckets.get(userId);
      if (!bucket) buckets.set(userId, (bucket = new TokenBucket(opts.burst, opts.perSec, now)));
      const taken = bucket.take(now);
      if (!taken.ok) throw new AppError('RATE_LIMITED', 'rate limit reached, slow down', taken.retryAfterMs);
      if (taken.remaining > warnAt) return {};
      return { warning: { remaining: taken.remaining, resetTime: taken.resetTime, message: `${taken.remaining} requests left before rate limiting` } };
    },
    close: () => clearInterval(sweeper),
  };
}
