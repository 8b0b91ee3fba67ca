import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { freePort } from '@chat/nats';
import { spawnService, startStack, TestClient, type TestStack } from '@chat/testing';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack({
    gatewayEnv: { RATE_LIMIT_BURST: '5', RATE_LIMIT_PER_SEC: '1', CONN_MAX_REQUESTS_PER_SEC: '10', HEARTBEAT_INTERVAL_MS: '150', AUTH_TIMEOUT_MS: '400', MAX_BUFFERED_BYTES: '65536' },
  });
});
afterAll(() => stack?.stop());
const ws = () => stack.gateways[0]!.wsUrl;

describe('rate limits', () => {
  it('spends one bucket on sends, warns at 20% left, refuses when empty without applying', async () => {
    const a = await TestClient.guest(ws(), 'rl-a');
    await a.ok('room.created', 'room.create', { roomId: 'limited' }); // 4 left
    await a.ok('message.ack', 'message.send', { roomId: 'limited', text: '1' }); // 3
    await a.ok('message.ack', 'message.send', { roomId: 'limited', text: '2' }); // 2
    const ref3 = await a.request('message.send', { roomId: 'limited', text: '3' }); // 1 left: warn
    expect(ref3.type).toBe('message.ack');
    const warning = await a.waitFor((f) => f.type === 'rateLimit.warning' && f.ref === ref3.ref);
    expect(warning.data).toMatchObject({ remaining: 1, resetTime: expect.any(Number), message: expect.any(String) });
    await a.ok('message.ack', 'message.send', { roomId: 'limited', text: '4' });
    const refused = await a.request('message.send', { roomId: 'limited', text: 'never stored' });
    expect(refused).toMatchObject({ type: 'error', data: { code: 'RATE_LIMITED', retryAfterMs: expect.any(Number) } });
    expect(await a.request('room.invite', { roomId: 'limited', username: 'rl-a' })).toMatchObject({ data: { code: 'RATE_LIMITED' } });
    const history = await a.ok('message.history', 'message.history', { roomId: 'limited' });
    expect(history.messages.map((m) => m.text)).toEqual(['1', '2', '3', '4']);
    await a.close();
  });

  it('caps other requests per connection, closes a persistent flood with 1008, and spares other clients', async () => {
    const flooder = await TestClient.guest(ws(), 'flooder');
    const bystander = await TestClient.guest(ws(), 'bystander');
    let closed = false;
    void flooder.closed.then(() => (closed = true));
    const deadline = Date.now() + 6000;
    while (!closed && Date.now() < deadline) {
      for (let i = 0; i < 30; i++) flooder.send('ping', {}, `f${i}`);
      expect(await bystander.request('ping', {})).toMatchObject({ type: 'pong' });
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await flooder.closed).code).toBe(1008);
    expect(flooder.of('error').some((e) => e.code === 'RATE_LIMITED' && typeof e.retryAfterMs === 'number')).toBe(true);
    await bystander.close();
  });
});

describe('liveness', () => {
  it('answers ping with pong and serverTime', async () => {
    const a = await TestClient.guest(ws(), 'live-a');
    const pong = await a.ok('pong', 'ping', {});
    expect(Math.abs(pong.serverTime - Date.now())).toBeLessThan(5000);
    await a.close();
  });

  it('terminates a peer that stops answering WebSocket pings (client sees 1006)', async () => {
    const socket = new WebSocket(ws(), { autoPong: false });
    // Logged in, so the login timeout cannot be what closes it.
    socket.once('open', () => socket.send(JSON.stringify({ type: 'auth.login', data: { username: 'no-pong' } })));
    const code = await new Promise<number>((resolve) => socket.once('close', (c) => resolve(c)));
    expect(code).toBe(1006);
  });

  it('closes 4401 when no login arrives in time', async () => {
    const c = await TestClient.connect(ws());
    expect((await c.closed).code).toBe(4401);
  });

  it('closes a reader that cannot keep up with 1013', async () => {
    // Default heartbeats here: a paused reader must be closed for its buffer, not its pongs.
    const gateway = await stack.startGateway({ MAX_BUFFERED_BYTES: '65536', RATE_LIMIT_BURST: '5000', RATE_LIMIT_PER_SEC: '1000', HEARTBEAT_INTERVAL_MS: '30000' });
    const ws = () => gateway.wsUrl;
    const sender = await TestClient.guest(ws(), 'slow-sender');
    const slow = await TestClient.guest(ws(), 'slow-reader');
    await sender.ok('room.created', 'room.create', { roomId: 'firehose' });
    await slow.ok('room.joined', 'room.join', { roomId: 'firehose' });
    const raw = (slow.ws as unknown as { _socket: import('node:net').Socket })._socket;
    raw.pause();
    // 12 KB frames: the kernel's socket buffers absorb a few MB before the gateway's own
    // buffer starts to grow past MAX_BUFFERED_BYTES.
    const text = '€'.repeat(4000);
    const gatewayConn = () => [...gateway.app.ctx.connections].find((c) => c.username === 'slow-reader');
    const limited = await TestClient.guest(ws(), 'slow-sender');
    for (let i = 0; i < 3000 && gatewayConn(); i++) {
      const r = await limited.request('message.send', { roomId: 'firehose', text });
      if (r.type === 'error') await new Promise((res) => setTimeout(res, (r.data as { retryAfterMs?: number }).retryAfterMs ?? 100));
      if (gatewayConn()?.socket.readyState !== WebSocket.OPEN) break;
    }
    raw.resume();
    expect((await slow.closed).code).toBe(1013);
    await Promise.all([sender.close(), limited.close()]);
  });
});

describe('capacity', () => {
  it('refuses upgrades beyond MAX_CONNECTIONS with HTTP 503', async () => {
    const small = await stack.startGateway({ MAX_CONNECTIONS: '2' });
    const a = await TestClient.connect(small.wsUrl);
    const b = await TestClient.connect(small.wsUrl);
    await expect(TestClient.connect(small.wsUrl)).rejects.toMatchObject({ statusCode: 503 });
    await a.close();
    await b.close();
  });
});

describe('shutdown', () => {
  // SIGHUP: a closed terminal hangs up the process group of `npm start` run by hand.
  it.each(['SIGTERM', 'SIGHUP'] as const)('sends server.shutdown, closes 1012 and exits within 10 s on %s', async (signal) => {
    const port = await freePort();
    const gw = spawnService('gateway', { NATS_URL: stack.nats.url, PORT: String(port), HOST: '127.0.0.1', JWT_SECRET: 'x'.repeat(32) });
    await gw.waitForOutput('gateway listening');
    const c = await TestClient.guest(`ws://127.0.0.1:${port}/ws`, 'sd-user');
    const started = Date.now();
    gw.child.kill(signal);
    expect(await c.waitForType('server.shutdown')).toEqual({ reconnectAfterMs: expect.any(Number) });
    expect((await c.closed).code).toBe(1012);
    const exit = await gw.exited;
    expect(exit.code, gw.output().slice(-3000)).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
