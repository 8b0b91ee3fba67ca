import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeOnEachDatabase, startStack, TestClient, type TestStack } from '@chat/testing';

async function api(base: string, path: string, opts: { token?: string; method?: string; body?: unknown; rawBody?: string } = {}) {
  const res = await fetch(`${base}${path}`, {
    method: opts.method ?? 'GET',
    headers: { ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}), ...(opts.body !== undefined || opts.rawBody ? { 'content-type': 'application/json' } : {}) },
    body: opts.rawBody ?? (opts.body !== undefined ? JSON.stringify(opts.body) : undefined),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { error?: { code: string; message: string } } };
}

describeOnEachDatabase('HTTP API', ({ stack }) => {
  const base = () => stack().gateways[0]!.url;
  const guest = async (username: string) => (await api(base(), '/api/v1/auth/guest', { method: 'POST', body: { username } })).body.token as string;

  it('serves health, readiness and Prometheus metrics without auth', async () => {
    expect((await api(base(), '/health')).body).toMatchObject({ status: 'ok', serverId: expect.any(String), uptimeS: expect.any(Number), connections: expect.any(Number) });
    expect(await api(base(), '/ready')).toEqual({ status: 200, body: { status: 'ready', checks: { nats: 'ok', chat: 'ok' } } });
    const metrics = await fetch(`${base()}/metrics`);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(await metrics.text()).toContain('gateway_connections');
  });

  it('issues guest tokens and validates the username', async () => {
    const ok = await api(base(), '/api/v1/auth/guest', { method: 'POST', body: { username: 'h-user' } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ token: expect.any(String), expiresAt: expect.any(Number) });
    expect((await api(base(), '/api/v1/auth/guest', { method: 'POST', body: { username: 'bad name' } })).status).toBe(400);
    const bad = await api(base(), '/api/v1/auth/guest', { method: 'POST', rawBody: '{nope' });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'BAD_REQUEST' } } });
  });

  it('creates, lists, reads rooms, members and history with the same rules as WebSocket', async () => {
    const token = await guest('h-owner');
    expect((await api(base(), '/api/v1/rooms')).status).toBe(401);
    expect((await api(base(), '/api/v1/rooms', { token: 'garbage' })).body).toMatchObject({ error: { code: 'AUTH_FAILED' } });
    const created = await api(base(), '/api/v1/rooms', { token, method: 'POST', body: { roomId: 'http-room', name: 'Over HTTP' } });
    expect(created).toMatchObject({ status: 201, body: { room: { roomId: 'http-room', name: 'Over HTTP', kind: 'public', memberCount: 1 } } });
    expect((await api(base(), '/api/v1/rooms', { token, method: 'POST', body: { roomId: 'http-room' } }))).toMatchObject({ status: 409, body: { error: { code: 'ROOM_EXISTS' } } });
    expect((await api(base(), '/api/v1/rooms', { token, method: 'POST', body: { roomId: 'Bad Id' } }))).toMatchObject({ status: 400, body: { error: { code: 'BAD_REQUEST' } } });
    expect((await api(base(), '/api/v1/rooms', { token })).body.rooms).toEqual(expect.arrayContaining([expect.objectContaining({ roomId: 'http-room' })]));
    expect((await api(base(), '/api/v1/rooms/http-room', { token })).body).toMatchObject({ room: { roomId: 'http-room' } });
    expect((await api(base(), '/api/v1/rooms/http-room/members', { token })).body).toMatchObject({ roomId: 'http-room', members: [{ username: 'h-owner', lastReadSeq: 0 }] });

    const ws = await TestClient.connect(`${stack().gateways[0]!.wsUrl}?token=${token}`);
    await ws.waitForType('auth.success');
    for (let i = 1; i <= 5; i++) await ws.ok('message.ack', 'message.send', { roomId: 'http-room', text: `t${i}` });
    const hist = await api(base(), '/api/v1/rooms/http-room/history?limit=2&before=5', { token });
    expect(hist.body).toMatchObject({ roomId: 'http-room', hasMore: true });
    expect((hist.body.messages as Array<{ seq: number }>).map((m) => m.seq)).toEqual([3, 4]);
    const after = await api(base(), '/api/v1/rooms/http-room/history?after=3', { token });
    expect((after.body.messages as Array<{ seq: number }>).map((m) => m.seq)).toEqual([4, 5]);
    expect((await api(base(), '/api/v1/rooms/http-room/history?limit=abc', { token })).status).toBe(400);
    expect((await api(base(), '/api/v1/rooms/nope/history', { token })).body).toMatchObject({ error: { code: 'ROOM_NOT_FOUND' } });
    await ws.close();
  });

  it('answers 404 for private and dm rooms to non-members', async () => {
    const owner = await guest('h-priv');
    const stranger = await guest('h-stranger');
    await api(base(), '/api/v1/rooms', { token: owner, method: 'POST', body: { roomId: 'http-private', private: true } });
    for (const path of ['/api/v1/rooms/http-private', '/api/v1/rooms/http-private/members', '/api/v1/rooms/http-private/history']) {
      expect(await api(base(), path, { token: stranger }), path).toMatchObject({ status: 404, body: { error: { code: 'ROOM_NOT_FOUND' } } });
      expect((await api(base(), path, { token: owner })).status, path).toBe(200);
    }
    expect(((await api(base(), '/api/v1/rooms', { token: stranger })).body.rooms as Array<{ roomId: string }>).map((r) => r.roomId)).not.toContain('http-private');
  });

  it('reports stats and refuses bodies over 1 MiB with 413', async () => {
    const stats = await api(base(), '/api/v1/stats');
    expect(stats.body).toMatchObject({ connections: expect.any(Number), rooms: expect.any(Number), users: expect.any(Number), messagesPerSecond: expect.any(Number), serverId: expect.any(String) });
    const token = await guest('h-big');
    const big = await api(base(), '/api/v1/rooms', { token, method: 'POST', rawBody: JSON.stringify({ roomId: 'big', description: 'x'.repeat(1_100_000) }) });
    expect(big).toMatchObject({ status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE' } } });
  });
});


let jwtStack: TestStack;
beforeAll(async () => {
  jwtStack = await startStack({ gatewayEnv: { AUTH_MODE: 'jwt' } });
});
afterAll(() => jwtStack?.stop());

it('refuses guest tokens with 403 FORBIDDEN in jwt mode', async () => {
  const res = await api(jwtStack.gateways[0]!.url, '/api/v1/auth/guest', { method: 'POST', body: { username: 'x' } });
  expect(res).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
});

it('serves the generated OpenAPI and AsyncAPI documents at /docs, with security headers', async () => {
  const base = jwtStack.gateways[0]!.url;
  const index = await fetch(`${base}/docs`);
  expect(index.headers.get('content-security-policy')).toContain("default-src 'self'");
  expect(index.headers.get('x-content-type-options')).toBe('nosniff');
  expect(await index.text()).toContain('openapi.json');
  expect(await (await fetch(`${base}/docs/openapi.json`)).json()).toMatchObject({ openapi: '3.1.0' });
  expect(await (await fetch(`${base}/docs/asyncapi.json`)).json()).toMatchObject({ asyncapi: '3.0.0' });
});
