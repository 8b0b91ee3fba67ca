import { describe, expect, it } from 'vitest';
import { subjects } from '@chat/nats';
import type { OutboxRow } from '../src/outbox/outbox.ts';
import { MAX_BATCH_BYTES, MAX_BATCH_EVENTS, publications } from '../src/outbox/publications.ts';

const row = (id: number, text = 'hi'): OutboxRow => ({
  id,
  event_id: `e${id}`,
  subject: subjects.chatEvent(`r${id % 3}`),
  payload: JSON.stringify({ type: 'chat.message.read.v1', eventId: `e${id}`, n: id, text }),
});
const rows = (n: number, text?: string) => Array.from({ length: n }, (_, i) => row(i + 1, text));
const eventIds = (payload: string) => (JSON.parse(payload) as Array<{ eventId: string }>).map((e) => e.eventId);

describe('publications', () => {
  it('publishes a lone row as it is: its room subject, its eventId as message id', () => {
    const [one] = rows(1);
    expect(publications([one!])).toEqual([{ subject: one!.subject, payload: one!.payload, msgID: 'e1' }]);
    expect(publications([])).toEqual([]);
  });

  it('puts several rows into one batch message, in order, whatever their rooms', () => {
    const out = publications(rows(5));
    expect(out).toHaveLength(1);
    expect(out[0]!.subject).toBe(subjects.chatEventBatch);
    expect(eventIds(out[0]!.payload)).toEqual(['e1', 'e2', 'e3', 'e4', 'e5']);
  });

  it('names a batch by exactly its events: the same rows again give the same id, other rows another', () => {
    const [a] = publications(rows(5));
    const [again] = publications(rows(5));
    const [longer] = publications(rows(6));
    const [shifted] = publications(rows(6).slice(1));
    expect(again!.msgID).toBe(a!.msgID);
    expect(new Set([a!.msgID, longer!.msgID, shifted!.msgID]).size).toBe(3);
  });

  it('splits at the event count and byte limits, keeping order and every row', () => {
    const many = publications(rows(MAX_BATCH_EVENTS * 2 + 1));
    expect(many.map((p) => (p.subject === subjects.chatEventBatch ? eventIds(p.payload).length : 1))).toEqual([MAX_BATCH_EVENTS, MAX_BATCH_EVENTS, 1]);
    expect(many[2]!.msgID).toBe(`e${MAX_BATCH_EVENTS * 2 + 1}`);

    const big = rows(12, 'é'.repeat(40_000)); // 80 KB of UTF-8 each: three fit under the byte limit
    const split = publications(big);
    expect(split.every((p) => Buffer.byteLength(p.payload) <= MAX_BATCH_BYTES)).toBe(true);
    expect(split.flatMap((p) => eventIds(p.payload))).toEqual(big.map((r) => r.event_id));
    expect(split).toHaveLength(4);
  });
});
