/**
 * One WebSocket connection: its login state machine, its ordered request queue, and the
 * only place that writes to the socket (so the slow-consumer rule is enforced once).
 */
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
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
import { TextFrame, type Payload } from './text-frame.ts';

const MAX_TIMER_MS = 2 ** 31 - 1;

export class Connection {
  readonly id = randomUUID();
  readonly sessionId = randomUUID();
  readonly rooms = new Set<string>();
  readonly typingRooms = new Set<string>();
  userId = '';
  username = '';
  missedPongs = 0;
  private state: 'anonymous' | 'authenticating' | 'ready' | 'closed' = 'anonymous';
  private queue: Promise<void> = Promise.resolve();
  private authTimer: NodeJS.Timeout | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  private readonly cap: WindowCap;

  constructor(
    readonly socket: WebSocket,
    /** The TCP socket under `socket`: data frames are written to it directly (see TextFrame). */
    private readonly transport: Duplex,
    private readonly ctx: GatewayContext,
  ) {
    this.cap = ctx.limits.newConnectionCap();
    socket.on('message', (data, isBinary) => this.onFrame(data as Buffer, isBinary));
    socket.on('pong', () => (this.missedPongs = 0));
    socket.on('close', () => this.onClose());
    socket.on('error', (err) => this.log.debug({ err }, 'socket error'));
    this.authTimer = setTimeout(() => this.close(CLOSE.UNAUTHORIZED, 'login timeout'), ctx.config.AUTH_TIMEOUT_MS);
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

  /** Writes a ready-made frame; a connection that cannot keep up is closed 1013. */
  sendRaw(payload: Payload): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    if (this.socket.bufferedAmount > this.ctx.config.MAX_BUFFERED_BYTES) {
      this.log.warn({ buffered: this.socket.bufferedAmount }, 'slow consumer closed');
      this.ctx.metrics.slowConsumers.inc();
      this.close(CLOSE.TRY_AGAIN_LATER, 'too slow: recover with room.join {since}');
      return;
    }
    // Framed here rather than by ws.send: one write per frame instead of cork, two writes, uncork.
    this.transport.write(TextFrame.of(payload).bytes);
    this.ctx.metrics.sent.frames += 1;
  }

  send<T extends ServerFrameType>(type: T, data: ServerFrameData[T], ref?: string): void {
    this.sendRaw(encodeFrame(type, data, ref));
  }

  sendError(err: AppError, ref?: string): void {
    this.send('error', { code: err.code, message: err.message, ...(err.retryAfterMs !== undefined ? { retryAfterMs: err.retryAfterMs } : {}) }, ref);
  }

  close(code: number, reason: string): void {
    if (this.socket.readyState === this.socket.CLOSED || this.socket.readyState === this.socket.CLOSING) return;
    this.socket.close(code, reason);
  }

  /** Login with a token verified at the upgrade: auth.success is the first frame. */
  loginAtUpgrade(identity: Identity): void {
    this.state = 'authenticating';
    this.enqueue(() => this.login(identity));
  }

  private enqueue(task: () => Promise<void>) {
    this.queue = this.queue.then(task).catch((err) => this.log.error({ err }, 'request task failed'));
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
      const verdict = this.ctx.limits.check(this.userId, request.type, this.cap);
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
    try {
      ({ rooms } = await this.ctx.chat('session.open', { userId: identity.userId, username: identity.username }));
    } catch (err) {
      const appErr = toAppError(err);
      this.state = 'anonymous';
      this.ctx.metrics.logins.inc({ result: appErr.code });
      return this.send('auth.error', { code: appErr.code, message: appErr.message }, ref);
    }
    if (this.socket.readyState !== this.socket.OPEN) return;
    clearTimeout(this.authTimer);
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
    if (!wasReady) return;
    this.ctx.typing.disconnected(this);
    this.ctx.hub.detach(this);
    this.ctx.presence.disconnected(this);
  }
}
