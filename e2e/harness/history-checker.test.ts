import { describe, expect, it } from 'vitest';
import { checkHistories, type ClientHistory } from './history-checker.ts';

const m = (seq: number) => ({ id: `m${seq}`, roomId: 'r', seq });
const stored = new Map([['r', [1, 2, 3].map((seq) => ({ id: `m${seq}`, seq }))]]);
const client = (received: number[], acked = [1, 2, 3]): ClientHistory => ({ name: 'c', rooms: ['r'], sent: acked.length, acked: acked.map(m), received: received.map(m) });

describe('checkHistories', () => {
  it('passes a clean run', () => {
    expect(checkHistories([client([1, 2, 3])], stored)).toMatchObject({ acked: 3, delivered: 3, lost: 0, duplicated: 0, reordered: 0, storeGaps: 0 });
  });
  it('counts a message a client never got as lost', () => {
    expect(checkHistories([client([1, 3])], stored).lost).toBe(1);
  });
  it('counts repeats and reordering', () => {
    const v = checkHistories([client([1, 2, 2, 3]), client([2, 1, 3])], stored);
    expect(v.duplicated).toBe(1);
    expect(v.reordered).toBe(1);
  });
  it('sees an acked message missing from the store and a gap in it', () => {
    const gappy = new Map([['r', [{ id: 'm1', seq: 1 }, { id: 'm3', seq: 3 }]]]);
    const v = checkHistories([client([1, 2, 3])], gappy);
    expect(v.lost).toBe(1);
    expect(v.storeGaps).toBe(1);
  });
});
