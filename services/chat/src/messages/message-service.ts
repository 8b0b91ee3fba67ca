import { createHash, randomUUID } from 'node:crypto';
import { AppError, checkMessageText, clampLimit, type Actor, type ChatRpc, type MessageAck, type RoomInfo } from '@chat/contracts';
import { isUniqueViolation, type Database, prepared, type PreparedStatement, type Row, type Sql } from '../db/database.ts';
import { appendEvent, newOutboxEvent, type OutboxRow } from '../outbox/outbox.ts';
import { loadRoomAsMember, loadRoomFor } from '../rooms/access.ts';
import type { MemberCache } from '../rooms/member-cache.ts';
import { addMember } from '../rooms/membership.ts';
import { MESSAGE_COLUMNS, ROOM_COLUMNS, toMessage, toRoomInfo } from '../rooms/rows.ts';
import { findUserByUsername } from '../users/user-service.ts';
import { createGroupCommit, type Outcome } from '../db/group-commit.ts';
import { readLatest, readPage } from './history.ts';
import { joinSeq, splitAtSeq } from './seq-splice.ts';

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
 * A whole send in one statement, so it needs no explicit transaction (one round trip): skip
 * if this sender's clientMsgId is already stored, else bump the room's seq as a member (the
 * row lock serialises concurrent senders on any replica until commit; the membership join is
 * the hot path's only check), store the message, mark it read for its sender and queue its
 * event with the seq joined in (seq-splice.ts). No row back means "not a member" (or no such
 * room). A concurrent repeat of the clientMsgId fails on the unique index, which undoes the
 * bump.
 */
const SEND = prepared('chat_send', ['text', 'text', 'text', 'text', 'text', 'bigint', 'text', 'text', 'text', 'text', 'text'], `WITH prior AS (
    SELECT id, seq, created_at FROM messages
     WHERE $7::text IS NOT NULL AND room_id = $2 AND user_id = $3 AND client_msg_id = $7
  ), bumped AS (
    UPDATE rooms r SET last_seq = r.last_seq + 1 FROM memberships m
     WHERE r.room_id = $2 AND m.room_id = r.room_id AND m.user_id = $3 AND NOT EXISTS (SELECT 1 FROM prior)
    RETURNING r.last_seq AS seq
  ), stored AS (
    INSERT INTO messages (id, room_id, seq, user_id, username, text, created_at, client_msg_id)
    SELECT $1, $2, seq, $3, $4, $5, $6, $7 FROM bumped
  ), marked AS (
    UPDATE memberships m SET last_read_seq = b.seq FROM bumped b WHERE m.room_id = $2 AND m.user_id = $3
  ), queued AS (
    INSERT INTO outbox (event_id, subject, payload)
    SELECT $8, $9, $10 || b.seq || $11 FROM bumped b
    RETURNING id
  )
  SELECT $1 AS id, b.seq, $6 AS created_at, q.id AS outbox_id FROM bumped b, queued q
  UNION ALL
  SELECT id, seq, created_at, NULL FROM prior`);

/**
 * A send statement's row: the stored message's number, and its outbox row's id unless it
 * repeated an earlier clientMsgId. Nothing the caller already has comes back: parsing each
 * send's event JSON out of PGlite's reply cost more than joining it again here.
 */
interface SendRow extends Row {
  id: string;
  seq: number;
  created_at: number;
  outbox_id: number | null;
}

/**
 * The sends of a group-commit batch as one statement (one call into PGlite instead of one per
 * send plus BEGIN and COMMIT: 130-290 us per send instead of 330-390 at 16-2 per batch,
 * measured). The same steps as SEND, per input row `n`: an earlier send with the same
 * clientMsgId answers for it; a member's send is numbered after the room's last seq in input
 * order; others get no row (the caller finds out why). The per-row lookups are LATERAL with
 * LIMIT so they stay index lookups: prepared while the tables were empty, joins were planned
 * as scans of whole tables and got slower with every message.
 *
 * With `lockRooms`, `locked` takes the rooms' row locks in room-id order before `bumped`
 * updates them (its count is an InitPlan, evaluated before the update's first row): the
 * update alone locked them in hash order, and two chat replicas' batches over the same rooms
 * deadlocked (once in 8,000 sends at 800 msg/s, a 1 s stall each time PostgreSQL broke one).
 * PGlite has one writer, so it skips those locks (about a tenth of the statement's cost).
 */
function sendBatchStatement(name: string, lockRooms: boolean) {
  const locked = lockRooms
    ? `, locked AS (
    SELECT room_id FROM rooms WHERE room_id IN (SELECT room_id FROM fresh) ORDER BY room_id FOR UPDATE
  )`
    : '';
  return prepared(name, ['json'], `WITH input AS (
    SELECT * FROM ROWS FROM (json_to_recordset($1) AS (id text, room_id text, user_id text, username text, text text, created_at bigint,
                                                      client_msg_id text, event_id text, subject text, payload_head text, payload_tail text))
      WITH ORDINALITY AS i(id, room_id, user_id, username, text, created_at, client_msg_id, event_id, subject, payload_head, payload_tail, n)
  ), prior AS (
    SELECT i.n, m.id, m.seq, m.created_at FROM input i CROSS JOIN LATERAL (
      SELECT id, seq, created_at FROM messages m
       WHERE m.room_id = i.room_id AND m.user_id = i.user_id AND m.client_msg_id = i.client_msg_id LIMIT 1) m
  ), fresh AS (
    SELECT i.*, row_number() OVER (PARTITION BY i.room_id ORDER BY i.n) AS k
      FROM input i CROSS JOIN LATERAL (
        SELECT 1 FROM memberships mb WHERE mb.room_id = i.room_id AND mb.user_id = i.user_id LIMIT 1) member
     WHERE NOT EXISTS (SELECT 1 FROM prior p WHERE p.n = i.n)
  )${locked}, bumped AS (
    UPDATE rooms r SET last_seq = r.last_seq + c.sends FROM (SELECT room_id, count(*) AS sends FROM fresh GROUP BY room_id) c
     WHERE r.room_id = c.room_id${lockRooms ? ' AND (SELECT count(*) FROM locked) > 0' : ''}
    RETURNING r.room_id, r.last_seq - c.sends AS base
  ), numbered AS (
    SELECT f.*, b.base + f.k AS seq FROM fresh f JOIN bumped b ON b.room_id = f.room_id
  ), stored AS (
    INSERT INTO messages (id, room_id, seq, user_id, username, text, created_at, client_msg_id)
    SELECT id, room_id, seq, user_id, username, text, created_at, client_msg_id FROM numbered
  ), marked AS (
    UPDATE memberships m SET last_read_seq = x.seq FROM (SELECT room_id, user_id, max(seq) AS seq FROM numbered GROUP BY room_id, user_id) x
     WHERE m.room_id = x.room_id AND m.user_id = x.user_id
  ), queued AS (
    INSERT INTO outbox (event_id, subject, payload)
    SELECT event_id, subject, payload_head || seq || payload_tail FROM numbered ORDER BY n
    RETURNING id, event_id
  )
  SELECT n.n, n.id, n.seq, n.created_at, q.id AS outbox_id FROM numbered n JOIN queued q ON q.event_id = n.event_id
  UNION ALL
  SELECT p.n, p.id, p.seq, p.created_at, NULL FROM prior p`);
}
const SEND_BATCH = sendBatchStatement('chat_send_batch', true);
const SEND_BATCH_SOLE_WRITER = sendBatchStatement('chat_send_batch_sole_writer', false);

/** A stored send: its ack, and its outbox row unless it repeated an earlier clientMsgId. */
export interface StoredSend {
  ack: MessageAck;
  /** The sender, whose read mark moved to the message. */
  userId: string;
  event?: OutboxRow;
}

/**
 * A send before the database numbers it. `row` is SEND's parameters in this order, and one
 * input row of SEND_BATCH; `payload` is its outbox event's JSON, cut where the seq goes.
 */
function newSend(roomId: string, actor: Actor, text: string, clientMsgId?: string) {
  const message = { id: randomUUID(), roomId, seq: 0, userId: actor.userId, username: actor.username, text, timestamp: Date.now(), ...(clientMsgId ? { clientMsgId } : {}) };
  const event = newOutboxEvent({ type: 'chat.message.sent.v1', data: { message } });
  const payload = splitAtSeq(JSON.stringify(event.full));
  const row = { id: message.id, room_id: roomId, user_id: actor.userId, username: actor.username, text, created_at: message.timestamp, client_msg_id: clientMsgId ?? null, event_id: event.eventId, subject: event.subject, payload_head: payload.head, payload_tail: payload.tail };
  return { row, payload, actor };
}
type NewSend = ReturnType<typeof newSend>;

/** A send that stored nothing: says why in the contract's words. */
async function refusal(q: Sql, actor: Actor, roomId: string): Promise<AppError> {
  await loadRoomAsMember(q, actor, roomId); // throws ROOM_NOT_FOUND or NOT_A_MEMBER
  return new AppError('NOT_A_MEMBER', `not a member of room ${roomId}`);
}

/** The send's outcome; its outbox row is the one the statement stored, seq included. */
function storedSend(stored: SendRow, { row, payload, actor }: NewSend): StoredSend {
  const ack = ackOf({ roomId: row.room_id, id: String(stored.id), seq: Number(stored.seq), timestamp: Number(stored.created_at), clientMsgId: row.client_msg_id ?? undefined });
  if (stored.outbox_id === null) return { ack, userId: actor.userId };
  return { ack, userId: actor.userId, event: { id: Number(stored.outbox_id), event_id: row.event_id, subject: row.subject, payload: joinSeq(payload, ack.seq) } };
}

async function storeMessage(q: Sql, roomId: string, actor: Actor, text: string, clientMsgId?: string): Promise<StoredSend> {
  const send = newSend(roomId, actor, text, clientMsgId);
  const [row] = await q.run<SendRow>(SEND, Object.values(send.row));
  if (!row) throw await refusal(q, actor, roomId);
  return storedSend(row, send);
}

/**
 * Several sends in one statement. Throws only if the statement failed (then nothing was
 * stored); afterwards every send gets its own outcome, refusals included.
 */
async function storeMessages(q: Sql, statement: PreparedStatement, reqs: Array<Req<'message.send'>>): Promise<Array<Outcome<StoredSend>>> {
  const sends = reqs.map((req) => newSend(req.roomId, req.actor, req.text, req.clientMsgId));
  const rows = await q.run<SendRow & { n: number }>(statement, [JSON.stringify(sends.map((s) => s.row))]);
  const byN = new Map(rows.map((r) => [Number(r.n), r]));
  return Promise.all(
    reqs.map(async (req, i): Promise<Outcome<StoredSend>> => {
      const row = byN.get(i + 1);
      if (row) return { ok: true, value: storedSend(row, sends[i]!) };
      try {
        return { ok: false, error: await refusal(q, req.actor, req.roomId) };
      } catch (error) {
        return { ok: false, error };
      }
    }),
  );
}

/**
 * Group commit's window: a send that finds the writer idle waits this long for company when
 * sends have been coming faster than one per window (S1's 200/s, 5 ms apart, never waits).
 * Fixed-rate S4 runs (rooms of 2), chat CPU per message: at 800/s 639 us without waiting, 534
 * with 1 ms, 423 with 2 ms; 4 ms instead of 2 took the whole stack from 922-948 to 830-885 us
 * per message at 1,000/s (ack p50 +1-2 ms). "Faster than one per 4 ms" rather than per 2 ms:
 * on PostgreSQL each replica sees only its share of the sends (600 msg/s over two replicas:
 * 1,638-1,645 -> 1,402-1,548 us per message), and on PGlite S2 at 400 msg/s (rooms of 100),
 * which ran every send alone, used 1,980 us per message against 1,628-1,758 (ack p50 1.9 ->
 * 6.5 ms, delivery p99 44 -> 27-32 ms); S1 batches nothing either way.
 */
const GROUP_COMMIT_GATHER_MS = 4;

/** Direct-message room ids are derived from the pair, so both sides find the same room. */
export function dmRoomId(a: string, b: string): string {
  const [x, y] = [a, b].sort();
  return `dm-${createHash('sha256').update(`${x}\u0000${y}`).digest('hex').slice(0, 32)}`;
}


export function createMessageService(deps: {
  db: Database;
  members: MemberCache;
  /** Something was committed that queued outbox rows. */
  onCommit: () => void;
  /** Sends committed on PGlite, with their outbox rows: the relay publishes them from memory. */
  onSent?: (events: OutboxRow[]) => void;
}) {
  const { db, members, onCommit } = deps;
  const committed = (sends: StoredSend[]) => {
    for (const s of sends) members.readUpTo(s.ack.roomId, s.userId, s.ack.seq);
    if (!deps.onSent) return onCommit();
    deps.onSent(sends.flatMap((s) => (s.event ? [s.event] : [])));
  };
  /**
   * Sends are group-committed on both databases, a batch as one statement. On PostgreSQL
   * several replicas write at once: a clientMsgId that another replica stored meanwhile fails
   * the batch (unique index), which then reruns send by send, each answering with the winner's
   * ack. A batch locks its rooms in room-id order before numbering (see SEND_BATCH), so two
   * replicas' batches queue behind each other rather than deadlock.
   */
  const batched = createGroupCommit({
    maxBatch: 256,
    gatherMs: GROUP_COMMIT_GATHER_MS,
    one:
      db.kind === 'pglite'
        ? (req: Req<'message.send'>) => storeMessage(db, req.roomId, req.actor, req.text, req.clientMsgId)
        : (req: Req<'message.send'>) =>
            idempotent(
              () => storeMessage(db, req.roomId, req.actor, req.text, req.clientMsgId),
              async () => {
                const ack = req.clientMsgId ? await findBySenderKey(db, req.roomId, req.actor.userId, req.clientMsgId) : undefined;
                return ack && { ack, userId: req.actor.userId };
              },
            ),
    many: (reqs) => storeMessages(db, db.kind === 'pglite' ? SEND_BATCH_SOLE_WRITER : SEND_BATCH, reqs),
    onCommit: committed,
  });

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
      return { ack: (await batched.submit(req)).ack };
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
            const { ack } = await storeMessage(q, roomId, req.actor, req.text, req.clientMsgId);
            return { ack, room: { ...room, lastSeq: ack.seq } };
          }),
        async () => {
          const ack = await lookup();
          return ack ? { ack, room: (await loadRoomFor(db, req.actor, roomId)).room } : undefined;
        },
      );
      members.changed(roomId); // the first message creates the room and both memberships
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
      if (moved) {
        members.readUpTo(req.roomId, req.actor.userId, seq);
        onCommit();
      }
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
