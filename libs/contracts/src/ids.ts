import { z } from 'zod';

/** Room ids are also NATS subject tokens, so the pattern keeps them subject-safe. */
export const RoomId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'roomId must match ^[a-z0-9][a-z0-9_-]{0,63}$');
export type RoomId = z.infer<typeof RoomId>;

export const Username = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,32}$/, 'username must be 1-32 characters of A-Z a-z 0-9 _ . -');
export type Username = z.infer<typeof Username>;

export const UserId = z.string().min(1).max(256);
export type UserId = z.infer<typeof UserId>;

export const Ref = z.string().max(64);
export const ClientMsgId = z.string().min(1).max(64).refine((s) => !s.includes('\u0000'), 'clientMsgId must not contain U+0000 (NUL)');
export const Seq = z.number().int().nonnegative();
export const PresenceStatus = z.enum(['online', 'away', 'dnd', 'offline']);
export type PresenceStatus = z.infer<typeof PresenceStatus>;
export const SettableStatus = z.enum(['online', 'away', 'dnd']);
export type SettableStatus = z.infer<typeof SettableStatus>;
