import { h, replaceChildren } from '../dom.ts';
import { displayName, type RoomEntry, type Store } from '../store.ts';

function item(store: Store, r: RoomEntry, onOpen: (roomId: string) => void) {
  const isDm = r.info.kind === 'dm';
  const name = displayName(r.info, store.me.username);
  const unread = r.info.roomId === store.activeRoomId ? 0 : store.unread(r);
  return h(
    'button',
    {
      type: 'button',
      class: `room-item${r.info.roomId === store.activeRoomId ? ' active' : ''}${unread ? ' has-unread' : ''}`,
      'data-room-id': r.info.roomId,
      'aria-current': r.info.roomId === store.activeRoomId ? 'page' : undefined,
      onclick: () => onOpen(r.info.roomId),
    },
    isDm ? h('span', { class: 'dot', 'data-status': store.presence.get(name) ?? 'offline', 'aria-label': store.presence.get(name) ?? 'offline' }) : h('span', { class: 'hash', 'aria-hidden': 'true' }, r.info.kind === 'private' ? '🔒' : '#'),
    h('span', { class: 'room-name' }, name),
    unread > 0 && h('span', { class: 'badge', 'data-testid': 'unread', 'aria-label': `${unread} unread` }, unread > 99 ? '99+' : unread),
  );
}

/** The room list: channels, then direct messages, each sorted by name. */
export function renderSidebar(el: HTMLElement, store: Store, onOpen: (roomId: string) => void) {
  const all = [...store.rooms.values()];
  const byName = (a: RoomEntry, b: RoomEntry) => displayName(a.info, store.me.username).localeCompare(displayName(b.info, store.me.username));
  const rooms = all.filter((r) => r.info.kind !== 'dm').sort(byName);
  const dms = all.filter((r) => r.info.kind === 'dm').sort(byName);
  replaceChildren(
    el,
    h('h2', {}, 'Rooms'),
    rooms.length ? h('div', { class: 'room-group' }, ...rooms.map((r) => item(store, r, onOpen))) : h('p', { class: 'empty' }, 'No rooms yet: create or browse one.'),
    h('h2', {}, 'Direct messages'),
    dms.length ? h('div', { class: 'room-group' }, ...dms.map((r) => item(store, r, onOpen))) : h('p', { class: 'empty' }, 'None yet.'),
  );
}

/** The member list of the open room, with presence dots. */
export function renderMembers(el: HTMLElement, store: Store) {
  const r = store.active;
  if (!r) return replaceChildren(el);
  const order = { online: 0, away: 1, dnd: 2, offline: 3 } as const;
  const members = [...r.members.values()].sort((a, b) => order[a.status] - order[b.status] || a.username.localeCompare(b.username));
  replaceChildren(
    el,
    h('h2', {}, `Members · ${members.length}`),
    h(
      'ul',
      {},
      ...members.map((m) =>
        h(
          'li',
          { 'data-username': m.username },
          h('span', { class: 'dot', 'data-status': m.status, title: m.status }),
          h('span', { class: 'member-name' }, m.username),
          m.username === store.me.username && h('span', { class: 'you' }, ' (you)'),
          m.status !== 'online' && m.status !== 'offline' && h('span', { class: 'member-status' }, ` ${m.status}`),
        ),
      ),
    ),
  );
}
