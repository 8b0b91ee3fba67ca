import { describe, expect, it } from 'vitest';
import type { ChatEvent, RoomInfo } from '@chat/contracts';
import { eventToFanout } from './fanout.ts';

const room: RoomInfo = { roomId: 'r1', name: 'R', kind: 'public', createdBy: 'u1', createdAt: 1, memberCount: 2, lastSeq: 4 };
const base = { eventId: 'e1', occurredAt: 1 };

describe('eventToFanout', () => {
  it('sends a message once to the room subject, pre-serialised, with its seq', () => {
    const message = { id: 'm', roomId: 'r1', seq: 5, userId: 'u1', username: 'a', text: 'hi', timestamp: 2 };
    const [out, ...rest] = eventToFanout({ type: 'chat.message.sent.v1', ...base, data: { message } });
    expect(rest).toEqual([]);
    expect(out).toMatchObject({ subject: 'fanout.room.r1', kind: 'room', seq: 5, eventId: 'e1' });
    expect(JSON.parse(out!.payload)).toEqual({ type: 'message.received', data: message });
  });

  it('announces public rooms to every gateway and keeps private ones quiet', () => {
    expect(eventToFanout({ type: 'chat.room.created.v1', ...base, data: { room } })).toMatchObject([{ subject: 'fanout.all', kind: 'all' }]);
    expect(eventToFanout({ type: 'chat.room.created.v1', ...base, data: { room: { ...room, kind: 'private' } } })).toEqual([]);
  });

  it('subscribes a new member everywhere and tells it only when asked to', () => {
    const event: ChatEvent = { type: 'chat.member.joined.v1', ...base, data: { room, userId: 'a.b@c', username: 'x', sinceSeq: 4, notify: true, reason: 'invite' } };
    const [user, roomFrame] = eventToFanout(event);
    expect(user!.subject).toBe(`fanout.user.x${Buffer.from('a.b@c').toString('hex')}`);
    expect(JSON.parse(user!.payload)).toMatchObject({ roomId: 'r1', sinceSeq: 4, frame: expect.stringContaining('room.added') });
    expect(JSON.parse(roomFrame!.payload)).toEqual({ type: 'room.userJoined', data: { roomId: 'r1', username: 'x' } });
    const quiet = eventToFanout({ ...event, data: { ...event.data, notify: false } } as ChatEvent);
    expect(JSON.parse(quiet[0]!.payload).frame).toBeUndefined();
    // The creator of a room, or the two sides of a new DM, are not announced as joiners.
    expect(eventToFanout({ ...event, data: { ...event.data, reason: 'create' } } as ChatEvent).map((o) => o.kind)).toEqual(['user-add']);
  });
});
