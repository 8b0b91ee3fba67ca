import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyCors from '@fastify/cors';
import fastifyHelmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { NatsConnection } from '@nats-io/transport-node';
import { CLOSE } from '@chat/contracts';
import type { Logger } from '@chat/logging';
import { createChatClient, natsReconnects } from '@chat/nats';
import { batchingSends } from './chat-sends.ts';
import { createTokenService } from './auth/tokens.ts';
import type { GatewayConfig } from './config.ts';
import type { GatewayContext } from './context.ts';
import { apiRoutes } from './http/api-routes.ts';
import { docsRoutes } from './http/docs-routes.ts';
import { installErrorHandler } from './http/errors.ts';
import { healthRoutes } from './http/health-routes.ts';
import { createHub } from './hub/hub.ts';
import { createRateLimits } from './limits/rate-limits.ts';
import { createGatewayMetrics, type GatewayMetrics } from './metrics.ts';
import { createPresence } from './presence/presence.ts';
import { createTyping } from './typing/typing.ts';
import type { Connection } from './ws/connection.ts';
import { startHeartbeat } from './ws/heartbeat.ts';
import { attachWebSocket } from './ws/upgrade.ts';

const DEFAULT_WEB_DIR = fileURLToPath(new URL('../../../clients/web/dist/', import.meta.url));

export interface GatewayApp {
  http: FastifyInstance;
  ctx: GatewayContext;
  /** Contract shutdown: server.shutdown to every socket, close 1012, then stop. */
  stop(): Promise<void>;
}

/** Builds the gateway; never listens (main.ts or a test does). */
export async function buildGatewayApp(deps: { config: Readonly<GatewayConfig>; log: Logger; nc: NatsConnection; serverId: string }): Promise<GatewayApp> {
  const { config, log, nc, serverId } = deps;
  const chat = batchingSends(createChatClient(nc, { timeoutMs: config.CHAT_TIMEOUT_MS }));
  const connections = new Set<Connection>();
  let metrics: GatewayMetrics | undefined;
  const hub = createHub<Connection>({ nc, chat, log, onFanoutLatency: (ms) => metrics?.fanoutLatency.observe(ms / 1000) });
  metrics = createGatewayMetrics({ connections: () => connections.size, rooms: () => hub.roomCount(), fanoutIn: () => hub.stats.fanoutIn, natsReconnects: () => natsReconnects(nc) });
  const typing = createTyping({ nc, timeoutMs: config.TYPING_TIMEOUT_MS, sendToRoom: hub.sendToRoom });
  const presence = await createPresence({
    nc,
    chat,
    log,
    serverId,
    graceMs: config.PRESENCE_GRACE_MS,
    awayAfterMs: config.PRESENCE_TIMEOUT_MS,
    connsOfUser: hub.connsOfUser,
    membersOf: hub.membersOf,
  });
  const ctx: GatewayContext = {
    config,
    log,
    serverId,
    nc,
    chat,
    hub,
    typing,
    presence,
    metrics,
    connections,
    limits: createRateLimits({ burst: config.RATE_LIMIT_BURST, perSec: config.RATE_LIMIT_PER_SEC, connPerSec: config.CONN_MAX_REQUESTS_PER_SEC }),
    tokens: createTokenService({
      secret: config.JWT_SECRET,
      jwksUrl: config.JWT_JWKS_URL,
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      guestTtlS: config.GUEST_TOKEN_TTL_S,
    }),
  };

  const http: FastifyInstance = Fastify({ loggerInstance: log.child({ module: 'http' }, { level: log.levelVal >= 40 ? log.level : 'warn' }) as FastifyBaseLogger, trustProxy: config.TRUST_PROXY,
    bodyLimit: 1_048_576,
    // Slow-request protection: headers and body must arrive within REQUEST_TIMEOUT_MS, checked
    // often enough to matter. Upgraded WebSockets leave the HTTP server and are not affected.
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    http: { headersTimeout: config.REQUEST_TIMEOUT_MS, connectionsCheckingInterval: Math.min(1000, config.REQUEST_TIMEOUT_MS) },
  });
  installErrorHandler(http);
  // The web client uses an inline-free bundle; a strict CSP keeps injected markup inert.
  await http.register(fastifyHelmet, {
    contentSecurityPolicy: { directives: { defaultSrc: ["'self'"], connectSrc: ["'self'", 'ws:', 'wss:'], imgSrc: ["'self'", 'data:'], styleSrc: ["'self'", "'unsafe-inline'"], upgradeInsecureRequests: null } },
  });
  if (config.CORS_ORIGINS) await http.register(fastifyCors, { origin: config.CORS_ORIGINS === '*' ? true : config.CORS_ORIGINS.split(',').map((o) => o.trim()) });
  const websocket = attachWebSocket(http, ctx);
  await http.register(apiRoutes, { ctx });
  await http.register(healthRoutes, { ctx });
  await http.register(docsRoutes);
  const webDir = config.WEB_DIR ?? DEFAULT_WEB_DIR;
  if (existsSync(webDir)) await http.register(fastifyStatic, { root: webDir, prefix: '/' });
  else http.get('/', async (_req, reply) => reply.type('text/plain').send('web client not built: npm run build:web'));

  const stopHeartbeat = startHeartbeat(connections, config.HEARTBEAT_INTERVAL_MS);

  return {
    http,
    ctx,
    async stop() {
      stopHeartbeat();
      for (const conn of connections) {
        conn.send('server.shutdown', { reconnectAfterMs: config.SHUTDOWN_RECONNECT_AFTER_MS });
        conn.close(CLOSE.SERVICE_RESTART, 'server restarting');
      }
      await presence.close();
      typing.close();
      hub.close();
      ctx.limits.close();
      // Sockets that ignore the close handshake are cut after a short wait.
      const cutoff = setTimeout(() => connections.forEach((c) => c.socket.terminate()), 2000);
      websocket.close();
      await http.close();
      clearTimeout(cutoff);
    },
  };
}
