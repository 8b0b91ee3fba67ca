import type { ServerFrameData } from '@chat/contracts';
import type { ChatError } from './errors.ts';

// Method syntax makes the parameter bivariant, so DOM's and ws's own event types fit.
type Handler<E> = { bivarianceHack(ev: E): void }['bivarianceHack'] | null;

/** What the SDK needs from a WebSocket: the browser's, or `ws` in Node. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: Handler<unknown>;
  onmessage: Handler<{ data: unknown }>;
  onclose: Handler<{ code: number; reason: string }>;
  onerror: Handler<unknown>;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export type Credentials =
  | { username: string }
  | { token: string }
  /** Asked before every login: lets a long-lived client refresh an expiring JWT. */
  | { getToken: () => string | Promise<string> };

export interface ChatClientOptions {
  /** e.g. `wss://chat.example.com/ws`; several gateways are tried in turn after a lost connection. */
  url: string | string[];
  auth: Credentials;
  /** Defaults to globalThis.WebSocket (browsers, Node >= 22); pass `ws` on Node 20. */
  WebSocket?: WebSocketConstructor;
  /** Default timeout of a request, ms (10 000). */
  requestTimeoutMs?: number;
  reconnect?: {
    /** false: a lost connection ends in `closed`. Default true. */
    enabled?: boolean;
    /** First delay, ms (500). */
    baseMs?: number;
    /** Largest delay, ms (30 000). */
    maxMs?: number;
  };
  /** Application-level ping interval, ms (25 000; 0 disables): finds half-open sockets. */
  pingIntervalMs?: number;
  /** Sends awaiting an ack are retried this many times after a TIMEOUT/UNAVAILABLE (3). */
  maxSendAttempts?: number;
}

export type ConnectionStatus = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface ConnectionState {
  status: ConnectionStatus;
  /** The gateway this connection is logged in to (while open). */
  serverId?: string;
  /** Reconnect attempts since the last successful login. */
  attempt: number;
  /** While reconnecting: when the next attempt starts (ms since the epoch). */
  nextAttemptAt?: number;
  /** Why the client is closed or reconnecting, when there is a reason. */
  error?: ChatError;
}

export type AuthSuccess = ServerFrameData['auth.success'];

/** Broadcasts passed through to the application as they arrive. */
type Broadcasts = Pick<
  ServerFrameData,
  | 'room.created'
  | 'room.added'
  | 'room.userJoined'
  | 'room.userLeft'
  | 'message.read'
  | 'typing.update'
  | 'presence.update'
  | 'rateLimit.warning'
  | 'server.shutdown'
>;

export interface ChatEvents extends Broadcasts {
  /** In seq order per room, each (roomId, seq) once for the client's whole life. */
  'message.received': ServerFrameData['message.received'];
  /** Every successful login, reconnects included. */
  session: AuthSuccess;
  state: ConnectionState;
  /** Errors without a waiting caller: unsolicited `error` frames, failed typing/presence. */
  error: ChatError;
  /** A room's missed messages were fetched after a reconnect or a gap. */
  recovered: { roomId: string; count: number; reason: 'reconnect' | 'gap' };
}

/** The success reply of each request type that has one. */
export interface ReplyTypes {
  'auth.login': 'auth.success';
  ping: 'pong';
  'room.create': 'room.created';
  'room.list': 'room.list';
  'room.join': 'room.joined';
  'room.leave': 'room.left';
  'room.members': 'room.members';
  'room.invite': 'room.invited';
  'message.send': 'message.ack';
  'dm.send': 'message.ack';
  'message.history': 'message.history';
  'message.read': 'message.read.ack';
}
export type RequestWithReply = keyof ReplyTypes;
export type ReplyData<T extends RequestWithReply> = ServerFrameData[ReplyTypes[T]];
