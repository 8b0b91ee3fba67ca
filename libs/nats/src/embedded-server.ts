import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { spawnBoundToParent } from '@chat/runtime';
import { freePort } from './free-port.ts';

export interface EmbeddedNats {
  url: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

export function findNatsServer(): string | undefined {
  for (const candidate of [process.env.NATS_SERVER_BIN, 'nats-server', '/usr/bin/nats-server', '/usr/sbin/nats-server']) {
    if (!candidate) continue;
    if (spawnSync(candidate, ['--version'], { stdio: 'ignore' }).status === 0) return candidate;
  }
  return undefined;
}

/**
 * Starts a nats-server with JetStream on loopback and resolves once it accepts clients.
 * Used by the embedded stack (`npm start`) and by tests (each on its own free port).
 */
export async function startNatsServer(opts: { storeDir: string; port?: number; extraArgs?: string[] }): Promise<EmbeddedNats> {
  const bin = findNatsServer();
  if (!bin) throw new Error('nats-server not found: install it (apt-get install -y nats-server) or set NATS_URL');
  mkdirSync(opts.storeDir, { recursive: true });
  const port = opts.port ?? (await freePort());
  const child = spawnBoundToParent(bin, ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', opts.storeDir, ...(opts.extraArgs ?? [])], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`nats-server did not start:\n${output}`)), 15_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (!output.includes('Server is ready')) return;
      clearTimeout(timer);
      child.stderr!.off('data', onData);
      resolve();
    };
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`nats-server exited with ${code}:\n${output}`));
    });
  });
  child.stderr!.resume();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
