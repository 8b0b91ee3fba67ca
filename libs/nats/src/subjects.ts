/**
 * Every NATS subject and stream name the services use, built in one place.
 * Ids become subject tokens: room ids are already subject-safe by their pattern; user ids
 * (a JWT `sub` can hold anything) are hex-encoded when they are not.
 */
export function subjectToken(id: string): string {
  return /^[A-Za-z0-9_-]+$/.test(id) ? id : `x${Buffer.from(id, 'utf8').toString('hex')}`;
}

export const STREAM = 'CHAT_EVENTS';
export const BROADCAST_CONSUMER = 'broadcast';
export const PRESENCE_BUCKET = 'presence';

export const subjects = {
  /** Chat service RPC, queue group `chat`. */
  chatRpc: (method: string) => `chat.rpc.${method}`,
  chatRpcAll: 'chat.rpc.>',
  /** JetStream: one subject per room so per-room order is the stream's order. */
  chatEvent: (roomId: string) => `chat.events.${roomId}`,
  /**
   * JetStream: several events in one message, a JSON array in commit order (the relay's
   * batches). Not a room's subject: room ids start with a letter or digit.
   */
  chatEventBatch: 'chat.events._batch',
  chatEventsAll: 'chat.events.>',
  /** Core NATS fan-out to gateways: payloads are ready-made client frames. */
  fanoutRoom: (roomId: string) => `fanout.room.${roomId}`,
  fanoutUser: (userId: string) => `fanout.user.${subjectToken(userId)}`,
  fanoutUserAll: 'fanout.user.*',
  fanoutAll: 'fanout.all',
  /** Ephemeral signals between gateways, never stored. */
  typing: (roomId: string) => `eph.typing.${roomId}`,
  typingAll: 'eph.typing.*',
  presence: 'eph.presence',
  gatewayHeartbeat: 'eph.gateway.heartbeat',
} as const;

export const CHAT_QUEUE = 'chat';
