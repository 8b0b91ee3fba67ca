import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor, StoredMember } from '@chat/contracts';
import { createLogger } from '@chat/logging';
import { openDatabase, type Database } from '@chat/chat';
import type { Row, Sql } from '../src/db/database.ts';
import { createMessageService } from '../src/messages/message-service.ts';
import { createMemberCache } from '../src/rooms/member-cache.ts';
import { listMembers } from '../src/rooms/membership.ts';
import { createRoomService } from '../src/rooms/room-service.ts';
import { createUserService } from '../src/users/user-service.ts';
import { recordingStatements } from './recording-db.ts';

let db: Database;
beforeAll(async () => {
  db = await openDatabase({}, createLogger({ service: 'test', level: 'silent' }));
});
afterAll(() => db?.close());

const ann: Actor = { userId: 'u-ann', username: 'ann' };
const bob: Actor = { userId: 'u-bob', username: 'bob' };
const cid: Actor = { userId: 'u-cid', username: 'cid' };

describe('member lists from the cache (PGlite, one writer)', () => {
  it('answer what the table holds after every kind of change, and read the table only when something changed', async () => {
    const { db: counted, ran } = recordingStatements(db);
    const memberReads = () => ran.filter((r) => r.name === 'chat_members').length; // that reached the database
    const members = createMemberCache({ maxMembers: 1000 });
    const rooms = createRoomService({ db: counted, members, onCommit: () => {} });
    const messages = createMessageService({ db: counted, members, onCommit: () => {}, onSent: () => {} });
    const users = createUserService({ db: counted, members });
    const cached = async (actor: Actor, roomId: string) => (await rooms.members({ actor, roomId })).members;
    const expectTruth = async (roomId: string) => expect(await cached(ann, roomId)).toEqual(await listMembers(db, roomId));

    for (const a of [ann, bob, cid]) await users.openSession(a);
    await rooms.create({ actor: ann, roomId: 'cafe' });
    await rooms.join({ actor: bob, roomId: 'cafe' });
    await expectTruth('cafe');
    const reads = memberReads();
    expect(await cached(bob, 'cafe')).toMatchObject([{ username: 'ann' }, { username: 'bob' }]);
    expect(memberReads()).toBe(reads); // answered from memory

    // A recovery join (already a member) reads through the cache too.
    const recovered = await rooms.join({ actor: bob, roomId: 'cafe', since: 0 });
    expect(recovered.members).toEqual(await listMembers(db, 'cafe'));
    expect(memberReads()).toBe(reads);

    // Sends move their sender's read mark in place; no table read.
    await Promise.all([messages.send({ actor: ann, roomId: 'cafe', text: 'one' }), messages.send({ actor: bob, roomId: 'cafe', text: 'two' })]);
    await messages.send({ actor: ann, roomId: 'cafe', text: 'three' });
    expect(await cached(ann, 'cafe')).toMatchObject([{ username: 'ann', lastReadSeq: 3 }, { username: 'bob', lastReadSeq: 2 }]);
    await expectTruth('cafe');
    expect(memberReads()).toBe(reads);

    await messages.markRead({ actor: bob, roomId: 'cafe', seq: 3 });
    await expectTruth('cafe');
    expect((await cached(ann, 'cafe'))[1]).toMatchObject({ username: 'bob', lastReadSeq: 3 });

    // Membership changes and renames drop the list: the next read goes to the table.
    await rooms.join({ actor: cid, roomId: 'cafe' });
    await expectTruth('cafe');
    await rooms.leave({ actor: bob, roomId: 'cafe' });
    await expectTruth('cafe');
    await rooms.invite({ actor: ann, roomId: 'cafe', username: 'bob' });
    await expectTruth('cafe');
    await users.openSession({ userId: cid.userId, username: 'cid-renamed' });
    await expectTruth('cafe');
    expect((await cached(ann, 'cafe')).map((m) => m.username)).toEqual(['ann', 'cid-renamed', 'bob']);

    const dm = await messages.sendDirect({ actor: ann, to: 'bob', text: 'hi' });
    expect(await cached(ann, dm.room.roomId)).toEqual(await listMembers(db, dm.room.roomId));
    expect(await cached(ann, dm.room.roomId)).toHaveLength(2);
  });

  it('forget the least recently read rooms beyond their bound, and still answer them', async () => {
    const members = createMemberCache({ maxMembers: 3 });
    const rooms = createRoomService({ db, members, onCommit: () => {} });
    for (const roomId of ['r1', 'r2']) {
      await rooms.create({ actor: ann, roomId });
      await rooms.join({ actor: bob, roomId });
    }
    expect(await members.list(db, 'r1')).toHaveLength(2);
    expect(await members.list(db, 'r2')).toHaveLength(2); // 4 > 3: r1 is dropped
    await rooms.join({ actor: cid, roomId: 'r1' }); // would be missed if r1's old list had stayed
    expect(await members.list(db, 'r1')).toEqual(await listMembers(db, 'r1'));
  });
});

describe('a member-list read in flight while its room changes', () => {
  /** An Sql whose member reads wait until the test releases them. */
  function pausedSql() {
    const pending: Array<(rows: Row[]) => void> = [];
    const sql: Sql = {
      query: async () => [],
      run: <T extends Row>() => new Promise<T[]>((resolve) => pending.push(resolve as (rows: Row[]) => void)),
    };
    return { sql, release: (rows: Row[]) => pending.shift()!(rows) };
  }
  const row = (name: string, lastRead: number) => ({ user_id: `u-${name}`, username: name, last_read_seq: lastRead });
  const names = (list: StoredMember[]) => list.map((m) => `${m.username}:${m.lastReadSeq}`);

  it('is answered but not kept when a membership change committed meanwhile', async () => {
    const members = createMemberCache({ maxMembers: 100 });
    const { sql, release } = pausedSql();
    const before = members.list(sql, 'r');
    members.changed('r'); // bob joined and committed while the read was under way
    release([row('ann', 0)]);
    expect(names(await before)).toEqual(['ann:0']);
    const after = members.list(sql, 'r'); // not kept: goes to the database again
    release([row('ann', 0), row('bob', 0)]);
    expect(names(await after)).toEqual(['ann:0', 'bob:0']);
    expect(names(await members.list(sql, 'r'))).toEqual(['ann:0', 'bob:0']); // kept now
  });

  it('is not kept when a read mark moved meanwhile, and later marks move the kept list', async () => {
    const members = createMemberCache({ maxMembers: 100 });
    const { sql, release } = pausedSql();
    const before = members.list(sql, 'r');
    members.readUpTo('r', 'u-ann', 5);
    release([row('ann', 4)]);
    await before;
    const again = members.list(sql, 'r');
    release([row('ann', 5)]);
    expect(names(await again)).toEqual(['ann:5']);
    members.readUpTo('r', 'u-ann', 7);
    members.readUpTo('r', 'u-ann', 6); // marks never move back
    members.readUpTo('r', 'u-nobody', 9);
    expect(names(await members.list(sql, 'r'))).toEqual(['ann:7']);
  });
});
