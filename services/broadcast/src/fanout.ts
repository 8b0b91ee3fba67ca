/**
 * Maps one bus event to the core-NATS messages gateways receive.
 *
 * Room frames are serialised here, once, and gateways forward the bytes to each socket
 * unchanged. Headers carry what a gateway needs without parsing the frame: `k` (kind),
 * `seq` (per-room order and de-duplication of messages), `eid` (de-duplication of other
 * room frames after a redelivery).
 */
import { encodeFrame, type ChatEvent, type FanoutKind, type UserAdd, type UserRemove } from '@chat/contracts';
import { subjects } from '@chat/nats';

export interface FanoutMessage {
  subject: string;
  kind: FanoutKind;
  payload: string;
  seq?: number;
  /** ms since the epoch when the message was stored: gateways measure fan-out latency from it. */
  storedAt?: number;
  eventId: string;
}

export function eventToFanout(event: ChatEvent): FanoutMessage[] {
  const eventId = event.eventId;
  switch (event.type) {
    case 'chat.room.created.v1': {
      const { room } = event.data;
      if (room.kind !== 'public') return [];
      return [{ subject: subjects.fanoutAll, kind: 'all', eventId, payload: encodeFrame('room.created', { room }) }];
    }
    case 'chat.member.joined.v1': {
      const { room, userId, username, sinceSeq, notify, reason } = event.data;
      const announced = reason === 'join' || reason === 'invite';
      const joinedFrame = announced ? encodeFrame('room.userJoined', { roomId: room.roomId, username }) : undefined;
      const add: UserAdd = {
        roomId: room.roomId,
        sinceSeq,
        ...(notify ? { frame: encodeFrame('room.added', { room }) } : {}),
        ...(joinedFrame ? { joinedFrame } : {}),
      };
      const toUser: FanoutMessage = { subject: subjects.fanoutUser(userId), kind: 'user-add', eventId, payload: JSON.stringify(add) };
      if (!joinedFrame) return [toUser];
      return [toUser, { subject: subjects.fanoutRoom(room.roomId), kind: 'room', eventId, payload: joinedFrame }];
    }
    case 'chat.member.left.v1': {
      const { roomId, userId, username } = event.data;
      const remove: UserRemove = { roomId };
      return [
        { subject: subjects.fanoutRoom(roomId), kind: 'room', eventId, payload: encodeFrame('room.userLeft', { roomId, username }) },
        { subject: subjects.fanoutUser(userId), kind: 'user-remove', eventId, payload: JSON.stringify(remove) },
      ];
    }
    case 'chat.message.sent.v1': {
      const { message } = event.data;
      return [
        { subject: subjects.fanoutRoom(message.roomId), kind: 'room', eventId, seq: message.seq, storedAt: message.timestamp, payload: encodeFrame('message.received', message) },
      ];
    }
    case 'chat.message.read.v1':
      return [{ subject: subjects.fanoutRoom(event.data.roomId), kind: 'room', eventId, payload: encodeFrame('message.read', event.data) }];
  }
}
