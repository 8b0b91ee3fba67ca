/**
 * The embedded stack behind `npm start`: its own nats-server (unless NATS_URL is set), one
 * chat (PGlite under DATA_DIR unless DATABASE_URL is set), one broadcast and GATEWAYS
 * gateways on PORT, PORT+1, ... Each service is its own process, as in production; a
 * service that crashes is restarted. Ctrl-C stops everything in reverse order.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { loadConfig } from '@chat/config';
import { startNatsServer, type EmbeddedNats } from '@chat/nats';
import { DataDirInUseError, spawnBoundToParent } from '@chat/runtime';
import { claimDataDir, portProblem } from './stack-checks.ts';

// Output to a closed terminal or pipe (whoever started us has gone) fails: that must not end the
// stack before it has stopped what it started and released DATA_DIR.
for (const out of [process.stdout, process.stderr]) out.on('error', () => {});

const root = resolve(import.meta.dirname, '..');
const env = process.env;
// Checked like the services' settings: GATEWAYS=abc started no gateway at all, PORT=abc crash-looped them.
const { PORT: port, GATEWAYS: gateways, NATS_PORT } = loadConfig(
  z.object({
    PORT: z.coerce.number().int().min(1).max(65535).default(3000),
    GATEWAYS: z.coerce.number().int().min(1).max(16).default(1),
    NATS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  }),
  env,
  'npm start',
);
const dataDir = resolve(env.DATA_DIR ?? join(root, '.data'));
/** How long a stack stopped a moment ago gets to release DATA_DIR and the ports (stack-checks.ts). */
const PREVIOUS_STACK_WAIT_MS = 10_000;
const deadline = Date.now() + PREVIOUS_STACK_WAIT_MS;

// A second stack on the same DATA_DIR would open the same PGlite files and JetStream store.
const dataDirLock = await claimDataDir(dataDir, deadline, (err) => console.error(`[stack] ${err.message}; waiting for it to stop...`)).catch((err: unknown) => {
  if (!(err instanceof DataDirInUseError)) throw err;
  console.error(`[stack] ${err.code}: ${err.message}: stop it, or run this one with another DATA_DIR and PORT`);
  process.exit(1);
});

// A gateway that cannot listen would only crash and restart.
for (let i = 0; i < gateways; i++) {
  const problem = await portProblem(port + i, env.HOST ?? '0.0.0.0', deadline);
  if (!problem) continue;
  const why = problem === 'EADDRINUSE' ? `PORT_IN_USE: port ${port + i} is in use by another program: stop it, or set PORT` : `PORT_UNAVAILABLE: cannot listen on port ${port + i} (${problem}): set PORT`;
  console.error(`[stack] ${why} (the gateways listen on PORT to PORT+GATEWAYS-1)`);
  dataDirLock.release();
  process.exit(1);
}

function persistentSecret(): string {
  const file = join(dataDir, 'jwt-secret');
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

interface Service {
  name: string;
  main: string;
  env: Record<string, string>;
  child?: ChildProcess;
  restarts: number;
}

let stopping = false;
let nats: EmbeddedNats | undefined;
const natsUrl = env.NATS_URL ?? (nats = await startNatsServer({ storeDir: join(dataDir, 'nats'), port: NATS_PORT })).url;
if (nats) nats.process.once('exit', (code) => !stopping && fail(`embedded nats-server exited (${code})`));

const common = { NATS_URL: natsUrl, DATA_DIR: dataDir, LOG_LEVEL: env.LOG_LEVEL ?? 'info', JWT_SECRET: env.JWT_SECRET ?? persistentSecret() };
const services: Service[] = [
  { name: 'chat', main: 'services/chat/src/main.ts', env: { SERVER_ID: 'chat-1' }, restarts: 0 },
  { name: 'broadcast', main: 'services/broadcast/src/main.ts', env: { SERVER_ID: 'broadcast-1' }, restarts: 0 },
  ...Array.from({ length: gateways }, (_, i) => ({
    name: `gateway-${i + 1}`,
    main: 'services/gateway/src/main.ts',
    env: { PORT: String(port + i), SERVER_ID: `gw-${i + 1}` },
    restarts: 0,
  })),
];

function launch(service: Service) {
  const child = spawnBoundToParent(process.execPath, ['--import', 'tsx', join(root, service.main)], {
    cwd: root,
    env: { ...env, ...common, ...service.env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  service.child = child;
  child.once('exit', (code, signal) => {
    if (stopping) return;
    service.restarts += 1;
    const delay = Math.min(10_000, 500 * 2 ** Math.min(service.restarts, 5));
    console.error(`[stack] ${service.name} exited (${signal ?? code}); restarting in ${delay} ms`);
    setTimeout(() => !stopping && launch(service), delay);
  });
}

function fail(message: string): never {
  console.error(`[stack] ${message}`);
  void stop(1);
  throw new Error(message);
}

async function waitReady(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

function exited(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', () => r()));
}

/** Each service stops itself within 10 s of SIGTERM; one that has not by then is killed, so a stop never hangs. */
const SERVICE_STOP_GRACE_MS = 12_000;

async function stopService(service: Service): Promise<void> {
  const child = service.child;
  child?.kill('SIGTERM');
  const timer = setTimeout(() => {
    console.error(`[stack] ${service.name} did not stop within ${SERVICE_STOP_GRACE_MS / 1000} s; killing it`);
    child?.kill('SIGKILL');
  }, SERVICE_STOP_GRACE_MS);
  await exited(child);
  clearTimeout(timer);
}

async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  console.error('[stack] stopping');
  // Reverse order of the data path: gateways first, NATS last.
  for (const group of [services.filter((s) => s.name.startsWith('gateway')), services.filter((s) => s.name === 'broadcast'), services.filter((s) => s.name === 'chat')]) {
    await Promise.all(group.map(stopService));
  }
  await nats?.stop();
  dataDirLock.release();
  process.exit(code);
}

process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
// A closed terminal: nats-server takes SIGHUP as "reload its configuration" and would outlive
// the stack, still holding DATA_DIR/nats for the next start.
process.on('SIGHUP', () => void stop());

for (const service of services) launch(service);
const urls = Array.from({ length: gateways }, (_, i) => `http://localhost:${port + i}`);
const ready = await Promise.all(urls.map((u) => waitReady(`${u}/ready`, 60_000)));
if (ready.includes(false)) fail('gateways did not become ready within 60 s (see the logs above)');

const lines = [
  '',
  'Chat stack is running',
  ...urls.flatMap((u, i) => [
    `  gateway ${i + 1}:  web ${u}/   websocket ${u.replace('http', 'ws')}/ws   api ${u}/api/v1`,
  ]),
  `  NATS:       ${natsUrl}${nats ? ' (embedded)' : ''}`,
  `  storage:    ${env.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : `PGlite in ${join(dataDir, 'pglite')}`}`,
  '  Ctrl-C stops everything; data is kept for the next start.',
  '',
];
console.log(lines.join('\n'));
