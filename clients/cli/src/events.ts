/**
 * Server events -> screen. The SDK already orders and de-duplicates messages and recovers
 * what a reconnect missed; here we only decide what a person needs to see.
 */
import type { ConnectionState } from '@chat/sdk';
import type { CliContext } from './context.ts';
import { describeError } from './context.ts';
import { formatMessage } from './format.ts';
import { sanitizeLine } from './sanitize.ts';

export function wireEvents(ctx: CliContext): () => void {
  const { client, state } = ctx;
  let everOpen = false;
  let lostNoticeShown = false;
  let ticker: ReturnType<typeof setInterval> | undefined;

  const name = (u: string) => sanitizeLine(u);

  function onState(st: ConnectionState) {
    // The reconnect countdown in the status line needs a tick; nothing else does.
    if (st.status === 'reconnecting' && !ticker) {
      ticker = setInterval(ctx.refreshStatus, 1000);
      ticker.unref();
    } else if (st.status !== 'reconnecting' && ticker) {
      clearInterval(ticker);
      ticker = undefined;
    }
    // Once per outage; before the first login too, where piped output has no status line.
    if (st.status === 'reconnecting' && !lostNoticeShown) {
      lostNoticeShown = true;
      const why = st.error ? ` (${describeError(st.error)})` : '';
      ctx.notice(everOpen ? `connection lost${why}; reconnecting` : `cannot reach the server${why}; retrying`);
    }
    // Before the first login, app.ts reports why the login failed.
    if (st.status === 'closed' && everOpen && st.error && st.error.code !== 'CLOSED') ctx.fail(`disconnected: ${describeError(st.error)}`);
    ctx.refreshStatus();
  }

  const offs = [
    client.on('state', onState),
    client.on('session', (auth) => {
      state.me = auth.username;
      state.userId = auth.userId;
      state.joined = new Set(auth.rooms.map((r) => r.roomId));
      if (state.current && !state.joined.has(state.current)) ctx.setRoom(undefined);
      if (everOpen) ctx.notice(`reconnected to ${name(auth.serverId)}`);
      everOpen = true;
      lostNoticeShown = false;
      state.typing.clear(); // whoever was typing before the gap will say so again
      ctx.refreshStatus();
    }),
    client.on('message.received', (m) => {
      if (m.roomId.startsWith('dm-')) {
        const to = m.clientMsgId !== undefined ? state.pendingDms.get(m.clientMsgId) : undefined;
        if (to !== undefined) state.pendingDms.delete(m.clientMsgId!);
        const peer = to ?? (m.username !== state.me ? m.username : undefined);
        if (peer !== undefined) state.dmPeers.set(m.roomId, peer);
        state.joined.add(m.roomId);
      }
      const peer = state.dmPeers.get(m.roomId);
      ctx.print(formatMessage(ctx.style, m, { me: state.me ?? '', ...(state.current ? { currentRoom: state.current } : {}), ...(peer ? { dmPeer: peer } : {}) }));
    }),
    client.on('recovered', ({ roomId, count }) => ctx.notice(`recovered ${count} missed message${count === 1 ? '' : 's'} in #${name(roomId)}`)),
    client.on('typing.update', ({ roomId, usersTyping }) => {
      state.typing.set(roomId, usersTyping.filter((u) => u !== state.me));
      if (roomId === state.current) ctx.refreshStatus();
    }),
    client.on('presence.update', ({ username, status }) => {
      if (state.presence.get(username) === status) return;
      state.presence.set(username, status);
      ctx.notice(username === state.me ? `you are ${status}` : `${name(username)} is ${status}`);
    }),
    client.on('room.userJoined', ({ roomId, username }) => {
      if (username !== state.me) ctx.notice(`${name(username)} joined #${name(roomId)}`);
    }),
    client.on('room.userLeft', ({ roomId, username }) => {
      if (username !== state.me) ctx.notice(`${name(username)} left #${name(roomId)}`);
    }),
    client.on('room.added', ({ room }) => {
      state.joined.add(room.roomId);
      // A new dm announces itself with its first message, right behind this.
      if (room.kind !== 'dm') ctx.notice(`you were added to #${name(room.roomId)}`);
    }),
    client.on('room.created', ({ room }) => {
      if (room.createdBy !== state.userId && !state.joined.has(room.roomId)) ctx.notice(`new room #${name(room.roomId)}${room.description ? `: ${name(room.description)}` : ''}`);
    }),
    client.on('rateLimit.warning', ({ message }) => ctx.print(ctx.style.yellow(`-- slow down: ${name(message)}`))),
    client.on('server.shutdown', ({ reconnectAfterMs }) => ctx.notice(`server restarting; reconnecting in about ${Math.ceil(reconnectAfterMs / 1000)}s`)),
    client.on('error', (err) => ctx.fail(describeError(err))),
  ];

  return () => {
    clearInterval(ticker);
    for (const off of offs) off();
  };
}
