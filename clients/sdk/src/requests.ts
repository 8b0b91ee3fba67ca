/**
 * Request/reply over the socket. Every request gets a fresh `ref`; the first frame that
 * carries it settles the request: `error` and `auth.error` reject with the server's code,
 * anything else resolves. A later frame with the same ref (`rateLimit.warning`) is not a
 * reply and goes on to the event listeners.
 *
 * Requests without a success reply (`typing.*`, `presence.update`) are "notifications":
 * their ref is remembered for a while so a failure can still be reported (`onSilentError`).
 */
import type { ServerFrame } from '@chat/contracts';
import { ChatError } from './errors.ts';

interface Pending {
  type: string;
  resolve(frame: ServerFrame): void;
  reject(err: ChatError): void;
  timer: ReturnType<typeof setTimeout>;
}

export interface RequestsDeps {
  send(frame: { type: string; ref: string; data: unknown }): boolean;
  defaultTimeoutMs: number;
  onSilentError(err: ChatError): void;
}

export type Requests = ReturnType<typeof createRequests>;

export function createRequests(deps: RequestsDeps) {
  const pending = new Map<string, Pending>();
  const silent = new Map<string, { type: string; timer: ReturnType<typeof setTimeout> }>();
  let counter = 0;
  const nextRef = (prefix: string) => `${prefix}${(++counter).toString(36)}`;

  return {
    request(type: string, data: unknown, timeoutMs = deps.defaultTimeoutMs): Promise<ServerFrame> {
      const ref = nextRef('r');
      return new Promise<ServerFrame>((resolve, reject) => {
        if (!deps.send({ type, ref, data })) {
          reject(new ChatError('DISCONNECTED', 'not connected', undefined, type));
          return;
        }
        const timer = setTimeout(() => {
          pending.delete(ref);
          reject(new ChatError('TIMEOUT', `${type}: no reply within ${timeoutMs} ms`, undefined, type));
        }, timeoutMs);
        pending.set(ref, { type, resolve, reject, timer });
      });
    },

    notify(type: string, data: unknown): boolean {
      const ref = nextRef('n');
      if (!deps.send({ type, ref, data })) return false;
      const timer = setTimeout(() => silent.delete(ref), deps.defaultTimeoutMs);
      silent.set(ref, { type, timer });
      return true;
    },

    /** true when the frame was a reply and has been consumed. */
    handle(frame: ServerFrame): boolean {
      if (frame.ref === undefined) return false;
      const p = pending.get(frame.ref);
      if (p) {
        pending.delete(frame.ref);
        clearTimeout(p.timer);
        if (frame.type === 'error' || frame.type === 'auth.error') {
          const d = frame.data as { code: ChatError['code']; message: string; retryAfterMs?: number };
          p.reject(new ChatError(d.code, d.message, d.retryAfterMs, p.type));
        } else p.resolve(frame);
        return true;
      }
      const s = silent.get(frame.ref);
      if (s && frame.type === 'error') {
        silent.delete(frame.ref);
        clearTimeout(s.timer);
        deps.onSilentError(new ChatError(frame.data.code, frame.data.message, frame.data.retryAfterMs, s.type));
        return true;
      }
      return false;
    },

    /** The socket is gone: nothing in flight will ever be answered. */
    failAll(code: 'DISCONNECTED' | 'CLOSED') {
      for (const [ref, p] of pending) {
        clearTimeout(p.timer);
        pending.delete(ref);
        p.reject(new ChatError(code, code === 'CLOSED' ? 'client closed' : 'connection lost before the reply', undefined, p.type));
      }
      for (const s of silent.values()) clearTimeout(s.timer);
      silent.clear();
    },

    get inFlight() {
      return pending.size;
    },
  };
}
