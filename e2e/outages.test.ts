/**
 * Backends that go away: the gateway answers UNAVAILABLE (nothing applied), /ready says why,
 * and everything recovers by itself. A gateway killed outright does not leave its users online.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startNatsServer, type EmbeddedNats } from '@chat/nats';
import { spawnService, startGateway, TestClient, type RunningGateway, type ServiceProcess } from '@chat/testing';

let dir: string;
let nats: EmbeddedNats;
let chat: ServiceProcess;
let broadcast: ServiceProcess;
let gateway: RunningGateway;

const startChat = async () => {
  chat = spawnService('chat', { NATS_URL: nats.url, DATA_DIR: dir, HEALTH_PORT: '0' });
  await chat.waitForOutput('chat ready');
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'chat-outage-'));
  nats = await startNatsServer({ storeDir: join(dir, 'nats') });
  await startChat();
  broadcast = spawnService('broadcast', { NATS_URL: nats.url, HEALTH_PORT: '0' });
  await broadcast.waitForOutput('broadcast ready');
  gateway = await startGateway(nats.url, { CHAT_TIMEOUT_MS: '1500', PRESENCE_GRACE_MS: '200' });
});
afterAll(async () => {
  await gateway?.stop();
  await Promise.all([chat?.kill('SIGKILL'), broadcast?.kill('SIGKILL')]);
  await nats?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const ready = async () => {
  const res = await fetch(`${gateway.url}/ready`);
  return { status: res.status, body: await res.json() };
};

describe('outages', () => {
  it('answers UNAVAILABLE while the chat service is down and recovers when it is back', async () => {
    const a = await TestClient.guest(gateway.wsUrl, 'o-a');
    await a.ok('room.created', 'room.create', { roomId: 'outage' });
    await chat.kill('SIGKILL');
    const refused = await a.request('message.send', { roomId: 'outage', text: 'lost?' });
    expect(refused).toMatchObject({ type: 'error', data: { code: 'UNAVAILABLE' } });
    expect(await ready()).toMatchObject({ status: 503, body: { status: 'not_ready', checks: { nats: 'ok', chat: expect.not.stringMatching(/^ok$/) } } });
    const loginDuringOutage = await TestClient.connect(gateway.wsUrl);
    expect(await loginDuringOutage.request('auth.login', { username: 'o-b' })).toMatchObject({ type: 'auth.error', data: { code: 'UNAVAILABLE' } });
    await startChat();
    expect((await ready()).status).toBe(200);
    expect(await loginDuringOutage.request('auth.login', { username: 'o-b' })).toMatchObject({ type: 'auth.success' });
    const ack = await a.ok('message.ack', 'message.send', { roomId: 'outage', text: 'after' });
    expect(ack.seq).toBe(1); // the refused send was not applied
    await Promise.all([a.close(), loginDuringOutage.close()]);
  });

  it('does not cut a login the chat service is slow to answer, and gives a refused one a fresh login window', async () => {
    // The chat timeout is longer than the login deadline: the answer can only arrive if the
    // deadline stopped while the login was in flight.
    const slow = await startGateway(nats.url, { CHAT_TIMEOUT_MS: '1200', AUTH_TIMEOUT_MS: '600' });
    const c = await TestClient.connect(slow.wsUrl);
    chat.child.kill('SIGSTOP');
    try {
      expect(await c.request('auth.login', { username: 'slow-login' })).toMatchObject({ type: 'auth.error', data: { code: 'UNAVAILABLE' } });
      expect(await c.closed).toMatchObject({ code: 4401 }); // no retry within the new window
    } finally {
      chat.child.kill('SIGCONT');
      await slow.stop();
    }
  });

  it('answers UNAVAILABLE while NATS is down, says so in /ready, and reconnects by itself', async () => {
    const a = await TestClient.guest(gateway.wsUrl, 'n-a');
    await a.ok('room.joined', 'room.join', { roomId: 'outage' });
    const port = nats.port;
    await nats.stop();
    expect(await a.request('message.send', { roomId: 'outage', text: 'nats down' })).toMatchObject({ type: 'error', data: { code: 'UNAVAILABLE' } });
    expect(await ready()).toMatchObject({ status: 503, body: { checks: { nats: 'disconnected' } } });
    nats = await startNatsServer({ storeDir: join(dir, 'nats'), port });
    let ack;
    for (let i = 0; i < 40 && !ack; i++) {
      const r = await a.request('message.send', { roomId: 'outage', text: 'nats back' });
      if (r.type === 'message.ack') ack = r.data as { seq: number };
      else await new Promise((res) => setTimeout(res, 250));
    }
    expect(ack).toBeDefined();
    expect(await a.waitForType('message.received', (m) => m.text === 'nats back', 10_000)).toBeTruthy();
    expect((await ready()).status).toBe(200);
    await a.close();
  });

  it('releases the users of a gateway that was SIGKILLed', async () => {
    const port = await freePort();
    const doomed = spawnService('gateway', { NATS_URL: nats.url, PORT: String(port), HOST: '127.0.0.1', JWT_SECRET: 'z'.repeat(32) });
    await doomed.waitForOutput('gateway listening');
    const watcher = await TestClient.guest(gateway.wsUrl, 'k-watch');
    await watcher.ok('room.created', 'room.create', { roomId: 'doomed-room' });
    const victim = await TestClient.guest(`ws://127.0.0.1:${port}/ws`, 'k-victim');
    await victim.ok('room.joined', 'room.join', { roomId: 'doomed-room' });
    // The victim's claim reaches this gateway through the presence KV.
    const statusOfVictim = async () => (await watcher.ok('room.members', 'room.members', { roomId: 'doomed-room' })).members.find((m) => m.username === 'k-victim')?.status;
    for (let i = 0; i < 50 && (await statusOfVictim()) !== 'online'; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await statusOfVictim()).toBe('online');
    await doomed.kill('SIGKILL');
    const off = await watcher.waitForType('presence.update', (d) => d.username === 'k-victim' && d.status === 'offline', 20_000);
    expect(off.lastSeen).toEqual(expect.any(Number));
    expect(await statusOfVictim()).toBe('offline');
    await watcher.close();
  });
});
