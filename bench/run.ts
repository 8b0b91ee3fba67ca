/**
 * The benchmark, one command: `npx tsx bench/run.ts [--scenario S1[,S2...]] [--smoke]
 * [--workers N] [--no-pin] [--verbose] [--profile] [--out DIR] [--rates R1,R2...]
 * [--targets reference,stack,stack-2gw,stack-pg]`.
 *
 * Runs each scenario against the reference server and the stack (both started here as child
 * processes), writes bench/results/<date>-<scenario>.json, bench/results/summary.md and an SVG
 * chart for the scenarios that step the load. `--smoke` runs every scenario tiny (a
 * functional check of the harness, not a measurement) and writes to bench/results/smoke/.
 * `--rates` measures S2/S4 at those fixed rates instead of the ramp, `--targets` runs only
 * those targets; such partial runs write to a new folder under the OS's temp dir.
 *
 * With taskset, this process re-runs itself pinned to core 1 (the generator) and starts the
 * servers pinned to core 0, so neither steals the other's core.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpus, loadavg, tmpdir } from 'node:os';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { compare, latestFiles, writeChart, writeScenarioFile, writeSummary, type RunMeta } from './report.ts';
import type { ScenarioId, ScenarioResult } from './scenarios/common.ts';
import { runScenario, SCENARIOS, TargetPool } from './scenarios/index.ts';
import { HAS_TASKSET, ROOT } from './targets.ts';

const { values } = parseArgs({
  options: {
    scenario: { type: 'string' },
    smoke: { type: 'boolean', default: false },
    workers: { type: 'string' },
    'no-pin': { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
    out: { type: 'string' },
    profile: { type: 'boolean', default: false },
    rates: { type: 'string' },
    targets: { type: 'string' },
  },
});
const pin = HAS_TASKSET && !values['no-pin'] && process.env.BENCH_PIN !== '0';

if (pin && !process.env.BENCH_PINNED) {
  const r = spawnSync('taskset', ['-c', '1', process.execPath, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, BENCH_PINNED: '1' } });
  process.exit(r.status ?? 1);
}

const wanted = (values.scenario ?? 'S1,S2,S3,S4,S5,S6').toUpperCase().split(',').map((s) => s.trim());
const defs = SCENARIOS.filter((d) => wanted.includes(d.id));
if (defs.length === 0) {
  console.error(`unknown scenario ${values.scenario}; known: ${SCENARIOS.map((d) => d.id).join(', ')}`);
  process.exit(2);
}
const rates = values.rates?.split(',').map(Number);
if (rates && (rates.length === 0 || rates.some((r) => !Number.isInteger(r) || r <= 0))) {
  console.error(`--rates takes positive whole msg/s, comma-separated (got ${values.rates})`);
  process.exit(2);
}
const targetIds = values.targets?.split(',').map((t) => t.trim());
const unknownTarget = targetIds?.find((t) => !SCENARIOS.some((d) => (d.targets as string[]).includes(t)));
if (unknownTarget !== undefined) {
  console.error(`unknown target ${unknownTarget}; targets: reference, stack, stack-2gw (S6), stack-pg (S4)`);
  process.exit(2);
}
if (rates && !defs.some((d) => d.id === 'S2' || d.id === 'S4')) {
  console.error('--rates applies to S2 and S4 only');
  process.exit(2);
}
const runs = defs.map((d) => ({ ...d, targets: d.targets.filter((t) => !targetIds || targetIds.includes(t)) })).filter((d) => d.targets.length > 0);
if (runs.length === 0) {
  console.error(`no scenario runs against ${values.targets}; targets: reference, stack, stack-2gw (S6), stack-pg (S4)`);
  process.exit(2);
}
const smoke = values.smoke ?? false;
const workers = values.workers ? Number(values.workers) : 2;
// A partial run (fixed rates, some targets) must not replace the full run's files.
const partial = rates !== undefined || targetIds !== undefined;
const outDir = values.out ?? (partial ? mkdtempSync(join(tmpdir(), 'chat-bench-')) : join(ROOT, 'bench', 'results', ...(smoke ? ['smoke'] : [])));
const log = (line: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);

const git = (args: string[]) => {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
};
const meta = (): RunMeta => ({
  date: new Date().toISOString().slice(0, 10),
  command: `npx tsx bench/run.ts ${process.argv.slice(2).join(' ')}`.trim(),
  commit: `${git(['rev-parse', 'HEAD'])}${git(['status', '--porcelain']) ? ' (+ uncommitted changes)' : ''}`,
  node: process.version,
  cpus: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  loadAvgBefore: loadavg(),
  pinning: pin ? 'servers pinned to core 0, generator to core 1 (taskset)' : 'not pinned: servers and generator share all cores',
  generatorWorkers: workers,
});

// --profile: every server Node process writes a .cpuprofile on exit (summarise with bench/profile.ts).
const profileDir = values.profile ? join(tmpdir(), 'chat-bench-profiles', new Date().toISOString().replace(/[:.]/g, '-')) : undefined;
if (profileDir) log(`CPU profiles of the servers go to ${profileDir}`);
const pool = new TargetPool({ shared: smoke, pin, verbose: values.verbose, profileDir });
const stopping = () => void pool.stopAll().then(() => process.exit(130));
process.on('SIGINT', stopping);
process.on('SIGTERM', stopping);

const done = new Map<ScenarioId, ScenarioResult[]>();
let failed = 0;
try {
  for (const def of runs) {
    const m = meta();
    log(`${def.id} ${def.title}${smoke ? ' (smoke)' : ''}: ${m.pinning}`);
    const results = await runScenario(def, pool, { smoke, workers, rates, log });
    done.set(def.id, results);
    if (results.some((r) => r.checks.some((c) => c.name === 'completed' && !c.ok))) failed = 1;
    m.loadAvgAfter = loadavg();
    // S6 is compared with S1 from this run, else with the latest S1 on disk.
    const comparisons = compare(def.id, results, done.get('S1') ?? latestFiles(outDir).find((f) => f.scenario === 'S1')?.results);
    const file = writeScenarioFile(outDir, { scenario: def.id, meta: m, results, comparisons });
    writeChart(outDir, m.date, def.id, results);
    for (const r of results) {
      const missed = r.checks.filter((c) => !c.ok);
      log(`${def.id} ${r.targetLabel}: ${JSON.stringify(r.metrics)}${missed.length ? ` MISSED: ${missed.map((c) => `${c.name} ${c.value} (target ${c.target})`).join('; ')}` : ''}`);
    }
    for (const c of comparisons) log(`${def.id} ${c.name}: ${c.value} (target ${c.target})${c.ok ? '' : ' MISSED'}`);
    log(`wrote ${file}`);
  }
} catch (err) {
  failed = 1;
  console.error(err);
} finally {
  await pool.stopAll();
}
log(`wrote ${writeSummary(outDir)}`);
process.exit(failed);
