import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnService, startGateway, TestClient, type RunningGateway, type ServiceProcess } from '@chat/testing';
import { freePort, startNatsServer, type EmbeddedNats } from '@chat/nats';

const dashboard = JSON.parse(readFileSync(new URL('../grafana/chat-dashboard.json', import.meta.url), 'utf8')) as { panels: Array<{ targets: Array<{ expr: string }> }> };
// Chat and broadcast run as processes (their /metrics live in main.ts); one chat only, so
// every request lands on the same database.
let nats: EmbeddedNats;
let gateway: RunningGateway;
let dir: string;
const procs: ServiceProcess[] = [];
const ports: number[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'grafana-'));
  nats = await startNatsServer({ storeDir: join(dir, 'nats') });
  for (const service of ['chat', 'broadcast'] as const) {
    const port = await freePort();
    const p = spawnService(service, { NATS_URL: nats.url, HEALTH_PORT: String(port), DATA_DIR: dir });
    await p.waitForOutput(`${service} ready`);
    procs.push(p);
    ports.push(port);
  }
  gateway = await startGateway(nats.url);
  // Some traffic, so histograms and counters have series.
  const c = await TestClient.guest(gateway.wsUrl, 'metrics-user');
  await c.ok('room.created', 'room.create', { roomId: 'metrics' });
  await c.ok('message.ack', 'message.send', { roomId: 'metrics', text: 'hi' });
  await c.close();
}, 90_000);
afterAll(async () => {
  await gateway?.stop();
  await Promise.all(procs.map((p) => p.kill()));
  await nats?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('charts only metrics that the services export', async () => {
  const exported = (
    await Promise.all([`${gateway.url}/metrics`, ...ports.map((p) => `http://127.0.0.1:${p}/metrics`)].map(async (u) => (await fetch(u)).text()))
  ).join('\n');
  const names = new Set(exported.split('\n').filter((l) => l.startsWith('# TYPE ')).map((l) => l.split(' ')[2]!));
  const used = dashboard.panels.flatMap((p) => p.targets.flatMap((t) => t.expr.match(/[a-z_]+(?:_total|_seconds_bucket|_seconds|_backlog|_pending|_connections)\b/g) ?? []));
  expect(used.length).toBeGreaterThan(10);
  for (const metric of used) expect(names.has(metric.replace(/_bucket$/, '')) || names.has(metric), metric).toBe(true);
});
