/**
 * Building blocks shared by the scenarios: who is who (ConnSpec lists), one measured load
 * step (send at a fixed rate, wait for every ack and every delivery, count what is missing),
 * and the result shape every scenario returns.
 */
import { nowMs } from '../load/frames.ts';
import { LoadGenerator } from '../load/generator.ts';
import type { LatencySummary } from '../load/histogram.ts';
import { cpuSnapshot, cpuSpent, generatorCpu, generatorCpuSpent } from '../load/proc.ts';
import type { ConnSpec } from '../load/types.ts';
import type { Target, TargetKind } from '../targets.ts';

export type ScenarioId = 'S1' | 'S2' | 'S3' | 'S4' | 'S5' | 'S6';

export interface ScenarioOptions {
  smoke?: boolean;
  /** Generator worker threads (default 2). */
  workers?: number;
  /** S2/S4: measure these fixed rates (msg/s), one step each, instead of the ramp. */
  rates?: number[];
  log?: (line: string) => void;
}

export interface Check {
  name: string;
  target: string;
  value: string;
  ok: boolean;
}

export interface LoadStep {
  offeredMsgsPerSec: number;
  durationS: number;
  sent: number;
  acked: number;
  /** Sends that got neither ack nor error before the drain timeout. */
  unanswered: number;
  sendErrors: Record<string, number>;
  deliveriesExpected: number;
  deliveries: number;
  deliveriesPerSec: number;
  ackedPerSec: number;
  lost: number;
  lostConns: number;
  duplicates: number;
  outOfOrder: number;
  /** Close codes of connections the server closed during the step. */
  unexpectedCloses: Record<string, number>;
  latency: LatencySummary;
  ackLatency: LatencySummary;
  /** Time from the last send to the last delivery. */
  drainMs: number;
  /** How late the generator's sends ran behind schedule, worst case. */
  sendLagMaxMs: number;
  serverCpu: { totalMs: number; byRole: Record<string, number>; usPerDelivery: number; pctOfOneCore: number };
  generatorCpu: { cpuMs: number; pctOfOneCore: number };
  fellBehind: boolean;
}

export interface ScenarioResult {
  scenario: ScenarioId;
  title: string;
  target: TargetKind;
  targetLabel: string;
  smoke: boolean;
  startedAt: string;
  wallS: number;
  config: Record<string, unknown>;
  /** Environment given to the servers beyond their defaults (raised rate limits). */
  serverEnv: Record<string, string>;
  pinned: boolean;
  workers: number;
  steps: LoadStep[];
  metrics: Record<string, number | string | boolean | null>;
  checks: Check[];
  notes: string[];
  /** S3: resident memory of the socket process against open connections, sampled while they connect. */
  memoryCurve?: Array<{ conns: number; rssMb: number }>;
}

export function runId(): string {
  return `b${Date.now().toString(36)}${Math.random().toString(36).slice(2, 5)}`;
}

/**
 * `conns` users in rooms of `roomSize`, spread round-robin over the gateway URLs. The first
 * member of each room creates it. With `extraSenders`, each room gets one more member (its
 * owner) that does all the sending, and the others only receive.
 */
export function roomSpecs(opts: { conns: number; roomSize: number; urls: string[]; prefix: string; extraSenders?: boolean; sourceAddresses?: number }): ConnSpec[] {
  const specs: ConnSpec[] = [];
  const rooms = Math.ceil(opts.conns / opts.roomSize);
  const addrs = opts.sourceAddresses ?? Math.ceil((opts.conns + rooms) / 20_000);
  const add = (i: number, roomIdx: number, owner: boolean, sender: boolean) =>
    specs.push({
      username: `${opts.prefix}u${i}`,
      url: opts.urls[i % opts.urls.length]!,
      roomId: `${opts.prefix}-r${roomIdx}`,
      owner,
      sender,
      ...(addrs > 1 ? { localAddress: `127.0.0.${2 + (i % addrs)}` } : {}),
    });
  for (let r = 0; r < rooms; r++) {
    const first = r * opts.roomSize;
    const last = Math.min(opts.conns, first + opts.roomSize);
    if (opts.extraSenders) add(opts.conns + r, r, true, true);
    for (let i = first; i < last; i++) add(i, r, !opts.extraSenders && i === first, !opts.extraSenders);
  }
  return specs;
}

export function membersPerRoom(specs: ConnSpec[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const s of specs) m.set(s.roomId, (m.get(s.roomId) ?? 0) + 1);
  return m;
}

/** Connects, logs in and puts everyone in their rooms; throws when anyone failed. */
export async function setUp(gen: LoadGenerator, opts: { concurrency?: number } = {}): Promise<void> {
  const c = await gen.connect({ concurrency: opts.concurrency ?? 200 });
  if (c.failed > 0) throw new Error(`${c.failed} connections failed: ${c.errors.join('; ')}`);
  await gen.setupRooms();
}

/** Unmeasured traffic so both servers are warm (JIT, pools) before a measured step. */
export async function warmUp(gen: LoadGenerator, ratePerSec: number, durationMs: number): Promise<void> {
  if (durationMs <= 0) return;
  await gen.run(ratePerSec, durationMs, { measured: false });
  const settled = await gen.settle(10_000);
  await gen.verify(settled.acked, { timeoutMs: 10_000 });
}

/** One measured step: send for `durationMs` at `ratePerSec`, then drain and check delivery. */
export async function measureStep(gen: LoadGenerator, target: Target, opts: { ratePerSec: number; durationMs: number; members: Map<string, number>; drainTimeoutMs?: number }): Promise<LoadStep> {
  const cpu0 = cpuSnapshot(target.pids());
  const gen0 = generatorCpu();
  const start = nowMs();
  await gen.run(opts.ratePerSec, opts.durationMs, { measured: true, reset: true });
  const runEnd = nowMs();
  const settled = await gen.settle(opts.drainTimeoutMs ?? 10_000);
  const v = await gen.verify(settled.acked, { timeoutMs: opts.drainTimeoutMs ?? 10_000 });
  const cpu = cpuSpent(cpu0, cpuSnapshot(target.pids()));
  const genCpu = generatorCpuSpent(gen0);
  let expected = 0;
  for (const [room, seqs] of settled.acked) expected += seqs.length * (opts.members.get(room) ?? 0);
  const windowMs = Math.max(runEnd - start, v.lastDeliveryAt - start, 1);
  const drainMs = v.lastDeliveryAt > 0 ? Math.max(0, Math.round(v.lastDeliveryAt - runEnd)) : 0;
  const closes = Object.values(v.closes).reduce((a, b) => a + b, 0);
  const step: LoadStep = {
    offeredMsgsPerSec: opts.ratePerSec,
    durationS: opts.durationMs / 1000,
    sent: v.sent,
    acked: settled.ackedCount,
    unanswered: settled.unanswered,
    sendErrors: settled.errors,
    deliveriesExpected: expected,
    deliveries: v.deliveries,
    deliveriesPerSec: Math.round(v.deliveries / (windowMs / 1000)),
    ackedPerSec: Math.round(settled.ackedCount / ((runEnd - start) / 1000)),
    lost: v.lost,
    lostConns: v.lostConns,
    duplicates: v.duplicates,
    outOfOrder: v.outOfOrder,
    unexpectedCloses: v.closes,
    latency: v.latency.summary(),
    ackLatency: settled.ackLatency.summary(),
    drainMs,
    sendLagMaxMs: Math.round(v.sendLagMaxMs),
    serverCpu: {
      totalMs: cpu.totalMs,
      byRole: cpu.byRole,
      usPerDelivery: v.deliveries ? Math.round(((cpu.totalMs * 1000) / v.deliveries) * 10) / 10 : 0,
      pctOfOneCore: cpu.wallMs ? Math.round((cpu.totalMs / cpu.wallMs) * 100) : 0,
    },
    generatorCpu: genCpu,
    fellBehind: false,
  };
  step.fellBehind =
    step.lost > 0 || step.unanswered > 0 || closes > 0 || step.drainMs > 1000 || step.sendLagMaxMs > 500 || step.acked < step.sent || step.deliveries < 0.99 * step.deliveriesExpected;
  return step;
}

const BISECTION_STEPS = 3;
/** After a failed step: let its backlog drain before the next one is measured. */
const drainPause = () => new Promise((r) => setTimeout(r, 5000));

/**
 * The stepped load of S2 and S4: the rate doubles from `startRate` each step until a step is
 * not `ok`, then (full runs) three bisection steps probe between the last good rate and the
 * first bad one. Returns the last good and first bad step; every step lands in `result.steps`.
 */
export async function rampAndBisect(
  gen: LoadGenerator,
  target: Target,
  result: ScenarioResult,
  opts: { startRate: number; maxSteps: number; stepMs: number; members: Map<string, number>; ok: (s: LoadStep) => boolean; bisect: boolean; rates?: number[]; log?: (line: string) => void },
): Promise<{ good?: LoadStep; bad?: LoadStep }> {
  let good: LoadStep | undefined;
  let bad: LoadStep | undefined;
  const step = async (ratePerSec: number) => {
    const s = await measureStep(gen, target, { ratePerSec, durationMs: opts.stepMs, members: opts.members });
    opts.log?.(`${result.scenario} ${target.label}: ${describeStep(s)}`);
    result.steps.push(s);
    return s;
  };
  if (opts.rates) {
    // Fixed rates compare one load over time (or code against code); a failed step does not end them.
    for (const rate of opts.rates) {
      if (bad && bad === result.steps.at(-1)) await drainPause();
      const s = await step(rate);
      if (opts.ok(s)) good = s;
      else bad = s;
    }
    return { good, bad };
  }
  for (let i = 0, rate = opts.startRate; i < opts.maxSteps; i++, rate *= 2) {
    const s = await step(rate);
    if (!opts.ok(s)) {
      bad = s;
      break;
    }
    good = s;
  }
  // Three probes narrow a doubling to an eighth of it: with two, the stack's and the reference's
  // answers fell on the same grid (500 vs 1,000, 600 vs 1,200 msg/s) and the ratio could not
  // tell 0.49x from 0.55x.
  for (let probe = 0; probe < BISECTION_STEPS && opts.bisect && good && bad; probe++) {
    await drainPause();
    const s = await step(Math.round((good.offeredMsgsPerSec + bad.offeredMsgsPerSec) / 2));
    if (opts.ok(s)) good = s;
    else bad = s;
  }
  return { good, bad };
}

export function describeStep(s: LoadStep): string {
  return (
    `${s.offeredMsgsPerSec} msg/s: ${s.deliveriesPerSec} deliveries/s, p50 ${s.latency.p50Ms} p99 ${s.latency.p99Ms} max ${s.latency.maxMs} ms, ` +
    `ack p99 ${s.ackLatency.p99Ms} ms, lost ${s.lost} dup ${s.duplicates} ooo ${s.outOfOrder}, server ${s.serverCpu.usPerDelivery} us/delivery, ` +
    `generator ${s.generatorCpu.pctOfOneCore}% of a core${s.fellBehind ? ', FELL BEHIND' : ''}`
  );
}

/** `urlsUsed`: how many of the target's gateways the scenario connects to (the label says so when not all). */
export function baseResult(id: ScenarioId, title: string, target: Target, opts: ScenarioOptions, config: Record<string, unknown>, urlsUsed = target.wsUrls.length): ScenarioResult {
  return {
    scenario: id,
    title,
    target: target.kind,
    targetLabel: urlsUsed < target.wsUrls.length ? `${target.label}, using ${urlsUsed}` : target.label,
    smoke: opts.smoke ?? false,
    startedAt: new Date().toISOString(),
    wallS: 0,
    config,
    serverEnv: target.env,
    pinned: target.pinned,
    workers: opts.workers ?? 2,
    steps: [],
    metrics: {},
    checks: [],
    notes: [],
  };
}

export function finish(result: ScenarioResult, startedMs: number): ScenarioResult {
  result.wallS = Math.round((performance.now() - startedMs) / 100) / 10;
  return result;
}

export function check(name: string, target: string, value: string | number, ok: boolean): Check {
  return { name, target, value: String(value), ok };
}

/** Checks every load scenario makes: each acked message reached every member once, in order. */
export function deliveryChecks(s: LoadStep): Check[] {
  return [
    check('nothing lost', 'lost = 0, unanswered = 0', `lost ${s.lost}, unanswered ${s.unanswered}`, s.lost === 0 && s.unanswered === 0),
    check('no duplicates', 'duplicates = 0', s.duplicates, s.duplicates === 0),
    check('in order', 'out-of-order = 0', s.outOfOrder, s.outOfOrder === 0),
    check('acked == received per member', `${s.deliveriesExpected} deliveries`, s.deliveries, s.deliveries === s.deliveriesExpected),
  ];
}
