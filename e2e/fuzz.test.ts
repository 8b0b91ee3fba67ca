/**
 * Protocol fuzzing with fast-check: random and malformed frames on a logged-in connection.
 * Afterwards the gateway still serves others, state changed only where a request was
 * accepted, and memory stayed bounded.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REQUEST_DATA } from '@chat/contracts';
import { startStack, TestClient, type TestStack } from '@chat/testing';

let stack: TestStack;
let ws: string;
beforeAll(async () => {
  stack = await startStack({ gatewayEnv: { CONN_MAX_REQUESTS_PER_SEC: '100000', RATE_LIMIT_BURST: '100000' } });
  ws = stack.gateways[0]!.wsUrl;
});
afterAll(() => stack?.stop());

const types = Object.keys(REQUEST_DATA);
const hostileKeys = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'roomId', 'text', 'seq', 'limit');
const hostileValue = fc.oneof(
  fc.anything({ maxDepth: 3 }),
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.constantFrom('\u202e', '\u0000', '\ud800', '𝕏'.repeat(50), 'a'.repeat(5000), -1, 1e308, Number.NaN, null, [], {}),
);
const hostileData = fc.dictionary(hostileKeys, hostileValue, { maxKeys: 5 });
const frame = fc.oneof(
  fc.json({ maxDepth: 4 }),
  fc.string({ maxLength: 300 }),
  fc.record({ type: fc.constantFrom(...types), data: hostileData, ref: fc.option(fc.string({ maxLength: 70 }), { nil: undefined }) }).map((f) => JSON.stringify(f)),
  fc.record({ type: fc.constantFrom(...types), data: hostileData }).map((f) => JSON.stringify(f).replace('"data":{', '"data":{"__proto__":{"polluted":true},')),
  fc.nat({ max: 3000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`),
  fc.nat({ max: 2000 }).map((n) => `{"type":"ping","data":${'{"a":'.repeat(n)}1${'}'.repeat(n)}}`),
);

describe('fuzzing', () => {
  it('survives random and malformed frames without changing state it refused', async () => {
    const control = await TestClient.guest(ws, 'fz-control');
    await control.ok('room.created', 'room.create', { roomId: 'fz-room' });
    await control.ok('message.ack', 'message.send', { roomId: 'fz-room', text: 'before' });
    const roomsBefore = (await control.ok('room.list', 'room.list', {})).rooms.length;
    const heapBefore = process.memoryUsage().heapUsed;

    let fuzzer = await TestClient.guest(ws, 'fz-fuzzer');
    let sent = 0;
    let createdBefore = 0; // by earlier fuzzer connections
    let created = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 20 }), async (frames) => {
        if (fuzzer.ws.readyState !== fuzzer.ws.OPEN) {
          createdBefore = created;
          fuzzer = await TestClient.guest(ws, 'fz-fuzzer');
        }
        for (const f of frames) fuzzer.sendRaw(f);
        sent += frames.length;
        // Requests are answered in order: once this ping is answered, every frame above was handled.
        const pong = await fuzzer.request('ping', {}).catch(() => undefined);
        if (!pong) {
          // Only a valid auth.logout among the frames may end the connection.
          expect((await fuzzer.closed).code).toBe(1000);
          return;
        }
        expect(pong.type).toBe('pong');
        // Public rooms it created come back as a reply and as a broadcast: count replies.
        created = createdBefore + fuzzer.frames.filter((f) => f.type === 'room.created' && f.ref !== undefined).length;
      }),
      { numRuns: 150, seed: 42 },
    );
    expect(sent).toBeGreaterThan(300);
    expect(Object.prototype).not.toHaveProperty('polluted');
    // The gateway still serves others, and only accepted requests changed anything.
    expect(await control.ok('pong', 'ping', {})).toBeTruthy();
    const history = await control.ok('message.history', 'message.history', { roomId: 'fz-room' });
    expect(history.messages.map((m) => m.text)).toEqual(['before']);
    expect((await control.ok('room.list', 'room.list', {})).rooms.length).toBe(roomsBefore + created);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(200 * 1024 * 1024);
    await Promise.all([control.close(), fuzzer.close()]);
  });

  it('closes 1007 on invalid UTF-8 in a text frame and keeps serving', async () => {
    const c = await TestClient.guest(ws, 'fz-utf8');
    c.sendRaw(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
    expect((await c.closed).code).toBe(1007);
    const other = await TestClient.guest(ws, 'fz-after');
    expect(await other.ok('pong', 'ping', {})).toBeTruthy();
    await other.close();
  });

  it('handles binary frames and requests before login without state', async () => {
    const c = await TestClient.connect(ws);
    c.sendRaw(Buffer.from([1, 2, 3]), { binary: true });
    await c.waitForType('error', (d) => d.code === 'BAD_REQUEST');
    expect(await c.request('message.send', { roomId: 'fz-room', text: 'sneaky' })).toMatchObject({ data: { code: 'AUTH_REQUIRED' } });
    await c.close();
  });
});
