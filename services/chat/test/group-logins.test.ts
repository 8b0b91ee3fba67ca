import { describe, expect, it } from 'vitest';
import type { Actor } from '@chat/contracts';
import { createMemberCache } from '../src/rooms/member-cache.ts';
import { listMembers } from '../src/rooms/membership.ts';
import { createUserService } from '../src/users/user-service.ts';
import { recordingStatements } from './recording-db.ts';
import { DATABASE_KINDS, seededDatabase } from './seeded-database.ts';

const ann: Actor = { userId: 'u-ann', username: 'ann' };
const bob: Actor = { userId: 'u-bob', username: 'bob' };

for (const kind of DATABASE_KINDS) {
  describe(`concurrent logins on ${kind} (group commit)`, () => {
    // ann is in two rooms (joined rb first), bob in one, with unread messages.
    const t = seededDatabase(kind, `
        INSERT INTO users VALUES ('u-ann', 'ann', 0), ('u-bob', 'bob', 0);
        INSERT INTO rooms (room_id, name, kind, created_by, created_at, last_seq) VALUES ('ra', 'a', 'public', 'u-ann', 0, 7), ('rb', 'b', 'public', 'u-ann', 0, 3);
        INSERT INTO memberships (room_id, user_id, joined_at, last_read_seq) VALUES ('rb', 'u-ann', 1, 3), ('ra', 'u-ann', 2, 5), ('ra', 'u-bob', 3, 0);`);

    it('answers each login with its own rooms, records new and renamed users once, in one statement', async () => {
      const { db: counted, ran } = recordingStatements(t.db);
      const members = createMemberCache({ maxMembers: 1000 });
      const users = createUserService({ db: counted, members });
      const first = users.openSession(ann); // alone: the ones below queue behind it
      const together = await Promise.all([
        users.openSession(bob),
        users.openSession({ userId: 'u-new', username: 'newcomer' }),
        users.openSession({ userId: 'u-ann', username: 'ann-old-name' }),
        users.openSession({ userId: 'u-ann', username: 'annie' }),
      ]);
      const annRooms = [
        { roomId: 'rb', lastSeq: 3, lastReadSeq: 3, unread: 0 },
        { roomId: 'ra', lastSeq: 7, lastReadSeq: 5, unread: 2 },
      ];
      expect(await first).toEqual({ rooms: annRooms });
      expect(together).toEqual([
        { rooms: [{ roomId: 'ra', lastSeq: 7, lastReadSeq: 0, unread: 7 }] },
        { rooms: [] },
        { rooms: annRooms },
        { rooms: annRooms },
      ]);
      expect(ran.map((r) => r.name)).toEqual(['chat_open_sessions', 'chat_open_sessions']);
      expect(JSON.parse(String(ran[1]!.params[0])) as unknown[]).toHaveLength(4);

      // The later of two names in one batch wins, as if they had come one after the other.
      const stored = await t.db.query<{ user_id: string; username: string }>(`SELECT user_id, username FROM users ORDER BY user_id`);
      expect(stored).toEqual([
        { user_id: 'u-ann', username: 'annie' },
        { user_id: 'u-bob', username: 'bob' },
        { user_id: 'u-new', username: 'newcomer' },
      ]);
      expect((await listMembers(t.db, 'ra')).map((m) => m.username).sort()).toEqual(['annie', 'bob']);
    });

    it('runs the logins of a failed batch again one by one: one bad login fails alone', async () => {
      const users = createUserService({ db: t.db, members: createMemberCache({ maxMembers: 1000 }) });
      const first = users.openSession(bob);
      const results = await Promise.allSettled([users.openSession({ userId: 'u-bad', username: 'bad\u0000name' }), users.openSession(ann)]);
      await first;
      expect(results[0]!.status).toBe('rejected');
      expect(results[1]).toMatchObject({ status: 'fulfilled', value: { rooms: [{ roomId: 'rb' }, { roomId: 'ra' }] } });
    });

    if (kind === 'postgres') {
      it("logs two replicas' overlapping batches in without deadlocks", async () => {
        const replicas = [0, 1].map(() => createUserService({ db: t.db, members: createMemberCache({ maxMembers: 1000 }) }));
        const deadlocks = async () => Number((await t.db.query<{ n: number }>('SELECT deadlocks AS n FROM pg_stat_database WHERE datname = current_database()'))[0]!.n);
        const before = await deadlocks();
        const actors = Array.from({ length: 200 }, (_, i) => ({ userId: `u-r${i}`, username: `r${i}` }));
        for (let round = 0; round < 5; round++) {
          // Renamed each round, so every login writes its row; the replicas go in opposite orders.
          const named = actors.map((a) => ({ ...a, username: `${a.username}-${round}` }));
          const results = await Promise.all([...named.map((a) => replicas[0]!.openSession(a)), ...[...named].reverse().map((a) => replicas[1]!.openSession(a))]);
          expect(results).toHaveLength(400);
        }
        expect(await deadlocks()).toBe(before);
        const names = await t.db.query<{ username: string }>("SELECT username FROM users WHERE user_id LIKE 'u-r%' ORDER BY user_id");
        expect(new Set(names.map((n) => n.username.split('-')[1]))).toEqual(new Set(['4']));
      });
    }
  });
}
