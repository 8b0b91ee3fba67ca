/**
 * The local socket hub: which of this gateway's connections are in which room and belong
 * to which user, and the NATS subscriptions that feed them. A gateway subscribes to a
 * room's fan-out subject only while one of its connections is in the room, so an event
 * crosses NATS once per interested gateway, never once per user.
 *
 * User events (added to or removed from a room) come through one wildcard subscription per
 * gateway, not one per user: each gateway sees every user's membership changes and drops
 * those of users it does not hold. Membership changes are rare next to messages, and a
 * subscription per user cost every idle connection about a kilobyte of memory plus a
 * SUB/UNSUB round of protocol per login and logout (docs/performance.md, S3).
 */
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import type { FanoutKind, UserAdd, UserRemove } from '@chat/contracts';
import type { Logger } from '@chat/logging';
import type { ChatClient } from '@chat/nats';
import { subjects, subjectToken } from '@chat/nats';
import { TextFrame, type Payload } from '../ws/text-frame.ts';
import { OneOrManyMap } from '../one-or-many.ts';
import { createRecentIds } from './recent-ids.ts';
import { RoomFeed, type FeedConn } from './room-feed.ts';

export interface HubConn extends FeedConn {
  readonly userId: string;
  readonly rooms: ReadonlySet<string>;
  addRoom(roomId: string): void;
  removeRoom(roomId: string): void;
}

export type Hub<C extends HubConn> = ReturnType<typeof createHub<C>>;

export function createHub<C extends HubConn>(deps: {
  nc: NatsConnection;
  chat: ChatClient;
  log: Logger;
  gapWaitMs?: number;
  /** Called once per message per gateway with ms from storage to this gateway. */
  onFanoutLatency?: (ms: number) => void;
}) {
  const log = deps.log.child({ module: 'hub' });
  const feeds = new Map<string, { feed: RoomFeed<C>; sub: Subscription }>();
  /** Local connections by the user's subject token (the last token of fanout.user.<token>). */
  const users = new OneOrManyMap<string, C>();
  const userPrefix = subjects.fanoutUserAll.length - 1;
  const conns = new Set<C>();
  const recent = createRecentIds(20_000);
  const stats = { fanoutIn: 0 };

  const feedDeps = {
    catchUp: async (roomId: string, after: number, limit: number) => (await deps.chat('room.catchUp', { roomId, after, limit })).messages,
    onError: (err: unknown, roomId: string) => log.warn({ err, roomId }, 'room catch-up failed'),
    gapWaitMs: deps.gapWaitMs ?? 150,
  };

  function firstSighting(msg: Msg): boolean {
    // One event fans out to several subjects under the same eid: dedupe per subject.
    const eid = msg.headers?.get('eid');
    return !eid || recent.firstSighting(`${msg.subject} ${eid}`);
  }

  function onRoomMessage(feed: RoomFeed<C>, msg: Msg) {
    stats.fanoutIn += 1;
    const seq = msg.headers?.get('seq');
    const storedAt = Number(msg.headers?.get('ts'));
    if (storedAt) deps.onFanoutLatency?.(Date.now() - storedAt);
    if (seq) feed.deliverMessage(Number(seq), msg.data);
    else if (firstSighting(msg)) feed.deliverFrame(msg.data);
  }

  function ensureFeed(roomId: string, initialSeq: number): RoomFeed<C> {
    const existing = feeds.get(roomId);
    if (existing) return existing.feed;
    const feed = new RoomFeed<C>(roomId, initialSeq, feedDeps);
    const sub = deps.nc.subscribe(subjects.fanoutRoom(roomId), {
      callback: (err, msg) => {
        if (!err) onRoomMessage(feed, msg);
      },
    });
    feeds.set(roomId, { feed, sub });
    // Anything published before the subscription reached the server is fetched instead.
    deps.nc.flush().then(() => feed.requestFill(), () => feed.requestFill());
    return feed;
  }

  function joinRoom(conn: C, roomId: string, floor: number) {
    conn.addRoom(roomId);
    ensureFeed(roomId, floor).addConn(conn, floor);
  }

  function leaveRoom(conn: C, roomId: string) {
    conn.removeRoom(roomId);
    const entry = feeds.get(roomId);
    if (!entry) return;
    entry.feed.removeConn(conn);
    if (entry.feed.members.size === 0) {
      entry.feed.close();
      entry.sub.unsubscribe();
      feeds.delete(roomId);
    }
  }

  function onUserMessage(msg: Msg) {
    const local = users.get(msg.subject.slice(userPrefix));
    if (local.length === 0 || !firstSighting(msg)) return;
    const kind = msg.headers?.get('k') as FanoutKind | undefined;
    if (kind === 'user-add') {
      const add = msg.json<UserAdd>();
      // Not yet subscribed here: the room-subject copy of this join went by unseen.
      const missedRoomFrame = !feeds.has(add.roomId);
      const eid = msg.headers?.get('eid');
      // ...and should it still arrive (the subscription won the race), it is a repeat.
      if (missedRoomFrame && add.joinedFrame && eid) recent.firstSighting(`${subjects.fanoutRoom(add.roomId)} ${eid}`);
      for (const conn of local) {
        joinRoom(conn, add.roomId, add.sinceSeq);
        if (add.frame) conn.sendRaw(add.frame);
        if (missedRoomFrame && add.joinedFrame) conn.sendRaw(add.joinedFrame);
      }
    } else if (kind === 'user-remove') {
      const { roomId } = msg.json<UserRemove>();
      for (const conn of local) leaveRoom(conn, roomId);
    }
  }

  const userSub = deps.nc.subscribe(subjects.fanoutUserAll, {
    callback: (err, msg) => {
      if (!err) onUserMessage(msg);
    },
  });

  const allSub = deps.nc.subscribe(subjects.fanoutAll, {
    callback: (err, msg) => {
      if (err || !firstSighting(msg)) return;
      const frame = new TextFrame(msg.data);
      for (const conn of conns) conn.sendRaw(frame);
    },
  });

  return {
    stats,
    /** A logged-in connection and the rooms it belongs to, with the seq its snapshot saw. */
    attach(conn: C, rooms: Array<{ roomId: string; lastSeq: number }>) {
      conns.add(conn);
      users.add(subjectToken(conn.userId), conn);
      for (const room of rooms) joinRoom(conn, room.roomId, room.lastSeq);
    },
    detach(conn: C) {
      if (!conns.delete(conn)) return;
      for (const roomId of [...conn.rooms]) leaveRoom(conn, roomId);
      users.removeWhere(subjectToken(conn.userId), (c) => c === conn);
    },
    /** Puts every local connection of a user in a room (a join, create or DM reply). */
    addUserToRoom(userId: string, roomId: string, floor: number) {
      for (const conn of users.get(subjectToken(userId))) joinRoom(conn, roomId, floor);
    },
    removeUserFromRoom(userId: string, roomId: string) {
      for (const conn of users.get(subjectToken(userId))) leaveRoom(conn, roomId);
    },
    connsOfUser(userId: string): readonly C[] {
      return users.get(subjectToken(userId));
    },
    membersOf(roomId: string): ReadonlySet<C> {
      return feeds.get(roomId)?.feed.members ?? new Set();
    },
    sendToRoom(roomId: string, payload: Payload) {
      feeds.get(roomId)?.feed.deliverFrame(payload);
    },
    connections(): ReadonlySet<C> {
      return conns;
    },
    roomCount: () => feeds.size,
    close() {
      allSub.unsubscribe();
      userSub.unsubscribe();
      for (const { feed, sub } of feeds.values()) {
        feed.close();
        sub.unsubscribe();
      }
    },
  };
}
