import type { FastifyInstance } from 'fastify';
import { buildAsyncApi, buildOpenApi } from '@chat/contracts';

const INDEX = `<!doctype html><meta charset="utf-8"><title>Chat API</title>
<h1>Chat backend API</h1>
<ul><li><a href="/docs/openapi.json">OpenAPI 3.1: the HTTP API</a></li>
<li><a href="/docs/asyncapi.json">AsyncAPI 3.0: the WebSocket protocol and the bus events</a></li></ul>`;

/** The machine-readable contract, generated from the zod schemas at start. */
export async function docsRoutes(app: FastifyInstance) {
  const openapi = buildOpenApi();
  const asyncapi = buildAsyncApi();
  app.get('/docs', async (_req, reply) => reply.type('text/html; charset=utf-8').send(INDEX));
  app.get('/docs/openapi.json', async () => openapi);
  app.get('/docs/asyncapi.json', async () => asyncapi);
}
