/**
 * Reference server for issue #7: the fastest plain single-process Node chat we can write on
 * the `ws` package, speaking the contract subset the load generator uses. It is the yardstick
 * the stack is measured against, not a product: no persistence, no NATS, no heartbeats, no
 * rate limits, one process.
 *
 * Subset: `auth.login {username}` (guest), `ping`, `room.create`, `room.join {since?, limit?}`,
 * `message.send` -> `message.ack` to the sender + `message.received` to every connection of
 * every member (the sender's included). Rooms live in memory with a per-room `seq`; every
 * broadcast frame is serialised once per message and its bytes written to each socket.
 * Like the gateway, a socket with more than 1 MiB unsent is closed 1013, and frames over
 * 64 KiB close 1009.
 *
 * Run: `PORT=4000 node --import tsx bench/reference/server.ts` (prints "reference listening on <port>").
 */
import { randomUUID } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';

const MAX_BUFFERED_BYTES = 1_048_576;
const MAX_FRAME_BYTES = 65_536;
const USERNAME = /^[A-Za-z0-9_.-]{1,32}$/;
const ROOM_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const TEXT = { binary: false } as const;

interface Message {
  id: string;
  roomId: string;
  seq: number;
  userId: string;
  username: string;
  text: string;
  timestamp: number;
  clientMsgId?: string;
}

interface User {
  userId: string;
  username: string;
  conns: Set<Client>;
  /** roomId -> lastReadSeq */
  rooms: Map<string, number>;
}

interface Room {
  roomId: string;
  name: string;
  createdBy: string;
  createdAt: number;
  seq: number;
  members: Set<User>;
  /** Every open connection of every member: the fan-out list. */
  conns: Set<Client>;
  messages: Message[];
}

interface Client {
  ws: WebSocket;
  user?: User;
}

type Data = Record<string, unknown>;

const users = new Map<string, User>();
const rooms = new Map<string, Room>();
const serverId = `reference-${process.pid}`;

function write(client: Client, payload: string | Buffer): void {
  const { ws } = client;
  if (ws.readyState !== ws.OPEN) return;
  if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
    ws.close(1013, 'too slow: recover with room.join {since}');
    return;
  }
  ws.send(payload, TEXT);
}

function reply(client: Client, type: string, data: unknown, ref: string | undefined): void {
  write(client, JSON.stringify(ref === undefined ? { type, data } : { type, ref, data }));
}

function fail(client: Client, code: string, message: string, ref: string | undefined): void {
  reply(client, 'error', { code, message }, ref);
}

function broadcast(room: Room, type: string, data: unknown): void {
  const bytes = Buffer.from(JSON.stringify({ type, data })); // once per message, not per socket
  for (const conn of room.conns) write(conn, bytes);
}

function roomInfo(room: Room) {
  return { roomId: room.roomId, name: room.name, kind: 'public', createdBy: room.createdBy, createdAt: room.createdAt, memberCount: room.members.size, lastSeq: room.seq };
}

function addMember(room: Room, user: User): boolean {
  if (room.members.has(user)) return false;
  room.members.add(user);
  user.rooms.set(room.roomId, room.seq);
  for (const conn of user.conns) room.conns.add(conn);
  return true;
}

function login(client: Client, data: Data, ref: string | undefined): void {
  const username = data.username;
  if (typeof username !== 'string' || !USERNAME.test(username)) {
    return reply(client, 'auth.error', { code: 'BAD_REQUEST', message: 'data.username: 1-32 characters of A-Z a-z 0-9 _ . -' }, ref);
  }
  const userId = `guest:${username}`;
  let user = users.get(userId);
  if (!user) users.set(userId, (user = { userId, username, conns: new Set(), rooms: new Map() }));
  user.conns.add(client);
  client.user = user;
  const states = [];
  for (const [roomId, lastReadSeq] of user.rooms) {
    const room = rooms.get(roomId)!;
    room.conns.add(client);
    states.push({ roomId, lastSeq: room.seq, lastReadSeq, unread: room.seq - lastReadSeq });
  }
  reply(client, 'auth.success', { userId, username, sessionId: randomUUID(), serverId, protocolVersion: 1, rooms: states }, ref);
}

/** Messages with seq > since (oldest first), or the latest `limit` without since. */
function page(room: Room, since: number | undefined, limit: number): { messages: Message[]; hasMore: boolean } {
  const all = room.messages; // all[i].seq === i + 1
  if (since === undefined) return { messages: all.slice(Math.max(0, all.length - limit)), hasMore: all.length > limit };
  const from = Math.max(0, since);
  return { messages: all.slice(from, from + limit), hasMore: all.length > from + limit };
}

function handle(client: Client, type: string, data: Data, ref: string | undefined): void {
  const user = client.user!;
  switch (type) {
    case 'ping':
      return reply(client, 'pong', { serverTime: Date.now() }, ref);
    case 'room.create': {
      const roomId = data.roomId;
      if (typeof roomId !== 'string' || !ROOM_ID.test(roomId)) return fail(client, 'BAD_REQUEST', 'data.roomId: invalid room id', ref);
      if (rooms.has(roomId)) return fail(client, 'ROOM_EXISTS', `room ${roomId} already exists`, ref);
      const name = typeof data.name === 'string' ? data.name : roomId;
      const room: Room = { roomId, name, createdBy: user.userId, createdAt: Date.now(), seq: 0, members: new Set(), conns: new Set(), messages: [] };
      rooms.set(roomId, room);
      addMember(room, user);
      return reply(client, 'room.created', { room: roomInfo(room) }, ref);
    }
    case 'room.join': {
      const room = typeof data.roomId === 'string' ? rooms.get(data.roomId) : undefined;
      if (!room) return fail(client, 'ROOM_NOT_FOUND', `room ${String(data.roomId)} not found`, ref);
      const since = typeof data.since === 'number' ? data.since : undefined;
      const limit = Math.min(typeof data.limit === 'number' && data.limit > 0 ? data.limit : 50, 200);
      const isNew = addMember(room, user);
      if (isNew) broadcast(room, 'room.userJoined', { roomId: room.roomId, username: user.username });
      const users = [...room.members].map((m) => ({ userId: m.userId, username: m.username, status: m.conns.size > 0 ? 'online' : 'offline', lastReadSeq: m.rooms.get(room.roomId) ?? 0 }));
      const { messages, hasMore } = page(room, since, limit);
      return reply(client, 'room.joined', { room: roomInfo(room), users, recentMessages: messages, hasMore }, ref);
    }
    case 'message.send': {
      const room = typeof data.roomId === 'string' ? rooms.get(data.roomId) : undefined;
      if (!room) return fail(client, 'ROOM_NOT_FOUND', `room ${String(data.roomId)} not found`, ref);
      if (!room.members.has(user)) return fail(client, 'NOT_A_MEMBER', `not a member of room ${room.roomId}`, ref);
      const text = data.text;
      if (typeof text !== 'string' || text.trim().length === 0) return fail(client, 'BAD_REQUEST', 'data.text: must not be blank', ref);
      if (text.length > 4000 && [...text].length > 4000) return fail(client, 'PAYLOAD_TOO_LARGE', 'data.text: at most 4000 characters', ref);
      const seq = ++room.seq;
      const message: Message = { id: randomUUID(), roomId: room.roomId, seq, userId: user.userId, username: user.username, text, timestamp: Date.now() };
      if (typeof data.clientMsgId === 'string') message.clientMsgId = data.clientMsgId;
      room.messages.push(message);
      user.rooms.set(room.roomId, seq); // sending marks the room read
      reply(client, 'message.ack', { roomId: room.roomId, id: message.id, seq, timestamp: message.timestamp, ...(message.clientMsgId ? { clientMsgId: message.clientMsgId } : {}) }, ref);
      return broadcast(room, 'message.received', message);
    }
    default:
      return fail(client, 'UNKNOWN_TYPE', `unknown type: ${type.slice(0, 64)}`, ref);
  }
}

function onFrame(client: Client, raw: Buffer, isBinary: boolean): void {
  if (isBinary) return fail(client, 'BAD_REQUEST', 'binary frames are not supported; send JSON text frames', undefined);
  let frame: unknown;
  try {
    frame = JSON.parse(raw.toString('utf8'));
  } catch {
    return fail(client, 'BAD_REQUEST', 'frame is not valid JSON', undefined);
  }
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) return fail(client, 'BAD_REQUEST', 'frame must be a JSON object', undefined);
  const { type, ref, data } = frame as { type?: unknown; ref?: unknown; data?: unknown };
  if (ref !== undefined && (typeof ref !== 'string' || ref.length > 64)) return fail(client, 'BAD_REQUEST', 'ref: must be a string of at most 64 characters', undefined);
  if (typeof type !== 'string' || type.length === 0) return fail(client, 'BAD_REQUEST', 'type: required, a non-empty string', ref);
  if (data !== undefined && (typeof data !== 'object' || data === null || Array.isArray(data))) return fail(client, 'BAD_REQUEST', 'data: must be an object', ref);
  const body = (data ?? {}) as Data;
  if (!client.user) {
    if (type === 'ping') return reply(client, 'pong', { serverTime: Date.now() }, ref);
    if (type === 'auth.login') return login(client, body, ref);
    return fail(client, 'AUTH_REQUIRED', 'log in first with auth.login', ref);
  }
  if (type === 'auth.login') return fail(client, 'BAD_REQUEST', 'already logged in', ref);
  handle(client, type, body, ref);
}

function onClose(client: Client): void {
  const user = client.user;
  if (!user) return;
  user.conns.delete(client);
  for (const roomId of user.rooms.keys()) rooms.get(roomId)?.conns.delete(client);
}

const wss = new WebSocketServer({ port: Number(process.env.PORT ?? 4000), host: process.env.HOST ?? '127.0.0.1', path: '/ws', perMessageDeflate: false, clientTracking: false, maxPayload: MAX_FRAME_BYTES });
wss.on('connection', (ws) => {
  const client: Client = { ws };
  ws.on('message', (raw, isBinary) => onFrame(client, raw as Buffer, isBinary));
  ws.on('close', () => onClose(client));
  ws.on('error', () => {});
});
wss.on('listening', () => {
  const address = wss.address();
  console.log(`reference listening on ${typeof address === 'object' && address ? address.port : address}`);
});
// Nothing to flush: state is in memory by design.
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
