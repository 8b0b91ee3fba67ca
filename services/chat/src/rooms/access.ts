import { AppError, type Actor, type RoomInfo } from '@chat/contracts';
import { prepared, type Sql } from '../db/database.ts';
import { ROOM_COLUMNS, toRoomInfo } from './rows.ts';

export interface RoomAccess {
  room: RoomInfo;
  isMember: boolean;
  lastReadSeq: number;
}

/**
 * Loads a room as the actor may see it. Private and dm rooms do not exist for non-members:
 * they get ROOM_NOT_FOUND exactly like an unknown id, so nothing leaks through errors.
 * `forUpdate` locks the room row, serialising against senders (seq) in this transaction.
 */
const select = (lock: string) =>
  prepared(
    lock ? 'chat_room_for_update' : 'chat_room_for',
    ['text', 'text'],
    `SELECT ${ROOM_COLUMNS.split(', ').map((c) => `r.${c}`).join(', ')}, m.last_read_seq
           FROM rooms r LEFT JOIN memberships m ON m.room_id = r.room_id AND m.user_id = $2
          WHERE r.room_id = $1${lock}`,
  );
const ROOM_FOR = select('');
const ROOM_FOR_UPDATE = select(' FOR UPDATE OF r');

export async function loadRoomFor(q: Sql, actor: Actor, roomId: string, opts: { forUpdate?: boolean } = {}): Promise<RoomAccess> {
  const rows = await q.run(opts.forUpdate ? ROOM_FOR_UPDATE : ROOM_FOR, [roomId, actor.userId]);
  const row = rows[0];
  if (!row) throw new AppError('ROOM_NOT_FOUND', `room ${roomId} not found`);
  const isMember = row.last_read_seq !== null && row.last_read_seq !== undefined;
  const room = toRoomInfo(row);
  if (!isMember && room.kind !== 'public') throw new AppError('ROOM_NOT_FOUND', `room ${roomId} not found`);
  return { room, isMember, lastReadSeq: isMember ? Number(row.last_read_seq) : 0 };
}

/** As loadRoomFor, and the actor must be a member (NOT_A_MEMBER for public rooms). */
export async function loadRoomAsMember(q: Sql, actor: Actor, roomId: string, opts: { forUpdate?: boolean } = {}): Promise<RoomAccess> {
  const access = await loadRoomFor(q, actor, roomId, opts);
  if (!access.isMember) throw new AppError('NOT_A_MEMBER', `not a member of room ${roomId}`);
  return access;
}
