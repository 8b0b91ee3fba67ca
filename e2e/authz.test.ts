/**
 * Authorization, table-driven: every WebSocket request and HTTP route, for an unauthenticated
 * client, a non-member, a member and the creator, on public, private and dm rooms. Each gets
 * exactly what the contract says, and nothing about hidden rooms leaks anywhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, TestClient, type TestStack } from '@chat/testing';

let stack: TestStack;
let creator: TestClient;
let member: TestClient;
let outsider: TestClient;
let anonymous: TestClient;
let dmRoom: string;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  stack = await startStack({ gatewayEnv: { RATE_LIMIT_BURST: '1000' } });
  const ws = stack.gateways[0]!.wsUrl;
  for (const name of ['az-creator', 'az-member', 'az-outsider']) {
    const res = await fetch(`${stack.gateways[0]!.url}/api/v1/auth/guest`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: name }) });
    tokens[name] = ((await res.json()) as { token: string }).token;
  }
  creator = await TestClient.guest(ws, 'az-creator');
  member = await TestClient.guest(ws, 'az-member');
  outsider = await TestClient.guest(ws, 'az-outsider');
  anonymous = await TestClient.connect(ws);
  await creator.ok('room.created', 'room.create', { roomId: 'az-public' });
  await creator.ok('room.created', 'room.create', { roomId: 'az-private', private: true });
  await member.ok('room.joined', 'room.join', { roomId: 'az-public' });
  await creator.ok('room.invited', 'room.invite', { roomId: 'az-private', username: 'az-member' });
  dmRoom = (await creator.ok('message.ack', 'dm.send', { to: 'az-member', text: 'dm' })).roomId;
  await creator.ok('message.ack', 'message.send', { roomId: 'az-private', text: 'secret text' });
  creator.send('typing.start', { roomId: 'az-private' });
});
afterAll(() => stack?.stop());

type Outcome = string; // a reply type, an error code, or 'silent'
const rooms = () => ({ public: 'az-public', private: 'az-private', dm: dmRoom });
const requests = (roomId: string): Array<[string, Record<string, unknown>]> => [
  ['room.members', { roomId }],
  ['message.history', { roomId }],
  ['message.send', { roomId, text: 'x' }],
  ['message.read', { roomId, seq: 1 }],
  ['typing.start', { roomId }],
  ['typing.stop', { roomId }],
  ['room.invite', { roomId, username: 'az-creator' }],
  ['room.leave', { roomId }],
  ['room.join', { roomId }],
];

// Expected outcome per (kind, actor, request). Member/creator rows skip the mutating leave/join.
const TABLE: Record<'public' | 'private' | 'dm', Record<'outsider' | 'member' | 'creator', Record<string, Outcome>>> = {
  public: {
    outsider: { 'room.members': 'room.members', 'message.history': 'message.history', 'message.send': 'NOT_A_MEMBER', 'message.read': 'NOT_A_MEMBER', 'typing.start': 'NOT_A_MEMBER', 'typing.stop': 'NOT_A_MEMBER', 'room.invite': 'NOT_A_MEMBER', 'room.leave': 'NOT_A_MEMBER' },
    member: { 'room.members': 'room.members', 'message.history': 'message.history', 'message.send': 'message.ack', 'message.read': 'message.read.ack', 'typing.start': 'silent', 'typing.stop': 'silent', 'room.invite': 'room.invited', 'room.join': 'room.joined' },
    creator: { 'room.members': 'room.members', 'message.history': 'message.history', 'message.send': 'message.ack', 'message.read': 'message.read.ack', 'typing.start': 'silent', 'typing.stop': 'silent', 'room.invite': 'room.invited', 'room.join': 'room.joined' },
  },
  private: {
    outsider: Object.fromEntries(requests('x').map(([t]) => [t, 'ROOM_NOT_FOUND'])),
    member: { 'room.members': 'room.members', 'message.history': 'message.history', 'message.send': 'message.ack', 'message.read': 'message.read.ack', 'typing.start': 'silent', 'room.invite': 'room.invited', 'room.join': 'room.joined' },
    creator: { 'room.members': 'room.members', 'message.history': 'message.history', 'message.send': 'message.ack', 'typing.stop': 'silent', 'room.invite': 'room.invited' },
  },
  dm: {
    outsider: Object.fromEntries(requests('x').map(([t]) => [t, 'ROOM_NOT_FOUND'])),
    member: { 'room.members': 'room.members', 'message.history': 'message.history', 'message.send': 'message.ack', 'message.read': 'message.read.ack', 'room.invite': 'FORBIDDEN', 'room.leave': 'FORBIDDEN', 'room.join': 'room.joined' },
    creator: { 'room.members': 'room.members', 'message.send': 'message.ack', 'room.invite': 'FORBIDDEN', 'room.leave': 'FORBIDDEN' },
  },
};

async function outcome(c: TestClient, type: string, data: Record<string, unknown>): Promise<Outcome> {
  if (type.startsWith('typing.')) {
    // Silent on success: a ping right after proves no error came first (requests are ordered).
    const ref = `t-${Math.random()}`;
    c.send(type, data, ref);
    const pong = await c.request('ping', {});
    const err = c.frames.find((f) => f.ref === ref);
    return err ? (err.data as { code: string }).code : pong.type === 'pong' ? 'silent' : 'unexpected';
  }
  const reply = await c.request(type, data);
  return reply.type === 'error' ? (reply.data as { code: string }).code : reply.type;
}

describe('WebSocket requests', () => {
  for (const kind of ['public', 'private', 'dm'] as const) {
    for (const actor of ['outsider', 'member', 'creator'] as const) {
      it(`${actor} on a ${kind} room`, async () => {
        const client = { outsider, member, creator }[actor];
        const roomId = rooms()[kind];
        for (const [type, data] of requests(roomId)) {
          const expected = TABLE[kind][actor][type];
          if (!expected) continue;
          expect(await outcome(client, type, data), `${actor} ${type} on ${kind}`).toBe(expected);
        }
      });
    }
  }

  it('refuses every request before login with AUTH_REQUIRED', async () => {
    for (const [type, data] of [...requests('az-public'), ['room.list', {}], ['room.create', { roomId: 'az-x' }], ['dm.send', { to: 'az-member', text: 'x' }], ['presence.update', { status: 'away' }]] as const) {
      expect(await outcome(anonymous, type, data), type).toBe('AUTH_REQUIRED');
    }
  });

  it('leaks no hidden room to an outsider: not in lists, broadcasts, typing or errors', async () => {
    const list = await outsider.ok('room.list', 'room.list', {});
    expect(list.rooms.map((r) => r.roomId)).toEqual(expect.not.arrayContaining(['az-private', dmRoom]));
    // Broadcasts only: replies to the outsider's own probes naturally repeat the id it sent.
    const everything = JSON.stringify(outsider.frames.filter((f) => f.ref === undefined));
    expect(everything).not.toContain('secret text');
    expect(everything).not.toContain(dmRoom);
    const unknown = await outsider.request('message.history', { roomId: 'az-nothing' });
    const hidden = await outsider.request('message.history', { roomId: 'az-private' });
    expect((hidden.data as { message: string }).message).toBe((unknown.data as { message: string }).message.replace('az-nothing', 'az-private'));
  });
});

describe('HTTP routes', () => {
  const get = async (path: string, who?: string) => (await fetch(`${stack.gateways[0]!.url}${path}`, { headers: who ? { authorization: `Bearer ${tokens[who]}` } : {} })).status;

  it.each([
    ['public', 'az-outsider', 200],
    ['private', 'az-outsider', 404],
    ['dm', 'az-outsider', 404],
    ['private', 'az-member', 200],
    ['dm', 'az-member', 200],
    ['private', 'az-creator', 200],
  ] as const)('%s room as %s answers %i on every room route', async (kind, who, status) => {
    const roomId = rooms()[kind];
    for (const suffix of ['', '/members', '/history']) expect(await get(`/api/v1/rooms/${roomId}${suffix}`, who), suffix).toBe(status);
  });

  it('answers 401 to every authenticated route without a token', async () => {
    for (const path of ['/api/v1/rooms', '/api/v1/rooms/az-public', '/api/v1/rooms/az-public/members', '/api/v1/rooms/az-public/history']) expect(await get(path)).toBe(401);
  });
});
