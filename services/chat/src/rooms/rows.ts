import type { Message, RoomInfo, RoomKind, StoredMember } from '@chat/contracts';
import type { Row } from '../db/database.ts';

export const ROOM_COLUMNS = 'room_id, name, description, kind, created_by, created_at, member_count, last_seq';
export const MESSAGE_COLUMNS = 'id, room_id, seq, user_id, username, text, created_at, client_msg_id';

export function toRoomInfo(r: Row): RoomInfo {
  const room: RoomInfo = {
    roomId: String(r.room_id),
    name: String(r.name),
    kind: r.kind as RoomKind,
    createdBy: String(r.created_by),
    createdAt: Number(r.created_at),
    memberCount: Number(r.member_count),
    lastSeq: Number(r.last_seq),
  };
  if (r.description !== null && r.description !== undefined) room.description = String(r.description);
  return room;
}

export function toMessage(r: Row): Message {
  const message: Message = {
    id: String(r.id),
    roomId: String(r.room_id),
    seq: Number(r.seq),
    userId: String(r.user_id),
    username: String(r.username),
    text: String(r.text),
    timestamp: Number(r.created_at),
  };
  if (r.client_msg_id !== null && r.client_msg_id !== undefined) message.clientMsgId = String(r.client_msg_id);
  return message;
}

export function toStoredMember(r: Row): StoredMember {
  return { userId: String(r.user_id), username: String(r.username), lastReadSeq: Number(r.last_read_seq) };
}
