/**
 * Core-NATS messages from broadcast to gateways. Header `k` names the kind:
 * - `room`: a ready client frame for the room's local members (`seq` on messages, `eid` always);
 * - `all`: a ready client frame for every local connection;
 * - `user-add` / `user-remove`: a user's membership changed; the payload is below.
 */
export type FanoutKind = 'room' | 'all' | 'user-add' | 'user-remove';

export interface UserAdd {
  roomId: string;
  /** The room's lastSeq when the membership began: live delivery starts after it. */
  sinceSeq: number;
  /** A ready `room.added` frame when the user is to be told (invites, first DMs). */
  frame?: string;
  /**
   * The ready `room.userJoined` frame of this join, for gateways that were not subscribed to
   * the room yet: the room-subject copy reached them before their subscription did.
   */
  joinedFrame?: string;
}

export interface UserRemove {
  roomId: string;
}
