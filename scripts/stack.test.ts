import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { freePort } from '@chat/nats';
import { childProcesses, killProcessGroup, processGroupMembers, spawnScript, spawnService, type ServiceProcess } from '@chat/testing';

const dataDir = mkdtempSync(join(tmpdir(), 'stack-lock-'));
let first: ServiceProcess | undefined;
afterAll(async () => {
  await first?.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

// `npm start` twice in one checkout: both would open the same PGlite files and JetStream store.
it('a second npm start on the same DATA_DIR, or a lone chat on its PGlite files, exits with DATA_DIR_IN_USE and the first stack serves on', { timeout: 90_000 }, async () => {
  const port = await freePort();
  first = spawnScript('stack', 'scripts/stack.ts', { DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'info' });
  await first.waitForOutput('Chat stack is running', 60_000);
  const natsUrl = first.output().match(/NATS:\s+(nats:\/\/\S+)/)?.[1];
  expect(natsUrl).toBeDefined();

  const second = spawnScript('stack', 'scripts/stack.ts', { DATA_DIR: dataDir, PORT: String(await freePort()) });
  expect((await second.exited).code).toBe(1);
  expect(second.output()).toContain(`DATA_DIR_IN_USE: ${dataDir} is in use by npm start (pid ${first.child.pid})`);

  const chat = spawnService('chat', { DATA_DIR: dataDir, NATS_URL: natsUrl!, HEALTH_PORT: '0' });
  expect((await chat.exited).code).toBe(1);
  expect(chat.output()).toContain('"code":"DATA_DIR_IN_USE"');
  expect(chat.output()).toContain(`${join(dataDir, 'pglite')} is in use by a chat service`);

  // A gateway run alone on a taken port says so instead of crashing with a stack trace.
  const gateway = spawnService('gateway', { PORT: String(port), NATS_URL: natsUrl! });
  expect((await gateway.exited).code).toBe(1);
  expect(gateway.output()).toContain('"code":"PORT_IN_USE"');

  const ready = await fetch(`http://127.0.0.1:${port}/ready`);
  expect(ready.status).toBe(200);

  // A clean stop releases both locks.
  await first.kill('SIGINT');
  expect((await first.exited).code).toBe(0);
  expect(existsSync(join(dataDir, '.lock'))).toBe(false);
  expect(existsSync(join(dataDir, 'pglite', '.lock'))).toBe(false);
});

it('npm start on a port another program holds exits with PORT_IN_USE (after waiting for it), before starting anything', async () => {
  const other = createServer();
  await new Promise<void>((r) => other.listen({ port: 0, host: '0.0.0.0' }, r));
  const taken = (other.address() as AddressInfo).port;
  try {
    const dir = mkdtempSync(join(tmpdir(), 'stack-port-'));
    const stack = spawnScript('stack', 'scripts/stack.ts', { DATA_DIR: dir, PORT: String(taken - 1), GATEWAYS: '2' });
    expect((await stack.exited).code).toBe(1);
    expect(stack.output()).toContain(`PORT_IN_USE: port ${taken} is in use by another program`);
    expect(stack.output()).not.toContain('nats');
    expect(existsSync(join(dir, '.lock'))).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  } finally {
    other.close();
  }
});

it('npm start with a GATEWAYS that is not a number or a PORT out of range exits at once, naming both', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stack-config-'));
  const stack = spawnScript('stack', 'scripts/stack.ts', { DATA_DIR: dir, GATEWAYS: 'two', PORT: '80000' });
  expect((await stack.exited).code).toBe(1);
  expect(stack.output()).toContain('npm start: invalid configuration');
  expect(stack.output()).toContain('→ at GATEWAYS');
  expect(stack.output()).toContain('→ at PORT');
  rmSync(dir, { recursive: true, force: true });
});

/** A stack in a process group of its own, ready; `stopIt` stops it somehow, then nothing of the group may be left. */
async function stopsWholeGroup(stopIt: (stack: ServiceProcess, group: number) => void, afterwards: (dataDir: string) => void = () => {}): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'stack-group-'));
  const stack = spawnScript('stack', 'scripts/stack.ts', { DATA_DIR: dir, PORT: String(await freePort()) }, { ownProcessGroup: true });
  const group = stack.child.pid!;
  try {
    await stack.waitForOutput('Chat stack is running', 60_000);
    expect(processGroupMembers(group)).toContain('nats-server');
    stopIt(stack, group);
    // The stack leads its group, so this waits for it too, and a stack that never exits fails here, not at the test's timeout.
    await expect.poll(() => processGroupMembers(group), { timeout: 25_000 }).toEqual([]);
    afterwards(dir);
  } finally {
    killProcessGroup(group); // whatever a failure left behind
    rmSync(dir, { recursive: true, force: true });
  }
}

it('a hang-up of its process group (a closed terminal) stops the whole stack, nats-server included, and releases DATA_DIR', { timeout: 90_000 }, async () => {
  await stopsWholeGroup(
    (_, group) => process.kill(-group, 'SIGHUP'),
    (dir) => expect(existsSync(join(dir, '.lock'))).toBe(false),
  );
});

// A stack killed outright (SIGKILL, the OOM killer) runs no handler: its services and
// nats-server would live on, holding the ports and DATA_DIR/nats for the next start.
it('a stack killed with SIGKILL takes its services and nats-server with it', { timeout: 90_000 }, async () => {
  await stopsWholeGroup((stack) => stack.child.kill('SIGKILL'));
});

// A service that does not stop (hung, or stopped with SIGSTOP as here) must not keep the stack,
// nats-server and DATA_DIR's lock alive forever.
it('a stack stopping kills a service that does not stop within its grace', { timeout: 90_000 }, async () => {
  await stopsWholeGroup(
    (stack) => {
      const gateway = childProcesses(stack.child.pid!).find((p) => p.cmdline.includes('services/gateway/src/main.ts'));
      process.kill(gateway!.pid, 'SIGSTOP');
      stack.child.kill('SIGTERM');
    },
    (dir) => expect(existsSync(join(dir, '.lock'))).toBe(false),
  );
});

it('a stack started while the previous one on the same DATA_DIR and PORT is still stopping waits for it, then starts', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stack-restart-'));
  const env = { DATA_DIR: dir, PORT: String(await freePort()) };
  const previous = spawnScript('stack', 'scripts/stack.ts', env);
  let next: ServiceProcess | undefined;
  try {
    await previous.waitForOutput('Chat stack is running', 60_000);
    previous.child.kill('SIGTERM'); // and at once, as a restart does:
    next = spawnScript('stack', 'scripts/stack.ts', env);
    await next.waitForOutput('Chat stack is running', 60_000);
    expect((await previous.exited).code).toBe(0);
    expect((await fetch(`http://127.0.0.1:${env.PORT}/ready`)).status).toBe(200);
  } finally {
    await next?.kill('SIGINT');
    await previous.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
