import { expect, it } from 'vitest';
import type { Message } from '@chat/contracts';
import { createChatClient } from '@chat/nats';
import { describeOnEachDatabase, TestClient } from '@chat/testing';

describeOnEachDatabase('messages', ({ stack }) => {
  const ws = () => stack().gateways[0]!.wsUrl;
  const seqs = (ms: Message[]) => ms.map((m) => m.seq);

  it('acks a send once stored and broadcasts it to every member connection, the sender included', async () => {
    const a = await TestClient.guest(ws(), 'mm-a');
    const a2 = await TestClient.guest(ws(), 'mm-a');
    const b = await TestClient.guest(ws(), 'mm-b');
    await a.ok('room.created', 'room.create', { roomId: 'talk' });
    await b.ok('room.joined', 'room.join', { roomId: 'talk' });
    a.send('message.send', { roomId: 'talk', text: '  hello <b>world</b>  ', clientMsgId: 'c1' }, 'send-1');
    const ack = await a.waitFor((f) => f.ref === 'send-1');
    expect(ack).toMatchObject({ type: 'message.ack', data: { roomId: 'talk', seq: 1, clientMsgId: 'c1', id: expect.any(String), timestamp: expect.any(Number) } });
    for (const c of [a, a2, b]) {
      const m = await c.waitForType('message.received', (x) => x.roomId === 'talk');
      expect(m).toMatchObject({ seq: 1, text: '  hello <b>world</b>  ', username: 'mm-a', userId: a.auth.userId, clientMsgId: 'c1' });
    }
    expect(a.frames.find((f) => f.type === 'message.received')!.ref).toBeUndefined();
    await Promise.all([a.close(), a2.close(), b.close()]);
  });

  it('validates text: blank is BAD_REQUEST, over 4000 code points PAYLOAD_TOO_LARGE, 4000 emoji fine', async () => {
    const a = await TestClient.guest(ws(), 'mv-a');
    await a.ok('room.created', 'room.create', { roomId: 'texts' });
    expect(await a.request('message.send', { roomId: 'texts', text: ' \n\t\u00a0' })).toMatchObject({ type: 'error', data: { code: 'BAD_REQUEST' } });
    expect(await a.request('message.send', { roomId: 'texts', text: 'x'.repeat(4001) })).toMatchObject({ type: 'error', data: { code: 'PAYLOAD_TOO_LARGE' } });
    expect(await a.request('message.send', { roomId: 'texts', text: '😀'.repeat(4000) })).toMatchObject({ type: 'message.ack', data: { seq: 1 } });
    expect(await a.request('message.send', { roomId: 'texts', text: 'x', clientMsgId: 'y'.repeat(65) })).toMatchObject({ type: 'error', data: { code: 'BAD_REQUEST' } });
    expect(await a.request('message.send', { roomId: 'texts' })).toMatchObject({ type: 'error', data: { code: 'BAD_REQUEST', message: expect.stringContaining('data.text') } });
    // PostgreSQL text cannot hold NUL: refused up front, not an INTERNAL from the database.
    expect(await a.request('message.send', { roomId: 'texts', text: 'a\u0000b' })).toMatchObject({ type: 'error', data: { code: 'BAD_REQUEST', message: expect.stringContaining('U+0000') } });
    expect(await a.request('message.send', { roomId: 'texts', text: 'x', clientMsgId: 'c\u0000' })).toMatchObject({ type: 'error', data: { code: 'BAD_REQUEST' } });
    // Rejected sends changed nothing: the next seq is 2.
    expect(await a.request('message.send', { roomId: 'texts', text: 'next' })).toMatchObject({ type: 'message.ack', data: { seq: 2 } });
    // Quotes, backslashes and SQL are text like any other (PGlite runs sends as EXECUTE with literals).
    const tricky = "it's \\'); DROP TABLE messages; -- \\x00 $1 ''";
    expect(await a.request('message.send', { roomId: 'texts', text: tricky, clientMsgId: "q'1" })).toMatchObject({ type: 'message.ack', data: { seq: 3, clientMsgId: "q'1" } });
    expect(await a.request('message.send', { roomId: 'texts', text: tricky, clientMsgId: "q'1" })).toMatchObject({ type: 'message.ack', data: { seq: 3 } });
    const history = await a.ok('message.history', 'message.history', { roomId: 'texts' });
    expect(history.messages.map((m) => m.text)).toEqual(['😀'.repeat(4000), 'next', tricky]);
    await a.close();
  });

  it('makes a clientMsgId send idempotent: same ack, one broadcast', async () => {
    const a = await TestClient.guest(ws(), 'mi-a');
    await a.ok('room.created', 'room.create', { roomId: 'idem' });
    const first = await a.ok('message.ack', 'message.send', { roomId: 'idem', text: 'once', clientMsgId: 'same' });
    const again = await a.ok('message.ack', 'message.send', { roomId: 'idem', text: 'once', clientMsgId: 'same' });
    expect(again).toEqual(first);
    const next = await a.ok('message.ack', 'message.send', { roomId: 'idem', text: 'after' });
    expect(next.seq).toBe(first.seq + 1);
    await a.waitForType('message.received', (m) => m.seq === next.seq);
    expect(a.of('message.received').filter((m) => m.roomId === 'idem').map((m) => m.seq)).toEqual([1, 2]);
    await a.close();
  });

  it('answers each send of a sendMany request on its own: stored, repeated, refused', async () => {
    const a = await TestClient.guest(ws(), 'sm-a');
    const b = await TestClient.guest(ws(), 'sm-b');
    await a.ok('room.created', 'room.create', { roomId: 'many' });
    const actor = (c: typeof a) => ({ userId: c.auth.userId, username: c.auth.username });
    const chat = createChatClient(stack().gateways[0]!.nc);
    const { results } = await chat('message.sendMany', {
      sends: [
        { actor: actor(a), roomId: 'many', text: 'one', clientMsgId: 'k1' },
        { actor: actor(b), roomId: 'many', text: 'not mine' },
        { actor: actor(a), roomId: 'many', text: 'two' },
        { actor: actor(a), roomId: 'many', text: 'one again', clientMsgId: 'k1' },
        { actor: actor(a), roomId: 'nowhere', text: 'lost' },
        { actor: actor(a), roomId: 'many', text: ' ' },
      ],
    });
    expect(results.map((r) => (r.ok ? r.result.ack.seq : r.error.code))).toEqual([1, 'NOT_A_MEMBER', 2, 1, 'ROOM_NOT_FOUND', 'BAD_REQUEST']);
    const history = await a.ok('message.history', 'message.history', { roomId: 'many' });
    expect(history.messages.map((m) => m.text)).toEqual(['one', 'two']);
    await Promise.all([a.close(), b.close()]);
  });

  it('pages history with before, after and both, oldest first, limit clamped to 200', async () => {
    const a = await TestClient.guest(ws(), 'mh-a');
    await a.ok('room.created', 'room.create', { roomId: 'hist' });
    for (let i = 1; i <= 210; i++) a.send('message.send', { roomId: 'hist', text: `m${i}` }, `h${i}`);
    await a.waitFor((f) => f.ref === 'h210');
    const latest = await a.ok('message.history', 'message.history', { roomId: 'hist' });
    expect(seqs(latest.messages)).toEqual(Array.from({ length: 50 }, (_, i) => 161 + i));
    expect(latest.hasMore).toBe(true);
    const before = await a.ok('message.history', 'message.history', { roomId: 'hist', before: 11, limit: 5 });
    expect(seqs(before.messages)).toEqual([6, 7, 8, 9, 10]);
    expect(before.hasMore).toBe(true);
    const start = await a.ok('message.history', 'message.history', { roomId: 'hist', before: 4, limit: 5 });
    expect(seqs(start.messages)).toEqual([1, 2, 3]);
    expect(start.hasMore).toBe(false);
    const after = await a.ok('message.history', 'message.history', { roomId: 'hist', after: 205, limit: 3 });
    expect(seqs(after.messages)).toEqual([206, 207, 208]);
    expect(after.hasMore).toBe(true);
    const end = await a.ok('message.history', 'message.history', { roomId: 'hist', after: 207 });
    expect(seqs(end.messages)).toEqual([208, 209, 210]);
    expect(end.hasMore).toBe(false);
    const between = await a.ok('message.history', 'message.history', { roomId: 'hist', after: 10, before: 20, limit: 5 });
    expect(seqs(between.messages)).toEqual([11, 12, 13, 14, 15]);
    expect(between.hasMore).toBe(true);
    const betweenAll = await a.ok('message.history', 'message.history', { roomId: 'hist', after: 10, before: 14 });
    expect(seqs(betweenAll.messages)).toEqual([11, 12, 13]);
    expect(betweenAll.hasMore).toBe(false);
    const clamped = await a.ok('message.history', 'message.history', { roomId: 'hist', limit: 1000 });
    expect(clamped.messages).toHaveLength(200);
    await a.close();
  });

  it('recovers with room.join {since}: missed messages in order, paged with hasMore', async () => {
    const a = await TestClient.guest(ws(), 'mr-a');
    const b = await TestClient.guest(ws(), 'mr-b');
    await a.ok('room.created', 'room.create', { roomId: 'recover' });
    await b.ok('room.joined', 'room.join', { roomId: 'recover' });
    await a.ok('message.ack', 'message.send', { roomId: 'recover', text: 'before' });
    await b.waitForType('message.received', (m) => m.roomId === 'recover' && m.seq === 1);
    await b.close();
    for (let i = 0; i < 7; i++) await a.ok('message.ack', 'message.send', { roomId: 'recover', text: `missed ${i}` });
    const back = await TestClient.guest(ws(), 'mr-b');
    expect(back.auth.rooms.find((r) => r.roomId === 'recover')).toMatchObject({ lastSeq: 8, lastReadSeq: 0, unread: 8 });
    const page1 = await back.ok('room.joined', 'room.join', { roomId: 'recover', since: 1, limit: 4 });
    expect(seqs(page1.recentMessages)).toEqual([2, 3, 4, 5]);
    expect(page1.hasMore).toBe(true);
    const page2 = await back.ok('room.joined', 'room.join', { roomId: 'recover', since: 5, limit: 4 });
    expect(seqs(page2.recentMessages)).toEqual([6, 7, 8]);
    expect(page2.hasMore).toBe(false);
    expect(back.of('room.userJoined')).toHaveLength(0);
    await Promise.all([a.close(), back.close()]);
  });

  it('moves read state only forward, clamps it, broadcasts only real moves, marks own sends read', async () => {
    const a = await TestClient.guest(ws(), 'rd-a');
    const b = await TestClient.guest(ws(), 'rd-b');
    await a.ok('room.created', 'room.create', { roomId: 'reads' });
    await b.ok('room.joined', 'room.join', { roomId: 'reads' });
    for (let i = 0; i < 5; i++) await a.ok('message.ack', 'message.send', { roomId: 'reads', text: `r${i}` });
    expect(await b.ok('message.read.ack', 'message.read', { roomId: 'reads', seq: 3 })).toEqual({ roomId: 'reads', seq: 3 });
    expect(await a.waitForType('message.read', (d) => d.userId === b.auth.userId)).toEqual({ roomId: 'reads', userId: b.auth.userId, username: 'rd-b', seq: 3 });
    expect(await b.ok('message.read.ack', 'message.read', { roomId: 'reads', seq: 1 })).toEqual({ roomId: 'reads', seq: 3 });
    expect(await b.ok('message.read.ack', 'message.read', { roomId: 'reads', seq: 99 })).toEqual({ roomId: 'reads', seq: 5 });
    await a.waitForType('message.read', (d) => d.seq === 5);
    expect(a.of('message.read').map((d) => d.seq)).toEqual([3, 5]);
    const members = await a.ok('room.members', 'room.members', { roomId: 'reads' });
    expect(members.members.find((m) => m.username === 'rd-a')!.lastReadSeq).toBe(5);
    expect(members.members.find((m) => m.username === 'rd-b')!.lastReadSeq).toBe(5);
    await Promise.all([a.close(), b.close()]);
    const again = await TestClient.guest(ws(), 'rd-b');
    expect(again.auth.rooms.find((r) => r.roomId === 'reads')).toEqual({ roomId: 'reads', lastSeq: 5, lastReadSeq: 5, unread: 0 });
    await again.close();
  });
}, { gatewayEnv: { RATE_LIMIT_BURST: '1000' } });
