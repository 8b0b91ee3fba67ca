import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { DataDirInUseError, lockDataDir } from './dir-lock.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dir-lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Another process holding the lock until it is killed. */
async function holderProcess(what: string) {
  const code = `import { lockDataDir } from ${JSON.stringify(join(import.meta.dirname, 'dir-lock.ts'))};
lockDataDir(${JSON.stringify(dir)}, ${JSON.stringify(what)}); console.log('locked'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('locked') && resolve());
    child.once('exit', (c) => reject(new Error(`holder exited ${c}`)));
  });
  return child;
}

function lockError(fn: () => unknown): DataDirInUseError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DataDirInUseError) return err;
    throw err;
  }
  throw new Error('expected DataDirInUseError');
}

it('refuses a second lock while another process holds it, naming that process, and takes it over once the holder is killed', async () => {
  const holder = await holderProcess('the test holder');
  const err = lockError(() => lockDataDir(dir, 'me'));
  expect(err.code).toBe('DATA_DIR_IN_USE');
  expect(err.holder.pid).toBe(holder.pid);
  expect(err.message).toContain(`in use by the test holder (pid ${holder.pid})`);

  // SIGKILL leaves the lock file behind, as a crash does: the next opener must not wait for anyone.
  holder.kill('SIGKILL');
  await new Promise((r) => holder.once('exit', r));
  expect(existsSync(join(dir, '.lock'))).toBe(true);
  const lock = lockDataDir(dir, 'me');
  expect(JSON.parse(readFileSync(join(dir, '.lock'), 'utf8')).pid).toBe(process.pid);
  lock.release();
});

it('refuses a second lock from the same process, and locks again after release, which removes the file', () => {
  const lock = lockDataDir(dir, 'me');
  expect(lockError(() => lockDataDir(dir, 'me')).holder.pid).toBe(process.pid);
  lock.release();
  expect(existsSync(join(dir, '.lock'))).toBe(false);
  lockDataDir(dir, 'me').release();
});

it("takes over a lock whose pid now names another process or this one in an earlier life (start time differs), and release leaves another holder's file alone", () => {
  const dead = spawnSync(process.execPath, ['-e', '']).pid!;
  for (const pid of [dead, process.ppid, process.pid]) {
    writeFileSync(join(dir, '.lock'), JSON.stringify({ pid, startTicks: 1, what: 'someone' }));
    const lock = lockDataDir(dir, 'me');
    writeFileSync(join(dir, '.lock'), JSON.stringify({ pid: 4242, what: 'someone else' }));
    lock.release();
    expect(existsSync(join(dir, '.lock'))).toBe(true);
    rmSync(join(dir, '.lock'));
  }
});

it('treats a fresh unreadable lock file as held (its writer may be mid-write) and an old one as stale', () => {
  writeFileSync(join(dir, '.lock'), '');
  expect(lockError(() => lockDataDir(dir, 'me')).holder.pid).toBe(0);
  const minuteAgo = new Date(Date.now() - 60_000);
  utimesSync(join(dir, '.lock'), minuteAgo, minuteAgo);
  lockDataDir(dir, 'me').release();
});
