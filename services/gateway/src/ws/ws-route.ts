import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ERRORS } from '@chat/contracts';
import type { Identity } from '../auth/tokens.ts';
import type { GatewayContext } from '../context.ts';
import { Connection } from './connection.ts';

function bearer(request: FastifyRequest): string | undefined {
  const query = request.query as Record<string, unknown>;
  if (typeof query.token === 'string' && query.token) return query.token;
  const header = request.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice(7) : undefined;
}

function refuse(reply: FastifyReply, err: AppError) {
  return reply.code(ERRORS[err.code].status).send({ error: { code: err.code, message: err.message } });
}

/**
 * GET /ws. Everything that can refuse a connection happens before the upgrade, as plain
 * HTTP: capacity (503), Origin (403), a bad token (401).
 */
export async function wsRoutes(app: FastifyInstance, opts: { ctx: GatewayContext }) {
  const { ctx } = opts;
  const identities = new WeakMap<FastifyRequest, Identity>();
  const perIp = new Map<string, number>();
  const open = ctx.connections;
  const allowedOrigins = ctx.config.ALLOWED_ORIGINS?.split(',').map((o) => o.trim()).filter(Boolean);

  app.get(
    '/ws',
    {
      websocket: true,
      preValidation: async (request, reply) => {
        if (open.size >= ctx.config.MAX_CONNECTIONS) {
          return refuse(reply, new AppError('UNAVAILABLE', 'gateway is at its connection limit'));
        }
        const max = ctx.config.MAX_CONNECTIONS_PER_IP;
        if (max > 0 && (perIp.get(request.ip) ?? 0) >= max) return refuse(reply, new AppError('RATE_LIMITED', 'too many connections from this address'));
        const origin = request.headers.origin;
        if (allowedOrigins && origin && !allowedOrigins.includes(origin)) return refuse(reply, new AppError('FORBIDDEN', 'origin not allowed'));
        const token = bearer(request);
        if (token === undefined) return;
        try {
          identities.set(request, await ctx.tokens.verify(token));
        } catch (err) {
          return refuse(reply, err instanceof AppError ? err : new AppError('AUTH_FAILED', 'invalid token'));
        }
      },
    },
    (socket, request) => {
      // Only the address outlives the upgrade: closures must not keep the request alive.
      const ip = request.ip;
      const conn = new Connection(socket, ip, ctx);
      perIp.set(ip, (perIp.get(ip) ?? 0) + 1);
      open.add(conn);
      socket.on('close', () => {
        open.delete(conn);
        const n = (perIp.get(ip) ?? 1) - 1;
        if (n <= 0) perIp.delete(ip);
        else perIp.set(ip, n);
      });
      const identity = identities.get(request);
      if (identity) conn.loginAtUpgrade(identity);
    },
  );
}
