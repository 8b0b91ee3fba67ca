import { z } from 'zod';
import { ClientMsgId, PresenceStatus, RoomId, UserId } from './ids.ts';

export const RoomKind = z.enum(['public', 'private', 'dm']);
export type RoomKind = z.infer<typeof RoomKind>;

export const RoomInfo = z.object({
  roomId: RoomId,
  name: z.string(),
  description: z.string().optional(),
  kind: RoomKind,
  createdBy: UserId,
  createdAt: z.number(),
  memberCount: z.number().int(),
  lastSeq: z.number().int(),
});
export type RoomInfo = z.infer<typeof RoomInfo>;

export const Message = z.object({
  id: z.string(),
  roomId: RoomId,
  seq: z.number().int().positive(),
  userId: UserId,
  username: z.string(),
  text: z.string(),
  timestamp: z.number(),
  clientMsgId: ClientMsgId.optional(),
});
export type Message = z.infer<typeof Message>;

export const Member = z.object({
  userId: UserId,
  username: z.string(),
  status: PresenceStatus,
  lastReadSeq: z.number().int(),
});
export type Member = z.infer<typeof Member>;

/** A member row as the chat service stores it; the gateway adds live presence status. */
export const StoredMember = Member.omit({ status: true });
export type StoredMember = z.infer<typeof StoredMember>;

export const RoomState = z.object({
  roomId: RoomId,
  lastSeq: z.number().int(),
  lastReadSeq: z.number().int(),
  unread: z.number().int(),
});
export type RoomState = z.infer<typeof RoomState>;

export const MessageAck = z.object({
  roomId: RoomId,
  id: z.string(),
  seq: z.number().int().positive(),
  timestamp: z.number(),
  clientMsgId: ClientMsgId.optional(),
});
export type MessageAck = z.infer<typeof MessageAck>;

export const HistoryPage = z.object({
  roomId: RoomId,
  messages: z.array(Message),
  hasMore: z.boolean(),
});
export type HistoryPage = z.infer<typeof HistoryPage>;
