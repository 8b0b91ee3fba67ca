import { AppError, clampLimit, type ChatRpc, type RoomInfo } from '@chat/contracts';
import { isUniqueViolation, type Database, type Sql } from '../db/database.ts';
import { readLatest, readPage } from '../messages/history.ts';
import { appendEvent } from '../outbox/outbox.ts';
import { findUserByUsername } from '../users/user-service.ts';
import { loadRoomAsMember, loadRoomFor } from './access.ts';
import type { MemberCache } from './member-cache.ts';
import { addMember, listMembers } from './membership.ts';
import { ROOM_COLUMNS, toRoomInfo } from './rows.ts';

type Req<M extends keyof ChatRpc> = ChatRpc[M]['req'];
type Res<M extends keyof ChatRpc> = ChatRpc[M]['res'];

export function createRoomService(deps: { db: Database; members: MemberCache; onCommit: () => void }) {
  const { db, members, onCommit } = deps;
  /** After a commit that changed the room's membership. */
  const committed = <T>(roomId: string, value: T): T => {
    members.changed(roomId);
    onCommit();
    return value;
  };

  return {
    async create(req: Req<'room.create'>): Promise<Res<'room.create'>> {
      const room: RoomInfo = {
        roomId: req.roomId,
        name: req.name ?? req.roomId,
        kind: req.private ? 'private' : 'public',
        createdBy: req.actor.userId,
        createdAt: Date.now(),
        memberCount: 0,
        lastSeq: 0,
      };
      if (req.description !== undefined) room.description = req.description;
      try {
        const created = await db.tx(async (q) => {
          const inserted = await q.query(
            `INSERT INTO rooms (room_id, name, description, kind, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (room_id) DO NOTHING RETURNING room_id`,
            [room.roomId, room.name, room.description ?? null, room.kind, room.createdBy, room.createdAt],
          );
          if (inserted.length === 0) throw new AppError('ROOM_EXISTS', `room ${room.roomId} already exists`);
          const withCreator = await addMember(q, room, req.actor, { notify: false, reason: 'create' });
          await appendEvent(q, { type: 'chat.room.created.v1', data: { room: withCreator } });
          return withCreator;
        });
        return committed(room.roomId, { room: created });
      } catch (err) {
        if (isUniqueViolation(err)) throw new AppError('ROOM_EXISTS', `room ${room.roomId} already exists`);
        throw err;
      }
    },

    async list(req: Req<'room.list'>): Promise<Res<'room.list'>> {
      const rows = await db.query(
        `SELECT ${ROOM_COLUMNS} FROM rooms
          WHERE kind = 'public' OR room_id IN (SELECT room_id FROM memberships WHERE user_id = $1)
          ORDER BY created_at, room_id`,
        [req.actor.userId],
      );
      return { rooms: rows.map(toRoomInfo) };
    },

    async get(req: Req<'room.get'>): Promise<Res<'room.get'>> {
      return { room: (await loadRoomFor(db, req.actor, req.roomId)).room };
    },

    async join(req: Req<'room.join'>): Promise<Res<'room.join'>> {
      const limit = clampLimit(req.limit);
      const read = async (q: Sql, room: RoomInfo, inWritingTx: boolean) => {
        const page =
          req.since === undefined ? await readLatest(q, room.roomId, limit) : await readPage(q, room.roomId, { after: req.since, limit });
        // The cache knows committed changes only: a transaction that just added a member reads the table.
        const users = inWritingTx ? await listMembers(q, room.roomId) : await members.list(q, room.roomId);
        // Without the row lock a send may commit between the two reads: live delivery must
        // start after whatever the page already holds.
        const lastInPage = page.messages.at(-1)?.seq ?? 0;
        return { room, members: users, recentMessages: page.messages, hasMore: page.hasMore, sinceSeq: Math.max(room.lastSeq, lastInPage) };
      };
      // A member's join is recovery (the common case after a reconnect): plain reads, no lock
      // and no transaction (read committed would give each read its own snapshot anyway).
      const access = await loadRoomFor(db, req.actor, req.roomId);
      if (access.isMember) return read(db, access.room, false);
      const joined = await db.tx(async (q) => {
        const access = await loadRoomFor(q, req.actor, req.roomId, { forUpdate: true });
        if (access.isMember) return { result: await read(q, access.room, false), added: false };
        const room = await addMember(q, access.room, req.actor, { notify: false, reason: 'join' });
        return { result: await read(q, room, true), added: true };
      });
      return joined.added ? committed(req.roomId, joined.result) : joined.result;
    },

    async leave(req: Req<'room.leave'>): Promise<Res<'room.leave'>> {
      await db.tx(async (q) => {
        const { room } = await loadRoomAsMember(q, req.actor, req.roomId, { forUpdate: true });
        if (room.kind === 'dm') throw new AppError('FORBIDDEN', 'a direct-message room cannot be left');
        await q.query('DELETE FROM memberships WHERE room_id = $1 AND user_id = $2', [room.roomId, req.actor.userId]);
        await q.query('UPDATE rooms SET member_count = member_count - 1 WHERE room_id = $1', [room.roomId]);
        await appendEvent(q, {
          type: 'chat.member.left.v1',
          data: { roomId: room.roomId, userId: req.actor.userId, username: req.actor.username },
        });
      });
      return committed(req.roomId, { roomId: req.roomId });
    },

    async members(req: Req<'room.members'>): Promise<Res<'room.members'>> {
      const { room } = await loadRoomFor(db, req.actor, req.roomId);
      return { roomId: room.roomId, members: await members.list(db, room.roomId) };
    },

    async invite(req: Req<'room.invite'>): Promise<Res<'room.invite'>> {
      let added = false;
      const username = await db.tx(async (q) => {
        const { room } = await loadRoomAsMember(q, req.actor, req.roomId, { forUpdate: true });
        if (room.kind === 'dm') throw new AppError('FORBIDDEN', 'nobody can be invited into a direct-message room');
        const invitee = await findUserByUsername(q, req.username);
        const existing = await q.query('SELECT 1 FROM memberships WHERE room_id = $1 AND user_id = $2', [room.roomId, invitee.userId]);
        if (existing.length === 0) {
          await addMember(q, room, invitee, { notify: true, reason: 'invite' });
          added = true;
        }
        return invitee.username;
      });
      const result = { roomId: req.roomId, username };
      return added ? committed(req.roomId, result) : result;
    },
  };
}
