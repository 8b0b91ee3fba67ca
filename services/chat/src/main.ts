import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { loadConfig } from '@chat/config';
import { createLogger } from '@chat/logging';
import { connectNats, natsReconnects } from '@chat/nats';
import { DataDirInUseError, onShutdown, startHealthServer } from '@chat/runtime';
import { buildChatApp } from './app.ts';
import { ChatConfig } from './config.ts';
import { openDatabase } from './db/open-database.ts';

const config = loadConfig(ChatConfig, process.env, 'chat');
const serverId = config.SERVER_ID ?? `chat-${randomBytes(3).toString('hex')}`;
const log = createLogger({ service: 'chat', level: config.LOG_LEVEL, serverId });
const nc = await connectNats({ url: config.NATS_URL, name: serverId, user: config.NATS_USER, pass: config.NATS_PASS }, log);
const db = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: join(config.DATA_DIR, 'pglite') }, log).catch((err: unknown) => {
  if (!(err instanceof DataDirInUseError)) throw err;
  log.fatal({ code: err.code, holderPid: err.holder.pid }, `${err.message}: stop it, or give this chat another DATA_DIR`);
  process.exit(1);
});

const crashBeforePublish = async () => {
  await nc.flush(); // let the client's ack leave first: the crash must follow an acked commit
  log.warn('CHAT_FAULT: crashing before publish');
  process.kill(process.pid, 'SIGKILL');
};
const registry = new Registry();
collectDefaultMetrics({ register: registry });
const rpcTotal = new Counter({ name: 'chat_requests_total', help: 'chat RPCs by method and result', labelNames: ['method', 'result'] as const, registers: [registry] });
const rpcSeconds = new Histogram({ name: 'chat_request_seconds', help: 'chat RPC handling time', labelNames: ['method'] as const, buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1], registers: [registry] });
const acked = new Counter({ name: 'chat_messages_acked_total', help: 'message sends acked (an idempotent repeat counts again)', registers: [registry] });
new Counter({ name: 'nats_reconnects_total', help: 'NATS reconnects of this process', registers: [registry], collect() { this.reset(); this.inc(natsReconnects(nc)); } });
const app = buildChatApp({
  observe: (method, result, seconds) => {
    rpcTotal.inc({ method, result });
    rpcSeconds.observe({ method }, seconds);
    if (result === 'ok' && (method === 'message.send' || method === 'dm.send')) acked.inc();
  },
  nc,
  db,
  log,
  streamReplicas: config.STREAM_REPLICAS,
  beforePublish: config.CHAT_FAULT === 'crash-before-publish' ? crashBeforePublish : undefined,
});
await app.start();

new Gauge({
  name: 'chat_outbox_backlog',
  help: 'events committed but not yet published to JetStream',
  registers: [registry],
  async collect() {
    this.set(await app.outboxBacklog());
  },
});
const health = await startHealthServer({
  port: config.HEALTH_PORT,
  serverId,
  registry,
  checks: {
    nats: async () => (nc.isClosed() ? 'closed' : undefined),
    db: async () => {
      await db.ping();
      return undefined;
    },
  },
});
log.info({ healthPort: health.port }, 'chat ready');
onShutdown(log, [health.close, app.stop, db.close, () => nc.drain()]);
