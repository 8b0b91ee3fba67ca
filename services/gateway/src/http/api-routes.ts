import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AppError, clampLimit, REQUEST_DATA, RoomId, Username } from '@chat/contracts';
import type { GatewayContext } from '../context.ts';
import { withStatus } from '../ws/handlers.ts';
import { authenticate } from './auth-hook.ts';

const SeqParam = z.coerce.number().int().nonnegative();
const HistoryQuery = z.strictObject({ limit: z.coerce.number().int().positive().optional(), before: SeqParam.optional(), after: SeqParam.optional() });

function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new AppError('BAD_REQUEST', parsed.error.issues.map((i) => `${[what, ...i.path.map(String)].join('.')}: ${i.message}`).join('; '));
  }
  return parsed.data;
}

/** The HTTP API under /api/v1, same rules as the WebSocket requests it mirrors. */
export async function apiRoutes(app: FastifyInstance, opts: { ctx: GatewayContext }) {
  const { ctx } = opts;
  const actor = async (request: Parameters<typeof authenticate>[1]) => {
    const id = await authenticate(ctx, request);
    return { userId: id.userId, username: id.username };
  };
  const roomParam = (params: unknown) => parse(z.object({ roomId: RoomId }), params, 'params').roomId;

  app.post('/api/v1/auth/guest', async (request) => {
    if (ctx.config.AUTH_MODE !== 'guest') throw new AppError('FORBIDDEN', 'guest login is disabled (AUTH_MODE=jwt)');
    const { username } = parse(z.object({ username: Username }), request.body ?? {}, 'body');
    return ctx.tokens.signGuest(username);
  });

  app.get('/api/v1/rooms', async (request) => ctx.chat('room.list', { actor: await actor(request) }));

  app.post('/api/v1/rooms', async (request, reply) => {
    const who = await actor(request);
    const body = parse(REQUEST_DATA['room.create'], request.body ?? {}, 'body');
    const { room } = await ctx.chat('room.create', { actor: who, ...body });
    ctx.hub.addUserToRoom(who.userId, room.roomId, 0);
    return reply.code(201).send({ room });
  });

  app.get('/api/v1/rooms/:roomId', async (request) => ctx.chat('room.get', { actor: await actor(request), roomId: roomParam(request.params) }));

  app.get('/api/v1/rooms/:roomId/members', async (request) => {
    const res = await ctx.chat('room.members', { actor: await actor(request), roomId: roomParam(request.params) });
    return { roomId: res.roomId, members: withStatus(ctx, res.members) };
  });

  app.get('/api/v1/rooms/:roomId/history', async (request) => {
    const who = await actor(request);
    const query = parse(HistoryQuery, request.query, 'query');
    return ctx.chat('message.history', { actor: who, roomId: roomParam(request.params), ...query, limit: clampLimit(query.limit) });
  });

  app.get('/api/v1/stats', async () => {
    const { rooms, users } = await ctx.chat('stats', {});
    return { connections: ctx.connections.size, rooms, users, messagesPerSecond: ctx.metrics.messagesPerSecond.rate(), serverId: ctx.serverId };
  });
}
