import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startSpreadSweep } from './spread-sweep.ts';

describe('startSpreadSweep', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  /** Runs the sweep for `ticks` seconds and returns what each tick visited. */
  function run(items: Set<number>, periodMs: number, ticks: number, between?: (tick: number) => void) {
    const visits: number[][] = [];
    let current: number[] = [];
    const stop = startSpreadSweep(items, periodMs, (n) => current.push(n));
    for (let t = 0; t < ticks; t++) {
      between?.(t);
      vi.advanceTimersByTime(periodMs / Math.max(1, Math.round(periodMs / 1000)));
      visits.push(current);
      current = [];
    }
    stop();
    return visits;
  }

  it('visits every item once per period, a slice per second', () => {
    const items = new Set(Array.from({ length: 10 }, (_, i) => i));
    const visits = run(items, 3000, 6);
    expect(visits.map((v) => v.length)).toEqual([4, 4, 2, 4, 4, 2]);
    expect(visits.slice(0, 3).flat().sort((a, b) => a - b)).toEqual([...items]);
    expect(visits.slice(3).flat().sort((a, b) => a - b)).toEqual([...items]);
  });

  it('visits a lone item once per period, not on every tick that finds the pass done', () => {
    const visits = run(new Set([7]), 30_000, 90);
    expect(visits.flatMap((v, tick) => v.map(() => tick))).toEqual([0, 30, 60]);
  });

  it('visits all at once when the period is under a second', () => {
    const visits = run(new Set([1, 2, 3]), 150, 2);
    expect(visits).toEqual([[1, 2, 3], [1, 2, 3]]);
  });

  it('follows the collection: a removed item is skipped, one added in a pass is visited in one', () => {
    const items = new Set([1, 2, 3, 4, 5, 6]);
    const visits = run(items, 3000, 6, (tick) => {
      if (tick === 1) {
        items.delete(5);
        items.add(9);
      }
    });
    expect(visits.slice(0, 3).flat()).toEqual([1, 2, 3, 4, 6, 9]);
    expect(visits.slice(3).flat()).toEqual([1, 2, 3, 4, 6, 9]);
  });

  it('stops', () => {
    const seen: number[] = [];
    const stop = startSpreadSweep(new Set([1]), 1000, (n) => seen.push(n));
    stop();
    vi.advanceTimersByTime(5000);
    expect(seen).toEqual([]);
  });
});
