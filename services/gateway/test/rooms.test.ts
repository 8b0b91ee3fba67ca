import { expect, it } from 'vitest';
import { describeOnEachDatabase, TestClient } from '@chat/testing';

describeOnEachDatabase('rooms and membership', ({ stack }) => {
  const ws = () => stack().gateways[0]!.wsUrl;

  it('creates a public room, announces it to every connected user, lists and joins it', async () => {
    const alice = await TestClient.guest(ws(), 'r-alice');
    const bob = await TestClient.guest(ws(), 'r-bob');
    const created = await alice.ok('room.created', 'room.create', { roomId: 'general', name: 'General', description: 'all hands' });
    expect(created.room).toMatchObject({ roomId: 'general', name: 'General', description: 'all hands', kind: 'public', createdBy: alice.auth.userId, memberCount: 1, lastSeq: 0 });
    expect(created.room.createdAt).toBeGreaterThan(0);
    expect(await bob.waitForType('room.created', (d) => d.room.roomId === 'general')).toBeTruthy();
    expect(await alice.request('room.create', { roomId: 'general' })).toMatchObject({ type: 'error', data: { code: 'ROOM_EXISTS' } });

    const list = await bob.ok('room.list', 'room.list', {});
    expect(list.rooms.map((r) => r.roomId)).toContain('general');

    const joined = await bob.ok('room.joined', 'room.join', { roomId: 'general' });
    expect(joined.room.memberCount).toBe(2);
    expect(joined.users.map((u) => u.username).sort()).toEqual(['r-alice', 'r-bob']);
    expect(joined.users.find((u) => u.username === 'r-alice')).toMatchObject({ status: 'online', lastReadSeq: 0 });
    expect(joined).toMatchObject({ recentMessages: [], hasMore: false });
    expect(await alice.waitForType('room.userJoined', (d) => d.roomId === 'general' && d.username === 'r-bob')).toBeTruthy();

    // Joining again is recovery, not a new membership: no second userJoined.
    await bob.ok('room.joined', 'room.join', { roomId: 'general' });
    const members = await alice.ok('room.members', 'room.members', { roomId: 'general' });
    expect(members.members).toHaveLength(2);

    const bobTab = await TestClient.guest(ws(), 'r-bob');
    await bob.ok('room.left', 'room.leave', { roomId: 'general' });
    expect(await alice.waitForType('room.userLeft', (d) => d.username === 'r-bob')).toBeTruthy();
    // The leaver's other tab on the same gateway learns it left too.
    expect(await bobTab.waitForType('room.userLeft', (d) => d.roomId === 'general' && d.username === 'r-bob')).toBeTruthy();
    await bobTab.close();
    expect(await bob.request('room.leave', { roomId: 'general' })).toMatchObject({ type: 'error', data: { code: 'NOT_A_MEMBER' } });
    expect(alice.of('room.userJoined').filter((d) => d.username === 'r-bob')).toHaveLength(1);
    await Promise.all([alice.close(), bob.close()]);
  });

  it("serves every tab of a user on one gateway as tabs open and close", async () => {
    const [a1, a2, a3] = await Promise.all([1, 2, 3].map(() => TestClient.guest(ws(), 'tabs-a')));
    const b = await TestClient.guest(ws(), 'tabs-b');
    await a1!.ok('room.created', 'room.create', { roomId: 'tabs' });
    await b.ok('room.joined', 'room.join', { roomId: 'tabs' });
    const sent = async (text: string) => (await b.ok('message.ack', 'message.send', { roomId: 'tabs', text })).seq;
    const got = (c: TestClient, seq: number) => c.waitForType('message.received', (m) => m.roomId === 'tabs' && m.seq === seq);

    const one = await sent('one');
    await Promise.all([a1!, a2!, a3!].map((c) => got(c, one)));
    // Three tabs -> one: the last one left is still served, by room and by user events.
    await Promise.all([a2!.close(), a3!.close()]);
    const two = await sent('two');
    await got(a1!, two);
    const a4 = await TestClient.guest(ws(), 'tabs-a');
    const three = await sent('three');
    await Promise.all([got(a1!, three), got(a4, three)]);
    await b.ok('room.created', 'room.create', { roomId: 'tabs-private', private: true });
    await b.ok('room.invited', 'room.invite', { roomId: 'tabs-private', username: 'tabs-a' });
    await Promise.all([a1!, a4].map((c) => c.waitForType('room.added', (d) => d.room.roomId === 'tabs-private')));
    const four = (await b.ok('message.ack', 'message.send', { roomId: 'tabs-private', text: 'four' })).seq;
    await Promise.all([a1!, a4].map((c) => c.waitForType('message.received', (m) => m.roomId === 'tabs-private' && m.seq === four)));
    expect(a1!.of('message.received').filter((m) => m.roomId === 'tabs').map((m) => m.seq)).toEqual([one, two, three]);
    await Promise.all([a1!.close(), a4.close(), b.close()]);
  });

  it('hides private rooms from non-members exactly like unknown rooms', async () => {
    const owner = await TestClient.guest(ws(), 'p-owner');
    const friend = await TestClient.guest(ws(), 'p-friend');
    const outsider = await TestClient.guest(ws(), 'p-outsider');
    const { room } = await owner.ok('room.created', 'room.create', { roomId: 'secret', private: true });
    expect(room.kind).toBe('private');

    for (const [type, data] of [
      ['room.join', { roomId: 'secret' }],
      ['room.leave', { roomId: 'secret' }],
      ['room.members', { roomId: 'secret' }],
      ['room.invite', { roomId: 'secret', username: 'p-outsider' }],
      ['message.send', { roomId: 'secret', text: 'hi' }],
      ['message.history', { roomId: 'secret' }],
      ['message.read', { roomId: 'secret', seq: 1 }],
      ['typing.start', { roomId: 'secret' }],
      ['typing.stop', { roomId: 'secret' }],
    ] as const) {
      const unknown = await outsider.request(type, { ...data, roomId: 'no-such-room' });
      const hidden = await outsider.request(type, data);
      expect(hidden, type).toMatchObject({ type: 'error', data: { code: 'ROOM_NOT_FOUND' } });
      expect((hidden.data as { message: string }).message).toBe((unknown.data as { message: string }).message.replace('no-such-room', 'secret'));
    }
    expect((await outsider.ok('room.list', 'room.list', {})).rooms.map((r) => r.roomId)).not.toContain('secret');
    expect(outsider.of('room.created').map((d) => d.room.roomId)).not.toContain('secret');

    expect(await owner.ok('room.invited', 'room.invite', { roomId: 'secret', username: 'p-friend' })).toEqual({ roomId: 'secret', username: 'p-friend' });
    const added = await friend.waitForType('room.added', (d) => d.room.roomId === 'secret');
    expect(added.room.memberCount).toBe(2);
    expect(await owner.waitForType('room.userJoined', (d) => d.roomId === 'secret' && d.username === 'p-friend')).toBeTruthy();
    // Inviting a member again changes nothing.
    await owner.ok('room.invited', 'room.invite', { roomId: 'secret', username: 'p-friend' });
    expect(await owner.request('room.invite', { roomId: 'secret', username: 'nobody-here' })).toMatchObject({ type: 'error', data: { code: 'USER_NOT_FOUND' } });

    // The invitee is subscribed at once: it receives the next message without joining.
    const ack = await owner.ok('message.ack', 'message.send', { roomId: 'secret', text: 'welcome' });
    expect(await friend.waitForType('message.received', (m) => m.roomId === 'secret' && m.seq === ack.seq)).toMatchObject({ text: 'welcome' });
    expect((await friend.ok('room.list', 'room.list', {})).rooms.map((r) => r.roomId)).toContain('secret');
    await Promise.all([owner.close(), friend.close(), outsider.close()]);
  });

  it('lets only members invite into a public room', async () => {
    const a = await TestClient.guest(ws(), 'i-a');
    const b = await TestClient.guest(ws(), 'i-b');
    await a.ok('room.created', 'room.create', { roomId: 'open-room' });
    expect(await b.request('room.invite', { roomId: 'open-room', username: 'i-a' })).toMatchObject({ type: 'error', data: { code: 'NOT_A_MEMBER' } });
    expect(await b.request('message.send', { roomId: 'open-room', text: 'x' })).toMatchObject({ type: 'error', data: { code: 'NOT_A_MEMBER' } });
    expect(await b.request('typing.start', { roomId: 'open-room' })).toMatchObject({ type: 'error', data: { code: 'NOT_A_MEMBER' } });
    expect(await b.request('message.read', { roomId: 'open-room', seq: 0 })).toMatchObject({ type: 'error', data: { code: 'NOT_A_MEMBER' } });
    // Reading a public room needs no membership.
    expect(await b.ok('room.members', 'room.members', { roomId: 'open-room' })).toMatchObject({ roomId: 'open-room' });
    expect(await b.ok('message.history', 'message.history', { roomId: 'open-room' })).toMatchObject({ messages: [], hasMore: false });
    await a.ok('room.invited', 'room.invite', { roomId: 'open-room', username: 'i-b' });
    expect(await b.waitForType('room.added', (d) => d.room.roomId === 'open-room')).toBeTruthy();
    await Promise.all([a.close(), b.close()]);
  });

  it('creates a dm room on first dm.send, tells the recipient, and forbids leaving it', async () => {
    const a = await TestClient.guest(ws(), 'dm-a');
    const b = await TestClient.guest(ws(), 'dm-b');
    const c = await TestClient.guest(ws(), 'dm-c');
    const ack = await a.ok('message.ack', 'dm.send', { to: 'dm-b', text: 'psst', clientMsgId: 'd1' });
    expect(ack.roomId).toMatch(/^dm-/);
    expect(ack).toMatchObject({ seq: 1, clientMsgId: 'd1' });
    const added = await b.waitForType('room.added', (d) => d.room.roomId === ack.roomId);
    expect(added.room.kind).toBe('dm');
    expect(await b.waitForType('message.received', (m) => m.roomId === ack.roomId)).toMatchObject({ text: 'psst', username: 'dm-a', seq: 1 });
    expect(await a.waitForType('message.received', (m) => m.roomId === ack.roomId)).toMatchObject({ seq: 1 });
    const reply = await b.ok('message.ack', 'dm.send', { to: 'dm-a', text: 'hey' });
    expect(reply).toMatchObject({ roomId: ack.roomId, seq: 2 });
    expect(b.of('room.added').filter((d) => d.room.roomId === ack.roomId)).toHaveLength(1);

    expect(await a.request('room.leave', { roomId: ack.roomId })).toMatchObject({ type: 'error', data: { code: 'FORBIDDEN' } });
    expect(await c.request('message.history', { roomId: ack.roomId })).toMatchObject({ type: 'error', data: { code: 'ROOM_NOT_FOUND' } });
    expect(await c.request('room.join', { roomId: ack.roomId })).toMatchObject({ type: 'error', data: { code: 'ROOM_NOT_FOUND' } });
    expect(await a.request('dm.send', { to: 'never-seen', text: 'x' })).toMatchObject({ type: 'error', data: { code: 'USER_NOT_FOUND' } });
    await Promise.all([a.close(), b.close(), c.close()]);
  });

  it('keeps membership across reconnects: auth.success lists the rooms and delivery resumes', async () => {
    const a = await TestClient.guest(ws(), 'm-a');
    await a.ok('room.created', 'room.create', { roomId: 'durable' });
    await a.close();
    const again = await TestClient.guest(ws(), 'm-a');
    expect(again.auth.rooms).toEqual(expect.arrayContaining([{ roomId: 'durable', lastSeq: 0, lastReadSeq: 0, unread: 0 }]));
    const other = await TestClient.guest(ws(), 'm-b');
    await other.ok('room.joined', 'room.join', { roomId: 'durable' });
    await other.ok('message.ack', 'message.send', { roomId: 'durable', text: 'still there?' });
    expect(await again.waitForType('message.received', (m) => m.roomId === 'durable')).toMatchObject({ text: 'still there?' });
    await Promise.all([again.close(), other.close()]);
  });
});
