import { h } from '../dom.ts';

export type Shell = ReturnType<typeof renderShell>;

/**
 * The main screen's skeleton. On a narrow screen (375 px) the room list and the member
 * list become drawers over the message pane, opened from the top bar.
 */
export function renderShell(root: HTMLElement) {
  const roomList = h('nav', { id: 'room-list', 'aria-label': 'Rooms' });
  const members = h('aside', { id: 'members', class: 'members', 'aria-label': 'Members' });
  const messages = h('div', { id: 'messages', class: 'messages', tabindex: 0, 'aria-live': 'polite' });
  const typing = h('div', { id: 'typing', class: 'typing' });
  const composer = h('div', { class: 'composer-slot' });
  const roomTitle = h('div', { id: 'room-title', class: 'room-title' });
  const roomActions = h('div', { class: 'room-actions' });
  const connStatus = h('span', { id: 'conn-status', class: 'conn', 'data-status': 'connecting' });
  const me = h('div', { class: 'me' });
  const newRoom = h('button', { id: 'new-room', type: 'button', title: 'Create a room' }, '+ Room');
  const browse = h('button', { id: 'browse-rooms', type: 'button', title: 'Browse and join rooms' }, 'Browse');
  const newDm = h('button', { id: 'new-dm', type: 'button', title: 'Send a direct message' }, '+ DM');
  const toggleSidebar = h('button', { id: 'toggle-sidebar', type: 'button', class: 'icon only-narrow', 'aria-label': 'Rooms' }, '☰');
  const toggleMembers = h('button', { id: 'toggle-members', type: 'button', class: 'text-icon', 'aria-label': 'Members' }, 'People');
  const backdrop = h('div', { class: 'backdrop' });

  const shell = h(
    'div',
    { class: 'shell' },
    h('header', { class: 'topbar' }, toggleSidebar, roomTitle, connStatus, toggleMembers),
    h('aside', { id: 'sidebar', class: 'sidebar' }, me, h('div', { class: 'sidebar-actions' }, newRoom, browse, newDm), roomList),
    h('main', { class: 'chat' }, h('div', { class: 'room-header' }, roomActions), messages, typing, composer),
    members,
    backdrop,
  );

  const setDrawer = (which: 'sidebar' | 'members' | undefined) => {
    shell.classList.toggle('sidebar-open', which === 'sidebar');
    shell.classList.toggle('members-open', which === 'members');
  };
  toggleSidebar.addEventListener('click', () => setDrawer(shell.classList.contains('sidebar-open') ? undefined : 'sidebar'));
  toggleMembers.addEventListener('click', () => {
    // Wide screens: the member list is a column that can be hidden; narrow: a drawer.
    if (window.matchMedia('(max-width: 800px)').matches) setDrawer(shell.classList.contains('members-open') ? undefined : 'members');
    else shell.classList.toggle('members-hidden');
  });
  backdrop.addEventListener('click', () => setDrawer(undefined));

  root.replaceChildren(shell);
  return { shell, roomList, members, messages, typing, composer, roomTitle, roomActions, connStatus, me, newRoom, browse, newDm, closeDrawers: () => setDrawer(undefined) };
}
