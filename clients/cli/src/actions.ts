/** Typed lines -> requests. Every failure ends as one red line; nothing here throws. */
import { ChatError, newClientMsgId } from '@chat/sdk';
import type { Message } from '@chat/contracts';
import { describeError, type CliContext } from './context.ts';
import type { Input } from './commands.ts';
import { formatHelp, formatMembers, formatMessage, formatRooms, notice } from './format.ts';
import { sanitizeLine } from './sanitize.ts';

const RECENT = 20;
const ECHO_WAIT_MS = 2000;

export interface ActionHooks {
  quit(): void;
  clear(): void;
  /** A message is on its way: the typing indicator ends by itself on the server. */
  sent(): void;
}

export function createActions(ctx: CliContext, hooks: ActionHooks) {
  const { client, state, style: s } = ctx;
  // Sends not yet acked and echoed back: at the end of piped input we wait for them, so
  // `printf 'a\nb\n' | chat` shows both lines before it exits.
  const inflight = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>) => {
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
  };

  /** Resolves once our own message came back as `message.received` (or after a while). */
  function echoed(ack: { roomId: string; seq: number }): Promise<void> {
    if ((client.lastSeq(ack.roomId) ?? 0) >= ack.seq) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => (clearTimeout(timer), off(), resolve());
      const off = client.on('message.received', (m) => m.roomId === ack.roomId && m.seq >= ack.seq && done());
      const timer = setTimeout(done, ECHO_WAIT_MS);
    });
  }

  function showMessages(messages: Message[]) {
    for (const m of messages) {
      const peer = state.dmPeers.get(m.roomId);
      ctx.print(formatMessage(s, m, { me: state.me ?? '', currentRoom: m.roomId, ...(peer ? { dmPeer: peer } : {}) }));
    }
  }

  /** Joins (or re-opens) a room and shows its latest messages; `create` makes a missing one. */
  async function openRoom(roomId: string, opts: { create?: boolean } = {}): Promise<void> {
    try {
      const joined = await client.joinRoom(roomId, { limit: RECENT });
      const { room } = joined;
      state.joined.add(room.roomId);
      ctx.setRoom(room.roomId);
      const desc = room.description ? `: ${sanitizeLine(room.description)}` : '';
      ctx.notice(`#${room.roomId}${desc} (${joined.users.length} member${joined.users.length === 1 ? '' : 's'})`);
      showMessages(joined.recentMessages);
      if (joined.hasMore) ctx.notice('older messages: /history <n>');
    } catch (err) {
      if (opts.create && err instanceof ChatError && err.code === 'ROOM_NOT_FOUND') return createRoom(roomId, undefined, { orJoin: true });
      ctx.fail(describeError(err));
    }
  }

  async function createRoom(roomId: string, description?: string, opts: { orJoin?: boolean } = {}): Promise<void> {
    try {
      const room = await client.createRoom({ roomId, name: roomId, ...(description ? { description } : {}) });
      state.joined.add(room.roomId);
      ctx.setRoom(room.roomId);
      ctx.notice(`created #${room.roomId}`);
    } catch (err) {
      // Someone created it between our join and our create.
      if (opts.orJoin && err instanceof ChatError && err.code === 'ROOM_EXISTS') return openRoom(roomId);
      ctx.fail(describeError(err));
    }
  }

  function say(text: string) {
    const roomId = state.current;
    if (!roomId) return ctx.fail('no room: /join <room> first');
    hooks.sent();
    // Shown when the server's broadcast comes back (in seq order), not now.
    track(client.sendMessage(roomId, text).then(echoed, (err: unknown) => ctx.fail(`not sent: ${describeError(err)}`)));
  }

  function dm(to: string, text: string) {
    const clientMsgId = newClientMsgId();
    state.pendingDms.set(clientMsgId, to);
    const sending = client.sendDm(to, text, { clientMsgId }).then(
      (ack) => {
        state.dmPeers.set(ack.roomId, to);
        state.joined.add(ack.roomId);
        return echoed(ack);
      },
      (err: unknown) => {
        state.pendingDms.delete(clientMsgId);
        ctx.fail(`not sent: ${describeError(err)}`);
      },
    );
    track(sending);
  }

  async function leave() {
    const roomId = state.current;
    if (!roomId) return ctx.fail('no room to leave');
    try {
      await client.leaveRoom(roomId);
      state.joined.delete(roomId);
      const next = [...state.joined].find((r) => !r.startsWith('dm-'));
      ctx.setRoom(next);
      ctx.notice(`left #${roomId}${next ? `; now in #${next}` : ''}`);
    } catch (err) {
      ctx.fail(describeError(err));
    }
  }

  /** Runs a request whose result is only printed. */
  async function show(run: () => Promise<string>) {
    try {
      ctx.print(await run());
    } catch (err) {
      ctx.fail(describeError(err));
    }
  }

  function needRoom(): string | undefined {
    if (!state.current) ctx.fail('no room: /join <room> first');
    return state.current;
  }

  async function run(input: Input): Promise<void> {
    switch (input.kind) {
      case 'none':
        return;
      case 'say':
        return say(input.text);
      case 'invalid':
        return ctx.fail(input.message);
      case 'help':
        return ctx.print(formatHelp(s));
      case 'quit':
        return hooks.quit();
      case 'clear':
        return hooks.clear();
      case 'rooms':
        return show(async () => formatRooms(s, await client.listRooms(), state.joined, state.current));
      case 'create':
        return createRoom(input.roomId, input.description);
      case 'join':
        return openRoom(input.roomId);
      case 'leave':
        return leave();
      case 'users': {
        const roomId = needRoom();
        return roomId ? show(async () => formatMembers(s, roomId, await client.members(roomId))) : undefined;
      }
      case 'history': {
        const roomId = needRoom();
        if (!roomId) return;
        return show(async () => {
          const page = await client.history(roomId, { limit: input.limit });
          showMessages(page.messages);
          return notice(s, `${page.messages.length} message${page.messages.length === 1 ? '' : 's'} of #${roomId}${page.hasMore ? ' (more before)' : ''}`);
        });
      }
      case 'msg':
        return dm(input.to, input.text);
      case 'presence':
        if (client.state.status !== 'open') return ctx.fail('not connected');
        return client.setPresence(input.status);
    }
  }

  return { run, openRoom, settled: () => Promise.allSettled([...inflight]).then(() => undefined) };
}
