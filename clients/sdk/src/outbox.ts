/**
 * Sends that have not been acked yet. Each one carries a clientMsgId chosen once, so a
 * resend after a lost connection or a timeout is idempotent on the server: the same
 * sender with the same clientMsgId gets the original ack and nothing is broadcast twice.
 *
 * - DISCONNECTED: kept, resent in the original order by `flush()` after the next login.
 * - TIMEOUT / UNAVAILABLE: resent at once while `maxAttempts` allows, then rejected.
 * - Any other error (NOT_A_MEMBER, RATE_LIMITED, ...): rejected; the server applied nothing.
 */
import type { MessageAck } from '@chat/contracts';
import { ChatError } from './errors.ts';

export type OutboxTarget = { kind: 'room'; roomId: string } | { kind: 'dm'; to: string };

export interface PendingSend {
  clientMsgId: string;
  target: OutboxTarget;
  text: string;
}

interface Entry extends PendingSend {
  attempts: number;
  inFlight: boolean;
  resolve(ack: MessageAck): void;
  reject(err: ChatError): void;
}

export interface OutboxDeps {
  /** Sends one attempt; rejects with a ChatError. */
  transmit(send: PendingSend): Promise<MessageAck>;
  isOpen(): boolean;
  maxAttempts: number;
}

export type Outbox = ReturnType<typeof createOutbox>;

export function newClientMsgId(): string {
  const c = globalThis.crypto;
  if (c?.randomUUID) return c.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}

export function createOutbox(deps: OutboxDeps) {
  const entries = new Map<string, Entry>();

  function attempt(entry: Entry) {
    if (entry.inFlight || !deps.isOpen()) return;
    entry.inFlight = true;
    entry.attempts += 1;
    deps.transmit(entry).then(
      (ack) => {
        entries.delete(entry.clientMsgId);
        entry.resolve(ack);
      },
      (err: unknown) => {
        entry.inFlight = false;
        if (!entries.has(entry.clientMsgId)) return; // failed by close() meanwhile
        const e = err instanceof ChatError ? err : new ChatError('INTERNAL', String(err));
        if (e.code === 'DISCONNECTED') {
          entry.attempts -= 1; // not the server's fault: does not count
          return;
        }
        if ((e.code === 'TIMEOUT' || e.code === 'UNAVAILABLE') && entry.attempts < deps.maxAttempts) {
          attempt(entry);
          return;
        }
        entries.delete(entry.clientMsgId);
        entry.reject(e);
      },
    );
  }

  return {
    send(target: OutboxTarget, text: string, clientMsgId = newClientMsgId()): Promise<MessageAck> {
      const existing = entries.get(clientMsgId);
      if (existing) {
        // Already queued (a double click on "retry"): wait for the same outcome, send nothing new.
        return new Promise((resolve, reject) => {
          const first = { resolve: existing.resolve, reject: existing.reject };
          existing.resolve = (ack) => {
            first.resolve(ack);
            resolve(ack);
          };
          existing.reject = (err) => {
            first.reject(err);
            reject(err);
          };
        });
      }
      return new Promise((resolve, reject) => {
        const entry: Entry = { clientMsgId, target, text, attempts: 0, inFlight: false, resolve, reject };
        entries.set(clientMsgId, entry);
        attempt(entry);
      });
    },

    /** After a login: resend everything not acked, oldest first (one socket keeps the order). */
    flush() {
      for (const entry of entries.values()) attempt(entry);
    },

    pending(): PendingSend[] {
      return [...entries.values()].map(({ clientMsgId, target, text }) => ({ clientMsgId, target, text }));
    },

    failAll(err: ChatError) {
      const all = [...entries.values()];
      entries.clear();
      for (const e of all) e.reject(err);
    },
  };
}
