import { describe, expect, it } from 'vitest';
import type { Message } from '@chat/contracts';
import { createSeqTracker } from '../src/seq-tracker.ts';

const msg = (roomId: string, seq: number): Message => ({ id: `${roomId}-${seq}`, roomId, seq, userId: 'u', username: 'u', text: `m${seq}`, timestamp: seq });
const seqs = (ms: Message[]) => ms.map((m) => m.seq);

describe('seq tracker', () => {
  it('delivers in-order messages one by one and drops repeats', () => {
    const t = createSeqTracker();
    t.init('r', 0);
    expect(seqs(t.offer(msg('r', 1)))).toEqual([1]);
    expect(seqs(t.offer(msg('r', 2)))).toEqual([2]);
    expect(t.offer(msg('r', 2))).toEqual([]);
    expect(t.offer(msg('r', 1))).toEqual([]);
    expect(t.cursor('r')).toBe(2);
  });

  it('holds messages behind a gap, reports it, and releases them in order once filled', () => {
    const t = createSeqTracker();
    t.init('r', 3);
    expect(t.offer(msg('r', 6))).toEqual([]);
    expect(t.offer(msg('r', 7))).toEqual([]);
    expect(t.gap('r')).toEqual({ roomId: 'r', after: 3, before: 6 });
    expect(seqs(t.offer(msg('r', 4)))).toEqual([4]);
    expect(t.gap('r')).toEqual({ roomId: 'r', after: 4, before: 6 });
    expect(seqs(t.offer(msg('r', 5)))).toEqual([5, 6, 7]);
    expect(t.gap('r')).toBeUndefined();
    expect(t.buffered('r')).toBe(0);
  });

  it('never delivers a (roomId, seq) twice, whatever the mix of live, recovered and repeated input', () => {
    const t = createSeqTracker();
    t.init('r', 0);
    const input = [3, 1, 2, 2, 5, 4, 1, 6, 3, 7, 7, 10, 8, 9, 9];
    const out = input.flatMap((s) => seqs(t.offer(msg('r', s))));
    expect(out).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('keeps rooms independent', () => {
    const t = createSeqTracker();
    t.init('a', 0);
    t.init('b', 10);
    expect(seqs(t.offer(msg('a', 1)))).toEqual([1]);
    expect(t.offer(msg('b', 5))).toEqual([]);
    expect(seqs(t.offer(msg('b', 11)))).toEqual([11]);
    expect(t.gap('a')).toBeUndefined();
  });

  it('starts an unknown room at its first message, and init does not move a known cursor', () => {
    const t = createSeqTracker();
    expect(seqs(t.offer(msg('dm-x', 4)))).toEqual([4]);
    t.init('dm-x', 0);
    expect(t.cursor('dm-x')).toBe(4);
    expect(t.offer(msg('dm-x', 3))).toEqual([]);
  });

  it('forgets a room (left) and can skip seqs that will never exist', () => {
    const t = createSeqTracker();
    t.init('r', 0);
    t.offer(msg('r', 3));
    t.offer(msg('r', 4));
    expect(seqs(t.skipTo('r', 2))).toEqual([3, 4]);
    t.forget('r');
    expect(t.has('r')).toBe(false);
    expect(t.roomIds()).toEqual([]);
  });
});
