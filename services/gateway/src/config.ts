import { z } from 'zod';
import { BaseConfig } from '@chat/config';

export const GatewayConfig = BaseConfig.extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000).describe('HTTP + WebSocket port'),
  HOST: z.string().default('0.0.0.0').describe('address to listen on'),
  AUTH_MODE: z.enum(['guest', 'jwt']).default('guest').describe('login mode: guest usernames, or JWTs only'),
  JWT_SECRET: z.string().min(16).optional().describe('HS256 secret; in guest mode it signs guest tokens (random when unset)'),
  JWT_JWKS_URL: z.url().optional().describe('JWKS URL for jwt mode (RS256/ES256/EdDSA keys)'),
  JWT_ISSUER: z.string().optional().describe('required `iss` when set'),
  JWT_AUDIENCE: z.string().optional().describe('required `aud` when set'),
  GUEST_TOKEN_TTL_S: z.coerce.number().int().positive().default(3600).describe('lifetime of tokens from POST /api/v1/auth/guest'),
  AUTH_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000).describe('close 4401 when no login within this time'),
  MAX_FRAME_BYTES: z.coerce.number().int().positive().default(65_536).describe('largest accepted frame; larger closes 1009'),
  MAX_CONNECTIONS: z.coerce.number().int().positive().default(10_000).describe('connections per gateway; beyond: HTTP 503'),
  MAX_CONNECTIONS_PER_IP: z.coerce.number().int().min(0).default(0).describe('connections per client IP (0: unlimited)'),
  MAX_BUFFERED_BYTES: z.coerce.number().int().positive().default(1_048_576).describe('unsent bytes before a slow connection is closed 1013'),
  HEARTBEAT_INTERVAL_MS: z.coerce.number().int().positive().default(30_000).describe('WebSocket ping interval; two missed pongs terminate'),
  RATE_LIMIT_BURST: z.coerce.number().int().positive().default(20).describe('token bucket size per user (send, dm, create, invite)'),
  RATE_LIMIT_PER_SEC: z.coerce.number().positive().default(5).describe('token refill per second'),
  CONN_MAX_REQUESTS_PER_SEC: z.coerce.number().int().positive().default(50).describe('other requests per connection per second'),
  TYPING_TIMEOUT_MS: z.coerce.number().int().positive().default(3000).describe('typing expires this long after the last typing.start'),
  PRESENCE_TIMEOUT_MS: z.coerce.number().int().positive().default(300_000).describe('no request for this long turns online into away'),
  PRESENCE_GRACE_MS: z.coerce.number().int().min(0).default(5000).describe('offline is announced this long after the last connection closed'),
  REQUEST_TIMEOUT_MS: z.coerce.number().int().positive().default(15_000).describe('an HTTP request (or upgrade) not fully received within this is cut (slow-request protection)'),
  CHAT_TIMEOUT_MS: z.coerce.number().int().positive().default(5000).describe('timeout of a request to the chat service'),
  SHUTDOWN_RECONNECT_AFTER_MS: z.coerce.number().int().min(0).default(1000).describe('reconnectAfterMs sent in server.shutdown'),
  ALLOWED_ORIGINS: z.string().optional().describe('comma-separated Origins allowed to open /ws (unset: any)'),
  CORS_ORIGINS: z.string().optional().describe('Origins allowed to call the HTTP API from a browser: a comma list, or * (unset: no CORS)'),
  TRUST_PROXY: z.stringbool().default(false).describe('honour X-Forwarded-* headers'),
  HEAP_GROWTH_PERCENT: z.coerce.number().int().min(0).default(50).describe("how far V8's old space grows past the live heap before a full GC (0: V8's own, about 2x): idle sockets cost less memory for a little CPU"),
  WEB_DIR: z.string().optional().describe('folder of the built web client served at / (default: clients/web/dist)'),
});
export type GatewayConfig = z.infer<typeof GatewayConfig>;
