/**
 * Everything the page shows, in one place; views subscribe to topics and redraw.
 *
 * Unread counts are derived, never incremented: `unread = lastSeq - lastReadSeq`, where
 * both only move forward (from auth.success on every login, from messages, from our own
 * sends and reads). A reconnect that replays the snapshot and recovers missed messages
 * therefore cannot count anything twice.
 *
 * Messages are keyed by seq per room, so the view can never show one twice, and
 * `message.received` only ever comes from the SDK, which already deduplicates.
 */
import type { Member, Message, PresenceStatus, RoomInfo } from '@chat/contracts';

export interface PendingMessage {
  clientMsgId: string;
  text: string;
  status: 'sending' | 'failed';
  error?: string;
}

export interface RoomEntry {
  info: RoomInfo;
  lastSeq: number;
  lastReadSeq: number;
  messages: Map<number, Message>;
  /** Latest page fetched once (room.join); older pages on scroll. */
  loaded: boolean;
  hasOlder: boolean;
  members: Map<string, Member>;
  typing: string[];
  pending: Map<string, PendingMessage>;
}

export type Topic = 'rooms' | 'active' | 'messages' | 'members' | 'typing' | 'presence' | 'connection';

export type Store = ReturnType<typeof createStore>;

export function createStore() {
  const rooms = new Map<string, RoomEntry>();
  const presence = new Map<string, PresenceStatus>();
  const listeners = new Set<(topic: Topic, roomId?: string) => void>();
  let me = { userId: '', username: '' };
  let activeRoomId: string | undefined;

  const emit = (topic: Topic, roomId?: string) => listeners.forEach((fn) => fn(topic, roomId));

  function entry(info: RoomInfo, read?: { lastSeq: number; lastReadSeq: number }): RoomEntry {
    let r = rooms.get(info.roomId);
    if (!r) {
      // Without read state (room.added, room.created, a fresh join) everything so far counts as read.
      const lastSeq = Math.max(info.lastSeq, read?.lastSeq ?? 0);
      r = { info, lastSeq, lastReadSeq: read?.lastReadSeq ?? lastSeq, messages: new Map(), loaded: false, hasOlder: false, members: new Map(), typing: [], pending: new Map() };
      rooms.set(info.roomId, r);
      return r;
    }
    r.info = info;
    r.lastSeq = Math.max(r.lastSeq, info.lastSeq, read?.lastSeq ?? 0);
    r.lastReadSeq = Math.max(r.lastReadSeq, read?.lastReadSeq ?? 0);
    return r;
  }

  return {
    rooms,
    presence,
    get me() {
      return me;
    },
    setMe(user: { userId: string; username: string }) {
      me = user;
    },
    get activeRoomId() {
      return activeRoomId;
    },
    get active(): RoomEntry | undefined {
      return activeRoomId ? rooms.get(activeRoomId) : undefined;
    },
    subscribe(fn: (topic: Topic, roomId?: string) => void) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    emit,

    /** Adds or refreshes a room the user belongs to. */
    upsertRoom(info: RoomInfo, read?: { lastSeq: number; lastReadSeq: number }) {
      const r = entry(info, read);
      emit('rooms');
      return r;
    },
    removeRoom(roomId: string) {
      rooms.delete(roomId);
      if (activeRoomId === roomId) activeRoomId = undefined;
      emit('rooms');
      emit('active');
    },
    setActive(roomId: string | undefined) {
      activeRoomId = roomId;
      emit('active');
      emit('rooms');
    },
    unread(r: RoomEntry): number {
      return Math.max(0, r.lastSeq - r.lastReadSeq);
    },

    addMessages(roomId: string, messages: Message[], opts: { older?: boolean } = {}) {
      const r = rooms.get(roomId);
      if (!r) return;
      for (const m of messages) {
        r.messages.set(m.seq, m);
        r.lastSeq = Math.max(r.lastSeq, m.seq);
        // Sending marks the room read up to the message, for the sender (contract 5).
        if (m.userId === me.userId) r.lastReadSeq = Math.max(r.lastReadSeq, m.seq);
        if (m.clientMsgId && m.userId === me.userId) r.pending.delete(m.clientMsgId);
      }
      emit('messages', roomId);
      if (!opts.older) emit('rooms');
    },
    markRead(roomId: string, seq: number) {
      const r = rooms.get(roomId);
      if (!r || seq <= r.lastReadSeq) return;
      r.lastReadSeq = seq;
      emit('rooms');
    },

    setMembers(roomId: string, members: Member[]) {
      const r = rooms.get(roomId);
      if (!r) return;
      r.members = new Map(members.map((m) => [m.username, m]));
      for (const m of members) presence.set(m.username, m.status);
      emit('members', roomId);
      emit('presence');
    },
    memberRead(roomId: string, username: string, seq: number) {
      const m = rooms.get(roomId)?.members.get(username);
      if (!m || seq <= m.lastReadSeq) return;
      m.lastReadSeq = seq;
      emit('members', roomId);
    },
    setTyping(roomId: string, usersTyping: string[]) {
      const r = rooms.get(roomId);
      if (!r) return;
      r.typing = usersTyping.filter((u) => u !== me.username);
      emit('typing', roomId);
    },
    setPresence(username: string, status: PresenceStatus) {
      presence.set(username, status);
      for (const r of rooms.values()) {
        const m = r.members.get(username);
        if (m) m.status = status;
      }
      emit('presence');
    },

    setPending(roomId: string, p: PendingMessage) {
      rooms.get(roomId)?.pending.set(p.clientMsgId, p);
      emit('messages', roomId);
    },
    dropPending(roomId: string, clientMsgId: string) {
      rooms.get(roomId)?.pending.delete(clientMsgId);
      emit('messages', roomId);
    },
  };
}

/** A DM room is named "a, b": show the other person. */
export function displayName(info: RoomInfo, myName: string): string {
  if (info.kind !== 'dm') return info.name;
  return info.name.split(', ').find((n) => n !== myName) ?? info.name;
}
