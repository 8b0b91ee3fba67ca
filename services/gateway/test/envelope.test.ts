import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, TestClient, type TestStack } from '@chat/testing';

let stack: TestStack;
let wsUrl: string;
beforeAll(async () => {
  stack = await startStack();
  wsUrl = stack.gateways[0]!.wsUrl;
});
afterAll(() => stack?.stop());

describe('envelope and login', () => {
  it('answers ping before login and refuses other requests with AUTH_REQUIRED', async () => {
    const c = await TestClient.connect(wsUrl);
    const pong = await c.request('ping', {});
    expect(pong.type).toBe('pong');
    expect(typeof (pong.data as { serverTime: number }).serverTime).toBe('number');
    expect(await c.request('room.list', {})).toMatchObject({ type: 'error', data: { code: 'AUTH_REQUIRED' } });
    expect(await c.request('no.such.type', {})).toMatchObject({ type: 'error', data: { code: 'AUTH_REQUIRED' } });
    c.sendRaw('{not json');
    expect(await c.waitForType('error', (d) => d.code === 'BAD_REQUEST')).toBeTruthy();
    await c.close();
  });

  it('logs a guest in with its rooms, same userId for the same username', async () => {
    const a = await TestClient.guest(wsUrl, 'envelope-alice');
    const b = await TestClient.guest(wsUrl, 'envelope-alice');
    expect(a.auth).toMatchObject({ username: 'envelope-alice', protocolVersion: 1, serverId: expect.any(String), rooms: [] });
    expect(a.auth.userId).toBe(b.auth.userId);
    expect(a.auth.sessionId).not.toBe(b.auth.sessionId);
    await Promise.all([a.close(), b.close()]);
  });

  it('keeps the connection open after a malformed login, and closes 4401 on a bad token', async () => {
    const c = await TestClient.connect(wsUrl);
    expect(await c.request('auth.login', { username: 'bad name!' })).toMatchObject({ type: 'auth.error', data: { code: 'BAD_REQUEST' } });
    expect(await c.request('auth.login', { token: 'not-a-jwt' })).toMatchObject({ type: 'auth.error', data: { code: 'AUTH_FAILED' } });
    expect((await c.closed).code).toBe(4401);
  });

  it('rejects malformed frames without closing or changing state', async () => {
    const c = await TestClient.guest(wsUrl, 'envelope-bob');
    expect(await c.request('nope', {})).toMatchObject({ type: 'error', ref: 'r2', data: { code: 'UNKNOWN_TYPE' } });
    expect(await c.request('room.create', { roomId: 'BAD ID' })).toMatchObject({ type: 'error', data: { code: 'BAD_REQUEST', message: expect.stringContaining('data.roomId') } });
    c.send('room.list', {}, 'x'.repeat(65));
    const badRef = await c.waitFor((f) => f.type === 'error' && f.ref === undefined);
    expect(badRef.data).toMatchObject({ code: 'BAD_REQUEST' });
    c.sendRaw(JSON.stringify({ data: {} }));
    c.sendRaw(Buffer.from('binary'), { binary: true });
    await c.waitForCount((f) => f.type === 'error' && f.ref === undefined, 3);
    c.sendRaw(JSON.stringify({ type: 'room.list', data: [] , ref: 'arr' }));
    expect(await c.waitFor((f) => f.ref === 'arr')).toMatchObject({ type: 'error', data: { code: 'BAD_REQUEST' } });
    expect(await c.request('ping', {})).toMatchObject({ type: 'pong' });
    await c.close();
  });

  it('closes 1009 on a frame over 64 KiB and accepts one at the limit', async () => {
    const c = await TestClient.guest(wsUrl, 'envelope-big');
    const pad = (n: number) => JSON.stringify({ type: 'ping', data: {}, ref: 'p' }).slice(0, -1) + `,"x":"${'a'.repeat(n)}"}`;
    const atLimit = pad(0);
    const fill = 65_536 - atLimit.length;
    c.sendRaw(pad(fill));
    expect(await c.waitFor((f) => f.ref === 'p')).toMatchObject({ type: 'pong' });
    c.sendRaw(pad(fill + 1));
    expect((await c.closed).code).toBe(1009);
  });

  it('logs in at the upgrade with a guest token and refuses a bad one with 401', async () => {
    const res = await fetch(`${stack.gateways[0]!.url}/api/v1/auth/guest`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'upgrader' }) });
    const { token, expiresAt } = (await res.json()) as { token: string; expiresAt: number };
    expect(expiresAt).toBeGreaterThan(Date.now());
    const c = await TestClient.connect(`${wsUrl}?token=${token}`);
    const first = await c.waitFor(() => true);
    expect(first).toMatchObject({ type: 'auth.success', data: { username: 'upgrader' } });
    expect(c.frames[0]!.type).toBe('auth.success');
    const h = await TestClient.connect(wsUrl, { headers: { authorization: `Bearer ${token}` } });
    await h.waitForType('auth.success');
    await expect(TestClient.connect(`${wsUrl}?token=garbage`)).rejects.toMatchObject({ statusCode: 401 });
    await Promise.all([c.close(), h.close()]);
  });

  it('closes with 1000 on auth.logout', async () => {
    const c = await TestClient.guest(wsUrl, 'envelope-leaver');
    c.send('auth.logout', {});
    expect((await c.closed).code).toBe(1000);
  });
});
