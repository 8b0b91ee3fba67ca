/**
 * The public client: typed requests, typed events, and the recovery rules wired together.
 *
 * Guarantees to the application:
 * - `message.received` listeners see each room's messages in seq order, each (roomId, seq)
 *   once for the client's life, across reconnects, resends and gateway restarts
 *   (seq-tracker.ts). Live messages, recovery pages and gap fills all go through it.
 * - `sendMessage`/`sendDm` resolve once the server stored the message; a send made while
 *   reconnecting waits, and one cut off by a disconnect is resent with the same clientMsgId
 *   (outbox.ts), so it is stored once.
 * - Other requests made while reconnecting wait for the next login (within their timeout);
 *   one in flight when the socket drops rejects with DISCONNECTED: the caller decides,
 *   since e.g. a `room.create` may or may not have been applied.
 */
import type { Member, MessageAck, RequestData, RoomInfo, ServerFrame, ServerFrameData, SettableStatus } from '@chat/contracts';
import { createConnection } from './connection.ts';
import { createEmitter, type Listener } from './emitter.ts';
import { ChatError } from './errors.ts';
import { createOutbox } from './outbox.ts';
import { createRecovery } from './recovery.ts';
import { createRequests } from './requests.ts';
import { createSeqTracker } from './seq-tracker.ts';
import type { AuthSuccess, ChatClientOptions, ChatEvents, ConnectionState, ReplyData, RequestWithReply, WebSocketConstructor } from './types.ts';

/** Frames passed straight to listeners of the same name. */
const PASS_THROUGH = new Set<string>([
  'room.created',
  'room.added',
  'room.userJoined',
  'room.userLeft',
  'message.read',
  'typing.update',
  'presence.update',
  'rateLimit.warning',
  'server.shutdown',
]);

/** Login errors no retry can fix. */
const FATAL_LOGIN = new Set(['AUTH_FAILED', 'AUTH_EXPIRED', 'BAD_REQUEST', 'FORBIDDEN']);

function toChatError(err: unknown): ChatError {
  return err instanceof ChatError ? err : new ChatError('INTERNAL', err instanceof Error ? err.message : String(err));
}

export type ChatClient = ReturnType<typeof createChatClient>;

export function createChatClient(options: ChatClientOptions) {
  const Ctor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (!Ctor) throw new Error('no global WebSocket here: pass options.WebSocket (e.g. `import WebSocket from "ws"`)');
  const timeoutMs = options.requestTimeoutMs ?? 10_000;
  const events = createEmitter<ChatEvents>();
  const tracker = createSeqTracker();
  let session: AuthSuccess | undefined;
  let firstLogin: { promise: Promise<AuthSuccess>; resolve(a: AuthSuccess): void; reject(e: ChatError): void } | undefined;
  const openWaiters = new Set<{ resolve(): void; reject(e: ChatError): void }>();

  const requests = createRequests({
    send: (frame) => connection.send(frame),
    defaultTimeoutMs: timeoutMs,
    onSilentError: (err) => events.emit('error', err),
  });

  async function call<T extends RequestWithReply>(type: T, data: RequestData<T>, ms?: number): Promise<ReplyData<T>> {
    return (await requests.request(type, data, ms)).data as ReplyData<T>;
  }

  const deliver = (messages: ServerFrameData['message.received'][]) => {
    for (const m of messages) events.emit('message.received', m);
  };

  const recovery = createRecovery({
    tracker,
    join: (d) => call('room.join', d),
    history: (d) => call('message.history', d),
    deliver,
    onRecovered: (info) => events.emit('recovered', info),
    onError: (err) => events.emit('error', toChatError(err)),
  });

  const outbox = createOutbox({
    maxAttempts: options.maxSendAttempts ?? 3,
    isOpen: () => connection.state.status === 'open',
    async transmit(s) {
      if (s.target.kind === 'room') return call('message.send', { roomId: s.target.roomId, text: s.text, clientMsgId: s.clientMsgId });
      const ack = await call('dm.send', { to: s.target.to, text: s.text, clientMsgId: s.clientMsgId });
      // A first DM creates the room: live delivery starts at this message.
      tracker.init(ack.roomId, ack.seq - 1);
      return ack;
    },
  });

  async function credentials(): Promise<RequestData<'auth.login'>> {
    const auth = options.auth;
    if ('username' in auth) return { username: auth.username };
    if ('token' in auth) return { token: auth.token };
    return { token: await auth.getToken() };
  }

  async function login(): Promise<void> {
    let auth: AuthSuccess;
    try {
      auth = await call('auth.login', await credentials());
    } catch (err) {
      const e = toChatError(err);
      if (FATAL_LOGIN.has(e.code)) close(e);
      throw e;
    }
    onSession(auth);
  }

  function onSession(auth: AuthSuccess) {
    session = auth;
    // The snapshot is the truth about membership: rooms left elsewhere are dropped (a
    // recovery `room.join` would otherwise join them again), new ones start from now.
    const member = new Set(auth.rooms.map((r) => r.roomId));
    for (const roomId of tracker.roomIds()) if (!member.has(roomId)) tracker.forget(roomId);
    for (const r of auth.rooms) tracker.init(r.roomId, r.lastSeq);
    connection.markOpen(auth.serverId);
    firstLogin?.resolve(auth);
    for (const w of openWaiters) w.resolve();
    openWaiters.clear();
    events.emit('session', auth);
    outbox.flush();
    void recovery.recoverRooms(auth.rooms);
  }

  function onFrame(frame: ServerFrame) {
    if (requests.handle(frame)) return;
    switch (frame.type) {
      case 'message.received': {
        deliver(tracker.offer(frame.data));
        recovery.fillGap(frame.data.roomId);
        return;
      }
      case 'room.added':
        tracker.init(frame.data.room.roomId, frame.data.room.lastSeq);
        break;
      case 'error':
        events.emit('error', new ChatError(frame.data.code, frame.data.message, frame.data.retryAfterMs));
        return;
    }
    if (PASS_THROUGH.has(frame.type)) events.emit(frame.type as keyof ChatEvents, frame.data as never);
  }

  const connection = createConnection({
    urls: Array.isArray(options.url) ? options.url : [options.url],
    WebSocket: Ctor,
    reconnect: { enabled: options.reconnect?.enabled ?? true, baseMs: options.reconnect?.baseMs ?? 500, maxMs: options.reconnect?.maxMs ?? 30_000 },
    pingIntervalMs: options.pingIntervalMs ?? 25_000,
    onSocketOpen: login,
    onFrame,
    onSocketLost() {
      requests.failAll('DISCONNECTED');
      recovery.reset();
    },
    onState: (state) => {
      // A connection that ends before its first login (reconnect off, malformed URL) must
      // settle connect(); after a login this reject is a no-op.
      if (state.status === 'closed') firstLogin?.reject(state.error ?? new ChatError('CLOSED', 'connection closed'));
      events.emit('state', state);
    },
    ping: (ms) => requests.request('ping', {}, ms),
  });

  function close(error = new ChatError('CLOSED', 'client closed')) {
    requests.failAll('CLOSED');
    outbox.failAll(error);
    connection.fail(error);
    firstLogin?.reject(error);
    for (const w of openWaiters) w.reject(error);
    openWaiters.clear();
  }

  /** Waits for a logged-in socket (a reconnect in progress), within `ms`. */
  function whenOpen(ms: number): Promise<void> {
    const status = connection.state.status;
    if (status === 'open') return Promise.resolve();
    if (status === 'idle') return Promise.reject(new ChatError('DISCONNECTED', 'call connect() first'));
    if (status === 'closed') return Promise.reject(connection.state.error ?? new ChatError('CLOSED', 'client closed'));
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: () => (clearTimeout(timer), resolve()),
        reject: (e: ChatError) => (clearTimeout(timer), reject(e)),
      };
      const timer = setTimeout(() => {
        openWaiters.delete(waiter);
        reject(new ChatError('TIMEOUT', `not connected within ${ms} ms`));
      }, ms);
      openWaiters.add(waiter);
    });
  }

  async function request<T extends RequestWithReply>(type: T, data: RequestData<T>, opts: { timeoutMs?: number } = {}): Promise<ReplyData<T>> {
    const ms = opts.timeoutMs ?? timeoutMs;
    await whenOpen(ms);
    return call(type, data, ms);
  }

  function sendable(): ChatError | undefined {
    const status = connection.state.status;
    if (status === 'idle') return new ChatError('DISCONNECTED', 'call connect() first');
    if (status === 'closed') return connection.state.error ?? new ChatError('CLOSED', 'client closed');
    return undefined;
  }

  return {
    /** Opens the connection; resolves on the first login, rejects if it is refused. */
    connect(): Promise<AuthSuccess> {
      if (!firstLogin) {
        let resolve!: (a: AuthSuccess) => void;
        let reject!: (e: ChatError) => void;
        const promise = new Promise<AuthSuccess>((res, rej) => ((resolve = res), (reject = rej)));
        promise.catch(() => {}); // a caller that never awaits connect() must not crash the process
        firstLogin = { promise, resolve, reject };
        connection.start();
      }
      return firstLogin.promise;
    },
    /** Closes for good: pending requests and unsent messages reject with CLOSED. */
    close(): void {
      close();
    },
    /** Tells the server (auth.logout), then closes. */
    async logout(): Promise<void> {
      connection.send({ type: 'auth.logout', data: {} });
      close();
    },
    get state(): ConnectionState {
      return connection.state;
    },
    /** The latest auth.success (user, serverId, rooms at login). */
    get session(): AuthSuccess | undefined {
      return session;
    },
    on<K extends keyof ChatEvents>(type: K, fn: Listener<ChatEvents[K]>): () => void {
      return events.on(type, fn);
    },
    /** Any request with a reply, typed by its type; rejects with a ChatError. */
    request,
    /** The last seq delivered to listeners for a room (undefined: room not tracked). */
    lastSeq: (roomId: string) => tracker.cursor(roomId),

    sendMessage(roomId: string, text: string, opts: { clientMsgId?: string } = {}): Promise<MessageAck> {
      const err = sendable();
      return err ? Promise.reject(err) : outbox.send({ kind: 'room', roomId }, text, opts.clientMsgId);
    },
    sendDm(to: string, text: string, opts: { clientMsgId?: string } = {}): Promise<MessageAck> {
      const err = sendable();
      return err ? Promise.reject(err) : outbox.send({ kind: 'dm', to }, text, opts.clientMsgId);
    },
    /** Sends not acked yet (shown as "sending..." by a UI). */
    pendingSends: () => outbox.pending(),

    async createRoom(data: RequestData<'room.create'>): Promise<RoomInfo> {
      const { room } = await request('room.create', data);
      tracker.init(room.roomId, room.lastSeq);
      return room;
    },
    /** Joins (or re-opens) a room: its latest messages come back here, not as events. */
    async joinRoom(roomId: string, opts: { limit?: number } = {}): Promise<ServerFrameData['room.joined']> {
      const joined = await request('room.join', { roomId, ...opts });
      tracker.init(joined.room.roomId, joined.room.lastSeq);
      return joined;
    },
    async leaveRoom(roomId: string): Promise<void> {
      await request('room.leave', { roomId });
      tracker.forget(roomId);
    },
    invite: (roomId: string, username: string) => request('room.invite', { roomId, username }),
    members: async (roomId: string): Promise<Member[]> => (await request('room.members', { roomId })).members,
    listRooms: async (): Promise<RoomInfo[]> => (await request('room.list', {})).rooms,
    /** A page of history (returned, not emitted): `before` for scroll-back. */
    history: (roomId: string, range: { before?: number; after?: number; limit?: number } = {}) => request('message.history', { roomId, ...range }),
    markRead: async (roomId: string, seq: number): Promise<number> => (await request('message.read', { roomId, seq })).seq,
    /** Fire and forget; a failure arrives as an `error` event. */
    typing(roomId: string, isTyping: boolean): void {
      if (connection.state.status === 'open') requests.notify(isTyping ? 'typing.start' : 'typing.stop', { roomId });
    },
    setPresence(status: SettableStatus): void {
      if (connection.state.status === 'open') requests.notify('presence.update', { status });
    },
    ping: async (): Promise<number> => (await request('ping', {})).serverTime,
  };
}
