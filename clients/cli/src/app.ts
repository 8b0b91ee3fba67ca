/**
 * The CLI put together: a client, a screen, and the glue between them. Never reads argv
 * or env and never exits the process itself (main.ts does), so it can be built anywhere.
 */
import type { ChatClient } from '@chat/sdk';
import { createActions } from './actions.ts';
import { parseInput } from './commands.ts';
import { createState, describeError, type CliContext } from './context.ts';
import { wireEvents } from './events.ts';
import { failure, formatStatusLine, notice } from './format.ts';
import type { Screen } from './screen.ts';
import type { Style } from './style.ts';
import { createTypingNotifier } from './typing.ts';

const END_GRACE_MS = 10_000;

export interface CliAppDeps {
  client: ChatClient;
  screen: Pick<Screen, 'start' | 'print' | 'setStatus' | 'setPrompt' | 'clear' | 'close'>;
  style: Style;
  initialRoom: string;
  /** Called once, after the connection and the terminal were released. */
  onExit(code: number): void;
}

export function createCliApp(deps: CliAppDeps) {
  const { client, screen, style: s } = deps;
  const state = createState();
  let quitting = false;
  // Lines run one after another, after the login and the first room, so their output
  // appears in the order they were typed and piped input (`echo hi | chat`) works.
  let queue = Promise.resolve();

  const ctx: CliContext = {
    client,
    style: s,
    state,
    print: (text) => screen.print(text),
    notice: (text) => screen.print(notice(s, text)),
    fail: (text) => screen.print(failure(s, text)),
    setRoom(roomId) {
      if (roomId !== state.current) typing.stop();
      state.current = roomId;
      screen.setPrompt(roomId ? `${s.bold(`#${roomId}`)}> ` : '> ');
      ctx.refreshStatus();
    },
    refreshStatus() {
      const typers = state.current ? (state.typing.get(state.current) ?? []) : [];
      screen.setStatus(formatStatusLine(s, { state: client.state, ...(state.me ? { username: state.me } : {}), ...(state.current ? { room: state.current } : {}), typing: typers, now: Date.now() }));
    },
  };

  const typing = createTypingNotifier({ send: (roomId, isTyping) => client.typing(roomId, isTyping) });
  const unwire = wireEvents(ctx);
  const actions = createActions(ctx, { quit: () => quit(0), clear: () => screen.clear(), sent: () => typing.sent() });

  function quit(code: number) {
    if (quitting) return;
    quitting = true;
    typing.stop();
    unwire();
    // logout tells the server at once (presence goes offline after its grace period).
    if (client.state.status === 'open') void client.logout();
    else client.close();
    screen.close(code === 0 ? s.gray('bye') : undefined);
    deps.onExit(code);
  }

  return {
    start(): Promise<void> {
      screen.start();
      ctx.setRoom(undefined);
      queue = (async () => {
        try {
          const auth = await client.connect();
          ctx.notice(`logged in as ${auth.username}; /help for commands`);
        } catch (err) {
          ctx.fail(`cannot log in: ${describeError(err)}`);
          return quit(1);
        }
        await actions.openRoom(deps.initialRoom, { create: true });
      })();
      return queue;
    },
    onLine(line: string) {
      const input = parseInput(line);
      if (input.kind !== 'say') typing.stop();
      if (input.kind === 'quit') return quit(0); // never stuck behind a slow request
      queue = queue.then(() => actions.run(input));
    },
    onDraft(draft: string) {
      if (state.current && draft.trim() !== '' && !draft.startsWith('/')) typing.keystroke(state.current);
      else typing.stop();
    },
    /** End of input: finish what was typed (bounded), then quit. */
    onEnd() {
      const drained = queue.then(() => actions.settled()).then(() => true);
      const cap = new Promise<boolean>((r) => setTimeout(() => r(false), END_GRACE_MS).unref());
      void Promise.race([drained, cap]).then((done) => {
        if (done) return quit(0);
        // A script piping lines in must learn that some of them never left.
        ctx.fail(`input ended; gave up after ${END_GRACE_MS / 1000}s with requests unsent or unanswered (${client.state.status})`);
        quit(1);
      });
    },
    quit,
  };
}
