import { describe, expect, it } from 'vitest';
import type { Message } from '@chat/contracts';
import { TextFrame, type Payload } from '../ws/text-frame.ts';
import { RoomFeed, type FeedConn } from './room-feed.ts';

const msg = (seq: number): Message => ({ id: `m${seq}`, roomId: 'r', seq, userId: 'u', username: 'u', text: `t${seq}`, timestamp: seq });
const frame = (seq: number) => JSON.stringify({ type: 'message.received', data: msg(seq) });

function conn() {
  const got: number[] = [];
  const c: FeedConn & { got: number[] } = { got, sendRaw: (p: Payload) => got.push(JSON.parse(String(p instanceof TextFrame ? p.payload : p)).data.seq) };
  return c;
}

function feed(stored: number, initial = 0) {
  const calls: Array<[number, number]> = [];
  let resolveFill: (() => void) | undefined;
  const filled = new Promise<void>((r) => (resolveFill = r));
  const f = new RoomFeed('r', initial, {
    gapWaitMs: 0,
    onError: () => {},
    catchUp: async (_room, after, limit) => {
      calls.push([after, limit]);
      const out = Array.from({ length: Math.max(0, Math.min(limit, stored - after)) }, (_, i) => msg(after + 1 + i));
      setTimeout(() => resolveFill?.(), 0);
      return out;
    },
  });
  return { f, calls, filled };
}

describe('RoomFeed', () => {
  it('delivers in order and drops repeats', () => {
    const { f } = feed(0);
    const c = conn();
    f.addConn(c, 0);
    for (const s of [1, 2, 2, 1, 3]) f.deliverMessage(s, frame(s));
    expect(c.got).toEqual([1, 2, 3]);
  });

  it('holds early arrivals and fills a gap from the store', async () => {
    const { f, calls, filled } = feed(4);
    const c = conn();
    f.addConn(c, 0);
    f.deliverMessage(1, frame(1));
    f.deliverMessage(4, frame(4));
    expect(c.got).toEqual([1]);
    await filled;
    await new Promise((r) => setTimeout(r, 5));
    expect(c.got).toEqual([1, 2, 3, 4]);
    expect(calls[0]).toEqual([1, 500]);
  });

  it('releases held messages in order when the gap closes by itself', () => {
    const { f } = feed(0);
    const c = conn();
    f.addConn(c, 0);
    f.deliverMessage(3, frame(3));
    f.deliverMessage(2, frame(2));
    f.deliverMessage(1, frame(1));
    expect(c.got).toEqual([1, 2, 3]);
  });

  it('skips what a connection already has when it joins ahead of the feed', () => {
    const { f } = feed(0, 5);
    const early = conn();
    const ahead = conn();
    f.addConn(early, 5);
    f.addConn(ahead, 7);
    for (const s of [6, 7, 8]) f.deliverMessage(s, frame(s));
    expect(early.got).toEqual([6, 7, 8]);
    expect(ahead.got).toEqual([8]);
  });

  it('sends a connection that joins behind the feed what it missed, before anything newer', async () => {
    const { f } = feed(10, 8);
    const late = conn();
    f.addConn(late, 5);
    f.deliverMessage(9, frame(9));
    await new Promise((r) => setTimeout(r, 10));
    f.deliverMessage(10, frame(10));
    expect(late.got).toEqual([6, 7, 8, 9, 10]);
  });
});
