import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawnService, startPostgres, startStack, TestClient, type ServiceProcess, type TestPostgres, type TestStack } from '@chat/testing';

let pg: TestPostgres;
let stack: TestStack;
beforeAll(async () => {
  pg = await startPostgres();
  stack = await startStack({ databaseUrl: pg.url });
});
afterAll(async () => {
  await stack?.stop();
  await pg?.stop();
});

it('answers UNAVAILABLE while PostgreSQL is down, applies nothing, and recovers by itself', async () => {
  const gw = stack.gateways[0]!;
  const a = await TestClient.guest(gw.wsUrl, 'pgo-a');
  await a.ok('room.created', 'room.create', { roomId: 'pg-outage' });
  await a.ok('message.ack', 'message.send', { roomId: 'pg-outage', text: 'before' });
  await pg.restart(async () => {
    const refused = await a.request('message.send', { roomId: 'pg-outage', text: 'during' });
    expect(refused).toMatchObject({ type: 'error', data: { code: 'UNAVAILABLE' } });
    const ready = await fetch(`${gw.url}/ready`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { checks: { chat: string } }).checks.chat).not.toBe('ok');
  });
  let ack;
  for (let i = 0; i < 40 && !ack; i++) {
    const r = await a.request('message.send', { roomId: 'pg-outage', text: 'after' });
    if (r.type === 'message.ack') ack = r.data as { seq: number };
    else await new Promise((res) => setTimeout(res, 250));
  }
  expect(ack?.seq).toBe(2);
  expect((await fetch(`${gw.url}/ready`)).status).toBe(200);
  await a.close();
});

it('a chat service started while PostgreSQL is down waits for it instead of exiting, and serves once it is up', async () => {
  let chat: ServiceProcess | undefined;
  try {
    await pg.restart(async () => {
      chat = spawnService('chat', { NATS_URL: stack.nats.url, DATABASE_URL: pg.url, HEALTH_PORT: '0' });
      await chat.waitForOutput('database unreachable; waiting for it');
      await chat.waitForOutput('"retryInMs":2000'); // a second attempt: still waiting, not exited
      expect(chat.child.exitCode).toBeNull();
    });
    await chat!.waitForOutput('chat ready');
  } finally {
    await chat?.kill();
  }
});
