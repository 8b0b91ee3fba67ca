import { readdirSync, readFileSync } from 'node:fs';

/**
 * The fields of /proc/<pid>/stat after the command name (Linux only; undefined elsewhere or
 * once the process is gone): [0] state, [1] ppid, [2] process group, [11] utime, [12] stime,
 * [19] start time in clock ticks after boot. The command name (field 2) may hold spaces and
 * parentheses, so the fields are counted from its last ')'.
 */
export function procStatFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** Every process alive now with its stat fields (see procStatFields); empty where /proc is missing. */
export function procProcesses(): Array<{ pid: number; fields: string[] }> {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    if (!/^\d+$/.test(entry)) return [];
    const fields = procStatFields(Number(entry));
    return fields ? [{ pid: Number(entry), fields }] : []; // exited meanwhile
  });
}
