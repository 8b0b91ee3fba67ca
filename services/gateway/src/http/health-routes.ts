import type { FastifyInstance } from 'fastify';
import { runChecks } from '@chat/runtime';
import { createChatClient, isNatsConnected } from '@chat/nats';
import type { GatewayContext } from '../context.ts';

export async function healthRoutes(app: FastifyInstance, opts: { ctx: GatewayContext }) {
  const { ctx } = opts;
  const started = Date.now();
  const quickChat = createChatClient(ctx.nc, { timeoutMs: 1500 });
  let draining = false;
  app.addHook('onClose', async () => {
    draining = true;
  });

  app.get('/health', async () => ({ status: 'ok', serverId: ctx.serverId, uptimeS: Math.round((Date.now() - started) / 1000), connections: ctx.connections.size }));

  app.get('/ready', async (_request, reply) => {
    const { ready, checks } = await runChecks({
      nats: async () => (draining ? 'shutting down' : isNatsConnected(ctx.nc) ? undefined : 'disconnected'),
      chat: async () => {
        await quickChat('stats', {});
        return undefined;
      },
    });
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
  });

  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', ctx.metrics.registry.contentType);
    return ctx.metrics.registry.metrics();
  });
}
