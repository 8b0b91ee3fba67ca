import { describe, expect, it } from 'vitest';
import type { Message } from '@chat/contracts';
import { formatMessage, formatStatusLine } from '../src/format.ts';
import { truncate } from '../src/screen.ts';
import { createStyle, visibleLength } from '../src/style.ts';

const plain = createStyle(false);
const msg = (over: Partial<Message> = {}): Message => ({ id: 'm1', roomId: 'general', seq: 1, userId: 'u-bob', username: 'bob', text: 'hi', timestamp: new Date(2024, 0, 1, 9, 5).getTime(), ...over });

describe('formatMessage', () => {
  it('time, sender, text; a tag for other rooms and dms', () => {
    expect(formatMessage(plain, msg(), { me: 'alice', currentRoom: 'general' })).toBe('09:05 bob: hi');
    expect(formatMessage(plain, msg({ roomId: 'random' }), { me: 'alice', currentRoom: 'general' })).toBe('09:05 [#random] bob: hi');
    expect(formatMessage(plain, msg({ roomId: 'dm-x', username: 'alice' }), { me: 'alice', dmPeer: 'bob' })).toBe('09:05 [dm bob] alice: hi');
  });

  it('indents continuation lines under the text, and strips escapes', () => {
    expect(formatMessage(plain, msg({ text: 'a\x1b[2J\nb' }), { me: 'x', currentRoom: 'general' })).toBe('09:05 bob: a\n           b');
  });

  it('colours only when enabled', () => {
    const out = formatMessage(createStyle(true), msg(), { me: 'alice', currentRoom: 'general' });
    expect(out).toContain('\x1b[');
    expect(visibleLength(out)).toBe('09:05 bob: hi'.length);
  });
});

describe('formatStatusLine', () => {
  const base = { username: 'alice', room: 'general', typing: [], now: 10_000 };
  it('connected, reconnecting with a countdown, closed', () => {
    expect(formatStatusLine(plain, { ...base, state: { status: 'open', serverId: 'gw-1', attempt: 0 } })).toBe('● connected to gw-1 · as alice · #general');
    expect(formatStatusLine(plain, { ...base, state: { status: 'reconnecting', attempt: 2, nextAttemptAt: 12_500 } })).toBe('○ reconnecting in 3s (attempt 2) · as alice · #general');
    expect(formatStatusLine(plain, { ...base, state: { status: 'connecting', attempt: 0 } })).toContain('connecting...');
    expect(formatStatusLine(plain, { ...base, state: { status: 'closed', attempt: 0 } })).toContain('disconnected');
  });

  it('who is typing', () => {
    const open = { status: 'open', attempt: 0 } as const;
    expect(formatStatusLine(plain, { ...base, state: open, typing: ['bob'] })).toContain('bob is typing...');
    expect(formatStatusLine(plain, { ...base, state: open, typing: ['bob', 'carol'] })).toContain('bob and carol are typing...');
    expect(formatStatusLine(plain, { ...base, state: open, typing: ['a', 'b', 'c', 'd'] })).toContain('4 people are typing...');
  });
});

describe('truncate', () => {
  it('cuts to the visible width, keeping colour codes out of the count', () => {
    expect(truncate('short', 10)).toBe('short');
    const coloured = `\x1b[32m${'x'.repeat(30)}\x1b[39m`;
    const cut = truncate(coloured, 10);
    expect(visibleLength(cut)).toBe(10);
    expect(cut.endsWith('…\x1b[0m')).toBe(true);
  });
});
