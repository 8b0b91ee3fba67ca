import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { loadConfig } from '@chat/config';
import { createLogger } from '@chat/logging';
import { connectNats } from '@chat/nats';
import { onShutdown, startHealthServer } from '@chat/runtime';
import { buildChatApp } from './app.ts';
import { ChatConfig } from './config.ts';
import { openDatabase } from './db/open-database.ts';

const config = loadConfig(ChatConfig, process.env, 'chat');
const serverId = config.SERVER_ID ?? `chat-${randomBytes(3).toString('hex')}`;
const log = createLogger({ service: 'chat', level: config.LOG_LEVEL, serverId });
const nc = await connectNats({ url: config.NATS_URL, name: serverId, user: config.NATS_USER, pass: config.NATS_PASS }, log);
const db = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: join(config.DATA_DIR, 'pglite') }, log);

const crashBeforePublish = async () => {
  await nc.flush(); // let the client's ack leave first: the crash must follow an acked commit
  log.warn('CHAT_FAULT: crashing before publish');
  process.kill(process.pid, 'SIGKILL');
};
const app = buildChatApp({
  nc,
  db,
  log,
  streamReplicas: config.STREAM_REPLICAS,
  beforePublish: config.CHAT_FAULT === 'crash-before-publish' ? crashBeforePublish : undefined,
});
await app.start();

const registry = new Registry();
collectDefaultMetrics({ register: registry });
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
