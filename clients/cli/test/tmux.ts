/**
 * A program in a real pseudo-terminal, driven like a person would: tmux sends keys and
 * reads the screen back. Each harness has its own tmux server (-L), so tests never touch a
 * developer's sessions, and `stop()` kills exactly that server.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const hasTmux = spawnSync('tmux', ['-V']).status === 0;

export interface TmuxProgram {
  /** The visible screen, wrapped lines joined, trailing blank lines dropped. */
  screen(): string;
  /** Types text as-is (no key names). */
  type(text: string): void;
  /** Key names: Enter, C-c, C-u, ... */
  keys(...names: string[]): void;
  /** Polls the screen until `check` holds; fails with the last screen after `timeoutMs`. */
  waitForScreen(check: string | RegExp | ((screen: string) => boolean), timeoutMs?: number): Promise<string>;
  /** The exit code, once the program ended. */
  waitForExit(timeoutMs?: number): Promise<number>;
  paneTitle(): string;
  stop(): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function startInTmux(command: string, opts: { cwd: string; cols?: number; rows?: number }): TmuxProgram {
  const dir = mkdtempSync(join(tmpdir(), 'chat-tmux-'));
  const socket = `chat-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const exitFile = join(dir, 'exit-code');
  const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
  // remain-on-exit keeps the last screen readable after the program quits.
  tmux('-f', '/dev/null', 'new-session', '-d', '-s', 'main', '-x', String(opts.cols ?? 120), '-y', String(opts.rows ?? 40), '-c', opts.cwd, `${command}; echo $? > ${exitFile}`, ';', 'set-option', '-g', 'remain-on-exit', 'on');

  const screen = () => tmux('capture-pane', '-p', '-J', '-t', 'main').replace(/\s+$/, '');

  async function poll<T>(probe: () => T | undefined, timeoutMs: number, what: () => string): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = probe();
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}; screen:\n${screen()}`);
      await sleep(100);
    }
  }

  return {
    screen,
    type: (text) => void tmux('send-keys', '-t', 'main', '-l', text),
    keys: (...names) => void tmux('send-keys', '-t', 'main', ...names),
    waitForScreen(check, timeoutMs = 10_000) {
      const test = typeof check === 'function' ? check : typeof check === 'string' ? (s: string) => s.includes(check) : (s: string) => check.test(s);
      return poll(() => {
        const s = screen();
        return test(s) ? s : undefined;
      }, timeoutMs, () => String(check));
    },
    waitForExit(timeoutMs = 10_000) {
      return poll(() => (existsSync(exitFile) && readFileSync(exitFile, 'utf8').trim() !== '' ? Number(readFileSync(exitFile, 'utf8')) : undefined), timeoutMs, () => 'exit');
    },
    paneTitle: () => tmux('display-message', '-p', '-t', 'main', '#{pane_title}').trim(),
    stop() {
      spawnSync('tmux', ['-L', socket, 'kill-server']);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
