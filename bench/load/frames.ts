/**
 * What the load generator puts in a message and reads back out of a `message.received`
 * frame. The send time travels inside the message text as JSON, `{"m":1,"t":<ms>}`, so every
 * receiver measures end-to-end latency on its own; `m` says whether the message was sent in
 * a measured window (warm-up traffic is checked for loss but not timed).
 *
 * Reading a delivery is the generator's hot path, so `readDelivery` picks `seq` and `t` out of
 * the frame with indexOf instead of parsing it twice (frame, then text); any frame it cannot
 * read that way goes through JSON.parse.
 */

/** Milliseconds on the monotonic clock, shared by every thread of the process (sub-us resolution). */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export function messageText(measured: boolean, sentAt: number, padding: string): string {
  return JSON.stringify({ m: measured ? 1 : 0, t: sentAt, ...(padding ? { p: padding } : {}) });
}

export interface Delivery {
  roomId?: string;
  seq: number;
  sentAt: number;
  measured: boolean;
}

export const RECEIVED_PREFIX = '{"type":"message.received"';

function readInt(s: string, from: number): number {
  let n = 0;
  for (let k = from; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
  }
  return n;
}

/** A message.received frame (text) -> its seq, send time and measured flag; undefined if it is not ours. */
export function readDelivery(frame: string): Delivery | undefined {
  const seqAt = frame.indexOf('"seq":');
  const tAt = frame.indexOf('\\"t\\":');
  if (seqAt >= 0 && tAt >= 0) {
    const sentAt = parseFloat(frame.slice(tAt + 6, tAt + 32));
    if (Number.isFinite(sentAt)) return { seq: readInt(frame, seqAt + 6), sentAt, measured: frame.includes('\\"m\\":1') };
  }
  return fromMessage((JSON.parse(frame) as { data?: { seq?: number; text?: string } }).data);
}

/** A Message object (a live frame's data, or one from room.joined's recentMessages). */
export function fromMessage(m: { seq?: number; text?: string; roomId?: string } | undefined): Delivery | undefined {
  if (!m || typeof m.seq !== 'number' || typeof m.text !== 'string') return undefined;
  try {
    const body = JSON.parse(m.text) as { m?: number; t?: number };
    if (typeof body.t !== 'number') return undefined;
    return { roomId: m.roomId, seq: m.seq, sentAt: body.t, measured: body.m === 1 };
  } catch {
    return undefined;
  }
}
