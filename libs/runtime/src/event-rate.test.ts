import { expect, it } from 'vitest';
import { createEventRate } from './event-rate.ts';

it('counts a steady flow as its rate over the window, and forgets it when the flow stops', () => {
  let t = 0;
  const rate = createEventRate(100, () => t);
  // 1,500 events a second in batches of 6 every 4 ms, for a second.
  for (; t < 1000; t += 4) rate.add(6);
  expect(rate.recent()).toBeGreaterThan(140);
  expect(rate.recent()).toBeLessThan(160);
  expect(rate.perSecond()).toBeGreaterThan(1400);
  expect(rate.perSecond()).toBeLessThan(1600);
  t += 500; // five windows of quiet
  expect(rate.recent()).toBeLessThan(1.2);
});

it('keeps a quiet flow low', () => {
  let t = 0;
  const rate = createEventRate(100, () => t);
  for (; t < 1000; t += 5) rate.add(1); // 200 events a second
  expect(rate.recent()).toBeGreaterThan(18);
  expect(rate.recent()).toBeLessThan(22);
});
