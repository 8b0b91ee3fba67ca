/**
 * One load-generator thread: owns a slice of the connections and answers commands from the
 * main thread (see generator.ts). Everything here speaks the public contract only:
 * `auth.login`, `room.create`, `room.join {since}`, `message.send`.
 *
 * Counters are per phase: `run` with `reset: true` starts a new one. Commands may overlap
 * (a reconnect storm runs while `run` keeps sending), so each is its own async task.
 */
import { parentPort, workerData } from 'node:worker_threads';
import WebSocket from 'ws';
import { fromMessage, messageText, nowMs, readDelivery, RECEIVED_PREFIX } from './frames.ts';
import { Histogram } from './histogram.ts';
import { ReceiveState } from './receive-state.ts';
import type { Command, ConnSpec, PhaseStats, SettleResult, StormResult, VerifyResult, WorkerInit } from './types.ts';

interface Conn {
  spec: ConnSpec;
  ws?: WebSocket;
  ready: boolean;
  state: ReceiveState;
}

type Frame = { type: string; ref?: string; data?: Record<string, unknown> & { code?: string } };
type Pending = { kind: 'request'; resolve: (f: Frame) => void } | { kind: 'send'; conn: Conn; sentAt: number; measured: boolean };

const init = workerData as WorkerInit;
const conns: Conn[] = init.conns.map((spec) => ({ spec, ready: false, state: new ReceiveState(0) }));
const pending = new Map<string, Pending>();
let refSeq = 0;
let sendsInFlight = 0;
let stopRun = false;

function newPhase() {
  return {
    deliveries: 0,
    measuredDeliveries: 0,
    latency: new Histogram(),
    ackLatency: new Histogram(),
    firstDeliveryAt: 0,
    lastDeliveryAt: 0,
    sent: 0,
    sendLagMaxMs: 0,
    acked: new Map<string, number[]>(),
    errors: {} as Record<string, number>,
    closes: {} as Record<string, number>,
  };
}
let phase = newPhase();

const count = (into: Record<string, number>, key: string) => (into[key] = (into[key] ?? 0) + 1);

function onDelivery(conn: Conn, seq: number, sentAt: number, measured: boolean) {
  const now = nowMs();
  conn.state.add(seq, true);
  phase.deliveries += 1;
  if (phase.firstDeliveryAt === 0) phase.firstDeliveryAt = now;
  phase.lastDeliveryAt = now;
  if (measured) {
    phase.measuredDeliveries += 1;
    phase.latency.recordMs(now - sentAt);
  }
}

function onFrame(conn: Conn, raw: Buffer) {
  const text = raw.toString();
  if (text.startsWith(RECEIVED_PREFIX)) {
    const d = readDelivery(text);
    if (d) onDelivery(conn, d.seq, d.sentAt, d.measured);
    return;
  }
  const frame = JSON.parse(text) as Frame;
  if (frame.type === 'message.received') {
    const d = fromMessage(frame.data as { seq?: number; text?: string });
    if (d) onDelivery(conn, d.seq, d.sentAt, d.measured);
    return;
  }
  if (frame.ref === undefined) return; // other broadcasts: room.userJoined, presence, ...
  const p = pending.get(frame.ref);
  if (!p) return; // e.g. rateLimit.warning after a reply already seen
  pending.delete(frame.ref);
  if (p.kind === 'request') return p.resolve(frame);
  sendsInFlight -= 1;
  if (frame.type === 'message.ack') {
    const { roomId, seq } = frame.data as { roomId: string; seq: number };
    let list = phase.acked.get(roomId);
    if (!list) phase.acked.set(roomId, (list = []));
    list.push(seq);
    if (p.measured) phase.ackLatency.recordMs(nowMs() - p.sentAt);
  } else count(phase.errors, frame.type === 'error' ? String(frame.data?.code) : frame.type);
}

/** A request and its reply; rejects on timeout, and when the connection closes first (e.g. the login timeout's 4401). */
function request(conn: Conn, type: string, data: unknown, timeoutMs = 30_000): Promise<Frame> {
  const ref = `q${++refSeq}`;
  const ws = conn.ws!;
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      ws.off('close', onClose);
      pending.delete(ref);
      reject(new Error(`${type}: ${why}`));
    };
    const onClose = (code: number) => fail(`connection closed (${code}) before the reply`);
    const timer = setTimeout(() => fail(`no reply within ${timeoutMs} ms`), timeoutMs);
    ws.once('close', onClose);
    pending.set(ref, {
      kind: 'request',
      resolve: (f) => {
        clearTimeout(timer);
        ws.off('close', onClose);
        resolve(f);
      },
    });
    ws.send(JSON.stringify({ type, ref, data }));
  });
}

function open(conn: Conn, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(conn.spec.url, { perMessageDeflate: false, skipUTF8Validation: true, handshakeTimeout: timeoutMs, localAddress: conn.spec.localAddress });
    conn.ws = ws;
    ws.on('message', (data) => onFrame(conn, data as Buffer));
    ws.once('open', () => resolve());
    ws.once('error', (err) => reject(err));
    ws.once('close', (code) => {
      if (conn.ws !== ws) return; // an old socket we dropped on purpose
      if (conn.ready) count(phase.closes, String(code));
      conn.ready = false;
      reject(new Error(`closed ${code} before open`));
    });
  });
}

/** Connects and logs in; returns auth.success data. */
/** Opens and logs in; with `onRetry`, a login refused with a retryable code is retried in place. */
async function connectAndLogin(conn: Conn, timeoutMs: number, onRetry?: () => void): Promise<{ rooms: Array<{ roomId: string; lastSeq: number }> }> {
  await open(conn, timeoutMs);
  const login = { username: conn.spec.username };
  const reply = onRetry ? await requestRetrying(conn, 'auth.login', login, timeoutMs, onRetry) : await request(conn, 'auth.login', login, timeoutMs);
  if (reply.type !== 'auth.success') throw new Error(`login: ${JSON.stringify(reply)}`);
  conn.ready = true;
  return reply.data as { rooms: Array<{ roomId: string; lastSeq: number }> };
}

/** Codes that mean "the request was not applied, try it again later" (the contract's retryable ones). */
const RETRYABLE = new Set(['UNAVAILABLE', 'RATE_LIMITED']);

/**
 * A request that is retried in place, on the same connection, after a retryable error, the
 * way the SDK does (after retryAfterMs, with jitter); `onRetry` counts them. Only a dead
 * connection or a timeout throws, which makes the caller reconnect.
 */
async function requestRetrying(conn: Conn, type: string, data: unknown, timeoutMs: number, onRetry: () => void): Promise<Frame> {
  for (;;) {
    const reply = await request(conn, type, data, timeoutMs);
    const code = (reply.data as { code?: unknown } | undefined)?.code;
    if ((reply.type !== 'error' && reply.type !== 'auth.error') || typeof code !== 'string' || !RETRYABLE.has(code)) return reply;
    onRetry();
    const after = Number((reply.data as { retryAfterMs?: unknown }).retryAfterMs) || 500;
    await new Promise((r) => setTimeout(r, after * (0.5 + Math.random() / 2)));
  }
}

async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(lanes);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const handlers = {
  async connect(args: { concurrency: number; timeoutMs: number }) {
    const hist = new Histogram();
    const errors: string[] = [];
    let failed = 0;
    const started = nowMs();
    await eachLimited(conns, args.concurrency, async (conn) => {
      const t0 = nowMs();
      try {
        await connectAndLogin(conn, args.timeoutMs);
        hist.recordMs(nowMs() - t0);
      } catch (err) {
        failed += 1;
        if (errors.length < 5) errors.push(errorText(err));
      }
    });
    return { ok: conns.length - failed, failed, errors, loginLatency: hist.serialize(), elapsedMs: nowMs() - started };
  },

  /** Owners create their rooms (step 1), then everyone else joins (step 2). */
  async rooms(args: { step: 'create' | 'join'; concurrency: number }) {
    const errors: string[] = [];
    const mine = conns.filter((c) => c.ready && c.spec.owner === (args.step === 'create'));
    await eachLimited(mine, args.concurrency, async (conn) => {
      try {
        const reply = await request(conn, args.step === 'create' ? 'room.create' : 'room.join', args.step === 'create' ? { roomId: conn.spec.roomId } : { roomId: conn.spec.roomId, limit: 1 });
        const room = (reply.data as { room?: { lastSeq: number } }).room;
        if (!room) throw new Error(`${args.step} ${conn.spec.roomId}: ${JSON.stringify(reply)}`);
        conn.state = new ReceiveState(room.lastSeq);
      } catch (err) {
        if (errors.length < 5) errors.push(errorText(err));
      }
    });
    return { done: mine.length - errors.length, errors };
  },

  /** Sends `ratePerSec` messages per second, round-robin over this worker's senders. */
  async run(args: { ratePerSec: number; durationMs: number; measured: boolean; reset: boolean; padding: string }) {
    if (args.reset) phase = newPhase();
    stopRun = false;
    const senders = conns.filter((c) => c.spec.sender && c.ready);
    const total = Math.round((args.ratePerSec * args.durationMs) / 1000);
    if (senders.length === 0 || total === 0) return { sent: 0 };
    const start = nowMs();
    let sent = 0;
    let rr = 0;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const elapsed = nowMs() - start;
        const due = stopRun ? sent : Math.min(total, Math.floor((elapsed * args.ratePerSec) / 1000));
        if (due > sent) phase.sendLagMaxMs = Math.max(phase.sendLagMaxMs, elapsed - ((sent + 1) * 1000) / args.ratePerSec);
        for (; sent < due; sent++) {
          let conn = senders[rr++ % senders.length]!;
          for (let tries = 0; !conn.ready && tries < senders.length; tries++) conn = senders[rr++ % senders.length]!;
          if (!conn.ready) break;
          const ref = `s${++refSeq}`;
          const sentAt = nowMs();
          pending.set(ref, { kind: 'send', conn, sentAt, measured: args.measured });
          sendsInFlight += 1;
          conn.ws!.send(JSON.stringify({ type: 'message.send', ref, data: { roomId: conn.spec.roomId, text: messageText(args.measured, sentAt, args.padding) } }));
          phase.sent += 1;
        }
        if (sent >= total || stopRun) {
          clearInterval(timer);
          resolve();
        }
      }, 1);
    });
    return { sent };
  },

  async stopRun() {
    stopRun = true;
    return {};
  },

  /** Waits for every outstanding ack (or the timeout); returns the acked seqs per room. */
  async settle(args: { timeoutMs: number }): Promise<SettleResult> {
    const deadline = nowMs() + args.timeoutMs;
    while (sendsInFlight > 0 && nowMs() < deadline) await new Promise((r) => setTimeout(r, 20));
    const unanswered = sendsInFlight;
    for (const [ref, p] of pending) if (p.kind === 'send') pending.delete(ref);
    sendsInFlight = 0;
    return { acked: Object.fromEntries(phase.acked), errors: { ...phase.errors }, unanswered, ackLatency: phase.ackLatency.serialize() };
  },

  /** Waits until every connection saw every expected seq of its room (or the timeout). */
  async verify(args: { expected: Record<string, number[]>; timeoutMs: number; receiversOnly: boolean }): Promise<VerifyResult> {
    const deadline = nowMs() + args.timeoutMs;
    const watched = conns.filter((c) => !args.receiversOnly || !c.spec.sender);
    const lostNow = () => watched.reduce((n, c) => n + c.state.countMissing(args.expected[c.spec.roomId] ?? []), 0);
    let lost = lostNow();
    while (lost > 0 && nowMs() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      lost = lostNow();
    }
    const stats: PhaseStats = {
      deliveries: phase.deliveries,
      measuredDeliveries: phase.measuredDeliveries,
      latency: phase.latency.serialize(),
      firstDeliveryAt: phase.firstDeliveryAt,
      lastDeliveryAt: phase.lastDeliveryAt,
      sent: phase.sent,
      sendLagMaxMs: phase.sendLagMaxMs,
      closes: { ...phase.closes },
    };
    const duplicates = watched.reduce((n, c) => n + c.state.duplicates, 0);
    const outOfOrder = watched.reduce((n, c) => n + c.state.outOfOrder, 0);
    for (const c of conns) c.state.duplicates = c.state.outOfOrder = 0;
    return { lost, duplicates, outOfOrder, lostConns: watched.filter((c) => c.state.countMissing(args.expected[c.spec.roomId] ?? []) > 0).length, stats };
  },

  /**
   * Reconnect storm: every receiver's socket is dropped at once (no close frame), then each
   * reconnects, logs in again and pages `room.join {since}` until it holds every message up
   * to the room's lastSeq at its new login. A retryable error (UNAVAILABLE, RATE_LIMITED) is
   * retried in place after its retryAfterMs, as the SDK does; a dead connection or a timeout
   * reconnects after 200-700 ms. Both count as retries.
   */
  async storm(args: { timeoutMs: number }): Promise<StormResult> {
    const victims = conns.filter((c) => !c.spec.sender && c.ready);
    const reconnect = new Histogram();
    const recovery = new Histogram();
    let retries = 0;
    let failed = 0;
    let recoveredMessages = 0;
    const errors: string[] = [];
    const dropAt = nowMs();
    for (const c of victims) {
      c.ready = false;
      const old = c.ws!;
      c.ws = undefined;
      old.terminate();
    }
    await Promise.all(
      victims.map(async (conn) => {
        for (;;) {
          try {
            const auth = await connectAndLogin(conn, args.timeoutMs, () => (retries += 1));
            reconnect.recordMs(nowMs() - dropAt);
            conn.state.newLife();
            const snapshot = auth.rooms.find((r) => r.roomId === conn.spec.roomId)?.lastSeq ?? 0;
            let since = conn.state.contiguous();
            for (;;) {
              const reply = await requestRetrying(conn, 'room.join', { roomId: conn.spec.roomId, since, limit: 200 }, args.timeoutMs, () => (retries += 1));
              if (reply.type !== 'room.joined') throw new Error(`recover: ${JSON.stringify(reply)}`);
              const page = reply.data as { recentMessages: Array<{ seq: number; text: string }>; hasMore: boolean };
              for (const m of page.recentMessages) if (conn.state.add(m.seq, false)) recoveredMessages += 1;
              if (!page.hasMore || page.recentMessages.length === 0) break;
              since = page.recentMessages[page.recentMessages.length - 1]!.seq;
            }
            if (!conn.state.covers(snapshot)) throw new Error(`recovered up to ${conn.state.contiguous()}, expected ${snapshot}`);
            recovery.recordMs(nowMs() - dropAt);
            return;
          } catch (err) {
            if (errors.length < 5) errors.push(errorText(err));
            conn.ready = false;
            conn.ws?.terminate();
            if (nowMs() - dropAt > args.timeoutMs) {
              failed += 1;
              return;
            }
            retries += 1;
            await new Promise((r) => setTimeout(r, 200 + Math.random() * 500));
          }
        }
      }),
    );
    return { dropped: victims.length, failed, retries, recoveredMessages, errors, dropAt, reconnect: reconnect.serialize(), recovery: recovery.serialize() };
  },

  async close() {
    for (const c of conns) {
      c.ready = false;
      const ws = c.ws;
      c.ws = undefined;
      ws?.terminate();
    }
    return {};
  },
};

parentPort!.postMessage({ id: 0, ok: true, result: 'ready' });
parentPort!.on('message', (msg: Command) => {
  const handler = handlers[msg.cmd] as (args: unknown) => Promise<unknown>;
  handler(msg.args).then(
    (result) => parentPort!.postMessage({ id: msg.id, ok: true, result }),
    (err) => parentPort!.postMessage({ id: msg.id, ok: false, error: errorText(err) }),
  );
});
