/**
 * The CLI as a person sees it: the real program in a tmux pseudo-terminal, against a real
 * stack, chatting with a TestClient user. Everything waits on the screen or on frames
 * (bounded polling), never on fixed sleeps.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ServerFrameData, ServerFrameType } from '@chat/contracts';
import { freePort } from '@chat/nats';
import { startStack, TestClient, type TestStack } from '@chat/testing';
import { hasTmux, startInTmux, type TmuxProgram } from './tmux.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

let stack: TestStack;
const programs: TmuxProgram[] = [];
const clients: TestClient[] = [];

beforeAll(async () => {
  stack = await startStack({ gateways: 2, gatewayEnv: { PRESENCE_GRACE_MS: '200' } });
});
afterEach(() => {
  for (const p of programs.splice(0)) p.stop();
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await stack?.stop();
});

function portOf(gateway: { url: string }): number {
  return Number(new URL(gateway.url).port);
}

function cli(username: string, room: string, port = portOf(stack.gateways[0]!)): TmuxProgram {
  const p = startInTmux(`npx tsx clients/cli/src/main.ts --port ${port} --host 127.0.0.1 ${username} ${room}`, { cwd: ROOT });
  programs.push(p);
  return p;
}

async function guest(username: string, roomId: string, gateway = stack.gateways[0]!) {
  const c = await TestClient.guest(gateway.wsUrl, username);
  clients.push(c);
  await c.ok('room.joined', 'room.join', { roomId });
  return c;
}

/** The first frame after the `from`-th that matches: earlier frames do not count. */
function nextFrame<T extends ServerFrameType>(c: TestClient, from: number, type: T, pred: (d: ServerFrameData[T]) => boolean) {
  return c.waitFor((f) => c.frames.indexOf(f) >= from && f.type === type && pred(f.data as ServerFrameData[T])).then((f) => f.data as ServerFrameData[T]);
}

// tsx compiles the CLI on first start: allow for a slow, shared machine.
const STARTUP_MS = 20_000;

// npm test installs tmux (scripts/bootstrap.mjs); without it this suite fails loudly.
if (!hasTmux) throw new Error('tmux is required for the CLI tests: apt-get install -y tmux');

describe('chat CLI in a terminal', () => {
  it('chats with another user: messages both ways, joins, typing, presence, members, dm, /quit', async () => {
    const term = cli('alice', 'general');
    await term.waitForScreen(/#general> ?$/m, STARTUP_MS);
    expect(term.screen()).toContain('created #general');
    expect(term.screen()).toMatch(/connected to .* as alice · #general/);

    const bob = await guest('bob', 'general');
    await term.waitForScreen('bob joined #general');

    await bob.ok('message.ack', 'message.send', { roomId: 'general', text: 'hello alice' });
    await term.waitForScreen(/\d\d:\d\d bob: hello alice/);

    // Typing while the draft grows, stop when it is cleared (Ctrl-U).
    term.type('hi bob');
    await nextFrame(bob, 0, 'typing.update', (d) => d.usersTyping.includes('alice'));
    const mark = bob.frames.length;
    term.keys('C-u');
    await nextFrame(bob, mark, 'typing.update', (d) => !d.usersTyping.includes('alice'));
    term.type('hi bob');
    term.keys('Enter');
    await bob.waitForType('message.received', (m) => m.username === 'alice' && m.text === 'hi bob');
    await term.waitForScreen(/\d\d:\d\d alice: hi bob/);

    bob.send('typing.start', { roomId: 'general' });
    await term.waitForScreen('bob is typing...');
    bob.send('typing.stop', { roomId: 'general' });
    await term.waitForScreen((s) => !s.includes('bob is typing'));

    bob.send('presence.update', { status: 'away' });
    await term.waitForScreen('bob is away');

    term.type('/users');
    term.keys('Enter');
    await term.waitForScreen(/2 in #general\n\s+alice online\n\s+bob away|2 in #general\n\s+bob away\n\s+alice online/);

    term.type('/msg bob psst');
    term.keys('Enter');
    const dm = await bob.waitForType('message.received', (m) => m.text === 'psst');
    expect(dm.roomId).toMatch(/^dm-/);
    await term.waitForScreen(/\[dm bob\] alice: psst/);

    term.type('/quit');
    term.keys('Enter');
    expect(await term.waitForExit()).toBe(0);
    expect(term.screen()).toContain('bye');
    await bob.waitForType('presence.update', (p) => p.username === 'alice' && p.status === 'offline');
  });

  it('prints other users’ text as text: no escape sequence reaches the terminal', async () => {
    const term = cli('dave', 'lobby');
    await term.waitForScreen(/#lobby> ?$/m, STARTUP_MS);
    const titleBefore = term.paneTitle();
    const mallory = await guest('mallory', 'lobby');
    await term.waitForScreen('mallory joined #lobby');

    // Clear screen, set the window title, recolour, and a fake second line from someone else.
    const text = 'look \x1b[2J\x1b[H\x1b]2;pwned\x07\x1b[31mhere\x1b[0m\u202e!\n12:00 carol: fake line';
    await mallory.ok('message.ack', 'message.send', { roomId: 'lobby', text });
    const screen = await term.waitForScreen('mallory: look here!');
    expect(screen).toContain('mallory joined #lobby'); // not cleared
    expect(screen).not.toMatch(/^12:00 carol/m); // the continuation is indented under the text
    expect(screen).toMatch(/^ +12:00 carol: fake line$/m);
    expect(term.paneTitle()).toBe(titleBefore);

    term.keys('C-c');
    expect(await term.waitForExit()).toBe(0);
  });

  it('shows the outage in the status line and recovers what was missed after the gateway restarts', async () => {
    const gw = stack.gateways[0]!;
    const port = portOf(gw);
    const term = cli('erin', 'ops', port);
    await term.waitForScreen(/#ops> ?$/m, STARTUP_MS);
    const frank = await guest('frank', 'ops', stack.gateways[1]!);
    await term.waitForScreen('frank joined #ops');

    await gw.stop();
    await term.waitForScreen(/reconnecting/);
    await frank.ok('message.ack', 'message.send', { roomId: 'ops', text: 'sent while erin was away' });
    const restarted = await stack.startGateway({}, { port });
    expect(portOf(restarted)).toBe(port);

    await term.waitForScreen('reconnected to', 15_000);
    await term.waitForScreen(/frank: sent while erin was away/);
    await term.waitForScreen(/recovered 1 missed message in #ops/);
    await term.waitForScreen(/● connected to .* as erin · #ops/);

    // Still usable after the reconnect.
    term.type('back');
    term.keys('Enter');
    await frank.waitForType('message.received', (m) => m.username === 'erin' && m.text === 'back');
    term.type('/quit');
    term.keys('Enter');
    expect(await term.waitForExit()).toBe(0);
  });
});

describe('chat CLI with piped input', () => {
  function piped(lines: string, port: number) {
    const child = spawn('npx', ['tsx', 'clients/cli/src/main.ts', '--port', String(port), '--host', '127.0.0.1', 'piper', 'pipes'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    child.stdin.end(lines);
    return new Promise<{ code: number | null; out: string }>((resolve) => child.once('exit', (code) => resolve({ code, out })));
  }

  it('sends every line and exits 0', async () => {
    const reader = await TestClient.guest(stack.gateways[0]!.wsUrl, 'pipe-reader');
    clients.push(reader);
    await reader.ok('room.created', 'room.create', { roomId: 'pipes' });
    const { code, out } = await piped('first\nsecond\n', portOf(stack.gateways[0]!));
    expect(code).toBe(0);
    expect(out).toContain('bye');
    await reader.waitForType('message.received', (m) => m.username === 'piper' && m.text === 'second');
    expect(reader.frames.filter((f) => f.type === 'message.received').map((f) => (f.data as { text: string }).text)).toEqual(['first', 'second']);
  });

  it('says that it cannot reach the server, and exits 1 when input ends with lines unsent', async () => {
    const { code, out } = await piped('lost\n', await freePort());
    expect(code).toBe(1);
    expect(out).toContain('cannot reach the server');
    expect(out).toMatch(/gave up after \d+s with requests unsent or unanswered/);
    expect(out).not.toContain('bye');
  });
});
