/**
 * Summarises the V8 CPU profiles `bench/run.ts --profile` leaves behind (one per server Node
 * process): `npx tsx bench/profile.ts <dir> [--top N]`. For each profile: which service it is
 * (guessed from the most-sampled source paths), self time by function, and self time by
 * where the code lives (a service, a lib, a package in node_modules, Node internals, GC).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export function placeOf(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const nm = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (nm) return nm[1]!;
  const own = url.match(/\/((?:services|libs|bench|scripts)\/[^/]+)\//);
  if (own) return own[1]!;
  if (url.startsWith('node:')) return 'node:internal';
  return url.split('/').slice(-2).join('/');
}

/** `window`: only samples in [from, to] ms after the profile started (default: all). */
export function summarise(profile: CpuProfile, top: number, window: { fromMs?: number; toMs?: number } = {}) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  const from = (window.fromMs ?? 0) * 1000;
  const to = (window.toMs ?? Infinity) * 1000;
  let at = 0;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (at >= from && at <= to) selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const byFn = new Map<string, number>();
  const byPlace = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const fnKey = `${functionName || '(anonymous)'} ${url ? `${url.replace(/^file:\/\/\/work\/main\//, '')}:${lineNumber + 1}` : ''}`.trim();
    byFn.set(fnKey, (byFn.get(fnKey) ?? 0) + us);
    const place = placeOf(url, functionName);
    byPlace.set(place, (byPlace.get(place) ?? 0) + us);
    total += us;
  }
  const busy = total - (byPlace.get('(idle)') ?? 0);
  const rank = (m: Map<string, number>) =>
    [...m]
      .filter(([k]) => k !== '(idle)')
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => ({ where: k, ms: Math.round(us / 1000), pctOfBusy: Math.round((us / busy) * 1000) / 10 }));
  const services = [...byPlace].filter(([k]) => k.startsWith('services/')).sort((a, b) => b[1] - a[1]);
  return { role: services[0]?.[0] ?? 'unknown', wallMs: Math.round((profile.endTime - profile.startTime) / 1000), busyMs: Math.round(busy / 1000), byPlace: rank(byPlace), byFunction: rank(byFn) };
}

/** Busy share (not idle) of each second of the profile, to pick the measured window. */
export function timeline(profile: CpuProfile): number[] {
  const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
  const busy: number[] = [];
  let at = 0;
  profile.samples.forEach((id, i) => {
    const d = profile.timeDeltas[i] ?? 0;
    at += d;
    const sec = Math.floor(at / 1e6);
    busy[sec] ??= 0;
    if (!idle.has(id)) busy[sec]! += d;
  });
  return Array.from(busy, (us) => Math.round((us ?? 0) / 1e4));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' }, from: { type: 'string' }, to: { type: 'string' }, timeline: { type: 'boolean', default: false } } });
  const dir = positionals[0];
  if (!dir) {
    console.error('usage: npx tsx bench/profile.ts <dir of .cpuprofile files> [--top N] [--from MS] [--to MS] [--timeline]');
    process.exit(2);
  }
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort()) {
    const profile = JSON.parse(readFileSync(join(dir, name), 'utf8')) as CpuProfile;
    if (values.timeline) console.log(`\n${name} busy % per second: ${timeline(profile).join(' ')}`);
    const s = summarise(profile, Number(values.top), { fromMs: values.from ? Number(values.from) : undefined, toMs: values.to ? Number(values.to) : undefined });
    if (s.busyMs < 50) continue;
    console.log(`\n== ${name}: ${s.role}, busy ${s.busyMs} ms of ${s.wallMs} ms`);
    console.log('by place:');
    for (const r of s.byPlace.slice(0, 12)) console.log(`  ${String(r.pctOfBusy).padStart(5)}%  ${String(r.ms).padStart(7)} ms  ${r.where}`);
    console.log('by function (self time):');
    for (const r of s.byFunction) console.log(`  ${String(r.pctOfBusy).padStart(5)}%  ${String(r.ms).padStart(7)} ms  ${r.where}`);
  }
}
