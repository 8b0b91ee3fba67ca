/**
 * Crash tests with real processes: the chat service dies between commit and publish, the
 * broadcast service dies mid-stream. After restarts every acked message reaches every member
 * exactly once, in order.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startNatsServer, type EmbeddedNats } from '@chat/nats';
import { spawnService, startGateway, TestClient, type RunningGateway, type ServiceProcess } from '@chat/testing';

let dir: string;
let nats: EmbeddedNats;
let gateway: RunningGateway;
const running = new Set<ServiceProcess>();

function start(service: 'chat' | 'broadcast', env: Record<string, string> = {}) {
  const p = spawnService(service, { NATS_URL: nats.url, DATA_DIR: dir, HEALTH_PORT: '0', ...env });
  running.add(p);
  void p.exited.then(() => running.delete(p));
  return p;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'chat-faults-'));
  nats = await startNatsServer({ storeDir: join(dir, 'nats') });
  gateway = await startGateway(nats.url, { RATE_LIMIT_BURST: '1000', CHAT_TIMEOUT_MS: '2000' });
});
// A test that failed half-way must not leave its chat service running: the next test's chat
// would share the PGlite data directory with it.
afterEach(async () => {
  await Promise.all([...running].map((p) => p.kill('SIGKILL')));
});
afterAll(async () => {
  await gateway?.stop();
  await nats?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const received = (c: TestClient, roomId: string) => c.of('message.received').filter((m) => m.roomId === roomId).map((m) => m.seq);

describe('crashes', () => {
  it('loses nothing when chat is SIGKILLed after commit, before publish', async () => {
    let chat = start('chat');
    const broadcast = start('broadcast');
    await Promise.all([chat.waitForOutput('chat ready'), broadcast.waitForOutput('broadcast ready')]);
    const a = await TestClient.guest(gateway.wsUrl, 'k-a');
    const b = await TestClient.guest(gateway.wsUrl, 'k-b');
    await a.ok('room.created', 'room.create', { roomId: 'crash' });
    await b.ok('room.joined', 'room.join', { roomId: 'crash' });
    await chat.kill('SIGTERM');

    chat = start('chat', { CHAT_FAULT: 'crash-before-publish' });
    await chat.waitForOutput('chat ready');
    const ack = await a.okOnceAvailable('message.ack', 'message.send', { roomId: 'crash', text: 'committed, not yet published', clientMsgId: 'k1' });
    expect((await chat.exited).signal).toBe('SIGKILL');
    expect(received(b, 'crash')).toEqual([]);

    chat = start('chat');
    await chat.waitForOutput('chat ready');
    for (const c of [a, b]) {
      const m = await c.waitForType('message.received', (x) => x.roomId === 'crash');
      expect(m).toMatchObject({ seq: ack.seq, id: ack.id, text: 'committed, not yet published' });
    }
    const after = await a.okOnceAvailable('message.ack', 'message.send', { roomId: 'crash', text: 'next', clientMsgId: 'k2' });
    await b.waitForType('message.received', (x) => x.seq === after.seq);
    expect(received(b, 'crash')).toEqual([1, 2]);
    expect(received(a, 'crash')).toEqual([1, 2]);
    await Promise.all([a.close(), b.close(), chat.kill(), broadcast.kill()]);
  });

  it('loses and repeats nothing when broadcast is SIGKILLed mid-stream', async () => {
    const chat = start('chat');
    let broadcast = start('broadcast');
    await Promise.all([chat.waitForOutput('chat ready'), broadcast.waitForOutput('broadcast ready')]);
    const sender = await TestClient.guest(gateway.wsUrl, 'bk-sender');
    const readers = await Promise.all([TestClient.guest(gateway.wsUrl, 'bk-r1'), TestClient.guest(gateway.wsUrl, 'bk-r2')]);
    await sender.ok('room.created', 'room.create', { roomId: 'stream' });
    for (const r of readers) await r.ok('room.joined', 'room.join', { roomId: 'stream' });

    const total = 200;
    let killed: Promise<void> | undefined;
    for (let i = 1; i <= total; i++) {
      sender.send('message.send', { roomId: 'stream', text: `n${i}` }, `s${i}`);
      if (i % 20 === 0) await sender.waitFor((f) => f.ref === `s${i}`);
      if (i === 60) killed = broadcast.kill('SIGKILL');
      if (i === 120) {
        await killed;
        broadcast = start('broadcast');
      }
    }
    await sender.waitFor((f) => f.ref === `s${total}`);
    expect(sender.frames.filter((f) => f.type === 'message.ack')).toHaveLength(total);
    const expected = Array.from({ length: total }, (_, i) => i + 1);
    for (const c of [sender, ...readers]) {
      await c.waitForCount((f) => f.type === 'message.received' && (f.data as { roomId: string }).roomId === 'stream', total, 25_000);
      expect(received(c, 'stream')).toEqual(expected);
    }
    await Promise.all([sender.close(), ...readers.map((r) => r.close()), chat.kill(), broadcast.kill()]);
  });
});
