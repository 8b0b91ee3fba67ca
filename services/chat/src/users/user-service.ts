import { AppError, type Actor, type RoomState } from '@chat/contracts';
import { prepared, type Database, type Sql } from '../db/database.ts';
import type { MemberCache } from '../rooms/member-cache.ts';

/**
 * A login in one statement: records the user (a returning user whose name did not change
 * costs no write) and reads the state of every room it belongs to.
 */
const OPEN_SESSION = prepared('chat_open_session', ['text', 'text', 'bigint'], `WITH upserted AS (
    INSERT INTO users (user_id, username, updated_at) VALUES ($1, $2, $3)
    ON CONFLICT (user_id) DO UPDATE SET username = EXCLUDED.username, updated_at = EXCLUDED.updated_at
    WHERE users.username IS DISTINCT FROM EXCLUDED.username
    RETURNING 1
  )
  SELECT m.room_id, r.last_seq, m.last_read_seq, EXISTS (SELECT 1 FROM upserted) AS renamed
    FROM memberships m JOIN rooms r ON r.room_id = m.room_id
   WHERE m.user_id = $1 ORDER BY m.joined_at`);
const ROOM_IDS = prepared('chat_user_room_ids', ['text'], 'SELECT room_id FROM memberships WHERE user_id = $1');

/** The user currently known by a username (in jwt mode the latest login wins). */
export async function findUserByUsername(q: Sql, username: string): Promise<Actor> {
  const [row] = await q.query<{ user_id: string; username: string }>(
    'SELECT user_id, username FROM users WHERE username = $1 ORDER BY updated_at DESC LIMIT 1',
    [username],
  );
  if (!row) throw new AppError('USER_NOT_FOUND', `user ${username} not found`);
  return { userId: row.user_id, username: row.username };
}

export function createUserService(deps: { db: Database; members: MemberCache }) {
  const { db, members } = deps;
  return {
    /** A login: records the user and returns the state of every room it belongs to. */
    async openSession(actor: Actor): Promise<{ rooms: RoomState[] }> {
      const rows = await db.run<{ room_id: string; last_seq: number; last_read_seq: number; renamed: boolean }>(OPEN_SESSION, [
        actor.userId,
        actor.username,
        Date.now(),
      ]);
      // Member lists show usernames: a new name changes every room the user is in.
      if (rows[0]?.renamed) for (const r of rows) members.changed(r.room_id);
      return {
        rooms: rows.map((r) => {
          const lastSeq = Number(r.last_seq);
          const lastReadSeq = Number(r.last_read_seq);
          return { roomId: r.room_id, lastSeq, lastReadSeq, unread: Math.max(0, lastSeq - lastReadSeq) };
        }),
      };
    },
    async roomIds(userId: string): Promise<string[]> {
      const rows = await db.run<{ room_id: string }>(ROOM_IDS, [userId]);
      return rows.map((r) => r.room_id);
    },
    async stats(): Promise<{ rooms: number; users: number }> {
      const [row] = await db.query<{ rooms: number; users: number }>(
        'SELECT (SELECT count(*) FROM rooms)::int AS rooms, (SELECT count(*) FROM users)::int AS users',
      );
      return { rooms: Number(row?.rooms ?? 0), users: Number(row?.users ?? 0) };
    },
  };
}
