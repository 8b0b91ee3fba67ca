/**
 * The benchmark harness works: every scenario, tiny, against the reference and the stack,
 * through the same functions `bench/run.ts` calls. It checks the harness (every acked
 * message reached every member once and in order, results carry their fields), never the
 * performance targets: a smoke run on a shared box measures nothing.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compare, latencyChartSvg, memoryChartSvg, summaryMarkdown, writeScenarioFile, type ScenarioFile } from '../report.ts';
import type { ScenarioResult } from '../scenarios/common.ts';
import { runScenario, SCENARIOS, TargetPool } from '../scenarios/index.ts';

const pool = new TargetPool({ shared: true, pin: false });
const results = new Map<string, ScenarioResult[]>();

beforeAll(async () => {
  await Promise.all([pool.get('reference'), pool.get('stack-2gw'), pool.get('stack-pg')]);
}, 120_000);
afterAll(() => pool.stopAll(), 60_000);

function expectResultShape(r: ScenarioResult, id: string) {
  expect(r).toMatchObject({ scenario: id, smoke: true, pinned: false });
  expect(['reference', 'stack']).toContain(r.target);
  expect(r.targetLabel).toBeTypeOf('string');
  expect(r.config).toBeTypeOf('object');
  expect(Object.keys(r.metrics).length).toBeGreaterThan(0);
  expect(r.checks.length).toBeGreaterThan(0);
  expect(r.serverEnv).toBeTypeOf('object');
  if (r.target === 'stack') expect(r.serverEnv).toMatchObject({ RATE_LIMIT_BURST: '100000', RATE_LIMIT_PER_SEC: '100000' });
}

describe('bench harness, smoke size', () => {
  for (const def of SCENARIOS) {
    it(`${def.id} ${def.title} runs against ${def.targets.join(', ')}`, async () => {
      const rs = await runScenario(def, pool, { smoke: true });
      results.set(def.id, rs);
      expect(rs.map((r) => r.target)).toEqual(def.targets.map((t) => (t === 'reference' ? 'reference' : 'stack')));
      for (const r of rs) {
        expectResultShape(r, def.id);
        for (const s of r.steps) {
          expect(s, `${r.targetLabel} at ${s.offeredMsgsPerSec} msg/s`).toMatchObject({ lost: 0, duplicates: 0, outOfOrder: 0, unanswered: 0 });
          expect(s.acked).toBe(s.sent);
          expect(s.sent).toBeGreaterThan(0);
          expect(s.deliveries).toBe(s.deliveriesExpected);
          expect(s.latency.count).toBe(s.deliveries);
          for (const k of ['p50Ms', 'p90Ms', 'p99Ms', 'maxMs'] as const) expect(s.latency[k]).toBeGreaterThan(0);
          expect(s.deliveriesPerSec).toBeGreaterThan(0);
          expect(s.generatorCpu.cpuMs).toBeGreaterThan(0);
          expect(s.serverCpu.totalMs).toBeGreaterThanOrEqual(0);
        }
        if (['S1', 'S2', 'S4', 'S6'].includes(def.id)) expect(r.steps.length).toBeGreaterThan(0);
        if (def.id === 'S3') {
          expect(r.metrics).toMatchObject({ connected: 50, failed: 0 });
          expect(r.metrics.loginsPerSec).toBeGreaterThan(0);
          for (const k of ['rssPerConnKb', 'idleRssPerConnKb', 'settledRssPerConnKb']) expect(r.metrics[k]).toBeTypeOf('number');
        }
        if (def.id === 'S5') {
          expect(r.metrics).toMatchObject({ dropped: 20, failed: 0, lost: 0, duplicates: 0, outOfOrder: 0 });
          expect(r.metrics.recoveryTimeMs).toBeGreaterThan(0);
          expect(r.metrics.messagesAcked).toBeGreaterThan(0);
        }
      }
    }, 60_000);
  }

  it('measures S4 at the given fixed rates, in their order, instead of the ramp', async () => {
    const s4 = SCENARIOS.find((d) => d.id === 'S4')!;
    const [r] = await runScenario({ ...s4, targets: ['reference'] }, pool, { smoke: true, rates: [30, 20] });
    expect(r!.steps.map((s) => s.offeredMsgsPerSec)).toEqual([30, 20]);
    expect(r!.steps.every((s) => s.acked === s.sent && s.lost === 0)).toBe(true);
  }, 60_000);

  it('writes a result file, a summary table and a chart', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-report-'));
    try {
      const files: ScenarioFile[] = [...results].map(([id, rs]) => ({
        scenario: id as ScenarioFile['scenario'],
        meta: { date: '2000-01-01', command: 'test', commit: 'test', node: process.version, cpus: 'test', cores: 1, loadAvgBefore: [0, 0, 0], pinning: 'none', generatorWorkers: 2 },
        results: rs,
        comparisons: compare(id as ScenarioFile['scenario'], rs, results.get('S1')),
      }));
      expect(files).toHaveLength(SCENARIOS.length);
      const path = writeScenarioFile(dir, files[0]!);
      expect(JSON.parse(readFileSync(path, 'utf8')).results).toHaveLength(files[0]!.results.length);
      const md = summaryMarkdown(files);
      for (const def of SCENARIOS) expect(md).toContain(`| ${def.id} ${def.title} |`);
      expect(latencyChartSvg('S2', results.get('S2')!)).toMatch(/^<svg[\s\S]*<path[\s\S]*<\/svg>\n$/);
      // S3's chart: memory against connections, one line per target, sampled while connecting.
      for (const r of results.get('S3')!) expect(r.memoryCurve!.at(-1)!.conns).toBeGreaterThanOrEqual(40);
      expect(memoryChartSvg(results.get('S3')!)).toMatch(/^<svg[\s\S]*open connections[\s\S]*<path[\s\S]*<\/svg>\n$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
