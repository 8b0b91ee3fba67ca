import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { procProcesses } from '@chat/runtime';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface ServiceProcess {
  child: ChildProcess;
  /** Output so far (stdout + stderr), for failure messages and for waiting on log lines. */
  output(): string;
  waitForOutput(text: string, timeoutMs?: number): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const spawned = new Set<ChildProcess>();
// A failed test must not leave services running: whatever is left dies with the test worker.
process.once('exit', () => {
  for (const child of spawned) child.kill('SIGKILL');
});

/** Runs a service's main.ts as a real process (for crash tests: SIGKILL means SIGKILL). */
export function spawnService(service: 'chat' | 'broadcast' | 'gateway', env: Record<string, string>): ServiceProcess {
  return spawnScript(service, `services/${service}/src/main.ts`, env);
}

/**
 * Runs a TypeScript entry point of this repository (`script`, from its root) as a process named
 * `name`; `ownProcessGroup` makes it lead a process group, as a shell does for a command.
 */
export function spawnScript(name: string, script: string, env: Record<string, string>, opts: { ownProcessGroup?: boolean } = {}): ServiceProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', `${ROOT}${script}`], {
    detached: opts.ownProcessGroup ?? false,
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  spawned.add(child);
  child.once('exit', () => spawned.delete(child));
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (b: Buffer) => {
    out += b.toString();
    for (const l of listeners) l();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    exited,
    output: () => out,
    waitForOutput(text, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!out.includes(text)) return;
          listeners.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`${name} never printed "${text}":\n${out.slice(-2000)}`));
        }, timeoutMs);
        listeners.add(check);
        void exited.then(() => {
          if (!out.includes(text)) reject(new Error(`${name} exited before printing "${text}":\n${out.slice(-2000)}`));
        });
        check();
      });
    },
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** SIGKILLs every process of a process group a test started (`ownProcessGroup`, or `detached`). */
export function killProcessGroup(pgid: number | undefined): void {
  if (!pgid || pgid <= 1) return; // 0 or -1 would mean this test's own group, or every process
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function commandOf(pid: number, file: 'comm' | 'cmdline'): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8').replaceAll('\0', ' ').trim();
  } catch {
    return undefined; // exited meanwhile
  }
}

/** The commands of the processes still in a process group, e.g. ['nats-server'] (from /proc). */
export function processGroupMembers(pgid: number): string[] {
  // A zombie has exited; it only waits for its parent to reap it.
  return procProcesses()
    .filter(({ fields }) => Number(fields[2]) === pgid && fields[0] !== 'Z')
    .flatMap(({ pid }) => commandOf(pid, 'comm') ?? []);
}

/** The children of `ppid` alive now, with their command lines (from /proc). */
export function childProcesses(ppid: number): Array<{ pid: number; cmdline: string }> {
  return procProcesses()
    .filter(({ fields }) => Number(fields[1]) === ppid)
    .flatMap(({ pid }) => {
      const cmdline = commandOf(pid, 'cmdline');
      return cmdline === undefined ? [] : [{ pid, cmdline }];
    });
}
