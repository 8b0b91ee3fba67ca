import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { freePort } from '@chat/nats';
import { childProcesses, killProcessGroup, processGroupMembers } from '@chat/testing';

const ROOT = join(import.meta.dirname, '..');

/**
 * `npm start` as a supervisor or a test harness runs it: a process of its own group that is
 * later sent SIGTERM, or killed outright. npm runs the script through sh, which passed no
 * signal on, so the stack used to outlive npm and keep its ports and data directory. The
 * bootstrap under npm killed outright (the OOM killer's pick, say) runs no handler either.
 */
it.each([
  ['SIGTERM', 'npm start'],
  ['SIGKILL', 'npm start'],
  ['SIGKILL', 'its bootstrap'],
] as const)('%s to %s stops the whole stack and frees DATA_DIR', { timeout: 120_000 }, async (signal, target) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'npm-start-'));
  const npm = spawn('npm', ['start'], { cwd: ROOT, detached: true, env: { ...process.env, DATA_DIR: dataDir, PORT: String(await freePort()) }, stdio: ['ignore', 'pipe', 'pipe'] });
  const group = npm.pid!;
  try {
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (d: Buffer) => {
        out += d.toString();
        if (out.includes('Chat stack is running')) resolve();
      };
      npm.stdout.on('data', onData);
      npm.stderr.on('data', onData);
      npm.once('exit', (code) => reject(new Error(`npm start exited (${code}):\n${out.slice(-2000)}`)));
    });
    if (target === 'npm start') npm.kill(signal);
    else process.kill(childProcesses(npm.pid!)[0]!.pid, signal); // npm's child: scripts/bootstrap.mjs
    // A harness that stops npm closes its end of the pipes too: writes to them must not end the
    // stack halfway through stopping (it did: nats-server was left running, DATA_DIR locked).
    npm.stdout.destroy();
    npm.stderr.destroy();
    await expect.poll(() => processGroupMembers(group), { timeout: 20_000, interval: 250 }).toEqual([]);
    expect(existsSync(join(dataDir, '.lock'))).toBe(false);
  } finally {
    killProcessGroup(group); // whatever a failure left behind
    rmSync(dataDir, { recursive: true, force: true });
  }
});
