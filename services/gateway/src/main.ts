import { randomBytes } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { loadConfig } from '@chat/config';
import { createLogger } from '@chat/logging';
import { connectNats } from '@chat/nats';
import { onShutdown } from '@chat/runtime';
import { buildGatewayApp } from './app.ts';
import { GatewayConfig } from './config.ts';

const config = loadConfig(GatewayConfig, process.env, 'gateway');
// A gateway's heap is mostly long-lived per-socket objects; with V8's default growth an idle
// gateway kept about as much garbage again as live heap (docs/performance.md, S3). Read at
// every full GC, so setting it now takes effect.
if (config.HEAP_GROWTH_PERCENT > 0) setFlagsFromString(`--heap-growing-percent=${config.HEAP_GROWTH_PERCENT}`);
const serverId = config.SERVER_ID ?? `gw-${randomBytes(3).toString('hex')}`;
const log = createLogger({ service: 'gateway', level: config.LOG_LEVEL, serverId });
if (config.AUTH_MODE === 'jwt' && !config.JWT_SECRET && !config.JWT_JWKS_URL) {
  log.fatal('AUTH_MODE=jwt needs JWT_SECRET or JWT_JWKS_URL');
  process.exit(1);
}
if (config.AUTH_MODE === 'guest' && !config.JWT_SECRET) log.warn('JWT_SECRET unset: guest tokens are valid on this gateway only');
const nc = await connectNats({ url: config.NATS_URL, name: serverId, user: config.NATS_USER, pass: config.NATS_PASS }, log);
const app = await buildGatewayApp({ config, log, nc, serverId });
await app.http.listen({ port: config.PORT, host: config.HOST }).catch((err: NodeJS.ErrnoException) => {
  if (err.code !== 'EADDRINUSE') throw err;
  log.fatal({ code: 'PORT_IN_USE', port: config.PORT }, `port ${config.PORT} is in use by another program: stop it, or set PORT`);
  process.exit(1);
});
log.info({ port: config.PORT }, 'gateway listening');
onShutdown(log, [app.stop, () => nc.drain()]);
