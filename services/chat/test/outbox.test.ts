import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { ChatEvent } from '@chat/contracts';
import { createLogger } from '@chat/logging';
import { connectNats, ensureEventStream, startNatsServer, STREAM, type EmbeddedNats } from '@chat/nats';
import { openDatabase, type Database } from '@chat/chat';
import { appendEvent, type OutboxRow } from '../src/outbox/outbox.ts';
import { publications } from '../src/outbox/publications.ts';
import { createOutboxRelay } from '../src/outbox/relay.ts';
import { DATABASE_KINDS, seededDatabase } from './seeded-database.ts';

const log = createLogger({ service: 'test', level: 'silent' });
let dir: string;
let nats: EmbeddedNats;
let nc: NatsConnection;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'outbox-'));
  nats = await startNatsServer({ storeDir: dir });
  nc = await connectNats({ url: nats.url, name: 'outbox-test' }, log);
  await ensureEventStream(nc);
});
afterAll(async () => {
  await nc?.close();
  await nats?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function streamEvents(): Promise<ChatEvent[]> {
  const jsm = await jetstreamManager(nc);
  const { state } = await jsm.streams.info(STREAM);
  const out: ChatEvent[] = [];
  for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
    const m = await jsm.streams.getMessage(STREAM, { seq });
    if (!m) continue;
    const body = m.json<unknown>();
    // The relay's batches: one stream message, a JSON array of events.
    for (const e of Array.isArray(body) ? body : [body]) out.push(ChatEvent.parse(e));
  }
  return out;
}

const readEvent = (roomId: string, seq: number) => ({ type: 'chat.message.read.v1' as const, data: { roomId, userId: 'u', username: 'u', seq } });

for (const kind of DATABASE_KINDS) describe(`outbox relay [${kind}]`, () => {
  const t = seededDatabase(kind);
  let db: Database;
  beforeAll(async () => {
    db = t.db;
    await (await jetstreamManager(nc)).streams.purge(STREAM); // the other database's run published the same rooms
  });

  it('publishes committed events in commit order, once, and empties the outbox', async () => {
    await db.tx(async (q) => {
      for (let i = 1; i <= 5; i++) await appendEvent(q, readEvent('ordered', i));
    });
    const relay = createOutboxRelay({ db, nc, log });
    await expect.poll(() => relay.backlog(), { timeout: 5000 }).toBe(0);
    await relay.stop();
    const events = (await streamEvents()).filter((e) => e.type === 'chat.message.read.v1' && e.data.roomId === 'ordered');
    expect(events.map((e) => (e.type === 'chat.message.read.v1' ? e.data.seq : 0))).toEqual([1, 2, 3, 4, 5]);
  });

  it('publishes nothing from a rolled-back transaction', async () => {
    await expect(
      db.tx(async (q) => {
        await appendEvent(q, readEvent('rolled-back', 1));
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    const [row] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox');
    expect(row!.n).toBe(0);
  });

  it('re-publishing rows after a crash adds nothing: JetStream drops repeated event ids', async () => {
    await db.tx((q) => appendEvent(q, readEvent('crashy', 1)));
    // A relay that dies after publishing, before deleting: simulated by publishing the row by hand.
    const [row] = await db.query<{ event_id: string; subject: string; payload: string }>('SELECT event_id, subject, payload FROM outbox');
    const ack = await jetstream(nc).publish(row!.subject, row!.payload, { msgID: row!.event_id });
    const relay = createOutboxRelay({ db, nc, log });
    await expect.poll(() => relay.backlog(), { timeout: 5000 }).toBe(0);
    await relay.stop();
    const copies = (await streamEvents()).filter((e) => e.type === 'chat.message.read.v1' && e.data.roomId === 'crashy');
    expect(copies).toHaveLength(1);
    expect(ack.duplicate).toBe(false);
  });

  it('re-publishing a batch after a crash adds nothing, and a batch holds a commit order across rooms', async () => {
    await db.tx(async (q) => {
      for (let i = 1; i <= 3; i++) {
        await appendEvent(q, readEvent('batch-a', i));
        await appendEvent(q, readEvent('batch-b', i));
      }
    });
    const rows = await db.query<OutboxRow>('SELECT id, event_id, subject, payload FROM outbox ORDER BY id');
    const [batch, ...rest] = publications(rows);
    expect(rest).toEqual([]);
    const ack = await jetstream(nc).publish(batch!.subject, batch!.payload, { msgID: batch!.msgID });
    const relay = createOutboxRelay({ db, nc, log });
    await expect.poll(() => relay.backlog(), { timeout: 5000 }).toBe(0);
    await relay.stop();
    const copies = (await streamEvents()).flatMap((e) => (e.type === 'chat.message.read.v1' && e.data.roomId.startsWith('batch-') ? [`${e.data.roomId}:${e.data.seq}`] : []));
    expect(copies).toEqual(['batch-a:1', 'batch-b:1', 'batch-a:2', 'batch-b:2', 'batch-a:3', 'batch-b:3']);
    expect(ack.duplicate).toBe(false);
  });

  it('keeps events while NATS is unreachable and publishes them when it returns', async () => {
    const port = nats.port;
    await nats.stop();
    await db.tx((q) => appendEvent(q, readEvent('outage', 1)));
    const relay = createOutboxRelay({ db, nc, log });
    relay.kick();
    expect(await relay.backlog()).toBe(1);
    nats = await startNatsServer({ storeDir: dir, port });
    await expect.poll(() => relay.backlog(), { timeout: 15_000, interval: 200 }).toBe(0);
    await relay.stop();
    expect((await streamEvents()).some((e) => e.type === 'chat.message.read.v1' && e.data.roomId === 'outage')).toBe(true);
  });

  if (kind === 'pglite') it('publishes handed-over rows from memory in commit order, also between rows it must read, and deletes them', async () => {
    const relay = createOutboxRelay({ db, nc, log });
    const commit = async (seq: number) => {
      await db.tx((q) => appendEvent(q, readEvent('handed', seq)));
      const [row] = await db.query<OutboxRow>('SELECT id, event_id, subject, payload FROM outbox ORDER BY id DESC LIMIT 1');
      return row!;
    };
    // 1 is only announced (a join would do that), 2 and 3 are handed over like sends, 4 announced, 5 handed.
    await commit(1);
    relay.kick();
    relay.handoff([await commit(2), await commit(3)]);
    await commit(4);
    relay.kick();
    relay.handoff([await commit(5)]);
    await expect.poll(() => relay.backlog(), { timeout: 5000 }).toBe(0);
    await relay.stop();
    const events = (await streamEvents()).filter((e) => e.type === 'chat.message.read.v1' && e.data.roomId === 'handed');
    expect(events.map((e) => (e.type === 'chat.message.read.v1' ? e.data.seq : 0))).toEqual([1, 2, 3, 4, 5]);
  });

  if (kind === 'pglite') it('falls back to reading the table when publishing handed-over rows fails', async () => {
    let failNext = true;
    const relay = createOutboxRelay({
      db,
      nc,
      log,
      beforePublish: async () => {
        if (failNext) {
          failNext = false;
          throw new Error('injected publish failure');
        }
      },
    });
    await db.tx((q) => appendEvent(q, readEvent('handed-retry', 1)));
    const [row] = await db.query<OutboxRow>('SELECT id, event_id, subject, payload FROM outbox ORDER BY id DESC LIMIT 1');
    relay.handoff([row!]);
    await expect.poll(() => relay.backlog(), { timeout: 5000 }).toBe(0);
    await relay.stop();
    expect((await streamEvents()).filter((e) => e.type === 'chat.message.read.v1' && e.data.roomId === 'handed-retry')).toHaveLength(1);
  });

  if (kind === 'postgres') it('two replicas relaying at once publish every event once, each room in commit order', async () => {
    const other = await openDatabase({ databaseUrl: t.url }, log);
    const relays = [createOutboxRelay({ db, nc, log }), createOutboxRelay({ db: other, nc, log })];
    // Concurrent writers on both connections, each room's events committed in seq order.
    await Promise.all(
      ['twin-a', 'twin-b', 'twin-c', 'twin-d'].map(async (roomId, i) => {
        const writer = i % 2 ? other : db;
        for (let seq = 1; seq <= 40; seq++) {
          await writer.tx((q) => appendEvent(q, readEvent(roomId, seq)));
          relays[i % 2]!.kick();
        }
      }),
    );
    await expect.poll(() => relays[0]!.backlog(), { timeout: 10_000 }).toBe(0);
    await Promise.all(relays.map((r) => r.stop()));
    await other.close();
    const seen = new Map<string, number[]>();
    for (const e of await streamEvents()) {
      if (e.type !== 'chat.message.read.v1' || !e.data.roomId.startsWith('twin-')) continue;
      seen.set(e.data.roomId, [...(seen.get(e.data.roomId) ?? []), e.data.seq]);
    }
    const inOrder = Array.from({ length: 40 }, (_, i) => i + 1);
    expect(Object.fromEntries(seen)).toEqual({ 'twin-a': inOrder, 'twin-b': inOrder, 'twin-c': inOrder, 'twin-d': inOrder });
  });
});
