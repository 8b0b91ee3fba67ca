import { AppError, checkMessageText, clampLimit, CLOSE, encodeFrame, type ClientRequest, type Member, type RequestData, type RequestType, type StoredMember } from '@chat/contracts';
import type { GatewayContext } from '../context.ts';
import type { Connection } from './connection.ts';

type Handler<T extends RequestType> = (ctx: GatewayContext, conn: Connection, data: RequestData<T>, ref?: string) => Promise<void>;
type Handlers = { [T in RequestType]: Handler<T> };

const actorOf = (conn: Connection) => ({ userId: conn.userId, username: conn.username });

export function withStatus(ctx: GatewayContext, members: StoredMember[]): Member[] {
  return members.map((m) => ({ userId: m.userId, username: m.username, status: ctx.presence.statusOf(m.userId), lastReadSeq: m.lastReadSeq }));
}

function checkText(text: string) {
  const problem = checkMessageText(text);
  if (problem) throw problem;
}

/**
 * Typing needs membership. The hub knows this connection's rooms; for any other room the
 * chat service tells public (NOT_A_MEMBER) from invisible (ROOM_NOT_FOUND).
 */
async function requireMember(ctx: GatewayContext, conn: Connection, roomId: string) {
  if (conn.rooms.has(roomId)) return;
  await ctx.chat('room.get', { actor: actorOf(conn), roomId });
  throw new AppError('NOT_A_MEMBER', `not a member of room ${roomId}`);
}

const handlers: Handlers = {
  async 'auth.login'(_ctx, conn, _data, ref) {
    conn.sendError(new AppError('BAD_REQUEST', 'already logged in'), ref);
  },
  async 'auth.logout'(_ctx, conn) {
    conn.close(CLOSE.NORMAL, 'logged out');
  },
  async ping(_ctx, conn, _data, ref) {
    conn.send('pong', { serverTime: Date.now() }, ref);
  },
  async 'room.create'(ctx, conn, data, ref) {
    const { room } = await ctx.chat('room.create', { actor: actorOf(conn), ...data });
    ctx.hub.addUserToRoom(conn.userId, room.roomId, 0);
    conn.send('room.created', { room }, ref);
  },
  async 'room.list'(ctx, conn, _data, ref) {
    conn.send('room.list', await ctx.chat('room.list', { actor: actorOf(conn) }), ref);
  },
  async 'room.join'(ctx, conn, data, ref) {
    const res = await ctx.chat('room.join', { actor: actorOf(conn), roomId: data.roomId, since: data.since, limit: clampLimit(data.limit) });
    ctx.hub.addUserToRoom(conn.userId, res.room.roomId, res.sinceSeq);
    conn.send('room.joined', { room: res.room, users: withStatus(ctx, res.members), recentMessages: res.recentMessages, hasMore: res.hasMore }, ref);
  },
  async 'room.leave'(ctx, conn, data, ref) {
    await ctx.chat('room.leave', { actor: actorOf(conn), roomId: data.roomId });
    ctx.typing.stop(conn, data.roomId);
    // The user's other sockets here leave with this one, before the room's own userLeft
    // broadcast arrives: tell them now, as their twins on other gateways will be told.
    const left = encodeFrame('room.userLeft', { roomId: data.roomId, username: conn.username });
    for (const other of ctx.hub.connsOfUser(conn.userId)) if (other !== conn && other.rooms.has(data.roomId)) other.sendRaw(left);
    ctx.hub.removeUserFromRoom(conn.userId, data.roomId);
    conn.send('room.left', { roomId: data.roomId }, ref);
  },
  async 'room.members'(ctx, conn, data, ref) {
    const res = await ctx.chat('room.members', { actor: actorOf(conn), roomId: data.roomId });
    conn.send('room.members', { roomId: res.roomId, members: withStatus(ctx, res.members) }, ref);
  },
  async 'room.invite'(ctx, conn, data, ref) {
    conn.send('room.invited', await ctx.chat('room.invite', { actor: actorOf(conn), ...data }), ref);
  },
  async 'message.send'(ctx, conn, data, ref) {
    checkText(data.text);
    const { ack } = await ctx.chat('message.send', { actor: actorOf(conn), ...data });
    ctx.typing.sent(conn, data.roomId);
    ctx.metrics.messagesPerSecond.mark();
    conn.send('message.ack', ack, ref);
  },
  async 'dm.send'(ctx, conn, data, ref) {
    checkText(data.text);
    const { ack } = await ctx.chat('dm.send', { actor: actorOf(conn), ...data });
    ctx.hub.addUserToRoom(conn.userId, ack.roomId, ack.seq - 1);
    ctx.metrics.messagesPerSecond.mark();
    conn.send('message.ack', ack, ref);
  },
  async 'message.history'(ctx, conn, data, ref) {
    conn.send('message.history', await ctx.chat('message.history', { actor: actorOf(conn), ...data, limit: clampLimit(data.limit) }), ref);
  },
  async 'message.read'(ctx, conn, data, ref) {
    conn.send('message.read.ack', await ctx.chat('message.read', { actor: actorOf(conn), ...data }), ref);
  },
  async 'typing.start'(ctx, conn, data) {
    await requireMember(ctx, conn, data.roomId);
    ctx.typing.start(conn, data.roomId);
  },
  async 'typing.stop'(ctx, conn, data) {
    await requireMember(ctx, conn, data.roomId);
    ctx.typing.stop(conn, data.roomId);
  },
  async 'presence.update'(ctx, conn, data) {
    await ctx.presence.update(conn, data.status);
  },
};

export function handleRequest(ctx: GatewayContext, conn: Connection, request: ClientRequest): Promise<void> {
  const handler = handlers[request.type] as Handler<RequestType>;
  return handler(ctx, conn, request.data, request.ref);
}
