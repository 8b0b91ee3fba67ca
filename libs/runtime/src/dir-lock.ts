/**
 * One process at a time per data directory. Neither PGlite nor nats-server 2.9 locks its
 * directory: a second `npm start` in the same checkout opened the same PGlite files and
 * JetStream store as the first, and two PostgreSQL instances writing one data directory
 * corrupt it. Like PostgreSQL's postmaster.pid, the lock is a file naming its process; it is
 * taken over when that process is gone (a crash leaves the file behind, and the restart must
 * not wait for anyone). The process's start time, where /proc has it, tells a live holder
 * from an unrelated process that got the same pid later, and a container restarted with the
 * same pid from its previous life.
 */
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { procStatFields } from './proc-stat.ts';

const LOCK_FILE = '.lock';
/** A lock file that cannot be read yet may be one being written this moment. */
const UNREADABLE_GRACE_MS = 5000;

/** Who holds a data directory, as its lock file says. */
export interface DirLockHolder {
  pid: number;
  /** Clock ticks after boot (/proc/<pid>/stat field 22); absent where /proc is not. */
  startTicks?: number;
  what: string;
}

export class DataDirInUseError extends Error {
  readonly code = 'DATA_DIR_IN_USE';
  constructor(
    readonly dir: string,
    readonly holder: DirLockHolder,
  ) {
    super(`${dir} is in use by ${holder.what} (pid ${holder.pid})`);
  }
}

export interface DirLock {
  /** Removes the lock file if it is still this process's. */
  release(): void;
}

function startTicks(pid: number): number | undefined {
  const ticks = Number(procStatFields(pid)?.[19]);
  return Number.isFinite(ticks) ? ticks : undefined;
}

function isRunning(holder: DirLockHolder, me: DirLockHolder): boolean {
  if (holder.pid === me.pid) return holder.startTicks === me.startTicks; // this very process, or its previous life
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const now = startTicks(holder.pid);
  return holder.startTicks === undefined || now === undefined || now === holder.startTicks;
}

function readHolder(file: string): DirLockHolder | undefined {
  try {
    const h = JSON.parse(readFileSync(file, 'utf8')) as Partial<DirLockHolder>;
    return typeof h.pid === 'number' ? { pid: h.pid, startTicks: h.startTicks, what: String(h.what ?? 'another process') } : undefined;
  } catch {
    return undefined; // unreadable or half written: no live holder can be named
  }
}

function isYoung(file: string): boolean {
  try {
    return Date.now() - statSync(file).mtimeMs < UNREADABLE_GRACE_MS;
  } catch {
    return false;
  }
}

/**
 * Takes `dir`'s lock for this process or throws DataDirInUseError naming the holder. `what`
 * says who holds it ("the chat service"), for the other process's error.
 */
export function lockDataDir(dir: string, what: string): DirLock {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, LOCK_FILE);
  const me: DirLockHolder = { pid: process.pid, startTicks: startTicks(process.pid), what };
  const mine = JSON.stringify(me);
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, mine, { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readHolder(file);
      const held = holder ? isRunning(holder, me) : isYoung(file);
      if (attempt > 0 || held) throw new DataDirInUseError(dir, holder ?? { pid: 0, what: 'another process' });
      rmSync(file, { force: true }); // its process is gone
    }
  }
  return {
    release() {
      try {
        if (readFileSync(file, 'utf8') === mine) rmSync(file);
      } catch {
        // already gone
      }
    },
  };
}
