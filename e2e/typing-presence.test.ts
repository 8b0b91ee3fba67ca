import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { subjects } from '@chat/nats';
import { startStack, TEST_JWT_SECRET, TestClient, type TestStack } from '@chat/testing';

let stack: TestStack;
const env = { TYPING_TIMEOUT_MS: '600', PRESENCE_GRACE_MS: '400', PRESENCE_TIMEOUT_MS: '1500' };
beforeAll(async () => {
  stack = await startStack({ gateways: 2, gatewayEnv: env });
});
afterAll(() => stack?.stop());

const ws = (i: number) => stack.gateways[i]!.wsUrl;

async function roomWith(roomId: string, users: Array<[string, number]>) {
  const clients = await Promise.all(users.map(([name, g]) => TestClient.guest(ws(g), name)));
  await clients[0]!.ok('room.created', 'room.create', { roomId });
  for (const c of clients.slice(1)) await c.ok('room.joined', 'room.join', { roomId });
  return clients;
}

describe('typing', () => {
  it('shows typists on different gateways together and clears them on stop, send and timeout', async () => {
    const [a, b, watcher] = await roomWith('typing-room', [['t-a', 0], ['t-b', 1], ['t-w', 0]]);
    a!.send('typing.start', { roomId: 'typing-room' });
    await watcher!.waitForType('typing.update', (d) => d.usersTyping.join() === 't-a');
    b!.send('typing.start', { roomId: 'typing-room' });
    const both = await watcher!.waitForType('typing.update', (d) => d.usersTyping.length === 2);
    expect(both.usersTyping.sort()).toEqual(['t-a', 't-b']);
    expect(await a!.waitForType('typing.update', (d) => d.usersTyping.length === 2)).toBeTruthy();

    b!.send('typing.stop', { roomId: 'typing-room' });
    await watcher!.waitForType('typing.update', (d) => d.usersTyping.join() === 't-a' && watcher!.of('typing.update').length >= 3);
    await a!.ok('message.ack', 'message.send', { roomId: 'typing-room', text: 'done typing' });
    await watcher!.waitForType('typing.update', (d) => d.usersTyping.length === 0);

    const before = watcher!.of('typing.update').length;
    b!.send('typing.start', { roomId: 'typing-room' });
    await watcher!.waitForType('typing.update', (d) => d.usersTyping.join() === 't-b');
    // No stop: it expires after TYPING_TIMEOUT_MS.
    await watcher!.waitForCount((f) => f.type === 'typing.update', before + 2, 3000);
    expect(watcher!.of('typing.update').at(-1)!.usersTyping).toEqual([]);
    // Silent requests answer nothing on success.
    expect(a!.frames.filter((f) => f.ref === undefined && f.type === 'error')).toHaveLength(0);
    await Promise.all([a, b, watcher].map((c) => c!.close()));
  });

  it("clears a user's typing when another of its tabs sends, and signals nothing for a sender nobody saw typing", async () => {
    const [a, b] = await roomWith('typing-send', [['ts-a', 0], ['ts-b', 1]]);
    const aTab = await TestClient.guest(ws(1), 'ts-a');
    const signals: string[] = [];
    const sub = stack.gateways[0]!.nc.subscribe(subjects.typingAll, { callback: (_err, msg) => { signals.push(msg.string()); } });
    await stack.gateways[0]!.nc.flush();
    await aTab.ok('message.ack', 'message.send', { roomId: 'typing-send', text: 'not typing' });
    a!.send('typing.start', { roomId: 'typing-send' });
    await b!.waitForType('typing.update', (d) => d.usersTyping.includes('ts-a'));
    // The typing.start is the first signal: the send before it published none.
    expect(signals.map((m) => JSON.parse(m).typing)).toEqual([true]);
    await aTab.ok('message.ack', 'message.send', { roomId: 'typing-send', text: 'sent from the other tab' });
    await b!.waitForType('typing.update', (d) => d.roomId === 'typing-send' && d.usersTyping.length === 0);
    sub.unsubscribe();
    await Promise.all([a!.close(), b!.close(), aTab.close()]);
  });

  it('clears a typist who disconnects', async () => {
    const [a, b] = await roomWith('typing-gone', [['tg-a', 0], ['tg-b', 1]]);
    a!.send('typing.start', { roomId: 'typing-gone' });
    await b!.waitForType('typing.update', (d) => d.usersTyping.includes('tg-a'));
    await a!.close();
    await b!.waitForType('typing.update', (d) => d.roomId === 'typing-gone' && d.usersTyping.length === 0, 1000);
    await b!.close();
  });
});

describe('presence', () => {
  it('announces online, status changes and offline once per connection across gateways', async () => {
    const [a, b] = await roomWith('presence-room', [['p-a', 0], ['p-b', 1]]);
    const b2 = await TestClient.guest(ws(1), 'p-b');
    a!.send('presence.update', { status: 'dnd' });
    for (const c of [a!, b!, b2]) expect(await c.waitForType('presence.update', (d) => d.username === 'p-a' && d.status === 'dnd')).toMatchObject({ userId: a!.auth.userId });
    const members = await b!.ok('room.members', 'room.members', { roomId: 'presence-room' });
    expect(members.members.find((m) => m.username === 'p-a')!.status).toBe('dnd');

    // A second room shared with the same users still yields one frame per connection.
    await a!.ok('room.created', 'room.create', { roomId: 'presence-two' });
    await b!.ok('room.joined', 'room.join', { roomId: 'presence-two' });
    a!.send('presence.update', { status: 'away' });
    await b!.waitForType('presence.update', (d) => d.username === 'p-a' && d.status === 'away');
    await b2.waitForType('presence.update', (d) => d.username === 'p-a' && d.status === 'away');
    expect(b!.of('presence.update').filter((d) => d.username === 'p-a' && d.status === 'away')).toHaveLength(1);

    expect(await a!.request('presence.update', { status: 'offline' })).toMatchObject({ type: 'error', data: { code: 'BAD_REQUEST' } });
    await a!.close();
    const off = await b!.waitForType('presence.update', (d) => d.username === 'p-a' && d.status === 'offline', 3000);
    expect(off.lastSeen).toEqual(expect.any(Number));
    const after = await b!.ok('room.members', 'room.members', { roomId: 'presence-room' });
    expect(after.members.find((m) => m.username === 'p-a')!.status).toBe('offline');
    await Promise.all([b!.close(), b2.close()]);
  });

  it('shows no flap when a user reconnects within the grace period, even on the other gateway', async () => {
    const [a, b] = await roomWith('flap-room', [['f-a', 0], ['f-b', 1]]);
    await a!.close();
    const back = await TestClient.guest(ws(1), 'f-a');
    // A marker after the grace period: nothing about f-a may come before it.
    await new Promise((r) => setTimeout(r, 800));
    await b!.ok('message.ack', 'message.send', { roomId: 'flap-room', text: 'marker' });
    await b!.waitForType('message.received', (m) => m.text === 'marker');
    expect(b!.of('presence.update').filter((d) => d.username === 'f-a' && d.status === 'offline')).toHaveLength(0);
    await Promise.all([back.close(), b!.close()]);
  });

  it('releases the claim of a user id that is not subject-safe on every gateway', async () => {
    // A JWT sub like this one is hex-encoded in the claim key; the other gateway must still
    // find whose claim a delete was, or the user would stay online there.
    const sub = 'odd.user@example.com';
    const token = await new SignJWT({ name: 'odd-user' }).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setExpirationTime('1h').sign(new TextEncoder().encode(TEST_JWT_SECRET));
    const odd = await TestClient.connect(ws(0));
    expect(await odd.request('auth.login', { token })).toMatchObject({ type: 'auth.success', data: { userId: sub } });
    await odd.ok('room.created', 'room.create', { roomId: 'odd-room' });
    const watcher = await TestClient.guest(ws(1), 'odd-watcher');
    await watcher.ok('room.joined', 'room.join', { roomId: 'odd-room' });
    const online = await watcher.ok('room.members', 'room.members', { roomId: 'odd-room' });
    expect(online.members.find((m) => m.userId === sub)?.status).toBe('online');
    await odd.close();
    await watcher.waitForType('presence.update', (d) => d.userId === sub && d.status === 'offline', 3000);
    const after = await watcher.ok('room.members', 'room.members', { roomId: 'odd-room' });
    expect(after.members.find((m) => m.userId === sub)?.status).toBe('offline');
    await watcher.close();
  });

  it('turns an idle user away, and back online on its next request', async () => {
    const [a, b] = await roomWith('idle-room', [['idle-a', 0], ['idle-b', 1]]);
    await b!.waitForType('presence.update', (d) => d.username === 'idle-a' && d.status === 'away', 5000);
    await a!.ok('room.list', 'room.list', {});
    await b!.waitForType('presence.update', (d) => d.username === 'idle-a' && d.status === 'online' && b!.of('presence.update').some((x) => x.status === 'away'));
    await Promise.all([a!.close(), b!.close()]);
  });
});
