import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { loadConfig } from '@chat/config';
import { createLogger } from '@chat/logging';
import { connectNats, startNatsServer, type EmbeddedNats } from '@chat/nats';
import { buildChatApp, openDatabase, type ChatApp, type Database } from '@chat/chat';
import { createBroadcaster } from '@chat/broadcast';
import { buildGatewayApp, GatewayConfig, type GatewayApp } from '@chat/gateway';

export const TEST_JWT_SECRET = 'test-secret-0123456789abcdef';

export interface RunningGateway {
  app: GatewayApp;
  url: string;
  wsUrl: string;
  nc: NatsConnection;
  stop(): Promise<void>;
}

export interface TestStack {
  nats: EmbeddedNats;
  gateways: RunningGateway[];
  chats: Array<{ app: ChatApp; db: Database }>;
  /** `opts.port`: listen on a fixed port, e.g. to restart a gateway where clients expect it. */
  startGateway(env?: Record<string, string | undefined>, opts?: { port?: number }): Promise<RunningGateway>;
  stop(): Promise<void>;
}

const log = createLogger({ service: 'test', level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** Starts a gateway in this process against a NATS URL, on a free port (or `opts.port`). */
export async function startGateway(natsUrl: string, env: Record<string, string | undefined> = {}, opts: { port?: number } = {}): Promise<RunningGateway> {
  const config = loadConfig(GatewayConfig, { PORT: '0', HOST: '127.0.0.1', JWT_SECRET: TEST_JWT_SECRET, LOG_LEVEL: 'silent', ...env }, 'gateway');
  const serverId = env.SERVER_ID ?? `gw-test-${Math.random().toString(36).slice(2, 8)}`;
  const nc = await connectNats({ url: natsUrl, name: serverId }, log);
  const app = await buildGatewayApp({ config, log, nc, serverId });
  await app.http.listen({ port: opts.port ?? 0, host: '127.0.0.1' });
  const address = app.http.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    app,
    nc,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    async stop() {
      await app.stop();
      await nc.close();
    },
  };
}

/**
 * The whole pipeline in this process, each service with its own NATS connection, against a
 * real nats-server and a real database (in-memory PGlite, or PostgreSQL by URL).
 */
export async function startStack(opts: { gateways?: number; chatReplicas?: number; databaseUrl?: string; gatewayEnv?: Record<string, string> } = {}): Promise<TestStack> {
  const dir = mkdtempSync(join(tmpdir(), 'chat-stack-'));
  const nats = await startNatsServer({ storeDir: join(dir, 'nats') });
  const connections: NatsConnection[] = [];
  const connectService = async (name: string) => {
    const nc = await connectNats({ url: nats.url, name }, log);
    connections.push(nc);
    return nc;
  };
  const chats: TestStack['chats'] = [];
  for (let i = 0; i < (opts.chatReplicas ?? 1); i++) {
    if (i > 0 && !opts.databaseUrl) throw new Error('several chat replicas need PostgreSQL');
    const db = await openDatabase({ databaseUrl: opts.databaseUrl }, log);
    const app = buildChatApp({ nc: await connectService(`chat-${i}`), db, log });
    await app.start();
    chats.push({ app, db });
  }
  const broadcaster = createBroadcaster({ nc: await connectService('broadcast'), log });
  await broadcaster.start();
  const gateways: RunningGateway[] = [];
  const stack: TestStack = {
    nats,
    gateways,
    chats,
    async startGateway(env = {}, gwOpts = {}) {
      const gw = await startGateway(nats.url, { ...opts.gatewayEnv, ...env }, gwOpts);
      gateways.push(gw);
      return gw;
    },
    async stop() {
      await Promise.allSettled(gateways.map((g) => g.stop()));
      await broadcaster.stop().catch(() => {});
      for (const c of chats) {
        await c.app.stop().catch(() => {});
        await c.db.close().catch(() => {});
      }
      await Promise.allSettled(connections.map((nc) => nc.close()));
      await nats.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  for (let i = 0; i < (opts.gateways ?? 1); i++) await stack.startGateway();
  return stack;
}
