import { z } from 'zod';
import { ERRORS, type ErrorCode } from './errors.ts';
import { PresenceStatus, RoomId, UserId } from './ids.ts';
import { HistoryPage, Member, Message, MessageAck, RoomInfo, RoomState } from './models.ts';

export const ErrorCodeSchema = z.enum(Object.keys(ERRORS) as [ErrorCode, ...ErrorCode[]]);

/** `data` schema of every frame the server sends, keyed by `type`. */
export const SERVER_FRAME_DATA = {
  'auth.success': z.object({
    userId: UserId,
    username: z.string(),
    sessionId: z.string(),
    serverId: z.string(),
    protocolVersion: z.literal(1),
    rooms: z.array(RoomState),
  }),
  'auth.error': z.object({ code: ErrorCodeSchema, message: z.string() }),
  pong: z.object({ serverTime: z.number() }),
  error: z.object({ code: ErrorCodeSchema, message: z.string(), retryAfterMs: z.number().optional() }),
  'room.created': z.object({ room: RoomInfo }),
  'room.list': z.object({ rooms: z.array(RoomInfo) }),
  'room.joined': z.object({ room: RoomInfo, users: z.array(Member), recentMessages: z.array(Message), hasMore: z.boolean() }),
  'room.left': z.object({ roomId: RoomId }),
  'room.members': z.object({ roomId: RoomId, members: z.array(Member) }),
  'room.invited': z.object({ roomId: RoomId, username: z.string() }),
  'room.added': z.object({ room: RoomInfo }),
  'room.userJoined': z.object({ roomId: RoomId, username: z.string() }),
  'room.userLeft': z.object({ roomId: RoomId, username: z.string() }),
  'message.ack': MessageAck,
  'message.received': Message,
  'message.history': HistoryPage,
  'message.read.ack': z.object({ roomId: RoomId, seq: z.number().int() }),
  'message.read': z.object({ roomId: RoomId, userId: UserId, username: z.string(), seq: z.number().int() }),
  'typing.update': z.object({ roomId: RoomId, usersTyping: z.array(z.string()) }),
  'presence.update': z.object({ userId: UserId, username: z.string(), status: PresenceStatus, lastSeen: z.number().optional() }),
  'rateLimit.warning': z.object({ remaining: z.number().int(), resetTime: z.number(), message: z.string() }),
  'server.shutdown': z.object({ reconnectAfterMs: z.number().int() }),
} as const;

export type ServerFrameData = { [T in keyof typeof SERVER_FRAME_DATA]: z.infer<(typeof SERVER_FRAME_DATA)[T]> };
export type ServerFrameType = keyof ServerFrameData;
export type ServerFrame = { [T in ServerFrameType]: { type: T; ref?: string; data: ServerFrameData[T] } }[ServerFrameType];

export function encodeFrame<T extends ServerFrameType>(type: T, data: ServerFrameData[T], ref?: string): string {
  return JSON.stringify(ref === undefined ? { type, data } : { type, ref, data });
}

export const PROTOCOL_VERSION = 1;
