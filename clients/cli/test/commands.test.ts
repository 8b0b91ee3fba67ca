import { describe, expect, it } from 'vitest';
import { defaultUsername, gatewayUrl, parseCliArgs } from '../src/args.ts';
import { parseInput } from '../src/commands.ts';

describe('parseInput', () => {
  it('plain lines are messages; blank lines are nothing; // escapes a leading slash', () => {
    expect(parseInput('hello /there')).toEqual({ kind: 'say', text: 'hello /there' });
    expect(parseInput('   ')).toEqual({ kind: 'none' });
    expect(parseInput('//shrug')).toEqual({ kind: 'say', text: '/shrug' });
  });

  it('parses every command and its arguments', () => {
    expect(parseInput('/help')).toEqual({ kind: 'help' });
    expect(parseInput('/QUIT')).toEqual({ kind: 'quit' });
    expect(parseInput('/clear')).toEqual({ kind: 'clear' });
    expect(parseInput('/rooms')).toEqual({ kind: 'rooms' });
    expect(parseInput('/create dev')).toEqual({ kind: 'create', roomId: 'dev' });
    expect(parseInput('/create dev  all things   dev ')).toEqual({ kind: 'create', roomId: 'dev', description: 'all things   dev' });
    expect(parseInput('/join random')).toEqual({ kind: 'join', roomId: 'random' });
    expect(parseInput('/leave')).toEqual({ kind: 'leave' });
    expect(parseInput('/users')).toEqual({ kind: 'users' });
    expect(parseInput('/history')).toEqual({ kind: 'history', limit: 20 });
    expect(parseInput('/history 5')).toEqual({ kind: 'history', limit: 5 });
    expect(parseInput('/history 5000')).toEqual({ kind: 'history', limit: 200 });
    expect(parseInput('/msg bob see  you')).toEqual({ kind: 'msg', to: 'bob', text: 'see  you' });
    expect(parseInput('/away')).toEqual({ kind: 'presence', status: 'away' });
    expect(parseInput('/dnd')).toEqual({ kind: 'presence', status: 'dnd' });
    expect(parseInput('/online')).toEqual({ kind: 'presence', status: 'online' });
  });

  it('missing or bad arguments and unknown commands are reported, never sent', () => {
    for (const line of ['/join', '/create', '/msg bob', '/msg', '/history x', '/history 0', '/nope'])
      expect(parseInput(line).kind, line).toBe('invalid');
  });
});

describe('parseCliArgs', () => {
  it('defaults: guest from the login name, room general, localhost:3000', () => {
    expect(parseCliArgs([], 'me')).toEqual({ ok: true, options: { url: 'ws://127.0.0.1:3000/ws', auth: { username: 'me' }, room: 'general', color: true } });
  });

  it('positionals and flags', () => {
    const r = parseCliArgs(['alice', 'dev', '--host', 'chat.local', '--port', '8080', '--no-color'], 'me');
    expect(r).toEqual({ ok: true, options: { url: 'ws://chat.local:8080/ws', auth: { username: 'alice' }, room: 'dev', color: false } });
    expect(parseCliArgs(['--token', 'jwt'], 'me')).toMatchObject({ ok: true, options: { auth: { token: 'jwt' } } });
  });

  it('refuses a bad port, unknown flags and extra arguments', () => {
    expect(parseCliArgs(['--port', '0'], 'me').ok).toBe(false);
    expect(parseCliArgs(['--port', 'x'], 'me').ok).toBe(false);
    expect(parseCliArgs(['--bogus'], 'me').ok).toBe(false);
    expect(parseCliArgs(['a', 'b', 'c'], 'me').ok).toBe(false);
    expect(parseCliArgs(['--host', 'exa mple'], 'me').ok).toBe(false);
    expect(parseCliArgs(['--host', 'ws://[oops'], 'me').ok).toBe(false);
    expect(parseCliArgs(['--help'], 'me')).toMatchObject({ ok: false, help: true });
  });

  it('a host may be a URL; IPv6 hosts are bracketed', () => {
    expect(gatewayUrl('wss://chat.example.com', 3000)).toBe('wss://chat.example.com/ws');
    expect(gatewayUrl('https://chat.example.com/chat/ws', 3000)).toBe('wss://chat.example.com/chat/ws');
    expect(gatewayUrl('::1', 3000)).toBe('ws://[::1]:3000/ws');
  });

  it('default username: the login made valid, or a random guest', () => {
    expect(defaultUsername('John Doe!')).toBe('JohnDoe');
    expect(defaultUsername(undefined)).toMatch(/^guest-[a-z0-9]+$/);
  });
});
