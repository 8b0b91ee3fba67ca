import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatEvent } from '@chat/contracts';
import { createLogger } from '@chat/logging';
import { openDatabase, type Database } from '@chat/chat';
import { createMessageService } from '../src/messages/message-service.ts';
import { uncachedMembers } from '../src/rooms/member-cache.ts';
import type { OutboxRow } from '../src/outbox/outbox.ts';

let db: Database;
beforeAll(async () => {
  db = await openDatabase({}, createLogger({ service: 'test', level: 'silent' }));
  await db.exec(`
    INSERT INTO users VALUES ('u1', 'one', 0), ('u2', 'two', 0), ('u3', 'three', 0);
    INSERT INTO rooms (room_id, name, kind, created_by, created_at) VALUES ('ra', 'a', 'public', 'u1', 0), ('rb', 'b', 'public', 'u1', 0), ('rp', 'p', 'private', 'u1', 0);
    INSERT INTO memberships (room_id, user_id, joined_at) VALUES ('ra', 'u1', 0), ('ra', 'u2', 0), ('rb', 'u1', 0), ('rp', 'u1', 0);`);
});
afterAll(() => db?.close());

const one = { userId: 'u1', username: 'one' };
const two = { userId: 'u2', username: 'two' };
const three = { userId: 'u3', username: 'three' };

describe('concurrent sends on PGlite (group commit)', () => {
  it('numbers them per room in arrival order, refuses non-members, and answers repeated clientMsgIds with the first ack', async () => {
    const events: OutboxRow[] = [];
    const messages = createMessageService({ db, members: uncachedMembers, onCommit: () => {}, onSent: (rows) => events.push(...rows) });
    await messages.send({ actor: one, roomId: 'ra', text: 'before', clientMsgId: 'old' }); // seq 1, alone
    // The first of these runs alone at once, the other seven share the next transaction.
    const results = await Promise.allSettled([
      messages.send({ actor: one, roomId: 'ra', text: 'a2' }),
      messages.send({ actor: two, roomId: 'ra', text: 'a3', clientMsgId: 'dup' }),
      messages.send({ actor: one, roomId: 'rb', text: 'b1' }),
      messages.send({ actor: three, roomId: 'ra', text: 'not a member' }),
      messages.send({ actor: three, roomId: 'rp', text: 'private, not a member' }),
      messages.send({ actor: two, roomId: 'ra', text: 'a3 again', clientMsgId: 'dup' }),
      messages.send({ actor: one, roomId: 'ra', text: 'before again', clientMsgId: 'old' }),
      messages.send({ actor: one, roomId: 'ra', text: "a4 it's" }),
    ]);
    const acks = results.map((r) => (r.status === 'fulfilled' ? r.value.ack : (r.reason as { code: string }).code));
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

    const stored = await db.query<{ room_id: string; seq: number; text: string }>('SELECT room_id, seq, text FROM messages ORDER BY room_id, seq');
    expect(stored.map((m) => `${m.room_id}:${m.seq}:${m.text}`)).toEqual(['ra:1:before', 'ra:2:a2', 'ra:3:a3', "ra:4:a4 it's", 'rb:1:b1']);
    const [read] = await db.query<{ last_read_seq: number }>("SELECT last_read_seq FROM memberships WHERE room_id = 'ra' AND user_id = 'u1'");
    expect(Number(read!.last_read_seq)).toBe(4);

    // One event per stored message, handed over in outbox-id order, each with its own seq, id and timestamp.
    expect(events.map((e) => e.id)).toEqual([...events.map((e) => e.id)].sort((a, b) => a - b));
    const sent = events.map((e) => ChatEvent.parse(JSON.parse(e.payload))).map((e) => (e.type === 'chat.message.sent.v1' ? e.data.message : undefined));
    expect(sent.map((m) => `${m?.roomId}:${m?.seq}:${m?.text}`)).toEqual(['ra:1:before', 'ra:2:a2', 'ra:3:a3', 'rb:1:b1', "ra:4:a4 it's"]);
    expect(sent.find((m) => m?.text === 'a3')).toMatchObject({ id: (acks[1] as { id: string }).id, timestamp: (acks[1] as { timestamp: number }).timestamp, clientMsgId: 'dup' });
  });
});
