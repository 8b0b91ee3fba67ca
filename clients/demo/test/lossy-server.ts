/**
 * A gateway that answers every request correctly and never broadcasts: every send is acked
 * (so the sender believes it was stored) and no one ever receives anything. The demos must
 * call that a loss. `dropEvery` loses only some broadcasts instead (every Nth message).
 */
import { WebSocketServer } from 'ws';

export interface LossyServer {
  port: number;
  close(): Promise<void>;
}

export async function startLossyServer(opts: { dropEvery?: number } = {}): Promise<LossyServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  let seq = 0;
  const room = (roomId: string) => ({ roomId, name: roomId, kind: 'public', createdBy: 'u-0', createdAt: Date.now(), memberCount: 1, lastSeq: seq });

  wss.on('connection', (ws) => {
    let username = '';
    ws.on('message', (raw) => {
      const { type, ref, data = {} } = JSON.parse(String(raw)) as { type: string; ref?: string; data?: Record<string, unknown> };
      const reply = (t: string, d: unknown) => ws.send(JSON.stringify({ type: t, ref, data: d }));
      switch (type) {
        case 'auth.login':
          username = String(data.username);
          return reply('auth.success', { userId: `u-${username}`, username, sessionId: 's', serverId: 'lossy', protocolVersion: 1, rooms: [] });
        case 'room.create':
          return reply('room.created', { room: room(String(data.roomId)) });
        case 'room.join':
          return reply('room.joined', { room: room(String(data.roomId)), users: [], recentMessages: [], hasMore: false });
        case 'room.leave':
          return reply('room.left', { roomId: data.roomId });
        case 'message.send': {
          seq += 1;
          const message = { id: `m${seq}`, roomId: data.roomId, seq, userId: `u-${username}`, username, text: data.text, timestamp: Date.now(), clientMsgId: data.clientMsgId };
          reply('message.ack', { roomId: data.roomId, id: message.id, seq, timestamp: message.timestamp, clientMsgId: data.clientMsgId });
          if (opts.dropEvery && seq % opts.dropEvery !== 0) for (const c of wss.clients) c.send(JSON.stringify({ type: 'message.received', data: message }));
          return;
        }
        case 'ping':
          return reply('pong', { serverTime: Date.now() });
        case 'auth.logout':
          return ws.close(1000);
        default:
          return reply('error', { code: 'UNKNOWN_TYPE', message: type });
      }
    });
  });

  return {
    port: (wss.address() as { port: number }).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}
