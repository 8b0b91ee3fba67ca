import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, TestClient, type TestStack } from '@chat/testing';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack({ gateways: 0 });
});
afterAll(() => stack?.stop());

describe('connection abuse', () => {
  it('caps connections per client address before the upgrade (HTTP 429)', async () => {
    const gw = await stack.startGateway({ MAX_CONNECTIONS_PER_IP: '3' });
    const open = await Promise.all([1, 2, 3].map(() => TestClient.connect(gw.wsUrl)));
    await expect(TestClient.connect(gw.wsUrl)).rejects.toMatchObject({ statusCode: 429 });
    await open[0]!.close();
    const again = await TestClient.connect(gw.wsUrl);
    await Promise.all([again, ...open.slice(1)].map((c) => c.close()));
  });

  it('checks Origin against ALLOWED_ORIGINS (HTTP 403)', async () => {
    const gw = await stack.startGateway({ ALLOWED_ORIGINS: 'https://chat.example.com' });
    await expect(TestClient.connect(gw.wsUrl, { headers: { origin: 'https://evil.example.com' } })).rejects.toMatchObject({ statusCode: 403 });
    const ok = await TestClient.connect(gw.wsUrl, { headers: { origin: 'https://chat.example.com' } });
    await ok.close();
  });

  it('returns to a clean state after connect/disconnect churn', async () => {
    const gw = await stack.startGateway();
    const watcher = await TestClient.guest(gw.wsUrl, 'churn-watch');
    await watcher.ok('room.created', 'room.create', { roomId: 'churn' });
    for (let round = 0; round < 20; round++) {
      const batch = await Promise.all(Array.from({ length: 10 }, (_, i) => TestClient.guest(gw.wsUrl, `churn-${i}`)));
      await Promise.all(batch.map((c) => c.ok('room.joined', 'room.join', { roomId: 'churn' })));
      await Promise.all(batch.map((c) => c.close()));
    }
    const half = await Promise.all(Array.from({ length: 20 }, () => TestClient.connect(gw.wsUrl)));
    for (const c of half) c.ws.terminate();
    // Every socket is gone from the gateway: only the watcher remains, in the only room.
    await expect.poll(() => gw.app.ctx.connections.size, { timeout: 5000 }).toBe(1);
    expect(gw.app.ctx.hub.connections().size).toBe(1);
    expect(gw.app.ctx.hub.roomCount()).toBe(1);
    expect(await watcher.ok('pong', 'ping', {})).toBeTruthy();
    await watcher.close();
  });
});

describe('slow requests', () => {
  it('cuts an upgrade request whose headers never finish, and keeps upgraded sockets', async () => {
    const gw = await stack.startGateway({ REQUEST_TIMEOUT_MS: '1000' });
    const port = Number(new URL(gw.url).port);
    const { connect } = await import('node:net');
    const slow = connect(port, '127.0.0.1');
    const closed = new Promise<number>((r) => slow.once('close', () => r(Date.now())));
    slow.resume();
    await new Promise<void>((r) => slow.once('connect', () => r()));
    const started = Date.now();
    slow.write('GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n'); // never finished
    const live = await TestClient.guest(gw.wsUrl, 'slow-neighbour');
    expect((await closed) - started).toBeLessThan(5000);
    // A WebSocket idle for longer than the request timeout is still open.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await live.ok('pong', 'ping', {})).toBeTruthy();
    await live.close();
  });
});
