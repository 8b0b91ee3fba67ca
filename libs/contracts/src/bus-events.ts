import { z } from 'zod';
import { RoomId, UserId } from './ids.ts';
import { Message, RoomInfo } from './models.ts';

/**
 * Versioned events the chat service publishes to JetStream through its outbox.
 * A published version never changes shape; a new shape becomes `.v2`.
 */
const base = { eventId: z.string().min(1), occurredAt: z.number() };

export const RoomCreatedV1 = z.object({
  type: z.literal('chat.room.created.v1'),
  ...base,
  data: z.object({ room: RoomInfo }),
});
export type RoomCreatedV1 = z.infer<typeof RoomCreatedV1>;

export const MemberJoinedV1 = z.object({
  type: z.literal('chat.member.joined.v1'),
  ...base,
  data: z.object({
    room: RoomInfo,
    userId: UserId,
    username: z.string(),
    /** The room's lastSeq when the membership began: live delivery starts after it. */
    sinceSeq: z.number().int(),
    /** Whether the new member is told with `room.added` (invites and first DMs). */
    notify: z.boolean(),
    /** How the membership began: members hear `room.userJoined` only for joins and invites. */
    reason: z.enum(['create', 'join', 'invite', 'dm']),
  }),
});
export type MemberJoinedV1 = z.infer<typeof MemberJoinedV1>;

export const MemberLeftV1 = z.object({
  type: z.literal('chat.member.left.v1'),
  ...base,
  data: z.object({ roomId: RoomId, userId: UserId, username: z.string() }),
});
export type MemberLeftV1 = z.infer<typeof MemberLeftV1>;

export const MessageSentV1 = z.object({
  type: z.literal('chat.message.sent.v1'),
  ...base,
  data: z.object({ message: Message }),
});
export type MessageSentV1 = z.infer<typeof MessageSentV1>;

export const MessageReadV1 = z.object({
  type: z.literal('chat.message.read.v1'),
  ...base,
  data: z.object({ roomId: RoomId, userId: UserId, username: z.string(), seq: z.number().int() }),
});
export type MessageReadV1 = z.infer<typeof MessageReadV1>;

export const ChatEvent = z.discriminatedUnion('type', [RoomCreatedV1, MemberJoinedV1, MemberLeftV1, MessageSentV1, MessageReadV1]);
export type ChatEvent = z.infer<typeof ChatEvent>;
export type ChatEventType = ChatEvent['type'];

/** The room an event belongs to: it names the event's JetStream subject. */
export function eventRoomId(event: ChatEvent): string {
  switch (event.type) {
    case 'chat.room.created.v1':
    case 'chat.member.joined.v1':
      return event.data.room.roomId;
    case 'chat.message.sent.v1':
      return event.data.message.roomId;
    case 'chat.member.left.v1':
    case 'chat.message.read.v1':
      return event.data.roomId;
  }
}
