/**
 * The load generator's main-thread side: spreads connections over worker_threads (round
 * robin, so a room's members live on every worker) and merges what they report. The main
 * thread only coordinates; sockets live in the workers (worker.ts).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Histogram } from './histogram.ts';
import type { Command, CommandName, ConnectResult, ConnSpec, SettleResult, StormResult, VerifyResult } from './types.ts';

// Workers do not inherit the main thread's TypeScript loader on Node 20 (nor vitest's
// transform), so each worker registers tsx itself before importing worker.ts.
const tsxApi = pathToFileURL(join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href;
const workerUrl = new URL('./worker.ts', import.meta.url).href;
const bootstrap = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(workerUrl)}); })`;

interface Handle {
  worker: Worker;
  specs: ConnSpec[];
  calls: Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>;
}

export interface Connected {
  ok: number;
  failed: number;
  errors: string[];
  loginLatency: Histogram;
  elapsedMs: number;
}

export interface Settled {
  acked: Map<string, number[]>;
  ackedCount: number;
  errors: Record<string, number>;
  unanswered: number;
  ackLatency: Histogram;
}

export interface Verified {
  lost: number;
  lostConns: number;
  duplicates: number;
  outOfOrder: number;
  deliveries: number;
  measuredDeliveries: number;
  latency: Histogram;
  firstDeliveryAt: number;
  lastDeliveryAt: number;
  sent: number;
  sendLagMaxMs: number;
  closes: Record<string, number>;
}

/** A worker's storm result merged over all workers, with live histograms. */
export type Stormed = Omit<StormResult, 'reconnect' | 'recovery'> & { reconnect: Histogram; recovery: Histogram };

function addCounts(into: Record<string, number>, from: Record<string, number>) {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

export class LoadGenerator {
  private nextId = 0;

  private constructor(private readonly handles: Handle[]) {}

  /** Resolves once every worker has loaded (so its start-up is not timed as load). */
  static async start(specs: ConnSpec[], opts: { workers?: number } = {}): Promise<LoadGenerator> {
    const n = Math.max(1, Math.min(opts.workers ?? 2, specs.length || 1));
    const slices: ConnSpec[][] = Array.from({ length: n }, () => []);
    specs.forEach((s, i) => slices[i % n]!.push(s));
    const ready: Array<Promise<unknown>> = [];
    const handles = slices.map((slice, workerId) => {
      const worker = new Worker(bootstrap, { eval: true, workerData: { workerId, conns: slice } });
      const handle: Handle = { worker, specs: slice, calls: new Map() };
      ready.push(new Promise((resolve, reject) => handle.calls.set(0, { resolve, reject })));
      worker.on('message', (msg: { id: number; ok: boolean; result?: unknown; error?: string }) => {
        const call = handle.calls.get(msg.id);
        handle.calls.delete(msg.id);
        if (msg.ok) call?.resolve(msg.result);
        else call?.reject(new Error(`worker ${workerId}: ${msg.error}`));
      });
      worker.on('error', (err) => {
        for (const c of handle.calls.values()) c.reject(err);
        handle.calls.clear();
      });
      return handle;
    });
    const gen = new LoadGenerator(handles);
    try {
      await Promise.all(ready);
    } catch (err) {
      await Promise.all(handles.map((h) => h.worker.terminate()));
      throw err;
    }
    return gen;
  }

  private call<T>(h: Handle, cmd: CommandName, args: unknown): Promise<T> {
    const id = ++this.nextId;
    return new Promise<T>((resolve, reject) => {
      h.calls.set(id, { resolve: resolve as (v: unknown) => void, reject });
      h.worker.postMessage({ id, cmd, args } satisfies Command);
    });
  }

  private all<T>(cmd: CommandName, args: (h: Handle) => unknown = () => ({})): Promise<T[]> {
    return Promise.all(this.handles.map((h) => this.call<T>(h, cmd, args(h))));
  }

  /** Opens and logs in every connection, `concurrency` handshakes in flight in total. */
  async connect(opts: { concurrency?: number; timeoutMs?: number } = {}): Promise<Connected> {
    const per = Math.max(1, Math.ceil((opts.concurrency ?? 200) / this.handles.length));
    const parts = await this.all<ConnectResult>('connect', () => ({ concurrency: per, timeoutMs: opts.timeoutMs ?? 30_000 }));
    const loginLatency = new Histogram();
    for (const p of parts) loginLatency.merge(p.loginLatency);
    return {
      ok: parts.reduce((n, p) => n + p.ok, 0),
      failed: parts.reduce((n, p) => n + p.failed, 0),
      errors: parts.flatMap((p) => p.errors).slice(0, 5),
      loginLatency,
      elapsedMs: Math.max(...parts.map((p) => p.elapsedMs)),
    };
  }

  /** Owners create the rooms, then the other members join; throws if any of it failed. */
  async setupRooms(concurrency = 100): Promise<void> {
    const per = Math.max(1, Math.ceil(concurrency / this.handles.length));
    for (const step of ['create', 'join'] as const) {
      const parts = await this.all<{ done: number; errors: string[] }>('rooms', () => ({ step, concurrency: per }));
      const errors = parts.flatMap((p) => p.errors);
      if (errors.length > 0) throw new Error(`room ${step} failed: ${errors.slice(0, 3).join('; ')}`);
    }
  }

  /** Sends `ratePerSec` in total for `durationMs`; each worker gets a share by its sender count. */
  async run(ratePerSec: number, durationMs: number, opts: { measured?: boolean; reset?: boolean; padding?: string } = {}): Promise<number> {
    const senders = this.handles.map((h) => h.specs.filter((s) => s.sender).length);
    const total = senders.reduce((a, b) => a + b, 0) || 1;
    const parts = await Promise.all(
      this.handles.map((h, i) =>
        this.call<{ sent: number }>(h, 'run', { ratePerSec: (ratePerSec * senders[i]!) / total, durationMs, measured: opts.measured ?? true, reset: opts.reset ?? true, padding: opts.padding ?? '' }),
      ),
    );
    return parts.reduce((n, p) => n + p.sent, 0);
  }

  async stopRun(): Promise<void> {
    await this.all('stopRun');
  }

  async settle(timeoutMs = 10_000): Promise<Settled> {
    const parts = await this.all<SettleResult>('settle', () => ({ timeoutMs }));
    const acked = new Map<string, number[]>();
    const errors: Record<string, number> = {};
    const ackLatency = new Histogram();
    for (const p of parts) {
      for (const [room, seqs] of Object.entries(p.acked)) acked.set(room, [...(acked.get(room) ?? []), ...seqs]);
      addCounts(errors, p.errors);
      ackLatency.merge(p.ackLatency);
    }
    for (const seqs of acked.values()) seqs.sort((a, b) => a - b);
    const ackedCount = [...acked.values()].reduce((n, s) => n + s.length, 0);
    return { acked, ackedCount, errors, unanswered: parts.reduce((n, p) => n + p.unanswered, 0), ackLatency };
  }

  async verify(expected: Map<string, number[]>, opts: { timeoutMs?: number; receiversOnly?: boolean } = {}): Promise<Verified> {
    const parts = await this.all<VerifyResult>('verify', () => ({ expected: Object.fromEntries(expected), timeoutMs: opts.timeoutMs ?? 10_000, receiversOnly: opts.receiversOnly ?? false }));
    const latency = new Histogram();
    const closes: Record<string, number> = {};
    for (const p of parts) {
      latency.merge(p.stats.latency);
      addCounts(closes, p.stats.closes);
    }
    const sum = (f: (p: VerifyResult) => number) => parts.reduce((n, p) => n + f(p), 0);
    const firsts = parts.map((p) => p.stats.firstDeliveryAt).filter((t) => t > 0);
    return {
      lost: sum((p) => p.lost),
      lostConns: sum((p) => p.lostConns),
      duplicates: sum((p) => p.duplicates),
      outOfOrder: sum((p) => p.outOfOrder),
      deliveries: sum((p) => p.stats.deliveries),
      measuredDeliveries: sum((p) => p.stats.measuredDeliveries),
      latency,
      firstDeliveryAt: firsts.length ? Math.min(...firsts) : 0,
      lastDeliveryAt: Math.max(0, ...parts.map((p) => p.stats.lastDeliveryAt)),
      sent: sum((p) => p.stats.sent),
      sendLagMaxMs: Math.max(0, ...parts.map((p) => p.stats.sendLagMaxMs)),
      closes,
    };
  }

  async storm(timeoutMs = 60_000): Promise<Stormed> {
    const parts = await this.all<StormResult>('storm', () => ({ timeoutMs }));
    const reconnect = new Histogram();
    const recovery = new Histogram();
    for (const p of parts) {
      reconnect.merge(p.reconnect);
      recovery.merge(p.recovery);
    }
    const sum = (f: (p: StormResult) => number) => parts.reduce((n, p) => n + f(p), 0);
    return {
      dropped: sum((p) => p.dropped),
      failed: sum((p) => p.failed),
      retries: sum((p) => p.retries),
      recoveredMessages: sum((p) => p.recoveredMessages),
      errors: parts.flatMap((p) => p.errors).slice(0, 5),
      dropAt: Math.min(...parts.map((p) => p.dropAt)),
      reconnect,
      recovery,
    };
  }

  async close(): Promise<void> {
    await this.all('close').catch(() => {});
    await Promise.all(this.handles.map((h) => h.worker.terminate()));
  }
}
