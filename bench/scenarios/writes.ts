/**
 * S4 writes: many rooms of 2, so the cost is storing messages, not fanning them out. The send
 * rate doubles each step until the p99 of message.ack (send -> ack) passes 50 ms or the
 * server falls behind; in full runs three bisection steps probe between the last good rate and
 * the first bad one. Headline: the highest acked msgs/s with ack p99 <= 50 ms. Run on the
 * stack with PGlite, on PostgreSQL with two chat replicas, and on the (in-memory) reference.
 */
import { LoadGenerator } from '../load/generator.ts';
import type { Target } from '../targets.ts';
import { baseResult, check, deliveryChecks, finish, membersPerRoom, rampAndBisect, roomSpecs, runId, setUp, warmUp, type LoadStep, type ScenarioOptions, type ScenarioResult } from './common.ts';

export function writesConfig(smoke: boolean) {
  return smoke
    ? { conns: 10, roomSize: 2, startRate: 20, maxSteps: 1, stepMs: 1000, warmupMs: 0, ackP99LimitMs: 50 }
    : { conns: 1000, roomSize: 2, startRate: 50, maxSteps: 10, stepMs: 10_000, warmupMs: 15_000, ackP99LimitMs: 50 };
}

export async function runS4(target: Target, opts: ScenarioOptions = {}): Promise<ScenarioResult> {
  const started = performance.now();
  const cfg = writesConfig(opts.smoke ?? false);
  const result = baseResult('S4', 'writes', target, opts, { ...cfg, rooms: Math.ceil(cfg.conns / cfg.roomSize) }, 1);
  const specs = roomSpecs({ conns: cfg.conns, roomSize: cfg.roomSize, urls: target.wsUrls.slice(0, 1), prefix: runId() });
  const members = membersPerRoom(specs);
  const ok = (s: LoadStep) => !s.fellBehind && s.ackLatency.p99Ms <= cfg.ackP99LimitMs;
  const gen = await LoadGenerator.start(specs, { workers: opts.workers });
  try {
    await setUp(gen);
    await warmUp(gen, cfg.startRate, cfg.warmupMs);
    await rampAndBisect(gen, target, result, { ...cfg, members, ok, bisect: !opts.smoke, rates: opts.rates, log: opts.log });
    const best = result.steps.filter(ok).sort((a, b) => b.ackedPerSec - a.ackedPerSec)[0];
    result.metrics = {
      maxAckedMsgsPerSec: best?.ackedPerSec ?? 0,
      ackP50AtMaxMs: best?.ackLatency.p50Ms ?? null,
      ackP99AtMaxMs: best?.ackLatency.p99Ms ?? null,
      deliveryP99AtMaxMs: best?.latency.p99Ms ?? null,
      serverCpuPctAtMax: best?.serverCpu.pctOfOneCore ?? null,
      limitReached: result.steps.some((s) => !ok(s)),
    };
    if (!opts.rates && !result.steps.some((s) => !ok(s))) result.notes.push(`never passed ack p99 ${cfg.ackP99LimitMs} ms within ${cfg.maxSteps} steps: the maximum is higher than measured`);
    result.checks.push(check('a step within ack p99', `<= ${cfg.ackP99LimitMs} ms`, best ? `${best.ackedPerSec} msg/s` : 'none', best !== undefined));
    if (best) result.checks.push(...deliveryChecks(best));
  } finally {
    await gen.close();
  }
  return finish(result, started);
}
