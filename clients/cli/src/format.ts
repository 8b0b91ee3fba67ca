/**
 * Lines for the screen. Pure: data in, strings out. Every string that came from the
 * network (text, names, descriptions) is sanitized here, at the last step before output,
 * so no caller can forget it.
 */
import type { Member, Message, RoomInfo } from '@chat/contracts';
import type { ConnectionState } from '@chat/sdk';
import { HELP } from './commands.ts';
import { sanitizeLine, sanitizeText } from './sanitize.ts';
import { visibleLength, type Style } from './style.ts';

const pad2 = (n: number) => String(n).padStart(2, '0');

export function clock(ts: number): string {
  const d = new Date(ts);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
}

export interface MessageContext {
  me: string;
  /** Messages of other rooms get a room tag. */
  currentRoom?: string;
  /** The other user of a dm room, when known. */
  dmPeer?: string;
}

export function formatMessage(s: Style, m: Message, ctx: MessageContext): string {
  const name = sanitizeLine(m.username);
  const who = m.username === ctx.me ? s.bold(name) : s.user(name);
  let tag = '';
  if (m.roomId.startsWith('dm-')) tag = s.magenta(`[dm ${sanitizeLine(ctx.dmPeer ?? name)}] `);
  else if (m.roomId !== ctx.currentRoom) tag = s.gray(`[#${sanitizeLine(m.roomId)}] `);
  const head = `${s.gray(clock(m.timestamp))} ${tag}${who}: `;
  // Continuation lines line up under the text, so a message can't pass for several.
  const indent = ' '.repeat(visibleLength(head));
  return head + sanitizeText(m.text).split('\n').join(`\n${indent}`);
}

export const notice = (s: Style, text: string) => s.gray(`-- ${text}`);
export const failure = (s: Style, text: string) => s.red(`!! ${text}`);

export function formatRooms(s: Style, rooms: RoomInfo[], joined: ReadonlySet<string>, current?: string): string {
  if (rooms.length === 0) return notice(s, 'no rooms yet: /create <room>');
  const lines = rooms.map((r) => {
    const mark = r.roomId === current ? s.green('*') : joined.has(r.roomId) ? '+' : ' ';
    const desc = r.description ? s.gray(` - ${sanitizeLine(r.description)}`) : '';
    const kind = r.kind === 'public' ? '' : s.gray(` (${r.kind})`);
    return `${mark} ${s.bold(`#${sanitizeLine(r.roomId)}`)}${kind} ${r.memberCount} member${r.memberCount === 1 ? '' : 's'}${desc}`;
  });
  return [notice(s, `${rooms.length} room${rooms.length === 1 ? '' : 's'} (* current, + joined)`), ...lines].join('\n');
}

const STATUS_COLOUR = { online: 'green', away: 'yellow', dnd: 'red', offline: 'gray' } as const;

export function formatStatus(s: Style, status: Member['status']): string {
  return s[STATUS_COLOUR[status]](status);
}

export function formatMembers(s: Style, roomId: string, members: Member[]): string {
  const lines = members.map((m) => `  ${s.user(sanitizeLine(m.username))} ${formatStatus(s, m.status)}`);
  return [notice(s, `${members.length} in #${roomId}`), ...lines].join('\n');
}

export function formatHelp(s: Style): string {
  const width = Math.max(...HELP.map(([c]) => c.length));
  return HELP.map(([cmd, what]) => `  ${s.bold(cmd.padEnd(width))}  ${s.gray(what)}`).join('\n');
}

export interface StatusView {
  state: ConnectionState;
  username?: string;
  room?: string;
  /** Other users typing in `room`. */
  typing: string[];
  now: number;
}

/** The line above the prompt: connection, who we are, where we are, who is typing. */
export function formatStatusLine(s: Style, v: StatusView): string {
  const parts: string[] = [];
  const st = v.state;
  if (st.status === 'open') parts.push(`${s.green('●')} connected${st.serverId ? ` to ${st.serverId}` : ''}`);
  else if (st.status === 'reconnecting') {
    const wait = st.nextAttemptAt !== undefined ? Math.max(0, Math.ceil((st.nextAttemptAt - v.now) / 1000)) : 0;
    parts.push(s.yellow(`○ reconnecting${wait > 0 ? ` in ${wait}s` : '...'} (attempt ${Math.max(1, st.attempt)})`));
  } else if (st.status === 'closed') parts.push(s.red(`✕ disconnected${st.error ? `: ${st.error.message}` : ''}`));
  else parts.push(s.yellow('○ connecting...'));
  if (v.username) parts.push(`as ${s.bold(sanitizeLine(v.username))}`);
  parts.push(v.room ? `#${v.room}` : s.gray('no room: /join <room>'));
  if (v.typing.length) parts.push(s.dim(typingText(v.typing.map(sanitizeLine))));
  return parts.join(s.gray(' · '));
}

function typingText(names: string[]): string {
  if (names.length === 1) return `${names[0]} is typing...`;
  if (names.length <= 3) return `${names.slice(0, -1).join(', ')} and ${names.at(-1)} are typing...`;
  return `${names.length} people are typing...`;
}
