import { AppError, type Actor, type RoomState } from '@chat/contracts';
import { prepared, type Database, type Row, type Sql } from '../db/database.ts';
import { createGroupCommit } from '../db/group-commit.ts';
import type { MemberCache } from '../rooms/member-cache.ts';

/**
 * The logins of a group-commit batch in one statement (a lone login is a batch of one), per
 * input row `n`: records the user (a returning user whose name did not change costs no write)
 * and reads the state of every room it belongs to, in joining order; a user in no room gets one
 * row with a null room_id. A user who logs in twice in a batch is upserted once, with the later
 * name, and users are upserted in user-id order, so two chat replicas' batches lock them in the
 * same order. The room reads stay index lookups (OFFSET 0 keeps the subquery from being merged
 * into a join, the scalar subquery reads rooms by key): planned generically, the plain join
 * scanned both tables whole. In process, on PGlite: 52 us per login in batches of 20 against
 * 220-280 one statement at a time (docs/performance.md, item 28).
 */
const OPEN_SESSIONS = prepared('chat_open_sessions', ['json'], `WITH input AS (
    SELECT * FROM ROWS FROM (json_to_recordset($1) AS (user_id text, username text, updated_at bigint))
      WITH ORDINALITY AS i(user_id, username, updated_at, n)
  ), upserted AS (
    INSERT INTO users (user_id, username, updated_at)
    SELECT DISTINCT ON (user_id) user_id, username, updated_at FROM input ORDER BY user_id, n DESC
    ON CONFLICT (user_id) DO UPDATE SET username = EXCLUDED.username, updated_at = EXCLUDED.updated_at
    WHERE users.username IS DISTINCT FROM EXCLUDED.username
    RETURNING user_id
  )
  SELECT i.n, s.room_id, s.last_seq, s.last_read_seq, EXISTS (SELECT 1 FROM upserted u WHERE u.user_id = i.user_id) AS renamed
    FROM input i LEFT JOIN LATERAL (
      SELECT m.room_id, (SELECT r.last_seq FROM rooms r WHERE r.room_id = m.room_id) AS last_seq, m.last_read_seq, m.joined_at
        FROM memberships m WHERE m.user_id = i.user_id OFFSET 0) s ON true
   ORDER BY i.n, s.joined_at`);
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

interface SessionRow extends Row {
  n: number;
  room_id: string | null;
  last_seq: number;
  last_read_seq: number;
  renamed: boolean;
}

export function createUserService(deps: { db: Database; members: MemberCache }) {
  const { db, members } = deps;

  function sessionOf(rows: SessionRow[]): { rooms: RoomState[] } {
    const rooms: RoomState[] = [];
    for (const r of rows) {
      if (r.room_id === null) continue;
      // Member lists show usernames: a new name changes every room the user is in.
      if (r.renamed) members.changed(r.room_id);
      const lastSeq = Number(r.last_seq);
      const lastReadSeq = Number(r.last_read_seq);
      rooms.push({ roomId: r.room_id, lastSeq, lastReadSeq, unread: Math.max(0, lastSeq - lastReadSeq) });
    }
    return { rooms };
  }

  async function openSessions(actors: Actor[]): Promise<Array<{ rooms: RoomState[] }>> {
    const updatedAt = Date.now();
    const input = actors.map((a) => ({ user_id: a.userId, username: a.username, updated_at: updatedAt }));
    const rows = await db.run<SessionRow>(OPEN_SESSIONS, [JSON.stringify(input)]);
    const byLogin = actors.map((): SessionRow[] => []);
    for (const r of rows) byLogin[Number(r.n) - 1]!.push(r);
    return byLogin.map(sessionOf);
  }

  /**
   * Logins group-committed: in a login burst or a reconnect storm they arrive while the one
   * before is in the database, and go in together. No gathering window: a login that finds
   * the database idle goes at once.
   */
  const logins = createGroupCommit<Actor, { rooms: RoomState[] }>({
    maxBatch: 256,
    gatherMs: 0,
    one: async (actor) => (await openSessions([actor]))[0]!,
    many: async (actors) => (await openSessions(actors)).map((value) => ({ ok: true as const, value })),
  });

  return {
    /** A login: records the user and returns the state of every room it belongs to. */
    openSession: (actor: Actor): Promise<{ rooms: RoomState[] }> => logins.submit(actor),
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
