/**
 * S2 fan-out: 2,000 connections in 20 rooms of 100. The send rate doubles each step until
 * p99 > 100 ms or delivery falls behind (loss, a drain over 1 s, closed slow consumers);
 * in full runs three bisection steps probe between the last good rate and the first bad one.
 * Headline: the highest sustained deliveries/s. Target (checked in run.ts, which has both
 * results): >= 0.5x the reference.
 */
import { LoadGenerator } from '../load/generator.ts';
import type { Target } from '../targets.ts';
import { baseResult, check, deliveryChecks, finish, membersPerRoom, rampAndBisect, roomSpecs, runId, setUp, warmUp, type LoadStep, type ScenarioOptions, type ScenarioResult } from './common.ts';

export function fanoutConfig(smoke: boolean) {
  return smoke
    ? { conns: 20, roomSize: 10, startRate: 20, maxSteps: 2, stepMs: 1000, warmupMs: 0, p99LimitMs: 100 }
    : { conns: 2000, roomSize: 100, startRate: 50, maxSteps: 9, stepMs: 10_000, warmupMs: 15_000, p99LimitMs: 100 };
}

export const sustained = (s: LoadStep, p99LimitMs: number) => !s.fellBehind && s.latency.p99Ms <= p99LimitMs;

export async function runS2(target: Target, opts: ScenarioOptions = {}): Promise<ScenarioResult> {
  const started = performance.now();
  const cfg = fanoutConfig(opts.smoke ?? false);
  const result = baseResult('S2', 'fan-out', target, opts, { ...cfg, rooms: Math.ceil(cfg.conns / cfg.roomSize) }, 1);
  const specs = roomSpecs({ conns: cfg.conns, roomSize: cfg.roomSize, urls: target.wsUrls.slice(0, 1), prefix: runId() });
  const members = membersPerRoom(specs);
  const gen = await LoadGenerator.start(specs, { workers: opts.workers });
  try {
    await setUp(gen);
    await warmUp(gen, cfg.startRate, cfg.warmupMs);
    const { bad } = await rampAndBisect(gen, target, result, { ...cfg, members, ok: (s) => sustained(s, cfg.p99LimitMs), bisect: !opts.smoke, rates: opts.rates, log: opts.log });
    const best = result.steps.filter((s) => sustained(s, cfg.p99LimitMs)).sort((a, b) => b.deliveriesPerSec - a.deliveriesPerSec)[0];
    result.metrics = {
      maxSustainedDeliveriesPerSec: best?.deliveriesPerSec ?? 0,
      atMsgsPerSec: best?.offeredMsgsPerSec ?? 0,
      p99AtMaxMs: best?.latency.p99Ms ?? null,
      serverUsPerDeliveryAtMax: best?.serverCpu.usPerDelivery ?? null,
      limitReached: bad !== undefined,
      generatorCpuPctAtMax: best?.generatorCpu.pctOfOneCore ?? null,
    };
    if (!opts.rates && !bad) result.notes.push(`never fell behind within ${cfg.maxSteps} steps: the maximum is higher than measured`);
    if (result.steps.some((s) => s.generatorCpu.pctOfOneCore >= 90)) result.notes.push('generator used >= 90% of its core in some step: those numbers may be generator-bound');
    result.checks.push(check('a sustained step', 'p99 <= 100 ms, no loss', best ? `${best.deliveriesPerSec}/s` : 'none', best !== undefined));
    if (best) result.checks.push(...deliveryChecks(best));
  } finally {
    await gen.close();
  }
  return finish(result, started);
}
