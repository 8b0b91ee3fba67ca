/**
 * `chat [username] [room] [--host H] [--port P] [--token JWT]`: wiring only. The one place
 * that reads argv/env, touches process stdio and exits.
 */
import { userInfo } from 'node:os';
import WebSocket from 'ws';
import { createChatClient } from '@chat/sdk';
import { createCliApp } from './app.ts';
import { defaultUsername, parseCliArgs } from './args.ts';
import { createScreen } from './screen.ts';
import { createStyle } from './style.ts';

function loginName(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER;
  }
}

const parsed = parseCliArgs(process.argv.slice(2), defaultUsername(loginName()));
if (!parsed.ok) {
  (parsed.help ? process.stdout : process.stderr).write(`${parsed.message}\n`);
  process.exit(parsed.help ? 0 : 2);
}
const { options } = parsed;

const style = createStyle(options.color && Boolean(process.stdout.isTTY) && !process.env.NO_COLOR);
// Node 20 has no global WebSocket: the SDK takes `ws`.
const client = createChatClient({ url: options.url, auth: options.auth, WebSocket });

const screen = createScreen(
  { input: process.stdin, output: process.stdout },
  { onLine: (line) => app.onLine(line), onDraft: (draft) => app.onDraft(draft), onQuit: () => app.quit(0), onEnd: () => app.onEnd() },
);

const app = createCliApp({
  client,
  screen,
  style,
  initialRoom: options.room,
  onExit(code) {
    process.exitCode = code;
    // Normally the loop drains (socket closed, stdin released) and we exit by ourselves;
    // this only fires if something still holds it open.
    setTimeout(() => process.exit(code), 1000).unref();
  },
});

process.once('SIGTERM', () => app.quit(0));
process.once('SIGHUP', () => app.quit(0)); // terminal closed
await app.start();
