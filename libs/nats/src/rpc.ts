import { headers, type NatsConnection, type Msg } from '@nats-io/transport-node';
import { AppError, isErrorCode, toAppError, type ChatMethod, type ChatRpc, type RpcReply } from '@chat/contracts';
import type { Logger } from '@chat/logging';
import { CHAT_QUEUE, subjects } from './subjects.ts';

const encoder = new TextEncoder();
const DEADLINE_HEADER = 'deadline';

export type ChatClient = <M extends ChatMethod>(method: M, req: ChatRpc[M]['req']) => Promise<ChatRpc[M]['res']>;

/**
 * Calls the chat service. A missing or silent chat service, or a NATS outage, becomes
 * UNAVAILABLE: the contract's "a backend is down, retry later".
 */
export function createChatClient(nc: NatsConnection, opts: { timeoutMs?: number } = {}): ChatClient {
  const timeout = opts.timeoutMs ?? 5000;
  return async (method, req) => {
    let reply: Msg;
    try {
      if (nc.isClosed()) throw new AppError('UNAVAILABLE', 'messaging backend unavailable');
      // The deadline lets an overloaded chat service skip work nobody waits for any more.
      const h = headers();
      h.set(DEADLINE_HEADER, String(Date.now() + timeout));
      reply = await nc.request(subjects.chatRpc(method), encoder.encode(JSON.stringify(req)), { timeout, headers: h });
    } catch (err) {
      if (err instanceof AppError) throw err;
      // No responders, a timeout or a closed connection: all mean the backend is away.
      throw new AppError('UNAVAILABLE', 'chat service unavailable, retry later', 1000, { cause: err });
    }
    const body = reply.json<RpcReply<typeof method>>();
    if (body.ok) return body.result;
    throw replyError(body.error);
  };
}

const UNKNOWN_METHOD = 'unknown chat method';

/** The chat service answered that it has no such method: it runs an older version than the caller. */
export function isUnknownMethod(err: unknown): boolean {
  return err instanceof AppError && err.code === 'BAD_REQUEST' && err.message.startsWith(UNKNOWN_METHOD);
}

/** A reply's error as the AppError the caller throws; a code this version does not know is INTERNAL. */
export function replyError(error: { code: string; message: string }): AppError {
  return new AppError(isErrorCode(error.code) ? error.code : 'INTERNAL', error.message);
}

/**
 * Settles work into a reply: its result, or its error in the contract's words. Errors that are
 * the service's fault (INTERNAL, UNAVAILABLE) are logged.
 */
export async function settleReply<M extends ChatMethod>(
  method: string,
  work: Promise<ChatRpc[M]['res']>,
  log: Logger,
  mapError: (err: unknown) => AppError = toAppError,
): Promise<RpcReply<M>> {
  try {
    return { ok: true, result: await work };
  } catch (err) {
    const appErr = mapError(err);
    if (appErr.code === 'INTERNAL' || appErr.code === 'UNAVAILABLE') log.error({ err, method }, 'chat rpc failed');
    return { ok: false, error: { code: appErr.code, message: appErr.message } };
  }
}

export type ChatHandlers = { [M in ChatMethod]: (req: ChatRpc[M]['req']) => Promise<ChatRpc[M]['res']> };

/** Serves the chat RPC in the `chat` queue group: any replica may answer any request. */
export interface RpcObserver {
  (method: string, result: string, seconds: number): void;
}

export function serveChatRpc(
  nc: NatsConnection,
  handlers: ChatHandlers,
  log: Logger,
  opts: { mapError?: (err: unknown) => AppError; observe?: RpcObserver; maxInFlight?: number } = {},
) {
  const mapError = opts.mapError ?? toAppError;
  const maxInFlight = opts.maxInFlight ?? 64;
  const sub = nc.subscribe(subjects.chatRpcAll, { queue: CHAT_QUEUE });
  const inFlight = new Set<Promise<void>>();
  const waiting: Msg[] = [];

  /**
   * Shed load instead of collapsing: at most `maxInFlight` requests run, the rest wait here,
   * and one whose caller already gave up (past the deadline it sent) is dropped unanswered.
   * A burst of logins or recoveries then costs what the callers still wait for, not minutes
   * of work for callers that are gone (and that would retry on top of it).
   */
  function pump() {
    while (inFlight.size < maxInFlight && waiting.length > 0) {
      const msg = waiting.shift()!;
      const deadline = Number(msg.headers?.get(DEADLINE_HEADER));
      if (deadline && Date.now() > deadline) {
        opts.observe?.(msg.subject.slice('chat.rpc.'.length), 'EXPIRED', 0);
        continue;
      }
      const p = handle(msg).finally(() => {
        inFlight.delete(p);
        pump();
      });
      inFlight.add(p);
    }
  }

  const handle = async (msg: Msg) => {
    const method = msg.subject.slice('chat.rpc.'.length) as ChatMethod;
    const handler = handlers[method] as ((req: unknown) => Promise<ChatRpc[ChatMethod]['res']>) | undefined;
    const started = performance.now();
    const work = handler ? Promise.resolve().then(() => handler(msg.json())) : Promise.reject(new AppError('BAD_REQUEST', `${UNKNOWN_METHOD} ${method}`));
    const reply = await settleReply(method, work, log, mapError);
    msg.respond(encoder.encode(JSON.stringify(reply)));
    opts.observe?.(method, reply.ok ? 'ok' : reply.error.code, (performance.now() - started) / 1000);
  };
  void (async () => {
    for await (const msg of sub) {
      waiting.push(msg);
      pump();
    }
  })();
  return {
    /** Stops taking requests and waits for the ones in flight. */
    async stop() {
      await sub.drain();
      while (inFlight.size > 0 || waiting.length > 0) {
        pump();
        await Promise.allSettled([...inFlight]);
      }
    },
  };
}
