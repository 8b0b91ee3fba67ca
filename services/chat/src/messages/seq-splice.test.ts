import { expect, it } from 'vitest';
import { joinSeq, splitAtSeq } from './seq-splice.ts';

const event = (text: string, username = 'ann') => ({
  type: 'chat.message.sent.v1',
  data: { message: { id: 'm1', roomId: 'general', seq: 0, userId: 'u1', username, text, timestamp: 1 } },
  eventId: 'e1',
});

it('joins a seq into the event where the message seq was', () => {
  const e = event('hello');
  const joined = joinSeq(splitAtSeq(JSON.stringify(e)), 42);
  expect(JSON.parse(joined)).toEqual({ ...e, data: { message: { ...e.data.message, seq: 42 } } });
});

it('is not fooled by user text or names that spell the key', () => {
  const e = event('"seq":0, and {"seq":0,"x":1}', '"seq":0,');
  const joined = joinSeq(splitAtSeq(JSON.stringify(e)), 7);
  expect(JSON.parse(joined)).toEqual({ ...e, data: { message: { ...e.data.message, seq: 7 } } });
});

it('refuses JSON without exactly one message seq of 0', () => {
  expect(() => splitAtSeq(JSON.stringify({ message: { seq: 3 } }))).toThrow(/must hold/);
  expect(() => splitAtSeq(JSON.stringify({ a: { seq: 0, b: 1 }, c: { seq: 0, d: 2 } }))).toThrow(/must hold/);
});
