/**
 * Machine-readable contract, generated from the zod schemas: OpenAPI 3.1 for the HTTP API,
 * AsyncAPI 3.0 for the WebSocket protocol and the bus events. Nothing here is written by
 * hand except the routes' and channels' descriptions, so the documents cannot drift from
 * the code that validates the traffic.
 */
import { z } from 'zod';
import { ChatEvent } from './bus-events.ts';
import { REQUEST_DATA } from './client-requests.ts';
import { ErrorCodeSchema, SERVER_FRAME_DATA } from './server-frames.ts';
import { HistoryPage, Member, RoomInfo } from './models.ts';
import { Username } from './ids.ts';

type Json = Record<string, unknown>;
const schema = (s: z.ZodType): Json => z.toJSONSchema(s, { unrepresentable: 'any', io: 'output' }) as Json;

const ErrorBody = z.object({ error: z.object({ code: z.union([ErrorCodeSchema, z.literal('NOT_FOUND')]), message: z.string() }) });

function jsonResponse(description: string, body: z.ZodType): Json {
  return { description, content: { 'application/json': { schema: schema(body) } } };
}

const errors = (...statuses: number[]): Json =>
  Object.fromEntries(statuses.map((s) => [String(s), jsonResponse('error', ErrorBody)]));

export function buildOpenApi(version = '1.0.0'): Json {
  const bearer = [{ bearer: [] }];
  const roomIdParam = { name: 'roomId', in: 'path', required: true, schema: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' } };
  return {
    openapi: '3.1.0',
    info: { title: 'Chat backend HTTP API', version, description: 'Errors are {"error": {"code", "message"}}. Private and dm rooms answer 404 to non-members.' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    paths: {
      '/health': { get: { summary: 'liveness', responses: { '200': jsonResponse('alive', z.object({ status: z.literal('ok'), serverId: z.string(), uptimeS: z.number(), connections: z.number() })) } } },
      '/ready': {
        get: {
          summary: 'readiness: NATS and the chat service reachable',
          responses: {
            '200': jsonResponse('ready', z.object({ status: z.literal('ready'), checks: z.record(z.string(), z.string()) })),
            '503': jsonResponse('not ready; each failing check holds its reason', z.object({ status: z.literal('not_ready'), checks: z.record(z.string(), z.string()) })),
          },
        },
      },
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { '200': { description: 'text format', content: { 'text/plain': {} } } } } },
      '/api/v1/auth/guest': {
        post: {
          summary: 'a guest token (AUTH_MODE=guest only)',
          requestBody: { required: true, content: { 'application/json': { schema: schema(z.object({ username: Username })) } } },
          responses: { '200': jsonResponse('token', z.object({ token: z.string(), expiresAt: z.number() })), ...errors(400, 403) },
        },
      },
      '/api/v1/rooms': {
        get: { summary: 'public rooms and the caller\'s private and dm rooms', security: bearer, responses: { '200': jsonResponse('rooms', z.object({ rooms: z.array(RoomInfo) })), ...errors(401) } },
        post: {
          summary: 'create a room; the caller becomes a member',
          security: bearer,
          requestBody: { required: true, content: { 'application/json': { schema: schema(REQUEST_DATA['room.create']) } } },
          responses: { '201': jsonResponse('created', z.object({ room: RoomInfo })), ...errors(400, 401, 409, 413, 429, 503) },
        },
      },
      '/api/v1/rooms/{roomId}': {
        get: { summary: 'one room', security: bearer, parameters: [roomIdParam], responses: { '200': jsonResponse('room', z.object({ room: RoomInfo })), ...errors(401, 404) } },
      },
      '/api/v1/rooms/{roomId}/members': {
        get: { summary: 'members with live status', security: bearer, parameters: [roomIdParam], responses: { '200': jsonResponse('members', z.object({ roomId: z.string(), members: z.array(Member) })), ...errors(401, 404) } },
      },
      '/api/v1/rooms/{roomId}/history': {
        get: {
          summary: 'message history, oldest first (before/after are exclusive seq bounds; limit defaults to 50, clamped to 200)',
          security: bearer,
          parameters: [roomIdParam, ...['limit', 'before', 'after'].map((name) => ({ name, in: 'query', required: false, schema: { type: 'integer', minimum: 0 } }))],
          responses: { '200': jsonResponse('a page', HistoryPage), ...errors(400, 401, 404) },
        },
      },
      '/api/v1/stats': {
        get: { summary: 'gateway and cluster figures', responses: { '200': jsonResponse('stats', z.object({ connections: z.number(), rooms: z.number(), users: z.number(), messagesPerSecond: z.number(), serverId: z.string() })) } },
      },
    },
  };
}

function frame(type: string, data: z.ZodType, withRef: boolean): Json {
  return {
    name: type,
    payload: {
      type: 'object',
      required: ['type', ...(withRef ? [] : ['data'])],
      properties: { type: { const: type }, ...(withRef ? { ref: { type: 'string', maxLength: 64 } } : {}), data: schema(data) },
    },
  };
}

export function buildAsyncApi(version = '1.0.0'): Json {
  const key = (type: string) => type.replaceAll('.', '_');
  const requests = Object.entries(REQUEST_DATA).map(([type, data]) => [`req_${key(type)}`, frame(type, data, true)] as const);
  const replies = Object.entries(SERVER_FRAME_DATA).map(([type, data]) => [`srv_${key(type)}`, frame(type, data, true)] as const);
  const events = ChatEvent.options.map((e) => [`bus_${key(e.shape.type.value)}`, { name: e.shape.type.value, payload: schema(e) }] as const);
  const ref = (id: string, channel: string) => ({ $ref: `#/channels/${channel}/messages/${id}` });
  return {
    asyncapi: '3.0.0',
    info: { title: 'Chat backend WebSocket protocol and bus events', version, description: 'Client frames at GET /ws (text, one JSON object each, at most 64 KiB), and the versioned events on the JetStream stream CHAT_EVENTS.' },
    servers: { gateway: { host: 'localhost:3000', pathname: '/ws', protocol: 'ws' }, nats: { host: 'localhost:4222', protocol: 'nats' } },
    channels: {
      ws: { address: '/ws', servers: [{ $ref: '#/servers/gateway' }], messages: Object.fromEntries([...requests, ...replies]) },
      chatEvents: { address: 'chat.events.{roomId}', servers: [{ $ref: '#/servers/nats' }], parameters: { roomId: { description: 'the room the event belongs to' } }, messages: Object.fromEntries(events) },
    },
    operations: {
      clientSends: { action: 'receive', channel: { $ref: '#/channels/ws' }, messages: requests.map(([id]) => ref(id, 'ws')) },
      serverSends: { action: 'send', channel: { $ref: '#/channels/ws' }, messages: replies.map(([id]) => ref(id, 'ws')) },
      chatPublishes: { action: 'send', channel: { $ref: '#/channels/chatEvents' }, messages: events.map(([id]) => ref(id, 'chatEvents')) },
    },
  };
}
