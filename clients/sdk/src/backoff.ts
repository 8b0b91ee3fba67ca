/**
 * Reconnect delays: exponential growth capped at `maxMs`, with "equal jitter" (a delay is
 * drawn between half and all of the current step). Jitter spreads a crowd of clients that
 * lost the same gateway, so they do not all come back in the same millisecond; keeping
 * the lower half means a client never retries at once in a tight loop.
 */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** Injected for tests; defaults to Math.random. */
  random?: () => number;
}

export interface Backoff {
  /** The delay before the next attempt; each call moves one step further. */
  next(): number;
  /** Back to the first step (after a successful login). */
  reset(): void;
  readonly attempt: number;
}

export function createBackoff(opts: BackoffOptions): Backoff {
  const random = opts.random ?? Math.random;
  const base = Math.max(1, opts.baseMs);
  const max = Math.max(base, opts.maxMs);
  let attempt = 0;
  return {
    next() {
      // 2 ** 40 already dwarfs any sane maxMs; the cap keeps the arithmetic finite.
      const step = Math.min(max, base * 2 ** Math.min(attempt, 40));
      attempt += 1;
      return Math.round(step / 2 + (random() * step) / 2);
    },
    reset() {
      attempt = 0;
    },
    get attempt() {
      return attempt;
    },
  };
}
