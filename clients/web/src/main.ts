import { createChatClient, type ChatClient, type Credentials } from '@chat/sdk';
import { startApp } from './app.ts';
import { byId } from './dom.ts';
import { renderLogin } from './views/login-view.ts';
import { createToasts } from './views/toasts.ts';

/** The gateway serving this page also serves the socket: same origin, ws or wss. */
function socketUrl(): string {
  const url = new URL('/ws', location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

const root = byId('app');
const toasts = createToasts(byId('toasts'));
let client: ChatClient | undefined;

const loginView = renderLogin(root, async (auth: Credentials) => {
  client?.close();
  const c = (client = createChatClient({ url: socketUrl(), auth }));
  const stopNotice = c.on('state', (s) => s.status === 'reconnecting' && loginView.notice('Cannot reach the server yet: retrying…'));
  // `?debug` exposes the client and every delivered (roomId, seq) to tests and the console.
  if (new URLSearchParams(location.search).has('debug')) {
    const received: Array<[string, number]> = [];
    c.on('message.received', (m) => received.push([m.roomId, m.seq]));
    Object.assign(window, { chatDebug: { client: c, received } });
  }
  // Rejects on refused credentials: the login form shows why.
  await c.connect();
  stopNotice();
  // connect() resolves within the frame that logged in, before the next frame is read,
  // so startApp picks up from c.session without missing an event.
  startApp(root, c, toasts);
});
