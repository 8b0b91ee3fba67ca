import type { HistoryPage, Message, MessageAck, RoomInfo, RoomState, StoredMember } from './models.ts';

/** The authenticated user a gateway acts for; the chat service trusts it from the gateway only. */
export interface Actor {
  userId: string;
  username: string;
}

/**
 * Request/reply API of the chat service over core NATS (`chat.rpc.<method>`, queue group
 * `chat`). Replies are `RpcReply`: a result or a contract error code.
 */
export interface ChatRpc {
  'session.open': { req: Actor; res: { rooms: RoomState[] } };
  'room.create': {
    req: { actor: Actor; roomId: string; name?: string; description?: string; private?: boolean };
    res: { room: RoomInfo };
  };
  'room.list': { req: { actor: Actor }; res: { rooms: RoomInfo[] } };
  'room.get': { req: { actor: Actor; roomId: string }; res: { room: RoomInfo } };
  'room.join': {
    req: { actor: Actor; roomId: string; since?: number; limit?: number };
    res: { room: RoomInfo; members: StoredMember[]; recentMessages: Message[]; hasMore: boolean; sinceSeq: number };
  };
  'room.leave': { req: { actor: Actor; roomId: string }; res: { roomId: string } };
  'room.members': { req: { actor: Actor; roomId: string }; res: { roomId: string; members: StoredMember[] } };
  'room.invite': {
    req: { actor: Actor; roomId: string; username: string };
    res: { roomId: string; username: string };
  };
  'message.send': {
    req: { actor: Actor; roomId: string; text: string; clientMsgId?: string };
    res: { ack: MessageAck };
  };
  /** Several sends in one request (a gateway's sends of one event-loop turn): one reply each, in order. */
  'message.sendMany': {
    req: { sends: Array<ChatRpc['message.send']['req']> };
    res: { results: Array<RpcReply<'message.send'>> };
  };
  'dm.send': {
    req: { actor: Actor; to: string; text: string; clientMsgId?: string };
    res: { ack: MessageAck; room: RoomInfo };
  };
  'message.history': {
    req: { actor: Actor; roomId: string; limit?: number; before?: number; after?: number };
    res: HistoryPage;
  };
  'message.read': { req: { actor: Actor; roomId: string; seq: number }; res: { roomId: string; seq: number } };
  /** Gateway-internal: messages after a seq, to fill a gap in live delivery. */
  'room.catchUp': { req: { roomId: string; after: number; limit: number }; res: { messages: Message[] } };
  'user.rooms': { req: { userId: string }; res: { roomIds: string[] } };
  stats: { req: Record<string, never>; res: { rooms: number; users: number } };
}

export type ChatMethod = keyof ChatRpc;
export type RpcReply<M extends ChatMethod> =
  | { ok: true; result: ChatRpc[M]['res'] }
  | { ok: false; error: { code: string; message: string } };
