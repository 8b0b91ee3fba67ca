/**
 * Results on disk: one JSON file per scenario run (`<date>-<scenario>.json`), a markdown table
 * of the latest run of each scenario (`summary.md`), and an SVG chart (`<date>-<scenario>.svg`):
 * latency percentiles against load for the scenarios that step the load up, memory against
 * connections for S3.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Check, LoadStep, ScenarioId, ScenarioResult } from './scenarios/common.ts';

export interface RunMeta {
  date: string;
  command: string;
  commit: string;
  node: string;
  cpus: string;
  cores: number;
  loadAvgBefore: number[];
  loadAvgAfter?: number[];
  pinning: string;
  generatorWorkers: number;
}

export interface ScenarioFile {
  scenario: ScenarioId;
  meta: RunMeta;
  results: ScenarioResult[];
  /** Checks that need more than one target (S2 vs reference, S6 vs S1). */
  comparisons: Check[];
}

export function writeScenarioFile(dir: string, file: ScenarioFile): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${file.meta.date}-${file.scenario}.json`);
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`);
  return path;
}

/** The newest file of each scenario in `dir`. */
export function latestFiles(dir: string): ScenarioFile[] {
  if (!existsSync(dir)) return [];
  const byScenario = new Map<string, { path: string; mtime: number }>();
  for (const name of readdirSync(dir)) {
    const m = name.match(/^\d{4}-\d{2}-\d{2}-(S\d)\.json$/);
    if (!m) continue;
    const path = join(dir, name);
    const mtime = statSync(path).mtimeMs;
    const prev = byScenario.get(m[1]!);
    if (!prev || mtime > prev.mtime) byScenario.set(m[1]!, { path, mtime });
  }
  return [...byScenario.keys()].sort().map((k) => JSON.parse(readFileSync(byScenario.get(k)!.path, 'utf8')) as ScenarioFile);
}

/** S2: stack >= 0.5x reference; S6: latency added by the second gateway, against S1. */
export function compare(scenario: ScenarioId, results: ScenarioResult[], s1: ScenarioResult[] | undefined): Check[] {
  const ref = results.find((r) => r.target === 'reference');
  const out: Check[] = [];
  if (scenario === 'S2' && ref) {
    const refMax = Number(ref.metrics.maxSustainedDeliveriesPerSec) || 0;
    for (const r of results.filter((x) => x.target === 'stack')) {
      const ratio = refMax ? Number(r.metrics.maxSustainedDeliveriesPerSec) / refMax : 0;
      out.push({ name: `${r.targetLabel} vs reference`, target: '>= 0.5x', value: `${ratio.toFixed(3)}x`, ok: ratio >= 0.5 });
    }
  }
  if (scenario === 'S3' && ref) {
    for (const r of results.filter((x) => x.target === 'stack')) {
      // The target is judged once settled; the earlier readings show when V8 gives memory back.
      for (const [key, when, judged] of [['rssPerConnKb', '2 s after the last login', false], ['idleRssPerConnKb', 'idle', false], ['settledRssPerConnKb', 'settled', true]] as const) {
        const ratio = Number(ref.metrics[key]) ? Number(r.metrics[key]) / Number(ref.metrics[key]) : 0;
        const value = `${ratio.toFixed(2)}x (${r.metrics[key]} vs ${ref.metrics[key]} KB)`;
        out.push({ name: `${r.targetLabel}: RSS/conn ${when} vs reference`, target: judged ? '<= 1.5x' : 'report', value, ok: judged ? ratio > 0 && ratio <= 1.5 : ratio > 0 });
      }
    }
  }
  if (scenario === 'S4') {
    for (const r of results.filter((x) => x.target !== 'reference')) {
      const goal = r.serverEnv.DATABASE_URL ? 3000 : 1500; // the PostgreSQL stack names its database there
      const got = Number(r.metrics.maxAckedMsgsPerSec) || 0;
      out.push({ name: `${r.targetLabel}: acked msg/s at ack p99 <= 50 ms`, target: `>= ${goal}`, value: String(got), ok: got >= goal });
    }
  }
  if (scenario === 'S6' && s1) {
    for (const r of results) {
      const base = s1.find((x) => x.target === r.target);
      if (!base) continue;
      const d = (k: string) => (Number(r.metrics[k]) - Number(base.metrics[k])).toFixed(2);
      out.push({ name: `${r.targetLabel}: extra hop vs S1`, target: 'report', value: `p50 ${d('p50Ms')} ms, p99 ${d('p99Ms')} ms, ${d('serverUsPerDelivery')} us CPU/delivery`, ok: true });
    }
  }
  return out;
}

const fmt = (v: unknown) => (v === null || v === undefined ? '-' : typeof v === 'number' ? String(Math.round(v * 100) / 100) : String(v));

function headline(r: ScenarioResult): { load: string; result: string; lat: [unknown, unknown, unknown]; step?: LoadStep } {
  if (Object.keys(r.metrics).length === 0) return { load: '-', result: 'did not complete', lat: [null, null, null] };
  const c = r.config as Record<string, number>;
  const m = r.metrics;
  // The headline step: the best one within the scenario's latency limit, as its metrics count it.
  const best = (pick: (s: LoadStep) => number, within: (s: LoadStep) => boolean) => [...r.steps].filter((s) => !s.fellBehind && within(s)).sort((a, b) => pick(b) - pick(a))[0];
  switch (r.scenario) {
    case 'S1':
    case 'S6': {
      const s = r.steps[0];
      return { load: `${c.conns} conns, ${c.rooms} rooms, ${c.ratePerSec} msg/s${r.scenario === 'S6' ? `, ${c.gateways} gw` : ''}`, result: `${fmt(m.deliveriesPerSec)} deliveries/s`, lat: [m.p50Ms, m.p99Ms, m.maxMs], step: s };
    }
    case 'S2': {
      const s = best((x) => x.deliveriesPerSec, (x) => x.latency.p99Ms <= c.p99LimitMs!);
      return { load: `${c.conns} conns, ${c.rooms} rooms, rate x2 per step, then bisected`, result: `max ${fmt(m.maxSustainedDeliveriesPerSec)} deliveries/s (at ${fmt(m.atMsgsPerSec)} msg/s)`, lat: [s?.latency.p50Ms, s?.latency.p99Ms, s?.latency.maxMs], step: s };
    }
    case 'S3':
      return { load: `${c.conns} idle conns`, result: `${fmt(m.loginsPerSec)} logins/s, ${fmt(m.rssPerConnKb)} KB RSS/conn 2 s after the last login (${fmt(m.socketProcessRssBeforeMb)} -> ${fmt(m.socketProcessRssAfterMb)} MB), ${fmt(m.idleRssPerConnKb)} KB after ${fmt((c.idleMs as number) / 1000)} s idle, ${fmt(m.settledRssPerConnKb)} KB after ${fmt((c.settledMs as number) / 1000)} s`, lat: [m.loginP50Ms, m.loginP99Ms, m.loginMaxMs] };
    case 'S4': {
      const s = best((x) => x.ackedPerSec, (x) => x.ackLatency.p99Ms <= c.ackP99LimitMs!);
      return { load: `${c.conns} conns, rooms of 2, rate x2 per step, then bisected`, result: `max ${fmt(m.maxAckedMsgsPerSec)} acked msg/s at ack p99 <= 50 ms`, lat: [s?.ackLatency.p50Ms, s?.ackLatency.p99Ms, s?.ackLatency.maxMs], step: s };
    }
    case 'S5':
      return { load: `${c.receivers} receivers drop at once, ${c.ratePerSec} msg/s`, result: `all recovered in ${fmt(m.recoveryTimeMs)} ms (${fmt(m.retries)} retries)`, lat: [m.recoveryP50Ms, m.recoveryP99Ms, m.recoveryTimeMs] };
  }
}

function row(r: ScenarioResult): string {
  const h = headline(r);
  const s = h.step;
  const m = r.metrics;
  const integrity = s ? `${s.lost}/${s.duplicates}/${s.outOfOrder}` : r.scenario === 'S5' ? `${fmt(m.lost)}/${fmt(m.duplicates)}/${fmt(m.outOfOrder)}` : '-';
  const cpu = s ? `${s.serverCpu.usPerDelivery} us/delivery (${s.serverCpu.pctOfOneCore}% of a core)` : r.scenario === 'S3' ? `${fmt(m.serverCpuMsPerLogin)} ms/login` : r.scenario === 'S5' ? `${fmt(m.serverCpuMsDuringStorm)} ms in storm` : '-';
  const gen = s ? `${s.generatorCpu.pctOfOneCore}%` : m.generatorCpuPct !== undefined ? `${fmt(m.generatorCpuPct)}%` : '-';
  const failed = r.checks.filter((c) => !c.ok);
  const checks = failed.length === 0 ? 'ok' : failed.map((c) => `MISSED ${c.name} (${c.value}, target ${c.target})`).join('; ');
  return `| ${r.scenario} ${r.title} | ${r.targetLabel} | ${h.load} | ${h.result} | ${fmt(h.lat[0])} | ${fmt(h.lat[1])} | ${fmt(h.lat[2])} | ${integrity} | ${cpu} | ${gen} | ${checks} |`;
}

export function summaryMarkdown(files: ScenarioFile[]): string {
  const lines = [
    '# Benchmark results',
    '',
    'Latest run of each scenario (`npx tsx bench/run.ts`; how to read this: docs/performance.md).',
    'Latency columns: end-to-end send -> `message.received` (S1, S2, S6), send -> `message.ack` (S4),',
    'connect -> `auth.success` (S3), drop -> fully recovered (S5). Integrity: lost/duplicates/out-of-order.',
    '',
    '| scenario | target | load | result | p50 ms | p99 ms | max ms | lost/dup/ooo | server CPU | generator CPU | run checks |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...files.flatMap((f) => f.results.map(row)),
    '',
  ];
  const comparisons = files.flatMap((f) => f.comparisons.map((c) => `- ${f.scenario} ${c.name}: ${c.value} (target ${c.target}${c.ok ? '' : ', MISSED'})`));
  if (comparisons.length) lines.push('Comparisons:', '', ...comparisons, '');
  const cpuLines = files.flatMap((f) =>
    f.results.flatMap((r) => {
      const s = headline(r).step;
      if (!s || !s.deliveries) return [];
      const per = Object.entries(s.serverCpu.byRole)
        .filter(([, ms]) => ms > 0)
        .sort((a, b) => b[1] - a[1])
        .map(([role, ms]) => `${role} ${((ms * 1000) / s.deliveries).toFixed(1)}`);
      return [`- ${r.scenario} ${r.targetLabel} at ${s.offeredMsgsPerSec} msg/s: ${per.join(', ')} us/delivery; ${s.acked ? ((s.serverCpu.totalMs * 1000) / s.acked).toFixed(0) : '-'} us per message in total`];
    }),
  );
  if (cpuLines.length) lines.push('Server CPU by process (from /proc, utime + stime):', '', ...cpuLines, '');
  lines.push('Runs:', '');
  for (const f of files) {
    const env = f.results.find((r) => r.target === 'stack')?.serverEnv;
    lines.push(
      `- ${f.scenario} on ${f.meta.date}${f.results[0]?.smoke ? ' (SMOKE: tiny sizes, not a measurement)' : ''}: \`${f.meta.command}\`, commit ${f.meta.commit.slice(0, 10)}, ` +
        `${f.meta.cores} cores (${f.meta.cpus}), load average before ${f.meta.loadAvgBefore.map((x) => x.toFixed(2)).join(' ')}, ${f.meta.pinning}` +
        (env ? `; stack env: ${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ')}` : ''),
    );
  }
  for (const f of files) if (existsChart(f)) lines.push('', `![${f.scenario} ${f.scenario === 'S3' ? 'memory vs connections' : 'latency vs load'}](${f.meta.date}-${f.scenario}.svg)`);
  return `${lines.join('\n')}\n`;
}

function existsChart(f: ScenarioFile): boolean {
  return f.results.some((r) => r.steps.length > 1 || (r.memoryCurve?.length ?? 0) > 0);
}

export function writeSummary(dir: string): string {
  const path = join(dir, 'summary.md');
  writeFileSync(path, summaryMarkdown(latestFiles(dir)));
  return path;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'];
const DASH: Record<string, string> = { p50: '', p90: '6 3', p99: '2 3' };

/** Log-log chart: x = deliveries/s (acked msg/s for S4), y = latency percentiles in ms. */
export function latencyChartSvg(scenario: ScenarioId, results: ScenarioResult[]): string {
  const W = 760, H = 440, L = 70, R = 230, T = 40, B = 50;
  const isWrites = scenario === 'S4';
  const xOf = (s: LoadStep) => (isWrites ? s.ackedPerSec : s.deliveriesPerSec);
  const lat = (s: LoadStep) => (isWrites ? s.ackLatency : s.latency);
  const series = results.flatMap((r, i) =>
    (['p50', 'p90', 'p99'] as const).map((p) => ({
      label: `${r.targetLabel} ${p}`,
      color: COLORS[i % COLORS.length]!,
      dash: DASH[p]!,
      points: [...r.steps].sort((a, b) => xOf(a) - xOf(b)).map((s) => ({ x: Math.max(1, xOf(s)), y: Math.max(0.1, lat(s)[`${p}Ms`]), bad: s.fellBehind })),
    })),
  );
  const all = series.flatMap((s) => s.points);
  const limit = isWrites ? 50 : 100;
  const x0 = Math.log10(Math.min(...all.map((p) => p.x)) / 1.5), x1 = Math.log10(Math.max(...all.map((p) => p.x)) * 1.5);
  const y0 = Math.log10(Math.min(...all.map((p) => p.y), 1)), y1 = Math.log10(Math.max(...all.map((p) => p.y), limit * 2)) + 0.05;
  const X = (v: number) => L + ((Math.log10(v) - x0) / (x1 - x0)) * (W - L - R);
  const Y = (v: number) => H - B - ((Math.log10(v) - y0) / (y1 - y0)) * (H - T - B);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${L}" y="22" font-size="15">${scenario}: ${isWrites ? 'message.ack' : 'end-to-end'} latency vs load (log-log)</text>`,
  ];
  for (let e = Math.floor(x0); e <= Math.ceil(x1); e++)
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (Math.log10(v) < x0 || Math.log10(v) > x1) continue;
      out.push(`<line x1="${X(v)}" y1="${T}" x2="${X(v)}" y2="${H - B}" stroke="#eee"/>`, `<text x="${X(v)}" y="${H - B + 16}" text-anchor="middle">${v >= 1000 ? `${v / 1000}k` : v}</text>`);
    }
  for (let e = Math.floor(y0); e <= Math.ceil(y1); e++)
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (Math.log10(v) < y0 || Math.log10(v) > y1) continue;
      out.push(`<line x1="${L}" y1="${Y(v)}" x2="${W - R}" y2="${Y(v)}" stroke="#eee"/>`, `<text x="${L - 6}" y="${Y(v) + 4}" text-anchor="end">${v}</text>`);
    }
  out.push(
    `<line x1="${L}" y1="${Y(limit)}" x2="${W - R}" y2="${Y(limit)}" stroke="#999" stroke-dasharray="8 4"/>`,
    `<text x="${W - R - 4}" y="${Y(limit) - 4}" text-anchor="end" fill="#666">p99 limit ${limit} ms</text>`,
    `<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - T - B}" fill="none" stroke="#333"/>`,
    `<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle">${isWrites ? 'acked messages/s' : 'deliveries/s'}</text>`,
    `<text transform="translate(16 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">latency, ms</text>`,
  );
  series.forEach((s, i) => {
    const d = s.points.map((p, j) => `${j ? 'L' : 'M'}${X(p.x).toFixed(1)},${Y(p.y).toFixed(1)}`).join(' ');
    out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2" stroke-dasharray="${s.dash}"/>`);
    for (const p of s.points) out.push(`<circle cx="${X(p.x).toFixed(1)}" cy="${Y(p.y).toFixed(1)}" r="3" fill="${p.bad ? 'white' : s.color}" stroke="${s.color}"/>`);
    const ly = T + 10 + i * 18;
    out.push(`<line x1="${W - R + 12}" y1="${ly}" x2="${W - R + 40}" y2="${ly}" stroke="${s.color}" stroke-width="2" stroke-dasharray="${s.dash}"/>`, `<text x="${W - R + 46}" y="${ly + 4}">${s.label}</text>`);
  });
  out.push(`<text x="${W - R + 12}" y="${T + 10 + series.length * 18 + 8}" fill="#666">hollow point: fell behind</text>`, '</svg>');
  return `${out.join('\n')}\n`;
}

/** S3: resident memory of the process holding the sockets against open connections, linear axes. */
export function memoryChartSvg(results: ScenarioResult[]): string {
  const W = 760, H = 440, L = 70, R = 230, T = 40, B = 50;
  const series = results.filter((r) => r.memoryCurve?.length).map((r, i) => ({ label: r.targetLabel, color: COLORS[i % COLORS.length]!, points: r.memoryCurve! }));
  const all = series.flatMap((s) => s.points);
  const xMax = Math.max(1, ...all.map((p) => p.conns)) * 1.05;
  const yMax = Math.max(1, ...all.map((p) => p.rssMb)) * 1.1;
  const X = (v: number) => L + (v / xMax) * (W - L - R);
  const Y = (v: number) => H - B - (v / yMax) * (H - T - B);
  const step = (max: number) => 10 ** Math.floor(Math.log10(max / 2)) * (max / 10 ** Math.floor(Math.log10(max / 2)) > 10 ? 5 : 2) / 2;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    '<text x="70" y="22" font-size="15">S3: resident memory (VmRSS) of the socket process vs open connections</text>',
  ];
  for (let v = 0, d = step(xMax); v <= xMax; v += d) out.push(`<line x1="${X(v)}" y1="${T}" x2="${X(v)}" y2="${H - B}" stroke="#eee"/>`, `<text x="${X(v)}" y="${H - B + 16}" text-anchor="middle">${v}</text>`);
  for (let v = 0, d = step(yMax); v <= yMax; v += d) out.push(`<line x1="${L}" y1="${Y(v)}" x2="${W - R}" y2="${Y(v)}" stroke="#eee"/>`, `<text x="${L - 6}" y="${Y(v) + 4}" text-anchor="end">${v}</text>`);
  out.push(
    `<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - T - B}" fill="none" stroke="#333"/>`,
    `<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle">open connections</text>`,
    `<text transform="translate(16 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">RSS, MB</text>`,
  );
  series.forEach((s, i) => {
    const d = s.points.map((p, j) => `${j ? 'L' : 'M'}${X(p.conns).toFixed(1)},${Y(p.rssMb).toFixed(1)}`).join(' ');
    const ly = T + 10 + i * 18;
    out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"/>`, `<line x1="${W - R + 12}" y1="${ly}" x2="${W - R + 40}" y2="${ly}" stroke="${s.color}" stroke-width="2"/>`, `<text x="${W - R + 46}" y="${ly + 4}">${s.label}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

export function writeChart(dir: string, date: string, scenario: ScenarioId, results: ScenarioResult[]): string | undefined {
  const svg = scenario === 'S3' ? (results.some((r) => r.memoryCurve?.length) ? memoryChartSvg(results) : undefined) : results.some((r) => r.steps.length > 1) ? latencyChartSvg(scenario, results) : undefined;
  if (!svg) return undefined;
  const path = join(dir, `${date}-${scenario}.svg`);
  writeFileSync(path, svg);
  return path;
}
