import { afterEach, describe, expect, it } from 'vitest';
import type { Message } from '@chat/contracts';
import { createChatClient, type ChatClient, type ChatError } from '../src/index.ts';
import { authSuccess, fakeWebSocket, message, type ClientFrame, type FakeSocket } from './fake-server.ts';

const open: ChatClient[] = [];
afterEach(() => open.splice(0).forEach((c) => c.close()));

function client(server: (f: ClientFrame, s: FakeSocket) => void, extra: Partial<Parameters<typeof createChatClient>[0]> = {}) {
  const fake = fakeWebSocket(server);
  const c = createChatClient({ url: 'ws://fake/ws', auth: { username: 'alice' }, WebSocket: fake.FakeWebSocket, reconnect: { baseMs: 10, maxMs: 20 }, pingIntervalMs: 0, ...extra });
  open.push(c);
  return { c, sockets: fake.sockets };
}

describe('sdk client (fake gateway)', () => {
  it('fills a gap in the live stream with message.history and delivers in order', async () => {
    const { c, sockets } = client((f, s) => {
      if (f.type === 'auth.login') s.push({ ...authSuccess([{ roomId: 'r', lastSeq: 0 }]), ref: f.ref });
      if (f.type === 'message.history') {
        expect(f.data).toMatchObject({ roomId: 'r', after: 1, before: 4 });
        s.push({ type: 'message.history', ref: f.ref, data: { roomId: 'r', messages: [message('r', 2), message('r', 3)], hasMore: false } });
      }
    });
    const got: number[] = [];
    const recovered: unknown[] = [];
    c.on('message.received', (m: Message) => got.push(m.seq));
    c.on('recovered', (r) => recovered.push(r));
    await c.connect();
    const s = sockets[0]!;
    s.push({ type: 'message.received', data: message('r', 1) });
    s.push({ type: 'message.received', data: message('r', 4) });
    s.push({ type: 'message.received', data: message('r', 4) });
    await expect.poll(() => got).toEqual([1, 2, 3, 4]);
    s.push({ type: 'message.received', data: message('r', 3) });
    s.push({ type: 'message.received', data: message('r', 5) });
    await expect.poll(() => got).toEqual([1, 2, 3, 4, 5]);
    expect(recovered).toEqual([{ roomId: 'r', count: 3, reason: 'gap' }]);
  });

  it('on reconnect pages room.join {since} while hasMore, and resends an unacked send with the same clientMsgId', async () => {
    let logins = 0;
    const sends: string[] = [];
    const { c, sockets } = client((f, s) => {
      if (f.type === 'auth.login') s.push({ ...authSuccess([{ roomId: 'r', lastSeq: logins++ === 0 ? 2 : 6 }], `gw-${logins}`), ref: f.ref });
      if (f.type === 'room.join') {
        const since = f.data.since as number;
        const upTo = Math.min(since + 2, 6);
        const msgs = [];
        for (let q = since + 1; q <= upTo; q++) msgs.push(message('r', q));
        s.push({ type: 'room.joined', ref: f.ref, data: { room: {}, users: [], recentMessages: msgs, hasMore: upTo < 6 } });
      }
      if (f.type === 'message.send') {
        sends.push(f.data.clientMsgId as string);
        // The first attempt is swallowed by the dying socket; the resend is acked.
        if (sends.length === 2) s.push({ type: 'message.ack', ref: f.ref, data: { roomId: 'r', id: 'x', seq: 7, timestamp: 1, clientMsgId: f.data.clientMsgId } });
      }
    });
    const got: number[] = [];
    c.on('message.received', (m) => got.push(m.seq));
    await c.connect();
    const sent = c.sendMessage('r', 'hello');
    await expect.poll(() => sends.length).toBe(1);
    sockets[0]!.drop(1006);
    await expect(sent).resolves.toMatchObject({ seq: 7 });
    expect(sends[0]).toBe(sends[1]);
    await expect.poll(() => got).toEqual([3, 4, 5, 6]);
    const joins = sockets[1]!.received.filter((f) => f.type === 'room.join').map((f) => f.data.since);
    expect(joins).toEqual([2, 4]);
    expect(c.state).toMatchObject({ status: 'open', serverId: 'gw-2' });
  });

  it('rejects with the server error code, TIMEOUT when silent, and reports failed typing as an error event', async () => {
    const { c } = client((f, s) => {
      if (f.type === 'auth.login') s.push({ ...authSuccess(), ref: f.ref });
      if (f.type === 'room.join') s.push({ type: 'error', ref: f.ref, data: { code: 'ROOM_NOT_FOUND', message: 'room x not found' } });
      if (f.type === 'typing.start') s.push({ type: 'error', ref: f.ref, data: { code: 'NOT_A_MEMBER', message: 'no' } });
      // room.list: never answered
    }, { requestTimeoutMs: 50 });
    const errors: ChatError[] = [];
    c.on('error', (e) => errors.push(e));
    await c.connect();
    await expect(c.joinRoom('x')).rejects.toMatchObject({ code: 'ROOM_NOT_FOUND', message: 'room x not found', requestType: 'room.join' });
    await expect(c.listRooms()).rejects.toMatchObject({ code: 'TIMEOUT' });
    c.typing('x', true);
    await expect.poll(() => errors.map((e) => [e.code, e.requestType])).toEqual([['NOT_A_MEMBER', 'typing.start']]);
  });

  it('stops for good when the credentials are refused', async () => {
    const { c, sockets } = client((f, s) => {
      if (f.type === 'auth.login') {
        s.push({ type: 'auth.error', ref: f.ref, data: { code: 'AUTH_FAILED', message: 'bad token' } });
        setTimeout(() => s.drop(4401), 0);
      }
    });
    await expect(c.connect()).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    await new Promise((r) => setTimeout(r, 50));
    expect(c.state.status).toBe('closed');
    expect(sockets).toHaveLength(1);
  });

  it('waits for server.shutdown reconnectAfterMs before reconnecting', async () => {
    const { c, sockets } = client((f, s) => {
      if (f.type === 'auth.login') s.push({ ...authSuccess(), ref: f.ref });
    });
    await c.connect();
    const before = Date.now();
    sockets[0]!.push({ type: 'server.shutdown', data: { reconnectAfterMs: 120 } });
    await new Promise((r) => setTimeout(r, 5));
    sockets[0]!.drop(1012);
    expect(c.state.status).toBe('reconnecting');
    expect(c.state.nextAttemptAt! - before).toBeGreaterThanOrEqual(120);
    await expect.poll(() => c.state.status).toBe('open');
    expect(sockets).toHaveLength(2);
  });
});
