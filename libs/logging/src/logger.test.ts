import { spawn } from 'node:child_process';
import { expect, it } from 'vitest';

// A service whose log reader has gone (a closed terminal, a harness that closed its pipes)
// must still exit: pino's asynchronous stdout flushed itself on exit and, on EPIPE, retried
// forever (sonic-boom 4), so a stopping service hung inside process.exit.
it('a process whose stdout reader has gone still exits after logging', { timeout: 30_000 }, async () => {
  const script = `
    import { createLogger } from '@chat/logging';
    const log = createLogger({ service: 'exit-test' });
    process.stdin.once('data', () => {
      for (let i = 0; i < 3; i++) log.info({ i }, 'stopping');
      process.exit(0);
    });`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.stdout.destroy();
  child.stdin.write('go\n');
  const outcome = await Promise.race([exited, new Promise<string>((resolve) => setTimeout(() => resolve('still running'), 10_000))]);
  child.kill('SIGKILL');
  expect(outcome).toBe(0);
});
