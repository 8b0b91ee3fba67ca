/**
 * The main screen: SDK events go into the store, store changes redraw the views.
 * Nothing here touches innerHTML; all text goes through dom.ts.
 */
import type { AuthSuccess, ChatClient, ConnectionState } from '@chat/sdk';
import { createActions } from './actions.ts';
import { h, replaceChildren } from './dom.ts';
import { errorText, ROOM_ID_PATTERN, typingText, USERNAME_PATTERN } from './format.ts';
import { createStore, displayName } from './store.ts';
import { createComposer } from './views/composer.ts';
import { openBrowser, openForm } from './views/dialogs.ts';
import { createMessageList } from './views/message-list.ts';
import { meBox, roomActions } from './views/header.ts';
import { renderShell } from './views/shell.ts';
import { renderMembers, renderSidebar } from './views/sidebar.ts';
import { renderStatus } from './views/status.ts';
import type { Toasts } from './views/toasts.ts';

export function startApp(root: HTMLElement, client: ChatClient, toasts: Toasts) {
  const store = createStore();
  const actions = createActions({ client, store, toasts });
  const ui = renderShell(root);
  const messages = createMessageList(ui.messages, { store, loadOlder: actions.loadOlder, retry: actions.retry });
  // typing.stop goes to the room typing.start went to, even after a room switch.
  let typingRoom: string | undefined;
  const composer = createComposer(ui.composer, {
    send: (text) => store.activeRoomId && actions.send(store.activeRoomId, text),
    typing(on) {
      const roomId = on ? store.activeRoomId : typingRoom;
      typingRoom = on ? roomId : undefined;
      if (roomId) client.typing(roomId, on);
    },
  });
  const inRoom = (roomId: string) => store.rooms.get(roomId);
  const roomLabel = (roomId: string) => {
    const r = inRoom(roomId);
    return r ? (r.info.kind === 'dm' ? displayName(r.info, store.me.username) : `#${r.info.name}`) : roomId;
  };

  const open = (roomId: string) => void actions.openRoom(roomId);

  // --- store -> views
  let lastRoom: string | undefined;
  store.subscribe((topic, roomId) => {
    const active = store.activeRoomId;
    if (topic === 'rooms' || topic === 'presence') {
      renderSidebar(ui.roomList, store, open);
      const total = [...store.rooms.values()].reduce((n, r) => n + (r.info.roomId === active ? 0 : store.unread(r)), 0);
      document.title = total ? `(${total}) Chat` : 'Chat';
    }
    if (topic === 'active' || (topic === 'rooms' && active !== lastRoom)) {
      if (active !== lastRoom) {
        composer.reset();
        ui.closeDrawers();
      }
      lastRoom = active;
      const r = store.active;
      replaceChildren(ui.roomTitle, r ? roomLabel(r.info.roomId) : 'Chat', r?.info.description ? h('small', {}, r.info.description) : null);
      replaceChildren(ui.roomActions, ...(r ? roomActions(r.info, { invite: inviteDialog, leave: leave }) : []));
      composer.setEnabled(!!r, r ? `Message ${roomLabel(r.info.roomId)}` : 'Pick a room first');
      renderMembers(ui.members, store);
      ui.typing.textContent = typingText(r?.typing ?? []);
      messages.render();
    }
    // Presence is global (no roomId); the rest only matters for the open room.
    if (topic === 'presence' || (topic === 'members' && roomId === active)) {
      renderMembers(ui.members, store);
      messages.render(); // read receipts
    }
    if (roomId === undefined || roomId !== active) return;
    if (topic === 'messages') {
      messages.render();
      actions.markReadSoon();
    }
    if (topic === 'typing') ui.typing.textContent = typingText(store.active?.typing ?? []);
  });

  // --- SDK -> store
  const onSession = (auth: AuthSuccess) => {
    store.setMe({ userId: auth.userId, username: auth.username });
    // Typing stops sent while we were away were missed: start from a clean slate.
    for (const roomId of store.rooms.keys()) store.setTyping(roomId, []);
    replaceChildren(ui.me, ...meBox(auth.username, (status) => client.setPresence(status), () => void client.logout().then(() => location.reload())));
    actions.syncRooms(auth.rooms).catch((err: unknown) => toasts.show(errorText(err), 'error'));
  };
  client.on('session', onSession);
  client.on('message.received', (m) => {
    if (inRoom(m.roomId)) store.addMessages(m.roomId, [m]);
    else void actions.discoverRoom(m.roomId).then(() => store.addMessages(m.roomId, [m]));
  });
  client.on('room.added', ({ room }) => {
    if (inRoom(room.roomId)) return;
    store.upsertRoom(room);
    toasts.show(room.kind === 'dm' ? `New direct message from ${displayName(room, store.me.username)}` : `You were added to #${room.name}`);
  });
  client.on('room.userJoined', ({ roomId, username }) => {
    const r = inRoom(roomId);
    if (!r || username === store.me.username) return;
    toasts.show(`${username} joined ${roomLabel(roomId)}`);
    if (r.loaded) void client.members(roomId).then((m) => store.setMembers(roomId, m), () => {});
  });
  client.on('room.userLeft', ({ roomId, username }) => {
    const r = inRoom(roomId);
    if (!r) return;
    if (username === store.me.username) return store.removeRoom(roomId);
    toasts.show(`${username} left ${roomLabel(roomId)}`);
    r.members.delete(username);
    store.emit('members', roomId);
  });
  client.on('message.read', ({ roomId, username, seq }) => {
    store.memberRead(roomId, username, seq);
    if (username === store.me.username) store.markRead(roomId, seq); // read in another tab
  });
  client.on('typing.update', ({ roomId, usersTyping }) => store.setTyping(roomId, usersTyping));
  client.on('presence.update', ({ username, status }) => store.setPresence(username, status));
  client.on('rateLimit.warning', ({ remaining }) => toasts.show(`Slow down: ${remaining} message${remaining === 1 ? '' : 's'} left for now`, 'warn'));
  client.on('server.shutdown', () => toasts.show('The server is restarting: reconnecting…', 'warn'));
  client.on('error', (err) => toasts.show(errorText(err), 'error'));

  let wasOpen = true;
  const showState = (s: ConnectionState) => {
    renderStatus(ui.connStatus, s);
    if (s.status === 'open' && !wasOpen) toasts.show(`Reconnected to ${s.serverId ?? 'the server'}`);
    wasOpen = s.status === 'open';
  };
  client.on('state', showState);
  showState(client.state);
  // The "reconnecting in N s" countdown.
  setInterval(() => client.state.status === 'reconnecting' && renderStatus(ui.connStatus, client.state), 500);
  document.addEventListener('visibilitychange', actions.markReadSoon);

  // --- dialogs
  function inviteDialog(roomId: string) {
    openForm({
      id: 'invite-form',
      title: `Invite to ${roomLabel(roomId)}`,
      submitLabel: 'Invite',
      fields: [{ name: 'username', label: 'Username', pattern: USERNAME_PATTERN, required: true, maxlength: 32 }],
      onSubmit: (v) => actions.invite(roomId, String(v.username)),
    });
  }
  function leave(roomId: string) {
    if (!confirm(`Leave ${roomLabel(roomId)}?`)) return;
    actions.leaveRoom(roomId).catch((err: unknown) => toasts.show(errorText(err), 'error'));
  }
  ui.newRoom.addEventListener('click', () =>
    openForm({
      id: 'create-room-form',
      title: 'Create a room',
      submitLabel: 'Create',
      fields: [
        { name: 'roomId', label: 'Room id', pattern: ROOM_ID_PATTERN, required: true, maxlength: 64, placeholder: 'e.g. general', hint: 'lowercase letters, digits, - and _' },
        { name: 'name', label: 'Display name', maxlength: 100 },
        { name: 'description', label: 'Description', maxlength: 1000 },
        { name: 'private', label: 'Private (invite only)', type: 'checkbox' },
      ],
      onSubmit: (v) => actions.createRoom({ roomId: String(v.roomId), name: String(v.name), description: String(v.description), private: v.private === true }),
    }),
  );
  ui.browse.addEventListener('click', () =>
    openBrowser({
      load: async () => (await client.listRooms()).filter((r) => r.kind === 'public' && !inRoom(r.roomId)),
      join: (roomId) => actions.joinRoom(roomId),
    }),
  );
  ui.newDm.addEventListener('click', () =>
    openForm({
      id: 'dm-form',
      title: 'Direct message',
      submitLabel: 'Send',
      fields: [
        { name: 'to', label: 'To (username)', pattern: USERNAME_PATTERN, required: true, maxlength: 32 },
        { name: 'text', label: 'Message', type: 'textarea', required: true, maxlength: 4000 },
      ],
      onSubmit: (v) => actions.sendDm(String(v.to), String(v.text)),
    }),
  );

  messages.render();
  if (client.session) onSession(client.session); // the first login happened before we subscribed
  return { store, client };
}
