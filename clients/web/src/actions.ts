/**
 * What the user can do, as functions of the SDK client and the store. Views call these;
 * failures come back as ChatErrors for the caller (dialog or toast) to show.
 */
import { newClientMsgId, type ChatClient } from '@chat/sdk';
import { errorText } from './format.ts';
import type { Store } from './store.ts';
import type { Toasts } from './views/toasts.ts';

const PAGE = 50;
const LAST_ROOM = 'chat.lastRoom';

export type Actions = ReturnType<typeof createActions>;

export function createActions(deps: { client: ChatClient; store: Store; toasts: Toasts }) {
  const { client, store, toasts } = deps;
  let readTimer: ReturnType<typeof setTimeout> | undefined;
  let readPending: string | undefined;

  function markReadNow(roomId: string) {
    const r = store.rooms.get(roomId);
    if (!r || r.lastReadSeq >= r.lastSeq) return;
    client.markRead(roomId, r.lastSeq).then(
      (seq) => store.markRead(roomId, seq),
      () => {}, // read state is best effort: the next message tries again
    );
  }

  /**
   * Marks the open room read up to its newest message, if the page is actually seen.
   * Debounced so a burst costs one request; a room switch sends the pending one at once.
   */
  function markReadSoon() {
    const r = store.active;
    if (!r || document.visibilityState !== 'visible' || r.lastReadSeq >= r.lastSeq) return;
    const roomId = r.info.roomId;
    readPending = roomId;
    clearTimeout(readTimer);
    readTimer = setTimeout(() => {
      readPending = undefined;
      if (store.activeRoomId === roomId && document.visibilityState === 'visible') markReadNow(roomId);
    }, 250);
  }

  function flushRead() {
    clearTimeout(readTimer);
    if (readPending) markReadNow(readPending);
    readPending = undefined;
  }

  async function loadRoom(roomId: string) {
    const r = store.rooms.get(roomId);
    if (!r || r.loaded) return;
    const joined = await client.joinRoom(roomId, { limit: PAGE });
    r.loaded = true;
    r.hasOlder = joined.hasMore;
    store.upsertRoom(joined.room);
    store.setMembers(roomId, joined.users);
    store.addMessages(roomId, joined.recentMessages);
  }

  async function openRoom(roomId: string) {
    if (!store.rooms.has(roomId)) return;
    if (readPending !== roomId) flushRead();
    store.setActive(roomId);
    localStorage.setItem(LAST_ROOM, roomId);
    try {
      await loadRoom(roomId);
    } catch (err) {
      toasts.show(errorText(err), 'error');
    }
    markReadSoon();
  }

  function send(roomId: string, text: string, clientMsgId = newClientMsgId()) {
    store.setPending(roomId, { clientMsgId, text, status: 'sending' });
    client.sendMessage(roomId, text, { clientMsgId }).then(
      // The pending bubble goes when our own message.received arrives (normally first).
      () => setTimeout(() => store.rooms.get(roomId)?.pending.has(clientMsgId) && store.dropPending(roomId, clientMsgId), 5000),
      (err: unknown) => {
        store.setPending(roomId, { clientMsgId, text, status: 'failed', error: errorText(err) });
        toasts.show(errorText(err), 'error');
      },
    );
  }

  return {
    openRoom,
    markReadSoon,
    send,
    retry(roomId: string, clientMsgId: string) {
      const p = store.rooms.get(roomId)?.pending.get(clientMsgId);
      if (p) send(roomId, p.text, clientMsgId);
    },
    async loadOlder(roomId: string) {
      const r = store.rooms.get(roomId);
      if (!r) return;
      const oldest = Math.min(...r.messages.keys());
      const page = await client.history(roomId, { before: Number.isFinite(oldest) ? oldest : r.lastSeq + 1, limit: PAGE });
      r.hasOlder = page.hasMore;
      store.addMessages(roomId, page.messages, { older: true });
    },
    /** Re-reads the user's rooms (names, kinds) and drops the ones left elsewhere. */
    async syncRooms(states: Array<{ roomId: string; lastSeq: number; lastReadSeq: number }>) {
      const infos = await client.listRooms();
      const mine = new Map(states.map((s) => [s.roomId, s]));
      for (const info of infos) {
        const s = mine.get(info.roomId);
        if (s) store.upsertRoom(info, s);
      }
      for (const roomId of [...store.rooms.keys()]) if (!mine.has(roomId)) store.removeRoom(roomId);
      // After a reconnect the open room's members and presence may have changed.
      const active = store.active;
      if (active?.loaded) store.setMembers(active.info.roomId, await client.members(active.info.roomId));
      // DM peers' presence shows in the sidebar: fetch it for a handful.
      const dms = [...store.rooms.values()].filter((r) => r.info.kind === 'dm' && r !== active).slice(0, 20);
      for (const dm of dms) store.setMembers(dm.info.roomId, await client.members(dm.info.roomId).catch(() => []));
      if (!store.activeRoomId) {
        const last = localStorage.getItem(LAST_ROOM);
        const first = last && store.rooms.has(last) ? last : [...store.rooms.keys()][0];
        if (first) await openRoom(first);
      }
    },
    /** A message arrived for a room we did not list (joined in another tab): show it. */
    async discoverRoom(roomId: string) {
      const info = (await client.listRooms()).find((r) => r.roomId === roomId);
      if (info && !store.rooms.has(roomId)) store.upsertRoom(info, { lastSeq: info.lastSeq, lastReadSeq: 0 });
    },
    async createRoom(v: { roomId: string; name: string; description: string; private: boolean }) {
      const room = await client.createRoom({ roomId: v.roomId, ...(v.name ? { name: v.name } : {}), ...(v.description ? { description: v.description } : {}), private: v.private });
      store.upsertRoom(room);
      await openRoom(room.roomId);
    },
    async joinRoom(roomId: string) {
      const joined = await client.joinRoom(roomId, { limit: PAGE });
      const r = store.upsertRoom(joined.room);
      r.loaded = true;
      r.hasOlder = joined.hasMore;
      store.setMembers(roomId, joined.users);
      store.addMessages(roomId, joined.recentMessages);
      await openRoom(roomId);
    },
    async leaveRoom(roomId: string) {
      await client.leaveRoom(roomId);
      store.removeRoom(roomId);
      const next = [...store.rooms.keys()][0];
      if (next) await openRoom(next);
    },
    async invite(roomId: string, username: string) {
      const res = await client.invite(roomId, username);
      toasts.show(`Invited ${res.username}`);
    },
    async sendDm(to: string, text: string) {
      const ack = await client.sendDm(to, text);
      if (!store.rooms.has(ack.roomId)) {
        const infos = await client.listRooms();
        const info = infos.find((r) => r.roomId === ack.roomId);
        if (info) store.upsertRoom(info);
      }
      await openRoom(ack.roomId);
    },
  };
}
