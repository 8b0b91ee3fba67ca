/**
 * The systems under test, each started as child processes the bench can measure from /proc:
 * - the reference server (bench/reference/server.ts), one process;
 * - the embedded stack (`node --import tsx scripts/stack.ts`: nats-server, chat on PGlite,
 *   broadcast, GATEWAYS gateways) with a fresh DATA_DIR under /tmp;
 * - the services one by one (README "run it alone") on PostgreSQL with several chat replicas.
 *
 * Servers are pinned to core 0 with `taskset -c 0` when available (run.ts pins the generator to
 * core 1), get the hard `ulimit -n`, and run with the gateway's per-user limits raised
 * (BENCH_ENV): at the defaults (burst 20, 5/s per user) a benchmark would measure the rate limiter.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, startNatsServer } from '@chat/nats';
// startPostgres of @chat/testing, imported by file: the package's index also loads vitest
// helpers (describeOnEachDatabase), which throw outside a vitest run.
import { startPostgres } from '../libs/testing/src/postgres.ts';
import { processTree, roleOf } from './load/proc.ts';

export const ROOT = resolve(import.meta.dirname, '..');

/** Gateway limits raised for every stack run (and reported with every result). */
export const RAISED_LIMITS = {
  RATE_LIMIT_BURST: '100000',
  RATE_LIMIT_PER_SEC: '100000',
  CONN_MAX_REQUESTS_PER_SEC: '100000',
  MAX_CONNECTIONS: '20000',
} as const;

export const BENCH_ENV = { ...RAISED_LIMITS, LOG_LEVEL: 'warn', JWT_SECRET: 'bench-secret-0123456789abcdef' } as const;

export const HAS_TASKSET = spawnSync('taskset', ['-c', '0', 'true']).status === 0;

export type TargetKind = 'reference' | 'stack';

export interface Target {
  kind: TargetKind;
  label: string;
  wsUrls: string[];
  /** Environment the servers got beyond the defaults. */
  env: Record<string, string>;
  pinned: boolean;
  /** Every server process alive now. */
  pids(): number[];
  /** Processes that hold the sockets (reference, or the gateways): RSS per connection is theirs. */
  socketPids(): number[];
  stop(): Promise<void>;
}

export interface StartOptions {
  pin?: boolean;
  /** Echo server output (default: kept, shown only when a start fails). */
  verbose?: boolean;
  /** Write a V8 CPU profile of every server Node process here (see load/cpu-profile-preload.mjs). */
  profileDir?: string;
}

interface Child {
  child: ChildProcess;
  output(): string;
  waitFor(text: string, timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

/** Node 20 refuses --cpu-prof in NODE_OPTIONS; a preload starts the profiler instead. */
function profileEnv(dir: string): Record<string, string> {
  mkdirSync(dir, { recursive: true });
  const preload = join(ROOT, 'bench', 'load', 'cpu-profile-preload.mjs');
  return { BENCH_CPU_PROF_DIR: dir, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${preload}`.trim() };
}

/** `bash -c 'ulimit -n <hard>; exec [taskset -c 0] cmd...'`: exec keeps the pid, so /proc sees the server itself. */
function spawnServer(name: string, cmd: string[], env: Record<string, string | undefined>, opts: StartOptions): Child {
  const pinned = (opts.pin ?? true) && HAS_TASKSET ? ['taskset', '-c', '0'] : [];
  const child = spawn('bash', ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"', name, ...pinned, ...cmd], {
    cwd: ROOT,
    env: { ...process.env, ...env, ...(opts.profileDir ? profileEnv(opts.profileDir) : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const onData = (b: Buffer) => {
    out = (out + b.toString()).slice(-20_000);
    if (opts.verbose) process.stderr.write(`[${name}] ${b.toString()}`);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child,
    output: () => out,
    waitFor(text, timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => done(new Error(`${name} did not print "${text}" within ${timeoutMs} ms:\n${out.slice(-3000)}`)), timeoutMs);
        const check = () => out.includes(text) && done();
        const onExit = () => done(new Error(`${name} exited before printing "${text}":\n${out.slice(-3000)}`));
        const done = (err?: Error) => {
          clearTimeout(timer);
          child.stdout!.off('data', check);
          child.stderr!.off('data', check);
          child.off('exit', onExit);
          if (err) reject(err);
          else resolve();
        };
        child.stdout!.on('data', check);
        child.stderr!.on('data', check);
        child.once('exit', onExit);
        check();
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const tree = processTree(child.pid!);
      child.kill('SIGTERM');
      const exitedInTime = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 15_000))]);
      // A server that hangs on shutdown is killed outright, with the children it started.
      if (!exitedInTime) {
        for (const pid of tree) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            /* already gone */
          }
        }
      }
      await exited;
    },
  };
}

function pinPid(pid: number | undefined, pin: boolean) {
  if (pid && pin && HAS_TASKSET) execFileSync('taskset', ['-a', '-cp', '0', String(pid)], { stdio: 'ignore' });
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** `count` consecutive free ports (the stack puts gateway i on PORT + i). */
async function freePorts(count: number): Promise<number> {
  for (;;) {
    const base = await freePort();
    let ok = base + count < 65_536;
    for (let i = 1; ok && i < count; i++) ok = await portIsFree(base + i);
    if (ok) return base;
  }
}

async function waitHttpOk(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await fetch(url).then((r) => r.ok, () => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} not ready within ${timeoutMs} ms`);
}

export async function startReference(opts: StartOptions = {}): Promise<Target> {
  const port = await freePort();
  const server = spawnServer('reference', [process.execPath, '--import', 'tsx', 'bench/reference/server.ts'], { PORT: String(port) }, opts);
  await server.waitFor('reference listening on', 30_000);
  return {
    kind: 'reference',
    label: 'reference (ws, 1 process)',
    wsUrls: [`ws://127.0.0.1:${port}/ws`],
    env: {},
    pinned: (opts.pin ?? true) && HAS_TASKSET,
    pids: () => processTree(server.child.pid!),
    socketPids: () => [server.child.pid!],
    stop: () => server.stop(),
  };
}

/** The embedded stack, as `npm start` runs it, with a fresh DATA_DIR. */
export async function startStack(opts: StartOptions & { gateways?: number } = {}): Promise<Target> {
  const gateways = opts.gateways ?? 1;
  const port = await freePorts(gateways);
  const dataDir = mkdtempSync(join(tmpdir(), 'chat-bench-'));
  const env = { ...BENCH_ENV, PORT: String(port), GATEWAYS: String(gateways), DATA_DIR: dataDir, NATS_URL: undefined, DATABASE_URL: undefined, NATS_PORT: undefined };
  const stack = spawnServer('stack', [process.execPath, '--import', 'tsx', 'scripts/stack.ts'], env, opts);
  try {
    await stack.waitFor('Chat stack is running', 120_000);
  } catch (err) {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const pids = () => processTree(stack.child.pid!);
  return {
    kind: 'stack',
    label: `stack (PGlite, ${gateways} gateway${gateways > 1 ? 's' : ''})`,
    wsUrls: Array.from({ length: gateways }, (_, i) => `ws://127.0.0.1:${port + i}/ws`),
    env: { ...RAISED_LIMITS, LOG_LEVEL: 'warn', GATEWAYS: String(gateways) },
    pinned: (opts.pin ?? true) && HAS_TASKSET,
    pids,
    socketPids: () => pids().filter((pid) => roleOf(pid) === 'gateway'),
    async stop() {
      await stack.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The services started one by one on a throwaway PostgreSQL: `chatReplicas` chat services
 * (several replicas need PostgreSQL), one broadcast, one gateway, one nats-server.
 */
export async function startServicesOnPostgres(opts: StartOptions & { chatReplicas?: number } = {}): Promise<Target> {
  const pin = opts.pin ?? true;
  const dir = mkdtempSync(join(tmpdir(), 'chat-bench-pg-'));
  const pg = await startPostgres();
  pinPid(pg.process.pid, pin);
  const nats = await startNatsServer({ storeDir: join(dir, 'nats') });
  pinPid(nats.process.pid, pin);
  const children: Child[] = [];
  const common = { ...BENCH_ENV, NATS_URL: nats.url, DATABASE_URL: pg.url, DATA_DIR: dir };
  const node = (service: string) => [process.execPath, '--import', 'tsx', `services/${service}/src/main.ts`];
  const stopAll = async () => {
    for (const c of [...children].reverse()) await c.stop();
    await nats.stop();
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // One chat at a time: each runs the migrations on start.
    for (let i = 1; i <= (opts.chatReplicas ?? 2); i++) {
      const healthPort = await freePort();
      const chat = spawnServer(`chat-${i}`, node('chat'), { ...common, HEALTH_PORT: String(healthPort), SERVER_ID: `chat-${i}` }, opts);
      children.push(chat);
      await waitHttpOk(`http://127.0.0.1:${healthPort}/ready`, 60_000);
    }
    const broadcastPort = await freePort();
    children.push(spawnServer('broadcast', node('broadcast'), { ...common, HEALTH_PORT: String(broadcastPort), SERVER_ID: 'broadcast-1' }, opts));
    await waitHttpOk(`http://127.0.0.1:${broadcastPort}/ready`, 60_000);
    const port = await freePort();
    const gateway = spawnServer('gateway', node('gateway'), { ...common, PORT: String(port), HOST: '127.0.0.1', SERVER_ID: 'gw-1' }, opts);
    children.push(gateway);
    await waitHttpOk(`http://127.0.0.1:${port}/ready`, 60_000);
    const pids = () => [...processTree(pg.process.pid!), ...processTree(nats.process.pid!), ...children.flatMap((c) => processTree(c.child.pid!))];
    return {
      kind: 'stack',
      label: `stack (PostgreSQL, ${opts.chatReplicas ?? 2} chat replicas)`,
      wsUrls: [`ws://127.0.0.1:${port}/ws`],
      env: { ...RAISED_LIMITS, LOG_LEVEL: 'warn', DATABASE_URL: 'postgres (fsync=off, throwaway)', CHAT_REPLICAS: String(opts.chatReplicas ?? 2) },
      pinned: pin && HAS_TASKSET,
      pids,
      socketPids: () => [gateway.child.pid!],
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
