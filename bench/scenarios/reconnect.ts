/**
 * S5 reconnect storm: 5,000 receivers in rooms of 100, plus one sender per room that keeps
 * sending (100 msg/s in total) and never disconnects. After a few seconds every receiver's
 * socket is dropped at once (terminate: no close frame); each reconnects, logs in again and
 * pages `room.join {since: <last seq it holds>}` until it holds every message up to the
 * room's lastSeq at its new login (live messages arrive meanwhile). Headline: time from the
 * drop until the last receiver had recovered every missed message; then, once sending
 * stops, every receiver must hold every acked message, with no duplicate or out-of-order
 * live frame on any connection.
 */
import { nowMs } from '../load/frames.ts';
import { LoadGenerator } from '../load/generator.ts';
import { cpuSnapshot, cpuSpent } from '../load/proc.ts';
import type { Target } from '../targets.ts';
import { baseResult, check, finish, roomSpecs, runId, setUp, type ScenarioOptions, type ScenarioResult } from './common.ts';

export function reconnectConfig(smoke: boolean) {
  return smoke
    ? { receivers: 20, roomSize: 10, ratePerSec: 20, beforeDropMs: 500, afterRecoveryMs: 300, stormTimeoutMs: 20_000 }
    : { receivers: 5000, roomSize: 100, ratePerSec: 100, beforeDropMs: 3000, afterRecoveryMs: 1000, stormTimeoutMs: 120_000 };
}

export async function runS5(target: Target, opts: ScenarioOptions = {}): Promise<ScenarioResult> {
  const started = performance.now();
  const cfg = reconnectConfig(opts.smoke ?? false);
  const result = baseResult('S5', 'reconnect storm', target, opts, { ...cfg, rooms: Math.ceil(cfg.receivers / cfg.roomSize) }, 1);
  const specs = roomSpecs({ conns: cfg.receivers, roomSize: cfg.roomSize, urls: target.wsUrls.slice(0, 1), prefix: runId(), extraSenders: true });
  const gen = await LoadGenerator.start(specs, { workers: opts.workers });
  try {
    await setUp(gen, { concurrency: 500 });
    const sending = gen.run(cfg.ratePerSec, 3_600_000, { measured: true, reset: true });
    await new Promise((r) => setTimeout(r, cfg.beforeDropMs));
    const cpu0 = cpuSnapshot(target.pids());
    const storm = await gen.storm(cfg.stormTimeoutMs);
    const cpu = cpuSpent(cpu0, cpuSnapshot(target.pids()));
    const stormDoneAt = nowMs();
    await new Promise((r) => setTimeout(r, cfg.afterRecoveryMs));
    await gen.stopRun();
    await sending;
    const settled = await gen.settle(10_000);
    const v = await gen.verify(settled.acked, { timeoutMs: 10_000, receiversOnly: true });
    const recovery = storm.recovery.summary();
    const reconnect = storm.reconnect.summary();
    result.metrics = {
      dropped: storm.dropped,
      recoveryTimeMs: recovery.maxMs,
      stormCommandMs: Math.round(stormDoneAt - storm.dropAt),
      recoveryP50Ms: recovery.p50Ms,
      recoveryP99Ms: recovery.p99Ms,
      reconnectP50Ms: reconnect.p50Ms,
      reconnectP99Ms: reconnect.p99Ms,
      failed: storm.failed,
      retries: storm.retries,
      recoveredMessages: storm.recoveredMessages,
      messagesAcked: settled.ackedCount,
      lost: v.lost,
      duplicates: v.duplicates,
      outOfOrder: v.outOfOrder,
      serverCpuMsDuringStorm: cpu.totalMs,
    };
    result.notes.push(`server CPU per role during the storm, ms: ${JSON.stringify(cpu.byRole)}`);
    if (storm.errors.length) result.notes.push(`retried errors (first ${storm.errors.length}): ${storm.errors.join('; ')}`);
    result.checks.push(
      check('every receiver recovered', `${storm.dropped}`, storm.dropped - storm.failed, storm.failed === 0),
      check('nothing lost', 'lost = 0, unanswered = 0', `lost ${v.lost}, unanswered ${settled.unanswered}`, v.lost === 0 && settled.unanswered === 0),
      check('no duplicates', 'duplicates = 0', v.duplicates, v.duplicates === 0),
      check('in order', 'out-of-order = 0', v.outOfOrder, v.outOfOrder === 0),
    );
  } finally {
    await gen.close();
  }
  return finish(result, started);
}
