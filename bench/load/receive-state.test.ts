import { describe, expect, it } from 'vitest';
import { readDelivery, messageText } from './frames.ts';
import { Histogram } from './histogram.ts';
import { ReceiveState } from './receive-state.ts';

describe('ReceiveState', () => {
  it('counts in-order frames as neither duplicate nor out of order', () => {
    const s = new ReceiveState(0);
    for (const seq of [1, 2, 3]) s.add(seq, true);
    expect([s.duplicates, s.outOfOrder, s.countMissing([1, 2, 3])]).toEqual([0, 0, 0]);
  });

  it('tells a late frame (out of order) from a repeated one (duplicate)', () => {
    const s = new ReceiveState(0);
    for (const seq of [1, 3, 2, 3]) s.add(seq, true);
    expect([s.outOfOrder, s.duplicates]).toEqual([1, 1]);
    expect(s.countMissing([1, 2, 3])).toBe(0);
  });

  it('reports what was never seen, and recovery fills gaps without counting duplicates', () => {
    const s = new ReceiveState(0);
    s.add(1, true);
    s.add(4, true);
    expect(s.countMissing([1, 2, 3, 4])).toBe(2);
    expect(s.contiguous()).toBe(1);
    s.newLife();
    for (const seq of [2, 3, 4]) s.add(seq, false);
    expect([s.countMissing([1, 2, 3, 4]), s.duplicates, s.outOfOrder, s.covers(4)]).toEqual([0, 0, 0, true]);
  });

  it('judges order per connection life', () => {
    const s = new ReceiveState(0);
    s.add(5, true);
    s.newLife();
    s.add(6, true);
    expect(s.outOfOrder + s.duplicates).toBe(0);
  });
});

describe('frames', () => {
  it('reads seq and send time out of a message.received frame, whatever the field order', () => {
    const text = messageText(true, 1234.5678, '');
    const a = JSON.stringify({ type: 'message.received', data: { id: 'x', roomId: 'r', seq: 42, userId: 'u', username: 'u', text, timestamp: 1 } });
    const b = JSON.stringify({ type: 'message.received', data: { text, seq: 7, roomId: 'r' } });
    expect(readDelivery(a)).toMatchObject({ seq: 42, sentAt: 1234.5678, measured: true });
    expect(readDelivery(b)).toMatchObject({ seq: 7, sentAt: 1234.5678, measured: true });
    expect(readDelivery(JSON.stringify({ type: 'message.received', data: { seq: 1, text: 'hello' } }))).toBeUndefined();
  });
});

describe('Histogram', () => {
  it('gives percentiles within 0.2 % and merges', () => {
    const a = new Histogram();
    const b = new Histogram();
    for (let i = 1; i <= 1000; i++) (i % 2 ? a : b).recordMs(i);
    a.merge(b.serialize());
    const s = a.summary();
    expect(s.count).toBe(1000);
    expect(Math.abs(s.p50Ms - 500) / 500).toBeLessThan(0.002);
    expect(Math.abs(s.p99Ms - 990) / 990).toBeLessThan(0.002);
    expect(s.maxMs).toBe(1000);
  });
});
