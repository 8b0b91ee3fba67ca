import type { Actor, RoomInfo, StoredMember } from '@chat/contracts';
import { prepared, type Sql } from '../db/database.ts';
import { appendEvent } from '../outbox/outbox.ts';
import { toStoredMember } from './rows.ts';

/**
 * Makes a user a member of a room whose row the transaction has locked. A new member
 * starts with everything read (lastReadSeq = the room's lastSeq at joining).
 * Returns the room with its new member count.
 */
export async function addMember(q: Sql, room: RoomInfo, user: Actor, opts: { notify: boolean; reason: 'create' | 'join' | 'invite' | 'dm' }): Promise<RoomInfo> {
  // A user who only ever used the HTTP API has no row yet.
  await q.query('INSERT INTO users (user_id, username, updated_at) VALUES ($1, $2, $3) ON CONFLICT (user_id) DO NOTHING', [
    user.userId,
    user.username,
    Date.now(),
  ]);
  await q.query('INSERT INTO memberships (room_id, user_id, joined_at, last_read_seq) VALUES ($1, $2, $3, $4)', [
    room.roomId,
    user.userId,
    Date.now(),
    room.lastSeq,
  ]);
  await q.query('UPDATE rooms SET member_count = member_count + 1 WHERE room_id = $1', [room.roomId]);
  const updated = { ...room, memberCount: room.memberCount + 1 };
  await appendEvent(q, {
    type: 'chat.member.joined.v1',
    data: { room: updated, userId: user.userId, username: user.username, sinceSeq: room.lastSeq, notify: opts.notify, reason: opts.reason },
  });
  return updated;
}

const MEMBERS = prepared('chat_members', ['text'], `SELECT m.user_id, u.username, m.last_read_seq FROM memberships m JOIN users u ON u.user_id = m.user_id
          WHERE m.room_id = $1 ORDER BY m.joined_at, u.username`);

export async function listMembers(q: Sql, roomId: string): Promise<StoredMember[]> {
  const rows = await q.run(MEMBERS, [roomId]);
  return rows.map(toStoredMember);
}
