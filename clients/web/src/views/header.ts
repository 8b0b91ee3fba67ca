import type { RoomInfo, SettableStatus } from '@chat/contracts';
import { h } from '../dom.ts';

/** Invite and Leave for the open room (a DM has neither: it cannot be left or joined). */
export function roomActions(info: RoomInfo, on: { invite(roomId: string): void; leave(roomId: string): void }): HTMLElement[] {
  if (info.kind === 'dm') return [];
  return [
    h('button', { type: 'button', id: 'invite-button', onclick: () => on.invite(info.roomId) }, 'Invite'),
    h('button', { type: 'button', id: 'leave-button', onclick: () => on.leave(info.roomId) }, 'Leave'),
  ];
}

/** Who I am, my presence (settable), and logout. */
export function meBox(username: string, setStatus: (s: SettableStatus) => void, logout: () => void): HTMLElement[] {
  const select = h(
    'select',
    { id: 'my-status', 'aria-label': 'My status' },
    h('option', { value: 'online' }, 'Online'),
    h('option', { value: 'away' }, 'Away'),
    h('option', { value: 'dnd' }, 'Do not disturb'),
  );
  const dot = h('span', { class: 'dot', 'data-status': 'online' });
  select.addEventListener('change', () => {
    dot.dataset.status = select.value;
    setStatus(select.value as SettableStatus);
  });
  return [dot, h('strong', { id: 'me-name' }, username), select, h('button', { type: 'button', class: 'link', id: 'logout', onclick: logout }, 'Log out')];
}
