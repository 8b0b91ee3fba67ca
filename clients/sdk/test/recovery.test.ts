import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '@chat/contracts';
import { startStack, TestClient, type TestStack } from '@chat/testing';
import { ChatError, createChatClient, type ChatClient, type ConnectionState } from '../src/index.ts';

// Every socket the SDK opens, so a test can cut the current one like a network failure.
const sockets: WebSocket[] = [];
class TrackedWebSocket extends WebSocket {
  constructor(url: string) {
    super(url);
    sockets.push(this);
  }
}

let stack: TestStack;
const clients: ChatClient[] = [];
const testClients: TestClient[] = [];

beforeAll(async () => {
  // The sender below outpaces the default 5 msg/s user budget on purpose.
  stack = await startStack({ gateways: 2, gatewayEnv: { RATE_LIMIT_BURST: '1000', RATE_LIMIT_PER_SEC: '1000', PRESENCE_GRACE_MS: '200' } });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all(testClients.map((c) => c.close()));
  await stack?.stop();
});

function sdkClient(username: string, wsUrl = stack.gateways.at(-1)!.wsUrl): ChatClient {
  const client = createChatClient({ url: wsUrl, auth: { username }, WebSocket: TrackedWebSocket, reconnect: { baseMs: 50, maxMs: 300 } });
  clients.push(client);
  return client;
}

function collect(client: ChatClient, roomId: string) {
  const got: Message[] = [];
  const waiters: Array<() => void> = [];
  client.on('message.received', (m) => {
    if (m.roomId !== roomId) return;
    got.push(m);
    waiters.splice(0).forEach((w) => w());
  });
  return {
    got,
    async until(count: number, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (got.length < count) {
        if (Date.now() > deadline) throw new Error(`got ${got.length}/${count}: ${got.map((m) => m.seq).join(',')}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 100);
        });
      }
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function expectExactlyOnceInOrder(messages: Message[], total: number) {
  expect(messages.map((m) => m.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
}

describe('sdk against the real stack', () => {
  it('logs in, reports state with the serverId, and rejects requests with the server code', async () => {
    const alice = sdkClient('sdk-alice0');
    const states: ConnectionState[] = [];
    alice.on('state', (s) => states.push(s));
    const auth = await alice.connect();
    expect(auth.username).toBe('sdk-alice0');
    expect(alice.state).toMatchObject({ status: 'open', serverId: auth.serverId });
    expect(states.map((s) => s.status)).toEqual(['connecting', 'open']);
    await expect(alice.sendMessage('no-such-room', 'hi')).rejects.toMatchObject({ code: 'ROOM_NOT_FOUND' });
    await expect(alice.joinRoom('Bad Id')).rejects.toBeInstanceOf(ChatError);
    await expect(alice.createRoom({ roomId: 'sdk-dup' })).resolves.toMatchObject({ roomId: 'sdk-dup' });
    await expect(alice.createRoom({ roomId: 'sdk-dup' })).rejects.toMatchObject({ code: 'ROOM_EXISTS' });
    expect(typeof (await alice.ping())).toBe('number');
  });

  it('logs in with a token from POST /api/v1/auth/guest, and stops for good on a bad one', async () => {
    const res = await fetch(`${stack.gateways[0]!.url}/api/v1/auth/guest`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'sdk-tokenuser' }) });
    const { token } = (await res.json()) as { token: string };
    const good = createChatClient({ url: stack.gateways[0]!.wsUrl, auth: { getToken: () => token }, WebSocket: TrackedWebSocket });
    clients.push(good);
    expect((await good.connect()).username).toBe('sdk-tokenuser');
    const bad = createChatClient({ url: stack.gateways[0]!.wsUrl, auth: { token: 'not-a-jwt' }, WebSocket: TrackedWebSocket, reconnect: { baseMs: 10 } });
    clients.push(bad);
    await expect(bad.connect()).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    expect(bad.state.status).toBe('closed');
  });

  it('after a dropped socket, recovers and delivers every message exactly once, in order, and resends unacked sends', async () => {
    const roomId = 'sdk-recover';
    const alice = sdkClient('sdk-alice');
    await alice.connect();
    await alice.createRoom({ roomId });
    const inbox = collect(alice, roomId);
    const states: string[] = [];
    alice.on('state', (s) => states.push(s.status));
    let recovered = 0;
    alice.on('recovered', (r) => (recovered += r.count));

    const bob = await TestClient.guest(stack.gateways[0]!.wsUrl, 'sdk-bob');
    testClients.push(bob);
    await bob.ok('room.joined', 'room.join', { roomId });
    for (let i = 1; i <= 5; i++) await bob.ok('message.ack', 'message.send', { roomId, text: `b${i}` });
    await inbox.until(5);

    // Bob keeps talking while Alice's socket dies; Alice also talks while offline.
    const bobSends = (async () => {
      for (let i = 6; i <= 60; i++) {
        await bob.ok('message.ack', 'message.send', { roomId, text: `b${i}` });
        await sleep(5);
      }
    })();
    await sleep(40);
    sockets.at(-1)!.terminate();
    const aliceSends = [1, 2, 3].map((i) => alice.sendMessage(roomId, `a${i}`));
    await bobSends;
    const acks = await Promise.all(aliceSends);
    expect(new Set(acks.map((a) => a.seq)).size).toBe(3);

    const total = 63;
    await inbox.until(total);
    await sleep(300); // anything extra would show up now
    expectExactlyOnceInOrder(inbox.got, total);
    expect(inbox.got.filter((m) => m.username === 'sdk-alice').map((m) => m.text)).toEqual(['a1', 'a2', 'a3']);
    expect(states).toContain('reconnecting');
    expect(recovered).toBeGreaterThan(0); // some of Bob's messages came back through room.join {since}
    expect(alice.state.status).toBe('open');
    expect(alice.lastSeq(roomId)).toBe(total);

    // The server stored each of Alice's messages once (a resend with the same clientMsgId is idempotent).
    const history = await alice.history(roomId, { limit: 200 });
    expectExactlyOnceInOrder(history.messages, total);
  });

  it('survives a gateway restart on the same port: re-login, recovery, no duplicates', async () => {
    const roomId = 'sdk-restart';
    const gw = stack.gateways[0]!;
    const port = Number(new URL(gw.url).port);
    const carol = sdkClient('sdk-carol', gw.wsUrl);
    const dave = sdkClient('sdk-dave', gw.wsUrl);
    await Promise.all([carol.connect(), dave.connect()]);
    const firstServer = carol.state.serverId;
    await carol.createRoom({ roomId });
    await dave.joinRoom(roomId);
    const carolInbox = collect(carol, roomId);
    const daveInbox = collect(dave, roomId);
    for (let i = 1; i <= 3; i++) await carol.sendMessage(roomId, `c${i}`);
    await daveInbox.until(3);

    // Gina, on the other gateway, talks while gateway 0 is down.
    const gina = await TestClient.guest(stack.gateways[1]!.wsUrl, 'sdk-gina');
    testClients.push(gina);
    await gina.ok('room.joined', 'room.join', { roomId });
    await Promise.all([carolInbox.until(3), daveInbox.until(3)]);

    const shutdown = new Promise((resolve) => dave.on('server.shutdown', resolve));
    await gw.stop();
    await shutdown;
    for (let i = 1; i <= 3; i++) await gina.ok('message.ack', 'message.send', { roomId, text: `g${i}` });
    // Sent while no gateway is up: queued, then sent after the re-login.
    const pending = [dave.sendMessage(roomId, 'd1'), dave.sendMessage(roomId, 'd2')];
    expect(dave.state.status).toBe('reconnecting');
    await sleep(300);
    const next = await stack.startGateway({}, { port });
    await Promise.all(pending);
    await carol.sendMessage(roomId, 'c4');
    await Promise.all([carolInbox.until(9), daveInbox.until(9)]);
    await sleep(300);
    expectExactlyOnceInOrder(carolInbox.got, 9);
    expectExactlyOnceInOrder(daveInbox.got, 9);
    expect(daveInbox.got.map((m) => m.text)).toEqual(['c1', 'c2', 'c3', 'g1', 'g2', 'g3', 'd1', 'd2', 'c4']);
    expect(carol.state).toMatchObject({ status: 'open', serverId: next.app.ctx.serverId });
    expect(carol.state.serverId).not.toBe(firstServer);
  });

  it('receives a first DM in a room it did not know, and close() rejects what is left', async () => {
    const erin = sdkClient('sdk-erin');
    const frank = sdkClient('sdk-frank');
    await Promise.all([erin.connect(), frank.connect()]);
    const added = new Promise<string>((resolve) => frank.on('room.added', (d) => resolve(d.room.roomId)));
    const got: Message[] = [];
    frank.on('message.received', (m) => got.push(m));
    const ack = await erin.sendDm('sdk-frank', 'psst');
    expect(await added).toBe(ack.roomId);
    await expect.poll(() => got.map((m) => m.text)).toEqual(['psst']);
    frank.close();
    expect(frank.state.status).toBe('closed');
    await expect(frank.sendMessage(ack.roomId, 'late')).rejects.toMatchObject({ code: 'CLOSED' });
  });
});
