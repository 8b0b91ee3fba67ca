/**
 * The WebSocket endpoint, GET /ws, on a bare `ws` server bound to the HTTP server's `upgrade`
 * event. Everything that can refuse a connection happens before the upgrade, as plain HTTP:
 * capacity (503), per-address cap (429), Origin (403), a bad token (401).
 *
 * Why not @fastify/websocket: it keeps every socket's Fastify request, reply and raw HTTP
 * objects alive for the socket's whole life (about 6 KB per connection measured, see
 * docs/performance.md); an idle chat connection should cost what the socket costs.
 */
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { WebSocketServer } from 'ws';
import { AppError, ERRORS } from '@chat/contracts';
import type { Identity } from '../auth/tokens.ts';
import type { GatewayContext } from '../context.ts';
import { Connection, GatewaySocket } from './connection.ts';

function bearer(url: URL, req: IncomingMessage): string | undefined {
  const query = url.searchParams.get('token');
  if (query) return query;
  const header = req.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice(7) : undefined;
}

function refuse(socket: Duplex, err: AppError) {
  const status = ERRORS[err.code].status;
  const body = JSON.stringify({ error: { code: err.code, message: err.message } });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export function attachWebSocket(http: FastifyInstance, ctx: GatewayContext): { close(): void } {
  // No permessage-deflate (ws's default, pinned): Connection writes ready-made frames (TextFrame).
  // No clientTracking: ctx.connections tracks them, and ws's own Set costs a close listener each.
  const wss = new WebSocketServer({ noServer: true, maxPayload: ctx.config.MAX_FRAME_BYTES, perMessageDeflate: false, clientTracking: false, WebSocket: GatewaySocket });
  const perIp = new Map<string, number>();
  const open = ctx.connections;
  const allowedOrigins = ctx.config.ALLOWED_ORIGINS?.split(',').map((o) => o.trim()).filter(Boolean);

  const clientIp = (req: IncomingMessage): string => {
    const forwarded = ctx.config.TRUST_PROXY ? String(req.headers['x-forwarded-for'] ?? '').split(',')[0]?.trim() : '';
    return forwarded || req.socket.remoteAddress || 'unknown';
  };

  async function admit(req: IncomingMessage, url: URL, ip: string): Promise<Identity | undefined> {
    if (open.size >= ctx.config.MAX_CONNECTIONS) throw new AppError('UNAVAILABLE', 'gateway is at its connection limit');
    const max = ctx.config.MAX_CONNECTIONS_PER_IP;
    if (max > 0 && (perIp.get(ip) ?? 0) >= max) throw new AppError('RATE_LIMITED', 'too many connections from this address');
    const origin = req.headers.origin;
    if (allowedOrigins && origin && !allowedOrigins.includes(origin)) throw new AppError('FORBIDDEN', 'origin not allowed');
    const token = bearer(url, req);
    if (token === undefined) return undefined;
    try {
      return await ctx.tokens.verify(token);
    } catch (err) {
      throw err instanceof AppError ? err : new AppError('AUTH_FAILED', 'invalid token');
    }
  }

  function onClosed(conn: Connection) {
    if (!open.delete(conn)) return;
    const n = (perIp.get(conn.ip) ?? 1) - 1;
    if (n <= 0) perIp.delete(conn.ip);
    else perIp.set(conn.ip, n);
  }

  function onSocket(ws: GatewaySocket, transport: Duplex, ip: string, identity: Identity | undefined) {
    const conn = new Connection(ws, transport, ip, ctx, onClosed);
    perIp.set(ip, (perIp.get(ip) ?? 0) + 1);
    open.add(conn);
    if (identity) conn.loginAtUpgrade(identity);
  }

  http.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Until `ws` owns the socket, a reset must not crash the process.
    const ignore = () => {};
    socket.on('error', ignore);
    const url = new URL(req.url ?? '/', 'http://gateway');
    if (url.pathname !== '/ws') return refuse(socket, new AppError('BAD_REQUEST', 'WebSockets are served at /ws'));
    const ip = clientIp(req);
    admit(req, url, ip).then(
      (identity) => {
        if (socket.destroyed) return;
        wss.handleUpgrade(req, socket, head, (ws) => {
          socket.off('error', ignore);
          onSocket(ws, socket, ip, identity);
        });
      },
      (err: unknown) => refuse(socket, err instanceof AppError ? err : new AppError('INTERNAL', 'upgrade failed')),
    );
  });

  // A plain GET /ws (no Upgrade header) is a client mistake worth naming.
  http.get('/ws', async (_req, reply) => reply.code(426).header('upgrade', 'websocket').send({ error: { code: 'BAD_REQUEST', message: 'use a WebSocket client: Upgrade: websocket' } }));

  return { close: () => wss.close() };
}
