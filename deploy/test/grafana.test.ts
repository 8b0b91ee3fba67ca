import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawnService, startStack, TestClient, type ServiceProcess, type TestStack } from '@chat/testing';
import { freePort } from '@chat/nats';

const dashboard = JSON.parse(readFileSync(new URL('../grafana/chat-dashboard.json', import.meta.url), 'utf8')) as { panels: Array<{ targets: Array<{ expr: string }> }> };
let stack: TestStack;
const procs: ServiceProcess[] = [];
const ports: number[] = [];

beforeAll(async () => {
  stack = await startStack();
  for (const service of ['chat', 'broadcast'] as const) {
    const port = await freePort();
    const p = spawnService(service, { NATS_URL: stack.nats.url, HEALTH_PORT: String(port), DATA_DIR: `/tmp/grafana-test-${process.pid}` });
    await p.waitForOutput(`${service} ready`);
    procs.push(p);
    ports.push(port);
  }
  // Some traffic, so histograms and counters have series.
  const c = await TestClient.guest(stack.gateways[0]!.wsUrl, 'metrics-user');
  await c.ok('room.created', 'room.create', { roomId: 'metrics' });
  await c.ok('message.ack', 'message.send', { roomId: 'metrics', text: 'hi' });
  await c.close();
}, 90_000);
afterAll(async () => {
  await Promise.all(procs.map((p) => p.kill()));
  await stack?.stop();
});

it('charts only metrics that the services export', async () => {
  const exported = (
    await Promise.all([`${stack.gateways[0]!.url}/metrics`, ...ports.map((p) => `http://127.0.0.1:${p}/metrics`)].map(async (u) => (await fetch(u)).text()))
  ).join('\n');
  const names = new Set(exported.split('\n').filter((l) => l.startsWith('# TYPE ')).map((l) => l.split(' ')[2]!));
  const used = dashboard.panels.flatMap((p) => p.targets.flatMap((t) => t.expr.match(/[a-z_]+(?:_total|_seconds_bucket|_seconds|_backlog|_pending|_connections)\b/g) ?? []));
  expect(used.length).toBeGreaterThan(10);
  for (const metric of used) expect(names.has(metric.replace(/_bucket$/, '')) || names.has(metric), metric).toBe(true);
});
