import { describe, expect, it } from 'vitest';
import { createRateLimits } from './rate-limits.ts';
import { TokenBucket } from './token-bucket.ts';
import { WindowCap } from './window-cap.ts';

describe('TokenBucket', () => {
  it('allows a burst, then refuses with the time until the next token', () => {
    const b = new TokenBucket(3, 2, 0);
    expect([b.take(0), b.take(0), b.take(0)].map((r) => r.ok)).toEqual([true, true, true]);
    expect(b.take(0)).toEqual({ ok: false, retryAfterMs: 500 });
    expect(b.take(500).ok).toBe(true);
  });

  it('reports when the bucket is full again', () => {
    const b = new TokenBucket(10, 5, 1000);
    const r = b.take(1000);
    expect(r).toEqual({ ok: true, remaining: 9, resetTime: 1200 });
  });
});

describe('WindowCap', () => {
  it('caps requests per one-second window and asks to close after three windows over', () => {
    const cap = new WindowCap(2);
    expect(cap.hit(0).ok).toBe(true);
    expect(cap.hit(10).ok).toBe(true);
    expect(cap.hit(20)).toEqual({ ok: false, retryAfterMs: 980, close: false });
    cap.hit(1000);
    cap.hit(1001);
    expect(cap.hit(1002)).toMatchObject({ ok: false, close: false });
    cap.hit(2000);
    cap.hit(2001);
    expect(cap.hit(2002)).toMatchObject({ ok: false, close: true });
  });

  it('forgives a flood that stopped for a window', () => {
    const cap = new WindowCap(1);
    cap.hit(0);
    cap.hit(1);
    cap.hit(1000);
    cap.hit(1001);
    expect(cap.hit(3000).ok).toBe(true);
    cap.hit(3001);
    expect(cap.hit(3002)).toMatchObject({ ok: false, close: false });
  });
});

describe('rate limits', () => {
  it('warns at 20% left and refuses an empty bucket with RATE_LIMITED', () => {
    const limits = createRateLimits({ burst: 10, perSec: 1, connPerSec: 100 });
    const cap = limits.newConnectionCap();
    const verdicts = Array.from({ length: 10 }, () => limits.check('u', 'message.send', cap, 0));
    expect(verdicts.slice(0, 7).every((v) => v.warning === undefined)).toBe(true);
    expect(verdicts[7]!.warning).toMatchObject({ remaining: 2 });
    expect(() => limits.check('u', 'room.invite', cap, 0)).toThrow(expect.objectContaining({ code: 'RATE_LIMITED', retryAfterMs: 1000 }));
    expect(limits.check('other', 'dm.send', cap, 0)).toEqual({});
    expect(limits.check('u', 'room.list', cap, 0)).toEqual({});
    limits.close();
  });
});
