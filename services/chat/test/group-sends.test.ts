import { describe, expect, it } from 'vitest';
import type { Database } from '@chat/chat';
import { ChatEvent } from '@chat/contracts';
import { declaredStatements } from '../src/db/database.ts';
import { createMessageService } from '../src/messages/message-service.ts';
import { uncachedMembers } from '../src/rooms/member-cache.ts';
import type { OutboxRow } from '../src/outbox/outbox.ts';
import { recordingStatements } from './recording-db.ts';
import { DATABASE_KINDS, seededDatabase } from './seeded-database.ts';

const one = { userId: 'u1', username: 'one' };
const two = { userId: 'u2', username: 'two' };
const three = { userId: 'u3', username: 'three' };

type MessageService = ReturnType<typeof createMessageService>;

/** Sends submitted in one go: each one's ack, or the code it was refused with. */
async function sendTogether(messages: MessageService, sends: Array<Parameters<MessageService['send']>[0]>) {
  const results = await Promise.allSettled(sends.map((req) => messages.send(req)));
  return results.map((r) => (r.status === 'fulfilled' ? r.value.ack : (r.reason as { code: string }).code));
}

for (const kind of DATABASE_KINDS) {
  describe(`concurrent sends on ${kind} (group commit)`, () => {
    const t = seededDatabase(kind, `
        INSERT INTO users VALUES ('u1', 'one', 0), ('u2', 'two', 0), ('u3', 'three', 0);
        INSERT INTO rooms (room_id, name, kind, created_by, created_at) VALUES ('ra', 'a', 'public', 'u1', 0), ('rb', 'b', 'public', 'u1', 0), ('rp', 'p', 'private', 'u1', 0);
        INSERT INTO memberships (room_id, user_id, joined_at) VALUES ('ra', 'u1', 0), ('ra', 'u2', 0), ('rb', 'u1', 0), ('rp', 'u1', 0);`);

    /**
     * The service under test, and the events its sends queued since it was made: the outbox's
     * rows (no relay runs here), which on PGlite must also be the rows handed over.
     */
    async function serviceOn(target: Database) {
      const [top] = await t.db.query<{ id: number | null }>('SELECT max(id) AS id FROM outbox');
      const since = Number(top?.id ?? 0);
      const handed: OutboxRow[] = [];
      const messages = createMessageService({ db: target, members: uncachedMembers, onCommit: () => {}, ...(kind === 'pglite' ? { onSent: (rows: OutboxRow[]) => handed.push(...rows) } : {}) });
      const events = async () => {
        const rows = (await t.db.query<OutboxRow>('SELECT id, event_id, subject, payload FROM outbox WHERE id > $1 ORDER BY id', [since])).map((r) => ({ ...r, id: Number(r.id) }));
        // The same events; the stored JSON has jsonb's key order.
        const parsed = (list: OutboxRow[]) => list.map((r) => ({ ...r, payload: JSON.parse(r.payload) as unknown }));
        if (kind === 'pglite') expect(parsed(handed)).toEqual(parsed(rows));
        return rows;
      };
      return { messages, events };
    }

    it('numbers them per room in arrival order, refuses non-members, and answers repeated clientMsgIds with the first ack', async () => {
      const { messages, events: queued } = await serviceOn(t.db);
      await messages.send({ actor: one, roomId: 'ra', text: 'before', clientMsgId: 'old' }); // seq 1, alone
      // They arrive together and share one write (here: a repeated clientMsgId fails the shared
      // statement, so each then runs alone, in order).
      const acks = await sendTogether(messages, [
        { actor: one, roomId: 'ra', text: 'a2' },
        { actor: two, roomId: 'ra', text: 'a3', clientMsgId: 'dup' },
        { actor: one, roomId: 'rb', text: 'b1' },
        { actor: three, roomId: 'ra', text: 'not a member' },
        { actor: three, roomId: 'rp', text: 'private, not a member' },
        { actor: two, roomId: 'ra', text: 'a3 again', clientMsgId: 'dup' },
        { actor: one, roomId: 'ra', text: 'before again', clientMsgId: 'old' },
        { actor: one, roomId: 'ra', text: "a4 it's" },
      ]);
      expect(acks).toMatchObject([
        { roomId: 'ra', seq: 2 },
        { roomId: 'ra', seq: 3, clientMsgId: 'dup' },
        { roomId: 'rb', seq: 1 },
        'NOT_A_MEMBER',
        'ROOM_NOT_FOUND',
        { roomId: 'ra', seq: 3, clientMsgId: 'dup' },
        { roomId: 'ra', seq: 1, clientMsgId: 'old' },
        { roomId: 'ra', seq: 4 },
      ]);
      expect((acks[5] as { id: string }).id).toBe((acks[1] as { id: string }).id);

      const stored = await t.db.query<{ room_id: string; seq: number; text: string }>('SELECT room_id, seq, text FROM messages ORDER BY room_id, seq');
      expect(stored.map((m) => `${m.room_id}:${m.seq}:${m.text}`)).toEqual(['ra:1:before', 'ra:2:a2', 'ra:3:a3', "ra:4:a4 it's", 'rb:1:b1']);
      const [read] = await t.db.query<{ last_read_seq: number }>("SELECT last_read_seq FROM memberships WHERE room_id = 'ra' AND user_id = 'u1'");
      expect(Number(read!.last_read_seq)).toBe(4);

      // One event per stored message, handed over in outbox-id order, each with its own seq, id and timestamp.
      const events = await queued();
      expect(events.map((e) => e.id)).toEqual([...events.map((e) => e.id)].sort((a, b) => a - b));
      const sent = events.map((e) => ChatEvent.parse(JSON.parse(e.payload))).map((e) => (e.type === 'chat.message.sent.v1' ? e.data.message : undefined));
      expect(sent.map((m) => `${m?.roomId}:${m?.seq}:${m?.text}`)).toEqual(['ra:1:before', 'ra:2:a2', 'ra:3:a3', 'rb:1:b1', "ra:4:a4 it's"]);
      expect(sent.find((m) => m?.text === 'a3')).toMatchObject({ id: (acks[1] as { id: string }).id, timestamp: (acks[1] as { timestamp: number }).timestamp, clientMsgId: 'dup' });
    });

    it('stores a batch in one statement: numbered per room in arrival order, refusals and repeats answered each', async () => {
      const { db: counted, ran } = recordingStatements(t.db);
      const { messages, events: queued } = await serviceOn(counted);
      const first = await messages.send({ actor: two, roomId: 'ra', text: 'first', clientMsgId: 'again' }); // alone
      const acks = await sendTogether(messages, [
        { actor: one, roomId: 'rb', text: 'b2' },
        { actor: two, roomId: 'ra', text: 'a6' },
        { actor: three, roomId: 'ra', text: 'not a member' },
        { actor: one, roomId: 'ra', text: 'a7', clientMsgId: 'fresh' },
        { actor: two, roomId: 'ra', text: 'first, repeated', clientMsgId: 'again' },
        { actor: one, roomId: 'nowhere', text: 'no such room' },
        { actor: one, roomId: 'rb', text: 'b3 \'quoted\' "json" \\ back' },
      ]);
      const statements = ran.map((r) => r.name);
      // The seven arrive together: the first may go alone (whether it waits for company depends on
      // how long ago the send before it came), the rest share one statement; the two refused ones
      // are then looked up to name their error.
      // PGlite, the one writer of its database, numbers without taking the rooms' row locks.
      const batchStatement = kind === 'pglite' ? 'chat_send_batch_sole_writer' : 'chat_send_batch';
      expect(statements.filter((name) => name === batchStatement)).toHaveLength(1);
      expect(statements.slice(-3)).toEqual([batchStatement, 'chat_room_for', 'chat_room_for']);
      expect(acks).toMatchObject([
        { roomId: 'rb', seq: 2 },
        { roomId: 'ra', seq: 6 },
        'NOT_A_MEMBER',
        { roomId: 'ra', seq: 7, clientMsgId: 'fresh' },
        { roomId: 'ra', seq: 5, clientMsgId: 'again', id: first.ack.id, timestamp: first.ack.timestamp },
        'ROOM_NOT_FOUND',
        { roomId: 'rb', seq: 3 },
      ]);
      const stored = await t.db.query<{ room_id: string; seq: number; text: string }>("SELECT room_id, seq, text FROM messages WHERE seq >= 5 OR room_id = 'rb' ORDER BY room_id, seq");
      expect(stored.map((m) => `${m.room_id}:${m.seq}:${m.text}`)).toEqual(['ra:5:first', 'ra:6:a6', 'ra:7:a7', 'rb:1:b1', 'rb:2:b2', 'rb:3:b3 \'quoted\' "json" \\ back']);
      const reads = await t.db.query<{ user_id: string; last_read_seq: number }>("SELECT user_id, last_read_seq FROM memberships WHERE room_id = 'ra' ORDER BY user_id");
      expect(reads.map((r) => `${r.user_id}:${r.last_read_seq}`)).toEqual(['u1:7', 'u2:6']);
      // An event per stored message (none for the repeat), in outbox-id order, each with its seq written in.
      const events = await queued();
      expect(events.map((e) => e.id)).toEqual([...events.map((e) => e.id)].sort((a, b) => a - b));
      const sent = events.map((e) => ChatEvent.parse(JSON.parse(e.payload))).map((e) => (e.type === 'chat.message.sent.v1' ? e.data.message : undefined));
      expect(sent.map((m) => `${m?.roomId}:${m?.seq}:${m?.text}`)).toEqual(['ra:5:first', 'rb:2:b2', 'ra:6:a6', 'ra:7:a7', 'rb:3:b3 \'quoted\' "json" \\ back']);
    });

    if (kind === 'postgres') {
      it('numbers two replicas\' concurrent batches without gaps, repeats or deadlocks', async () => {
        const replicas = [createMessageService({ db: t.db, members: uncachedMembers, onCommit: () => {} }), createMessageService({ db: t.db, members: uncachedMembers, onCommit: () => {} })];
        const deadlocks = async () => Number((await t.db.query<{ n: number }>('SELECT deadlocks AS n FROM pg_stat_database WHERE datname = current_database()'))[0]!.n);
        const rooms = ['ra', 'rb', 'rp'];
        const lastSeq = async () => new Map((await t.db.query<{ room_id: string; last_seq: number }>('SELECT room_id, last_seq FROM rooms')).map((r) => [r.room_id, Number(r.last_seq)]));
        const before = await lastSeq();
        const deadlocksBefore = await deadlocks();
        // Each round the replicas get batches over the same rooms in different orders and
        // different sets (an update alone locks a batch's rooms in hash order, which differs).
        const acks: Array<Awaited<ReturnType<typeof sendTogether>>[number]> = [];
        const batch = (round: number, order: string[]) => order.map((roomId, i) => ({ actor: one, roomId, text: `r${round} ${i}` }));
        for (let round = 0; round < 40; round++) {
          const [x, y] = await Promise.all([
            sendTogether(replicas[0]!, batch(round, round % 2 ? ['ra', 'rb', 'rp', 'ra'] : ['rp', 'ra'])),
            sendTogether(replicas[1]!, batch(round, round % 2 ? ['rp', 'rb', 'ra'] : ['rb', 'ra', 'rp', 'rb'])),
          ]);
          acks.push(...x, ...y);
        }
        const after = await lastSeq();
        for (const roomId of rooms) {
          const seqs = acks.flatMap((a) => (typeof a === 'object' && a.roomId === roomId ? [a.seq] : [])).sort((p, q) => p - q);
          const span = after.get(roomId)! - before.get(roomId)!;
          expect(seqs).toEqual(Array.from({ length: span }, (_, i) => before.get(roomId)! + 1 + i));
        }
        expect(acks).toHaveLength(20 * 7 + 20 * 6);
        expect(await deadlocks()).toBe(deadlocksBefore);
      });

      it("locks a batch's rooms in room-id order before numbering (the update alone locked them in hash order)", async () => {
        // Deadlocks between replicas are too rare to provoke here; the plan shows the order.
        const statement = declaredStatements().find((st) => st.name === 'chat_send_batch')!;
        const plan = await t.db.tx(async (q) => {
          await q.query(`PREPARE plan_check (${statement.types.join(', ')}) AS ${statement.text}`);
          const rows = await q.query<{ 'QUERY PLAN': string }>(`EXPLAIN (COSTS OFF) EXECUTE plan_check ('[]')`);
          await q.query('DEALLOCATE plan_check');
          return rows.map((r) => r['QUERY PLAN']).join('\n');
        });
        const locking = plan.indexOf('CTE locked');
        expect(plan.slice(locking)).toMatch(/^CTE locked\s+->\s+LockRows\s+->\s+Sort\s+Sort Key: rooms\.room_id/);
        // The update waits for all of them: its filter is evaluated once, before its first row.
        expect(plan.slice(plan.indexOf('CTE bumped'))).toMatch(/^CTE bumped\s+->\s+Update on rooms r\s+InitPlan \d+ \(returns \$\d+\)\s+->\s+Aggregate\s+->\s+CTE Scan on locked/);
        expect(locking).toBeLessThan(plan.indexOf('CTE bumped'));
      });
    }
  });
}
