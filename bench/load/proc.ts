/**
 * Server-side cost, read from /proc (Linux only): CPU time (utime + stime from
 * /proc/<pid>/stat) and resident memory (VmRSS from /proc/<pid>/status) of a process tree.
 * Elsewhere every reading is 0 and the results say so.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { procProcesses, procStatFields } from '@chat/runtime';

const HAS_PROC = existsSync('/proc/self/stat');
const TICK_MS = (() => {
  try {
    return 1000 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  } catch {
    return 10;
  }
})();

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export function cpuMsOf(pid: number): number {
  const f = procStatFields(pid);
  return f ? (Number(f[11]) + Number(f[12])) * TICK_MS : 0;
}

export function rssKbOf(pid: number): number {
  const m = read(`/proc/${pid}/status`)?.match(/^VmRSS:\s+(\d+) kB/m);
  return m ? Number(m[1]) : 0;
}

/** Open file descriptors of a process: its sockets, plus a constant few. */
export function fdCountOf(pid: number): number {
  if (!HAS_PROC) return 0;
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

/** The pid and all its descendants (alive now). */
export function processTree(root: number): number[] {
  if (!HAS_PROC) return [];
  const children = new Map<number, number[]>();
  for (const { pid, fields } of procProcesses()) {
    const ppid = Number(fields[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift()!;
    if (!existsSync(`/proc/${pid}`)) continue;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** A short name for a server process: gateway, chat, broadcast, nats-server, postgres, reference. */
export function roleOf(pid: number): string {
  const cmd = (read(`/proc/${pid}/cmdline`) ?? '').split('\0').join(' ');
  for (const role of ['gateway', 'chat', 'broadcast'] as const) if (cmd.includes(`services/${role}/src/main.ts`)) return role;
  if (cmd.includes('reference/server.ts')) return 'reference';
  if (cmd.includes('scripts/stack.ts')) return 'stack-supervisor';
  if (cmd.includes('nats-server')) return 'nats-server';
  if (cmd.includes('postgres')) return 'postgres';
  return cmd.split(' ')[0]?.split('/').pop() || `pid-${pid}`;
}

export interface CpuSnapshot {
  at: number;
  byPid: Map<number, { role: string; ms: number }>;
}

export function cpuSnapshot(pids: number[]): CpuSnapshot {
  return { at: performance.now(), byPid: new Map(pids.map((pid) => [pid, { role: roleOf(pid), ms: cpuMsOf(pid) }])) };
}

/** CPU ms spent between two snapshots, in total and per role (a process born in between counts from 0). */
export function cpuSpent(before: CpuSnapshot, after: CpuSnapshot): { totalMs: number; byRole: Record<string, number>; wallMs: number } {
  const byRole: Record<string, number> = {};
  let totalMs = 0;
  for (const [pid, now] of after.byPid) {
    const spent = Math.max(0, now.ms - (before.byPid.get(pid)?.ms ?? 0));
    totalMs += spent;
    byRole[now.role] = Math.round((byRole[now.role] ?? 0) + spent);
  }
  return { totalMs: Math.round(totalMs), byRole, wallMs: Math.round(after.at - before.at) };
}

/** CPU of this process (the generator: main thread + workers), via process.cpuUsage. */
export function generatorCpu(): { at: number; usage: NodeJS.CpuUsage } {
  return { at: performance.now(), usage: process.cpuUsage() };
}

export function generatorCpuSpent(before: { at: number; usage: NodeJS.CpuUsage }): { cpuMs: number; pctOfOneCore: number } {
  const d = process.cpuUsage(before.usage);
  const cpuMs = (d.user + d.system) / 1000;
  const wall = performance.now() - before.at;
  return { cpuMs: Math.round(cpuMs), pctOfOneCore: wall > 0 ? Math.round((cpuMs / wall) * 100) : 0 };
}
