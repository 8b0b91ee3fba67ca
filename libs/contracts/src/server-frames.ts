import type { ErrorCode } from './errors.ts';
import type { PresenceStatus } from './ids.ts';
import type { HistoryPage, Member, Message, MessageAck, RoomInfo, RoomState } from './models.ts';

/** `data` of every frame the server sends, keyed by `type`. */
export interface ServerFrameData {
  'auth.success': {
    userId: string;
    username: string;
    sessionId: string;
    serverId: string;
    protocolVersion: 1;
    rooms: RoomState[];
  };
  'auth.error': { code: ErrorCode; message: string };
  pong: { serverTime: number };
  error: { code: ErrorCode; message: string; retryAfterMs?: number };
  'room.created': { room: RoomInfo };
  'room.list': { rooms: RoomInfo[] };
  'room.joined': { room: RoomInfo; users: Member[]; recentMessages: Message[]; hasMore: boolean };
  'room.left': { roomId: string };
  'room.members': { roomId: string; members: Member[] };
  'room.invited': { roomId: string; username: string };
  'room.added': { room: RoomInfo };
  'room.userJoined': { roomId: string; username: string };
  'room.userLeft': { roomId: string; username: string };
  'message.ack': MessageAck;
  'message.received': Message;
  'message.history': HistoryPage;
  'message.read.ack': { roomId: string; seq: number };
  'message.read': { roomId: string; userId: string; username: string; seq: number };
  'typing.update': { roomId: string; usersTyping: string[] };
  'presence.update': { userId: string; username: string; status: PresenceStatus; lastSeen?: number };
  'rateLimit.warning': { remaining: number; resetTime: number; message: string };
  'server.shutdown': { reconnectAfterMs: number };
}

export type ServerFrameType = keyof ServerFrameData;
export type ServerFrame = { [T in ServerFrameType]: { type: T; ref?: string; data: ServerFrameData[T] } }[ServerFrameType];

export function encodeFrame<T extends ServerFrameType>(type: T, data: ServerFrameData[T], ref?: string): string {
  return JSON.stringify(ref === undefined ? { type, data } : { type, ref, data });
}

export const PROTOCOL_VERSION = 1;
