/**
 * One WebSocket connection: its login state machine, its ordered request queue, and the
 * only place that writes to the socket (so the slow-consumer rule is enforced once).
 */
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import {
  AppError,
  CLOSE,
  encodeFrame,
  parseEnvelope,
  parseRequest,
  PROTOCOL_VERSION,
  toAppError,
  type ServerFrameData,
  type ServerFrameType,
} from '@chat/contracts';
import type { Logger } from '@chat/logging';
import type { Identity } from '../auth/tokens.ts';
import { guestUserId } from '../auth/tokens.ts';
import type { GatewayContext } from '../context.ts';
import type { WindowCap } from '../limits/window-cap.ts';
import { handleRequest } from './handlers.ts';
import { PING_FRAME, TextFrame, type Payload } from './text-frame.ts';
import { TurnWrites } from './turn-writes.ts';

const MAX_TIMER_MS = 2 ** 31 - 1;
const NO_ROOMS: ReadonlySet<string> = new Set();
const IDLE: Promise<void> = Promise.resolve();
let connections = 0;

/**
 * The `ws` socket class the gateway's server makes: it points back at its Connection, so one
 * listener function per event serves every socket (a closure per event per socket was about
 * 260 bytes of every idle connection).
 */
export class GatewaySocket extends WebSocket {
  conn?: Connection;
}

/*
 * Idle connections are most of a gateway's memory (S3 in docs/performance.md), so what an
 * idle one does not use is not allocated: the room Set on the first join, the request cap on
 * the first request, and the request queue falls back to one shared settled promise.
 */
export class Connection {
  /** For logs only: unique within this process. */
  readonly id = ++connections;
  readonly sessionId = randomUUID();
  userId = '';
  username = '';
  missedPongs = 0;
  private state: 'anonymous' | 'authenticating' | 'ready' | 'closed' = 'anonymous';
  private queue = IDLE;
  private joined: Set<string> | undefined;
  private authTimer: NodeJS.Timeout | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  private cap: WindowCap | undefined;

  constructor(
    readonly socket: GatewaySocket,
    /** The TCP socket under `socket`: data frames are written to it directly (see TextFrame). */
    private readonly transport: Duplex,
    /** The client's address, as admitted (per-address cap). */
    readonly ip: string,
    private readonly ctx: GatewayContext,
    /** Shared by all connections (one function, not a closure per socket). */
    private readonly onClosed: (conn: Connection) => void,
  ) {
    socket.conn = this;
    socket.on('message', Connection.onMessage);
    socket.on('pong', Connection.onPong);
    socket.on('close', Connection.onSocketClose);
    socket.on('error', Connection.onSocketError);
    this.armLoginTimer();
  }

  /**
   * The login deadline is for clients that never log in. It stops while the server works on a
   * login and starts again if the server could not finish it: in a reconnect storm a login
   * queued behind thousands of others used to be cut at 10 s with its work done for nothing,
   * and the client reconnected and queued again.
   */
  private armLoginTimer() {
    clearTimeout(this.authTimer);
    this.authTimer = setTimeout(() => this.close(CLOSE.UNAUTHORIZED, 'login timeout'), this.ctx.config.AUTH_TIMEOUT_MS);
  }

  private static onMessage(this: GatewaySocket, data: Buffer, isBinary: boolean) {
    this.conn?.onFrame(data, isBinary);
  }

  private static onPong(this: GatewaySocket) {
    if (this.conn) this.conn.missedPongs = 0;
  }

  private static onSocketClose(this: GatewaySocket) {
    this.conn?.onClose();
  }

  private static onSocketError(this: GatewaySocket, err: Error) {
    this.conn?.log.debug({ err }, 'socket error');
  }

  /**
   * A child logger made when a line is written, not kept: connections log rarely, and a
   * logger per socket is memory that 10,000 idle sockets pay for nothing.
   */
  private get log(): Logger {
    return this.ctx.log.child(this.userId ? { connId: this.id, userId: this.userId } : { connId: this.id });
  }

  get isReady(): boolean {
    return this.state === 'ready';
  }

  /** The rooms this connection receives (kept by the hub). */
  get rooms(): ReadonlySet<string> {
    return this.joined ?? NO_ROOMS;
  }

  addRoom(roomId: string): void {
    (this.joined ??= new Set()).add(roomId);
  }

  removeRoom(roomId: string): void {
    if (this.joined?.delete(roomId) && this.joined.size === 0) this.joined = undefined;
  }

  /**
   * Sends a ready-made frame; a connection that cannot keep up is closed 1013. The frame is
   * written when this turn of the event loop ends, with the others this connection got in it.
   */
  sendRaw(payload: Payload): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    if (this.socket.bufferedAmount > this.ctx.config.MAX_BUFFERED_BYTES) {
      this.log.warn({ buffered: this.socket.bufferedAmount }, 'slow consumer closed');
      this.ctx.metrics.slowConsumers.inc();
      this.close(CLOSE.TRY_AGAIN_LATER, 'too slow: recover with room.join {since}');
      return;
    }
    // Framed here rather than by ws.send (cork, two writes, uncork per frame); TurnWrites writes.
    Connection.writes.add(this, TextFrame.of(payload).bytes);
    this.ctx.metrics.sent.frames += 1;
  }

  private static readonly writes = new TurnWrites<Connection>((conn, bytes) => conn.writeIfOpen(bytes));

  /** A WebSocket ping, written as ready-made bytes like data frames: `ws.ping()` frames and corks each. */
  ping(): void {
    this.writeIfOpen(PING_FRAME);
  }

  private writeIfOpen(bytes: Uint8Array): void {
    if (this.socket.readyState === this.socket.OPEN) this.transport.write(bytes);
  }

  send<T extends ServerFrameType>(type: T, data: ServerFrameData[T], ref?: string): void {
    this.sendRaw(encodeFrame(type, data, ref));
  }

  sendError(err: AppError, ref?: string): void {
    this.send('error', { code: err.code, message: err.message, ...(err.retryAfterMs !== undefined ? { retryAfterMs: err.retryAfterMs } : {}) }, ref);
  }

  close(code: number, reason: string): void {
    if (this.socket.readyState === this.socket.CLOSED || this.socket.readyState === this.socket.CLOSING) return;
    Connection.writes.flush(this); // what was sent before the close (an error saying why) goes first
    this.socket.close(code, reason);
  }

  /** Login with a token verified at the upgrade: auth.success is the first frame. */
  loginAtUpgrade(identity: Identity): void {
    this.state = 'authenticating';
    this.enqueue(() => this.login(identity));
  }

  private enqueue(task: () => Promise<void>) {
    const next: Promise<void> = this.queue
      .then(task)
      .catch((err) => this.log.error({ err }, 'request task failed'))
      .then(() => {
        if (this.queue === next) this.queue = IDLE;
      });
    this.queue = next;
  }

  private onFrame(data: Buffer, isBinary: boolean) {
    if (this.state === 'closed') return;
    if (isBinary) return this.sendError(new AppError('BAD_REQUEST', 'binary frames are not supported; send JSON text frames'));
    this.enqueue(() => this.process(data.toString('utf8')));
  }

  private async process(text: string) {
    if (this.state === 'closed') return;
    const envelope = parseEnvelope(text);
    if (!envelope.ok) return this.sendError(envelope.error, envelope.ref);
    const { type, ref } = envelope.envelope;
    if (this.state !== 'ready') {
      if (type === 'ping') return this.send('pong', { serverTime: Date.now() }, ref);
      if (type !== 'auth.login' || this.state === 'authenticating') {
        return this.sendError(new AppError('AUTH_REQUIRED', 'log in first with auth.login'), ref);
      }
      return this.onLogin(envelope.envelope.data, ref);
    }
    const parsed = parseRequest(envelope.envelope);
    if (!parsed.ok) return this.sendError(parsed.error, parsed.ref);
    const request = parsed.request;
    const started = performance.now();
    let result = 'ok';
    try {
      const verdict = this.ctx.limits.check(this.userId, request.type, (this.cap ??= this.ctx.limits.newConnectionCap()));
      if (verdict.closeConn) {
        this.ctx.metrics.rateLimited.inc();
        this.log.warn('request flood: closing');
        return this.close(CLOSE.POLICY_VIOLATION, 'request flood');
      }
      this.ctx.presence.touch(this);
      await handleRequest(this.ctx, this, request);
      if (verdict.warning) this.send('rateLimit.warning', verdict.warning, ref);
    } catch (err) {
      const appErr = toAppError(err);
      result = appErr.code;
      if (appErr.code === 'RATE_LIMITED') this.ctx.metrics.rateLimited.inc();
      if (appErr.code === 'INTERNAL') this.log.error({ err, ref, type: request.type }, 'request failed');
      this.sendError(appErr, ref);
    } finally {
      this.ctx.metrics.requests.inc({ type: request.type, result });
      this.ctx.metrics.requestSeconds.observe({ type: request.type }, (performance.now() - started) / 1000);
    }
  }

  private async onLogin(data: Record<string, unknown>, ref?: string) {
    const parsed = parseRequest({ type: 'auth.login', ref, data });
    if (!parsed.ok || parsed.request.type !== 'auth.login') {
      return this.send('auth.error', { code: 'BAD_REQUEST', message: parsed.ok ? 'bad login' : parsed.error.message }, ref);
    }
    const { username, token } = parsed.request.data;
    if (token === undefined && username === undefined) {
      return this.send('auth.error', { code: 'BAD_REQUEST', message: 'data.username or data.token is required' }, ref);
    }
    let identity: Identity;
    try {
      if (token !== undefined) identity = await this.ctx.tokens.verify(token);
      else if (this.ctx.config.AUTH_MODE === 'guest') identity = { userId: guestUserId(username!), username: username! };
      else throw new AppError('AUTH_FAILED', 'this server accepts tokens only (AUTH_MODE=jwt)');
    } catch (err) {
      const appErr = toAppError(err);
      this.ctx.metrics.logins.inc({ result: 'refused' });
      this.send('auth.error', { code: appErr.code === 'INTERNAL' ? 'AUTH_FAILED' : appErr.code, message: appErr.message }, ref);
      this.close(CLOSE.UNAUTHORIZED, 'authentication failed');
      return;
    }
    this.state = 'authenticating';
    await this.login(identity, ref);
  }

  private async login(identity: Identity, ref?: string) {
    if (identity.expiresAt !== undefined && identity.expiresAt <= Date.now()) {
      this.send('auth.error', { code: 'AUTH_FAILED', message: 'token expired' }, ref);
      return this.close(CLOSE.UNAUTHORIZED, 'token expired');
    }
    let rooms;
    clearTimeout(this.authTimer);
    try {
      ({ rooms } = await this.ctx.chat('session.open', { userId: identity.userId, username: identity.username }));
    } catch (err) {
      const appErr = toAppError(err);
      this.state = 'anonymous';
      if (this.socket.readyState === this.socket.OPEN) this.armLoginTimer();
      this.ctx.metrics.logins.inc({ result: appErr.code });
      return this.send('auth.error', { code: appErr.code, message: appErr.message }, ref);
    }
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.authTimer = undefined; // a spent timer is still ~200 bytes an idle connection would keep
    this.userId = identity.userId;
    this.username = identity.username;
    this.state = 'ready';
    this.ctx.hub.attach(this, rooms);
    this.send('auth.success', { userId: this.userId, username: this.username, sessionId: this.sessionId, serverId: this.ctx.serverId, protocolVersion: PROTOCOL_VERSION, rooms }, ref);
    this.ctx.metrics.logins.inc({ result: 'ok' });
    this.ctx.presence.connected(this).catch((err: unknown) => this.log.warn({ err }, 'presence update failed'));
    if (identity.expiresAt !== undefined) {
      this.expiryTimer = setTimeout(() => {
        this.sendError(new AppError('AUTH_EXPIRED', 'token expired; log in again'));
        this.close(CLOSE.UNAUTHORIZED, 'token expired');
      }, Math.min(identity.expiresAt - Date.now(), MAX_TIMER_MS));
    }
    this.log.info('logged in');
  }

  private onClose() {
    const wasReady = this.state === 'ready';
    this.state = 'closed';
    clearTimeout(this.authTimer);
    clearTimeout(this.expiryTimer);
    this.onClosed(this);
    if (!wasReady) return;
    this.ctx.typing.disconnected(this);
    this.ctx.hub.detach(this);
    this.ctx.presence.disconnected(this);
  }
}
