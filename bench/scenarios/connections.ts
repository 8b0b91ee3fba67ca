/**
 * S3 connections: 10,000 idle, logged-in connections on one gateway (each its own guest
 * user, no rooms). Measures the login rate (500 handshakes in flight), login latency, and
 * the resident memory each connection costs the process that holds the sockets (VmRSS of
 * the gateway, or of the reference, before vs after): 2 s after the last login, which still
 * counts the login burst's garbage; after the connections sat idle for `idleMs`; and once
 * settled (`settledMs`), which is what an idle connection costs. The gateway keeps its grown
 * young generation until V8's first collection after the burst, which comes when idle
 * allocation (pings, pongs) has filled it: 41 s after the last login in one traced run, and
 * its memory reducer compacted 8 s later (docs/performance.md, item 30).
 * The stack is started with MAX_CONNECTIONS=20000: the default, 10000, is exactly the load,
 * and the cap must not be what is measured.
 */
import { LoadGenerator } from '../load/generator.ts';
import { cpuSnapshot, cpuSpent, fdCountOf, generatorCpu, generatorCpuSpent, rssKbOf } from '../load/proc.ts';
import type { Target } from '../targets.ts';
import { baseResult, check, finish, runId, type ScenarioOptions, type ScenarioResult } from './common.ts';

export function connectionsConfig(smoke: boolean) {
  return smoke
    ? { conns: 50, concurrency: 25, settleMs: 300, idleMs: 600, settledMs: 900 }
    : { conns: 10_000, concurrency: 500, settleMs: 2000, idleMs: 30_000, settledMs: 75_000 };
}

const rssKb = (pids: number[]) => pids.reduce((n, pid) => n + rssKbOf(pid), 0);

export async function runS3(target: Target, opts: ScenarioOptions = {}): Promise<ScenarioResult> {
  const started = performance.now();
  const cfg = connectionsConfig(opts.smoke ?? false);
  const result = baseResult('S3', 'connections', target, opts, cfg, 1);
  const prefix = runId();
  const addrs = Math.ceil(cfg.conns / 20_000);
  const url = target.wsUrls[0]!;
  const specs = Array.from({ length: cfg.conns }, (_, i) => ({
    username: `${prefix}c${i}`,
    url,
    roomId: '',
    owner: false,
    sender: false,
    ...(addrs > 1 ? { localAddress: `127.0.0.${2 + (i % addrs)}` } : {}),
  }));
  const socketPids = target.socketPids().slice(0, 1);
  const gen = await LoadGenerator.start(specs, { workers: opts.workers });
  try {
    const rssBefore = rssKb(socketPids);
    const allBefore = Object.fromEntries(target.pids().map((pid) => [pid, rssKbOf(pid)]));
    const cpu0 = cpuSnapshot(target.pids());
    const gen0 = generatorCpu();
    // Memory against connections: open descriptors of the socket process count its sockets.
    const fd0 = socketPids[0] ? fdCountOf(socketPids[0]) : 0;
    const curve = [{ conns: 0, rssMb: rssBefore / 1024 }];
    const sample = () => socketPids[0] && curve.push({ conns: Math.max(0, fdCountOf(socketPids[0]) - fd0), rssMb: Math.round(rssKb(socketPids) / 102.4) / 10 });
    const sampler = setInterval(sample, 250);
    const c = await gen.connect({ concurrency: cfg.concurrency }).finally(() => clearInterval(sampler));
    sample();
    const cpu = cpuSpent(cpu0, cpuSnapshot(target.pids()));
    const genCpu = generatorCpuSpent(gen0);
    await new Promise((r) => setTimeout(r, cfg.settleMs));
    const rssAfter = rssKb(socketPids);
    await new Promise((r) => setTimeout(r, cfg.idleMs - cfg.settleMs));
    const rssIdle = rssKb(socketPids);
    await new Promise((r) => setTimeout(r, cfg.settledMs - cfg.idleMs));
    const rssSettled = rssKb(socketPids);
    const rssDeltaByRole: Record<string, number> = {};
    for (const pid of target.pids()) {
      const role = cpu0.byPid.get(pid)?.role ?? String(pid);
      rssDeltaByRole[role] = (rssDeltaByRole[role] ?? 0) + Math.round((rssKbOf(pid) - (allBefore[pid] ?? 0)) / 1024);
    }
    const login = c.loginLatency.summary();
    const perConn = (rss: number) => (c.ok ? Math.round(((rss - rssBefore) / c.ok) * 10) / 10 : 0);
    result.metrics = {
      connected: c.ok,
      failed: c.failed,
      loginsPerSec: Math.round(c.ok / (c.elapsedMs / 1000)),
      loginP50Ms: login.p50Ms,
      loginP99Ms: login.p99Ms,
      loginMaxMs: login.maxMs,
      socketProcessRssBeforeMb: Math.round(rssBefore / 1024),
      socketProcessRssAfterMb: Math.round(rssAfter / 1024),
      socketProcessRssIdleMb: Math.round(rssIdle / 1024),
      socketProcessRssSettledMb: Math.round(rssSettled / 1024),
      rssPerConnKb: perConn(rssAfter),
      idleRssPerConnKb: perConn(rssIdle),
      settledRssPerConnKb: perConn(rssSettled),
      serverCpuMsPerLogin: c.ok ? Math.round((cpu.totalMs / c.ok) * 100) / 100 : 0,
      generatorCpuPct: genCpu.pctOfOneCore,
    };
    result.memoryCurve = curve;
    result.config = { ...cfg, rssOf: socketPids.length ? 'the process holding the sockets (gateway 1 / reference)' : 'none found' };
    result.notes.push(`RSS change per process role, MB: ${JSON.stringify(rssDeltaByRole)}`, `server CPU per role during the logins, ms: ${JSON.stringify(cpu.byRole)}`);
    if (c.errors.length) result.notes.push(`first connect errors: ${c.errors.join('; ')}`);
    result.checks.push(check('all connected and logged in', `${cfg.conns}`, c.ok, c.failed === 0));
  } finally {
    await gen.close();
  }
  return finish(result, started);
}
