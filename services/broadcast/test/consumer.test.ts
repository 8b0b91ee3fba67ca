import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { ChatEvent } from '@chat/contracts';
import { createLogger } from '@chat/logging';
import { connectNats, ensureEventStream, startNatsServer, subjects, type EmbeddedNats } from '@chat/nats';
import { createBroadcaster } from '../src/consumer.ts';

const log = createLogger({ service: 'test', level: 'silent' });
let dir: string;
let nats: EmbeddedNats;
let nc: NatsConnection;
let broadcaster: ReturnType<typeof createBroadcaster>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'broadcast-'));
  nats = await startNatsServer({ storeDir: dir });
  nc = await connectNats({ url: nats.url, name: 'broadcast-test' }, log);
  await ensureEventStream(nc);
  broadcaster = createBroadcaster({ nc, log });
  await broadcaster.start();
});
afterAll(async () => {
  await broadcaster?.stop();
  await nc?.close();
  await nats?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const sent = (roomId: string, seq: number): ChatEvent => ({
  type: 'chat.message.sent.v1',
  eventId: `e-${roomId}-${seq}`,
  occurredAt: 1,
  data: { message: { id: `m${seq}`, roomId, seq, userId: 'u1', username: 'ann', text: `text ${seq}`, timestamp: 2 } },
});

describe('broadcast consumer', () => {
  it('fans out a batch message event by event in order, skips an invalid event, and terminates a message that is not JSON', async () => {
    const got: string[] = [];
    const sub = nc.subscribe('fanout.room.*', {
      callback: (_err, m) => {
        got.push(`${m.subject}:${m.headers?.get('seq')}:${m.json<{ data: { text: string } }>().data.text}`);
      },
    });
    const js = jetstream(nc);
    await js.publish(subjects.chatEventBatch, JSON.stringify([sent('a', 1), { type: 'chat.unknown.v9', eventId: 'x' }, sent('b', 1), sent('a', 2)]), { msgID: 'batch-1' });
    await js.publish(subjects.chatEvent('c'), '{not json', { msgID: 'broken' });
    await js.publish(subjects.chatEvent('a'), JSON.stringify(sent('a', 3)), { msgID: 'e-a-3' });

    await expect.poll(() => got.length, { timeout: 5000 }).toBe(4);
    expect(got).toEqual(['fanout.room.a:1:text 1', 'fanout.room.b:1:text 1', 'fanout.room.a:2:text 2', 'fanout.room.a:3:text 3']);
    expect(broadcaster.stats).toMatchObject({ events: 4, malformed: 2 });
    // Acked or terminated: nothing comes back.
    await expect.poll(() => broadcaster.pending(), { timeout: 5000 }).toBe(0);
    sub.unsubscribe();
  });
});
