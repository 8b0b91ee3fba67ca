import { z } from 'zod';
import { ClientMsgId, RoomId, Seq, SettableStatus, Username } from './ids.ts';

const Limit = z.number().int().positive();
const Empty = z.strictObject({});

/** `data` schema of every request type a client may send, keyed by `type`. */
export const REQUEST_DATA = {
  'auth.login': z.strictObject({ username: Username.optional(), token: z.string().optional() }),
  'auth.logout': Empty,
  ping: Empty,
  'room.create': z.strictObject({
    roomId: RoomId,
    name: z.string().trim().min(1).max(100).optional(),
    description: z.string().max(1000).optional(),
    private: z.boolean().optional(),
  }),
  'room.list': Empty,
  'room.join': z.strictObject({ roomId: RoomId, since: Seq.optional(), limit: Limit.optional() }),
  'room.leave': z.strictObject({ roomId: RoomId }),
  'room.members': z.strictObject({ roomId: RoomId }),
  'room.invite': z.strictObject({ roomId: RoomId, username: Username }),
  'message.send': z.strictObject({ roomId: RoomId, text: z.string(), clientMsgId: ClientMsgId.optional() }),
  'dm.send': z.strictObject({ to: Username, text: z.string(), clientMsgId: ClientMsgId.optional() }),
  'message.history': z.strictObject({
    roomId: RoomId,
    limit: Limit.optional(),
    before: Seq.optional(),
    after: Seq.optional(),
  }),
  'message.read': z.strictObject({ roomId: RoomId, seq: Seq }),
  'typing.start': z.strictObject({ roomId: RoomId }),
  'typing.stop': z.strictObject({ roomId: RoomId }),
  'presence.update': z.strictObject({ status: SettableStatus }),
} as const;

export type RequestType = keyof typeof REQUEST_DATA;
export type RequestData<T extends RequestType> = z.infer<(typeof REQUEST_DATA)[T]>;
export type ClientRequest = { [T in RequestType]: { type: T; ref?: string; data: RequestData<T> } }[RequestType];

export function isRequestType(type: string): type is RequestType {
  return Object.hasOwn(REQUEST_DATA, type);
}

/** Requests that only answer when they fail. */
export const SILENT_REQUESTS: ReadonlySet<RequestType> = new Set(['typing.start', 'typing.stop', 'presence.update']);

export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 200;
export function clampLimit(limit: number | undefined): number {
  return Math.min(limit ?? DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT);
}
