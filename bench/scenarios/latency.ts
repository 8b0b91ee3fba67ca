/**
 * S1 latency: 1,000 connections in 10 rooms of 100, 200 msg/s in total, every member of a
 * room receives every message. Targets: p50 <= 10 ms, p99 <= 50 ms, nothing lost.
 * S6 two gateways: the same load with the connections split over every gateway URL
 * (GATEWAYS=2), so most deliveries cross NATS to the other gateway; its cost is the
 * difference to S1 (computed in run.ts when both ran).
 */
import { LoadGenerator } from '../load/generator.ts';
import type { Target } from '../targets.ts';
import { baseResult, check, deliveryChecks, describeStep, finish, measureStep, membersPerRoom, roomSpecs, runId, setUp, warmUp, type ScenarioOptions, type ScenarioResult } from './common.ts';

export function latencyConfig(smoke: boolean) {
  return smoke
    ? { conns: 20, roomSize: 10, ratePerSec: 20, durationMs: 1500, warmupMs: 0 }
    : { conns: 1000, roomSize: 100, ratePerSec: 200, durationMs: 30_000, warmupMs: 5000 };
}

async function runLatency(id: 'S1' | 'S6', target: Target, urls: string[], opts: ScenarioOptions): Promise<ScenarioResult> {
  const started = performance.now();
  const cfg = latencyConfig(opts.smoke ?? false);
  const title = id === 'S1' ? 'latency' : 'two gateways';
  const result = baseResult(id, title, target, opts, { ...cfg, rooms: Math.ceil(cfg.conns / cfg.roomSize), gateways: urls.length }, urls.length);
  const specs = roomSpecs({ conns: cfg.conns, roomSize: cfg.roomSize, urls, prefix: runId() });
  const gen = await LoadGenerator.start(specs, { workers: opts.workers });
  try {
    await setUp(gen);
    await warmUp(gen, cfg.ratePerSec, cfg.warmupMs);
    const step = await measureStep(gen, target, { ratePerSec: cfg.ratePerSec, durationMs: cfg.durationMs, members: membersPerRoom(specs) });
    opts.log?.(`${id} ${target.label}: ${describeStep(step)}`);
    result.steps.push(step);
    result.metrics = {
      p50Ms: step.latency.p50Ms,
      p90Ms: step.latency.p90Ms,
      p99Ms: step.latency.p99Ms,
      maxMs: step.latency.maxMs,
      deliveriesPerSec: step.deliveriesPerSec,
      serverUsPerDelivery: step.serverCpu.usPerDelivery,
      generatorCpuPct: step.generatorCpu.pctOfOneCore,
    };
    result.checks.push(check('p50 latency', '<= 10 ms', step.latency.p50Ms, step.latency.p50Ms <= 10), check('p99 latency', '<= 50 ms', step.latency.p99Ms, step.latency.p99Ms <= 50), ...deliveryChecks(step));
    if (id === 'S6' && urls.length < 2) result.notes.push('single process: no second gateway to split over; same load as S1');
  } finally {
    await gen.close();
  }
  return finish(result, started);
}

export function runS1(target: Target, opts: ScenarioOptions = {}): Promise<ScenarioResult> {
  return runLatency('S1', target, target.wsUrls.slice(0, 1), opts);
}

export function runS6(target: Target, opts: ScenarioOptions = {}): Promise<ScenarioResult> {
  return runLatency('S6', target, target.wsUrls, opts);
}
