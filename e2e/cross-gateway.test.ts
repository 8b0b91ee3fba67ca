import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, startStack, TestClient, type TestPostgres, type TestStack } from '@chat/testing';

let pg: TestPostgres;
let stack: TestStack;
beforeAll(async () => {
  pg = await startPostgres();
  stack = await startStack({ databaseUrl: pg.url, chatReplicas: 2, gateways: 2, gatewayEnv: { RATE_LIMIT_BURST: '1000' } });
});
afterAll(async () => {
  await stack?.stop();
  await pg?.stop();
});

describe('two gateways, two chat replicas, one PostgreSQL', () => {
  it('delivers across gateways, each gateway naming itself in serverId', async () => {
    const [g1, g2] = stack.gateways;
    const a = await TestClient.guest(g1!.wsUrl, 'x-a');
    const b = await TestClient.guest(g2!.wsUrl, 'x-b');
    expect(a.auth.serverId).not.toBe(b.auth.serverId);
    await a.ok('room.created', 'room.create', { roomId: 'across' });
    await b.ok('room.joined', 'room.join', { roomId: 'across' });
    expect(await a.waitForType('room.userJoined', (d) => d.username === 'x-b')).toBeTruthy();
    await b.ok('message.ack', 'message.send', { roomId: 'across', text: 'from g2' });
    expect(await a.waitForType('message.received', (m) => m.roomId === 'across')).toMatchObject({ text: 'from g2', seq: 1 });
    // The same user on both gateways: a DM reaches both of its connections.
    const b1 = await TestClient.guest(g1!.wsUrl, 'x-b');
    // ...and a join made on one gateway is announced to the user's tab on the other.
    await a.ok('room.created', 'room.create', { roomId: 'across-2' });
    await b.ok('room.joined', 'room.join', { roomId: 'across-2' });
    expect(await b1.waitForType('room.userJoined', (d) => d.roomId === 'across-2' && d.username === 'x-b')).toBeTruthy();
    expect(await b.waitForType('room.userJoined', (d) => d.roomId === 'across-2' && d.username === 'x-b')).toBeTruthy();
    await a.ok('message.ack', 'message.send', { roomId: 'across-2', text: 'marker' });
    await b1.waitForType('message.received', (m) => m.roomId === 'across-2');
    expect(b1.of('room.userJoined').filter((d) => d.roomId === 'across-2')).toHaveLength(1);
    const ack = await a.ok('message.ack', 'dm.send', { to: 'x-b', text: 'both screens' });
    for (const c of [b, b1]) {
      expect(await c.waitForType('room.added', (d) => d.room.roomId === ack.roomId)).toBeTruthy();
      expect(await c.waitForType('message.received', (m) => m.roomId === ack.roomId)).toMatchObject({ text: 'both screens' });
    }
    await Promise.all([a.close(), b.close(), b1.close()]);
  });

  it('keeps seq gap-free and every screen in order with three concurrent senders', async () => {
    const [g1, g2] = stack.gateways;
    const senders = await Promise.all([TestClient.guest(g1!.wsUrl, 'c-1'), TestClient.guest(g2!.wsUrl, 'c-2'), TestClient.guest(g1!.wsUrl, 'c-3')]);
    const readers = await Promise.all([TestClient.guest(g1!.wsUrl, 'c-r1'), TestClient.guest(g2!.wsUrl, 'c-r2')]);
    await senders[0]!.ok('room.created', 'room.create', { roomId: 'busy' });
    for (const c of [...senders.slice(1), ...readers]) await c.ok('room.joined', 'room.join', { roomId: 'busy' });
    const perSender = 40;
    const acks = await Promise.all(
      senders.map(async (c, s) => {
        const out: number[] = [];
        for (let i = 0; i < perSender; i++) {
          c.send('message.send', { roomId: 'busy', text: `s${s}-${i}`, clientMsgId: `s${s}-${i}` }, `b${i}`);
        }
        for (let i = 0; i < perSender; i++) {
          const f = await c.waitFor((x) => x.ref === `b${i}`);
          expect(f.type).toBe('message.ack');
          out.push((f.data as { seq: number }).seq);
        }
        return out;
      }),
    );
    const total = senders.length * perSender;
    expect(acks.flat().sort((x, y) => x - y)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    for (const c of [...senders, ...readers]) {
      const got = await c.waitForCount((f) => f.type === 'message.received' && (f.data as { roomId: string }).roomId === 'busy', total);
      expect(got.map((f) => (f.data as { seq: number }).seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    }
    await Promise.all([...senders, ...readers].map((c) => c.close()));
  });

  it('holds clientMsgId idempotency across replicas and gateways', async () => {
    const [g1, g2] = stack.gateways;
    const x = await TestClient.guest(g1!.wsUrl, 'dup-user');
    const y = await TestClient.guest(g2!.wsUrl, 'dup-user');
    await x.ok('room.created', 'room.create', { roomId: 'dups' });
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => (i % 2 ? x : y).ok('message.ack', 'message.send', { roomId: 'dups', text: 'only once', clientMsgId: 'k-1' })),
    );
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(results[0]!.seq).toBe(1);
    const history = await x.ok('message.history', 'message.history', { roomId: 'dups' });
    expect(history.messages).toHaveLength(1);
    await x.ok('message.ack', 'message.send', { roomId: 'dups', text: 'marker' });
    await x.waitForType('message.received', (m) => m.roomId === 'dups' && m.seq === 2);
    expect(x.of('message.received').filter((m) => m.roomId === 'dups').map((m) => m.seq)).toEqual([1, 2]);
    await Promise.all([x.close(), y.close()]);
  });
});
