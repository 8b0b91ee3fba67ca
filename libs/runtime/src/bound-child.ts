import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';

let pdeathsigSupported: boolean | undefined;

/** util-linux's setpriv can ask the kernel for a signal when the parent dies (--pdeathsig, 2.33+). */
function canBindToParent(): boolean {
  pdeathsigSupported ??= spawnSync('setpriv', ['--pdeathsig', 'SIGTERM', '--', 'true'], { stdio: 'ignore' }).status === 0;
  return pdeathsigSupported;
}

/**
 * Spawns a child that the kernel sends SIGTERM when this process dies, however it dies: a
 * parent killed with SIGKILL (or by the OOM killer) runs no handler, and its children would
 * live on, holding ports and data directories. Node has no prctl, so setpriv sets the signal
 * and then execs the command (same pid). Without setpriv, a plain child.
 */
export function spawnBoundToParent(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  if (!canBindToParent()) return spawn(command, args, options);
  return spawn('setpriv', ['--pdeathsig', 'SIGTERM', '--', command, ...args], options);
}
