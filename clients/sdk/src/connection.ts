/**
 * The connection's life: open a socket, let the client log in on it, keep it alive, and
 * when it drops, open another after a backoff delay, until `stop()` or a fatal error.
 *
 * States: idle -> connecting -> open -> reconnecting -> open ... -> closed.
 * - `connecting` is the first attempt, `reconnecting` every later one (the UI says
 *   "reconnecting" and shows when the next attempt starts).
 * - `open` only after a successful login (`markOpen`), so "open" means usable.
 * - A `server.shutdown {reconnectAfterMs}` before the close sets the next delay (plus
 *   jitter) instead of the backoff: the gateway told us when its replacement is ready.
 * - Fatal (`fail`): refused credentials, or reconnect disabled. Nothing retries after it.
 * - A socket that stops answering application pings is abandoned at once: a half-open
 *   TCP connection can take minutes to report its own death.
 */
import { createBackoff } from './backoff.ts';
import { ChatError } from './errors.ts';
import { openTransport, type Transport } from './transport.ts';
import type { ConnectionState, WebSocketConstructor } from './types.ts';
import type { ServerFrame } from '@chat/contracts';

export interface ConnectionDeps {
  /** Gateways to use; after a lost connection the next one is tried (failover). */
  urls: string[];
  WebSocket: WebSocketConstructor;
  reconnect: { enabled: boolean; baseMs: number; maxMs: number };
  pingIntervalMs: number;
  /** Runs on every new socket; resolve after calling markOpen, reject to drop the socket. */
  onSocketOpen(): Promise<void>;
  onFrame(frame: ServerFrame): void;
  /** The socket is gone (before any reconnect is scheduled). */
  onSocketLost(): void;
  onState(state: ConnectionState): void;
  ping(timeoutMs: number): Promise<unknown>;
}

export type Connection = ReturnType<typeof createConnection>;

const ABANDONED = 4000;

export function createConnection(deps: ConnectionDeps) {
  const backoff = createBackoff({ baseMs: deps.reconnect.baseMs, maxMs: deps.reconnect.maxMs });
  let state: ConnectionState = { status: 'idle', attempt: 0 };
  let transport: Transport | undefined;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let pingTimer: ReturnType<typeof setInterval> | undefined;
  let shutdownDelayMs: number | undefined;
  let urlIndex = 0;
  const currentUrl = () => deps.urls[urlIndex % deps.urls.length]!;

  function setState(next: ConnectionState) {
    state = next;
    deps.onState(state);
  }

  function openSocket() {
    retryTimer = undefined;
    if (state.status === 'closed') return;
    setState({ status: state.status === 'idle' || state.status === 'connecting' ? 'connecting' : 'reconnecting', attempt: backoff.attempt, ...(state.error ? { error: state.error } : {}) });
    let t: Transport;
    try {
      t = openTransport(deps.WebSocket, currentUrl(), {
        onOpen: () => {
          deps.onSocketOpen().catch((err: unknown) => {
            if (transport === t && state.status !== 'closed') t.abandon(ABANDONED, err instanceof Error ? err.message : 'login failed');
          });
        },
        onFrame: (frame) => {
          if (frame.type === 'server.shutdown') shutdownDelayMs = frame.data.reconnectAfterMs;
          deps.onFrame(frame);
        },
        onClose: (code, reason) => {
          if (transport !== t) return;
          lost(code, reason);
        },
      });
    } catch (err) {
      // A malformed URL throws in the constructor: no retry can fix that.
      fail(new ChatError('BAD_REQUEST', `cannot open ${currentUrl()}: ${err instanceof Error ? err.message : String(err)}`));
      return;
    }
    transport = t;
  }

  function lost(code: number, reason: string) {
    transport = undefined;
    urlIndex += 1; // a gateway that dropped us may be gone: try the next one first
    stopPing();
    deps.onSocketLost();
    if (state.status === 'closed') return;
    const error = new ChatError('DISCONNECTED', `connection closed (${code}${reason ? `: ${reason}` : ''})`);
    if (!deps.reconnect.enabled) return fail(error);
    const delay = shutdownDelayMs !== undefined ? shutdownDelayMs + Math.round(Math.random() * deps.reconnect.baseMs) : backoff.next();
    shutdownDelayMs = undefined;
    setState({ status: 'reconnecting', attempt: backoff.attempt, nextAttemptAt: Date.now() + delay, error });
    retryTimer = setTimeout(openSocket, delay);
  }

  function startPing() {
    stopPing();
    if (deps.pingIntervalMs <= 0) return;
    const t = transport;
    pingTimer = setInterval(() => {
      deps.ping(Math.max(1000, deps.pingIntervalMs)).catch((err: unknown) => {
        if (err instanceof ChatError && err.code === 'TIMEOUT' && transport === t) t?.abandon(ABANDONED, 'ping timeout');
      });
    }, deps.pingIntervalMs);
    (pingTimer as { unref?: () => void }).unref?.();
  }

  function stopPing() {
    clearInterval(pingTimer);
    pingTimer = undefined;
  }

  function fail(error: ChatError) {
    clearTimeout(retryTimer);
    stopPing();
    const t = transport;
    transport = undefined;
    setState({ status: 'closed', attempt: backoff.attempt, error });
    t?.close(1000, 'client closed');
    if (t) deps.onSocketLost();
  }

  const onOnline = () => {
    // The browser says the network is back: skip the rest of the wait.
    if (state.status === 'reconnecting' && retryTimer !== undefined) {
      clearTimeout(retryTimer);
      openSocket();
    }
  };

  return {
    get state() {
      return state;
    },
    start() {
      if (state.status !== 'idle') return;
      globalThis.addEventListener?.('online', onOnline);
      openSocket();
    },
    /** Called by the client once the login succeeded on the current socket. */
    markOpen(serverId: string) {
      backoff.reset();
      setState({ status: 'open', serverId, attempt: 0 });
      startPing();
    },
    send(frame: { type: string; ref?: string; data?: unknown }): boolean {
      return transport?.send(frame) ?? false;
    },
    /** Ends for good: no more reconnects. */
    fail(error: ChatError) {
      if (state.status === 'closed') return;
      globalThis.removeEventListener?.('online', onOnline);
      fail(error);
    },
  };
}
