import { createHash, randomUUID } from 'node:crypto';
import { AppError, checkMessageText, clampLimit, type Actor, type ChatRpc, type MessageAck, type RoomInfo } from '@chat/contracts';
import { isUniqueViolation, type Database, type Sql } from '../db/database.ts';
import { appendEvent, outboxValues } from '../outbox/outbox.ts';
import { loadRoomAsMember, loadRoomFor } from '../rooms/access.ts';
import { addMember } from '../rooms/membership.ts';
import { MESSAGE_COLUMNS, ROOM_COLUMNS, toMessage, toRoomInfo } from '../rooms/rows.ts';
import { findUserByUsername } from '../users/user-service.ts';
import { createGroupCommit } from './group-commit.ts';
import { readLatest, readPage } from './history.ts';

type Req<M extends keyof ChatRpc> = ChatRpc[M]['req'];
type Res<M extends keyof ChatRpc> = ChatRpc[M]['res'];

function ackOf(m: { roomId: string; id: string; seq: number; timestamp: number; clientMsgId?: string }): MessageAck {
  const ack: MessageAck = { roomId: m.roomId, id: m.id, seq: m.seq, timestamp: m.timestamp };
  if (m.clientMsgId !== undefined) ack.clientMsgId = m.clientMsgId;
  return ack;
}

async function findBySenderKey(q: Sql, roomId: string, userId: string, clientMsgId: string): Promise<MessageAck | undefined> {
  const [row] = await q.query(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE room_id = $1 AND user_id = $2 AND client_msg_id = $3`, [
    roomId,
    userId,
    clientMsgId,
  ]);
  return row ? ackOf(toMessage(row)) : undefined;
}

/**
 * The per-room sequence: `UPDATE rooms ... RETURNING` takes the room's row lock, which
 * serialises concurrent senders (on any replica) until commit, so seqs are unique; a
 * rollback undoes the bump, so they are gap-free. The membership join makes this the send's
 * only check on the hot path; undefined means "not a member" (or no such room).
 */
async function bumpSeqAsMember(q: Sql, roomId: string, userId: string): Promise<number | undefined> {
  const [row] = await q.query<{ last_seq: number }>(
    `UPDATE rooms r SET last_seq = r.last_seq + 1 FROM memberships m
      WHERE r.room_id = $1 AND m.room_id = r.room_id AND m.user_id = $2 RETURNING r.last_seq`,
    [roomId, userId],
  );
  return row ? Number(row.last_seq) : undefined;
}

async function bumpSeq(q: Sql, roomId: string): Promise<number> {
  const [row] = await q.query<{ last_seq: number }>('UPDATE rooms SET last_seq = last_seq + 1 WHERE room_id = $1 RETURNING last_seq', [roomId]);
  return Number(row!.last_seq);
}

/**
 * Stores the message, marks it read for its sender and queues its event, in one statement.
 * A repeated clientMsgId fails here on the unique index, which rolls the seq bump back.
 */
async function storeMessage(q: Sql, roomId: string, seq: number, actor: Actor, text: string, clientMsgId?: string): Promise<MessageAck> {
  const message = { id: randomUUID(), roomId, seq, userId: actor.userId, username: actor.username, text, timestamp: Date.now(), ...(clientMsgId ? { clientMsgId } : {}) };
  await q.query(
    `WITH stored AS (
       INSERT INTO messages (id, room_id, seq, user_id, username, text, created_at, client_msg_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ), marked AS (
       UPDATE memberships SET last_read_seq = $3 WHERE room_id = $2 AND user_id = $4
     )
     INSERT INTO outbox (event_id, subject, payload) VALUES ($9, $10, $11)`,
    [message.id, roomId, seq, actor.userId, actor.username, text, message.timestamp, clientMsgId ?? null, ...outboxValues({ type: 'chat.message.sent.v1', data: { message } })],
  );
  return ackOf(message);
}

/** Direct-message room ids are derived from the pair, so both sides find the same room. */
export function dmRoomId(a: string, b: string): string {
  const [x, y] = [a, b].sort();
  return `dm-${createHash('sha256').update(`${x}\u0000${y}`).digest('hex').slice(0, 32)}`;
}

/**
 * One send inside a shared (group-commit) transaction on PGlite: checks come before writes,
 * so a refused send leaves the transaction usable. One process owns PGlite, so the
 * clientMsgId pre-check cannot race another writer.
 */
async function sendInBatch(q: Sql, req: Req<'message.send'>): Promise<MessageAck> {
  if (req.clientMsgId) {
    const previous = await findBySenderKey(q, req.roomId, req.actor.userId, req.clientMsgId);
    if (previous) return previous;
  }
  const seq = await bumpSeqAsMember(q, req.roomId, req.actor.userId);
  if (seq === undefined) {
    await loadRoomAsMember(q, req.actor, req.roomId);
    throw new AppError('NOT_A_MEMBER', `not a member of room ${req.roomId}`);
  }
  return storeMessage(q, req.roomId, seq, req.actor, req.text, req.clientMsgId);
}

export function createMessageService(deps: { db: Database; onCommit: () => void }) {
  const { db, onCommit } = deps;
  const batched = db.kind === 'pglite' ? createGroupCommit({ db, maxBatch: 256, apply: sendInBatch, onCommit }) : undefined;

  /** Runs a send; a concurrent duplicate clientMsgId (another replica won) resolves to the winner's ack. */
  async function idempotent<T>(attempt: () => Promise<T>, lookup: () => Promise<T | undefined>): Promise<T> {
    try {
      return await attempt();
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      const winner = await lookup();
      if (!winner) throw err;
      return winner;
    }
  }

  function checkText(text: string) {
    const problem = checkMessageText(text);
    if (problem) throw problem;
  }

  return {
    async send(req: Req<'message.send'>): Promise<Res<'message.send'>> {
      checkText(req.text);
      if (batched) return { ack: await batched.submit(req) };
      const ack = await idempotent(
        () =>
          db.tx(async (q) => {
            const seq = await bumpSeqAsMember(q, req.roomId, req.actor.userId);
            if (seq === undefined) {
              await loadRoomAsMember(q, req.actor, req.roomId); // throws the error the contract names
              throw new AppError('NOT_A_MEMBER', `not a member of room ${req.roomId}`);
            }
            return storeMessage(q, req.roomId, seq, req.actor, req.text, req.clientMsgId);
          }),
        async () => (req.clientMsgId ? findBySenderKey(db, req.roomId, req.actor.userId, req.clientMsgId) : undefined),
      );
      onCommit();
      return { ack };
    },

    async sendDirect(req: Req<'dm.send'>): Promise<Res<'dm.send'>> {
      checkText(req.text);
      const recipient = await findUserByUsername(db, req.to);
      const roomId = dmRoomId(req.actor.userId, recipient.userId);
      const lookup = async () => (req.clientMsgId ? findBySenderKey(db, roomId, req.actor.userId, req.clientMsgId) : undefined);
      const result = await idempotent(
        () =>
          db.tx(async (q) => {
            const room = await ensureDmRoom(q, roomId, req.actor, recipient);
            const ack = await storeMessage(q, roomId, await bumpSeq(q, roomId), req.actor, req.text, req.clientMsgId);
            return { ack, room: { ...room, lastSeq: ack.seq } };
          }),
        async () => {
          const ack = await lookup();
          return ack ? { ack, room: (await loadRoomFor(db, req.actor, roomId)).room } : undefined;
        },
      );
      onCommit();
      return result;
    },

    async history(req: Req<'message.history'>): Promise<Res<'message.history'>> {
      const { room } = await loadRoomFor(db, req.actor, req.roomId);
      const limit = clampLimit(req.limit);
      const page =
        req.after === undefined
          ? await readLatest(db, room.roomId, limit, req.before)
          : await readPage(db, room.roomId, { after: req.after, before: req.before, limit });
      return { roomId: room.roomId, ...page };
    },

    async markRead(req: Req<'message.read'>): Promise<Res<'message.read'>> {
      let moved = false;
      const seq = await db.tx(async (q) => {
        const { room, lastReadSeq } = await loadRoomAsMember(q, req.actor, req.roomId);
        const target = Math.min(req.seq, room.lastSeq);
        if (target <= lastReadSeq) return lastReadSeq;
        // Guarded UPDATE: a concurrent read that went further wins; read state never moves back.
        const [row] = await q.query<{ last_read_seq: number }>(
          `UPDATE memberships SET last_read_seq = GREATEST(last_read_seq, $3) WHERE room_id = $1 AND user_id = $2 RETURNING last_read_seq`,
          [room.roomId, req.actor.userId, target],
        );
        const now = Number(row!.last_read_seq);
        if (now > lastReadSeq) {
          moved = true;
          await appendEvent(q, {
            type: 'chat.message.read.v1',
            data: { roomId: room.roomId, userId: req.actor.userId, username: req.actor.username, seq: now },
          });
        }
        return now;
      });
      if (moved) onCommit();
      return { roomId: req.roomId, seq };
    },

    async catchUp(req: Req<'room.catchUp'>): Promise<Res<'room.catchUp'>> {
      const page = await readPage(db, req.roomId, { after: req.after, limit: Math.min(req.limit, 1000) });
      return { messages: page.messages };
    },
  };
}

/** Returns the pair's dm room (locked), creating it with both members on first use. */
async function ensureDmRoom(q: Sql, roomId: string, sender: Actor, recipient: Actor): Promise<RoomInfo> {
  const inserted = await q.query(
    `INSERT INTO rooms (room_id, name, kind, created_by, created_at) VALUES ($1, $2, 'dm', $3, $4)
     ON CONFLICT (room_id) DO NOTHING RETURNING ${ROOM_COLUMNS}`,
    [roomId, [sender.username, recipient.username].sort().join(', '), sender.userId, Date.now()],
  );
  const [locked] = await q.query(`SELECT ${ROOM_COLUMNS} FROM rooms WHERE room_id = $1 FOR UPDATE`, [roomId]);
  let room = toRoomInfo(locked!);
  if (inserted.length > 0) {
    room = await addMember(q, room, sender, { notify: false, reason: 'dm' });
    if (recipient.userId !== sender.userId) room = await addMember(q, room, recipient, { notify: true, reason: 'dm' });
  }
  return room;
}
