import { describe, expect, it } from 'vitest';
import { createBackoff } from '../src/backoff.ts';

describe('backoff', () => {
  it('doubles each step up to the cap, drawing between half and all of the step', () => {
    const low = createBackoff({ baseMs: 100, maxMs: 1000, random: () => 0 });
    expect([1, 2, 3, 4, 5, 6].map(() => low.next())).toEqual([50, 100, 200, 400, 500, 500]);
    const high = createBackoff({ baseMs: 100, maxMs: 1000, random: () => 1 });
    expect([1, 2, 3, 4, 5, 6].map(() => high.next())).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('stays within [step/2, step] with real randomness', () => {
    const b = createBackoff({ baseMs: 200, maxMs: 5000 });
    for (let i = 0; i < 50; i++) {
      const step = Math.min(5000, 200 * 2 ** i);
      const d = b.next();
      expect(d).toBeGreaterThanOrEqual(step / 2);
      expect(d).toBeLessThanOrEqual(step);
    }
  });

  it('starts over after reset and counts attempts', () => {
    const b = createBackoff({ baseMs: 100, maxMs: 1000, random: () => 1 });
    b.next();
    b.next();
    expect(b.attempt).toBe(2);
    b.reset();
    expect(b.attempt).toBe(0);
    expect(b.next()).toBe(100);
  });

  it('never overflows after very many attempts', () => {
    const b = createBackoff({ baseMs: 100, maxMs: 30_000, random: () => 1 });
    for (let i = 0; i < 5000; i++) b.next();
    expect(b.next()).toBe(30_000);
  });
});
