import { randomBytes } from 'node:crypto';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { loadConfig } from '@chat/config';
import { createLogger } from '@chat/logging';
import { connectNats, ensureEventStream, natsReconnects } from '@chat/nats';
import { onShutdown, startHealthServer } from '@chat/runtime';
import { BroadcastConfig } from './config.ts';
import { createBroadcaster } from './consumer.ts';

const config = loadConfig(BroadcastConfig, process.env, 'broadcast');
const serverId = config.SERVER_ID ?? `broadcast-${randomBytes(3).toString('hex')}`;
const log = createLogger({ service: 'broadcast', level: config.LOG_LEVEL, serverId });
const nc = await connectNats({ url: config.NATS_URL, name: serverId, user: config.NATS_USER, pass: config.NATS_PASS }, log);
await ensureEventStream(nc, { replicas: config.STREAM_REPLICAS });
const broadcaster = createBroadcaster({ nc, log });
await broadcaster.start();

const registry = new Registry();
collectDefaultMetrics({ register: registry });
for (const key of ['events', 'published', 'redelivered', 'malformed'] as const) {
  new Counter({
    name: `broadcast_${key}_total`,
    help: `broadcast ${key}`,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(broadcaster.stats[key]);
    },
  });
}
new Counter({ name: 'nats_reconnects_total', help: 'NATS reconnects of this process', registers: [registry], collect() { this.reset(); this.inc(natsReconnects(nc)); } });
new Gauge({
  name: 'broadcast_consumer_pending',
  help: 'events not yet delivered or not yet acked',
  registers: [registry],
  async collect() {
    this.set(await broadcaster.pending().catch(() => -1));
  },
});
const health = await startHealthServer({
  port: config.HEALTH_PORT,
  serverId,
  registry,
  checks: { nats: async () => (nc.isClosed() ? 'closed' : undefined) },
});
log.info({ healthPort: health.port }, 'broadcast ready');
onShutdown(log, [health.close, broadcaster.stop, () => nc.drain()]);
