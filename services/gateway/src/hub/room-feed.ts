/**
 * Ordered, duplicate-free delivery of one room's messages to this gateway's sockets.
 *
 * Guarantees, per connection: `message.received` frames arrive in seq order with no
 * duplicates. Fan-out can repeat (broadcast redelivery) or reorder (several broadcast
 * replicas); repeats (seq <= lastSeq) are dropped, early arrivals wait in `pending`, and a
 * gap that does not close by itself within `gapWaitMs` is filled from the database (the
 * source of truth) through `catchUp`. A connection that joins while this feed is behind its
 * own snapshot is held back until the feed passes it (`floors`); one that joins while the
 * feed is ahead is sent the messages in between before anything newer (`holding`).
 * Every frame is serialised once per gateway, never per socket.
 */
import { encodeFrame, type Message } from '@chat/contracts';
import { TextFrame, type Payload } from '../ws/text-frame.ts';

export interface FeedConn {
  sendRaw(payload: Payload): void;
}

export interface FeedDeps {
  catchUp(roomId: string, after: number, limit: number): Promise<Message[]>;
  onError(err: unknown, roomId: string): void;
  gapWaitMs: number;
}

const CATCH_UP_PAGE = 500;

export class RoomFeed<C extends FeedConn = FeedConn> {
  readonly members = new Set<C>();
  private lastSeq: number;
  private readonly pending = new Map<number, Payload>();
  private readonly floors = new Map<C, number>();
  private readonly holding = new Map<C, Array<{ seq?: number; payload: Payload }>>();
  private filling = false;
  private gapTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    readonly roomId: string,
    initialSeq: number,
    private readonly deps: FeedDeps,
  ) {
    this.lastSeq = initialSeq;
  }

  get seq(): number {
    return this.lastSeq;
  }

  deliverMessage(seq: number, payload: Payload): void {
    if (seq <= this.lastSeq || this.pending.has(seq)) return;
    if (seq !== this.lastSeq + 1 || this.filling) {
      this.pending.set(seq, payload);
      this.scheduleFill(this.deps.gapWaitMs);
      return;
    }
    this.emit(seq, payload);
    this.drain();
  }

  /** A frame without seq (joins, leaves, read receipts): to every member, now. */
  deliverFrame(text: Payload): void {
    const payload = TextFrame.of(text);
    for (const conn of this.members) {
      const held = this.holding.get(conn);
      if (held) held.push({ payload });
      else conn.sendRaw(payload);
    }
  }

  /** Looks for anything stored after lastSeq (used once the subscription is live). */
  requestFill(): void {
    this.scheduleFill(0);
  }

  addConn(conn: C, floor: number): void {
    if (this.members.has(conn)) return;
    this.members.add(conn);
    if (floor > this.lastSeq) this.floors.set(conn, floor);
    else if (floor < this.lastSeq) void this.catchUpConn(conn, floor, this.lastSeq);
  }

  removeConn(conn: C): void {
    this.members.delete(conn);
    this.floors.delete(conn);
    this.holding.delete(conn);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.gapTimer);
  }

  private emit(seq: number, text: Payload): void {
    this.lastSeq = seq;
    const payload = TextFrame.of(text);
    for (const conn of this.members) {
      const floor = this.floors.get(conn);
      if (floor !== undefined) {
        if (seq <= floor) continue;
        this.floors.delete(conn);
      }
      const held = this.holding.get(conn);
      if (held) held.push({ seq, payload });
      else conn.sendRaw(payload);
    }
  }

  private drain(): void {
    for (let next = this.pending.get(this.lastSeq + 1); next !== undefined; next = this.pending.get(this.lastSeq + 1)) {
      this.pending.delete(this.lastSeq + 1);
      this.emit(this.lastSeq + 1, next);
    }
    for (const seq of this.pending.keys()) if (seq <= this.lastSeq) this.pending.delete(seq);
    if (this.pending.size > 0) this.scheduleFill(this.deps.gapWaitMs);
  }

  private scheduleFill(delayMs: number): void {
    if (this.gapTimer || this.filling || this.closed) return;
    this.gapTimer = setTimeout(() => {
      this.gapTimer = undefined;
      void this.fill();
    }, delayMs);
  }

  private async fill(): Promise<void> {
    this.filling = true;
    let retry = false;
    try {
      for (;;) {
        const messages = await this.deps.catchUp(this.roomId, this.lastSeq, CATCH_UP_PAGE);
        if (this.closed) return;
        for (const m of messages) {
          if (m.seq !== this.lastSeq + 1) continue;
          this.pending.delete(m.seq);
          this.emit(m.seq, encodeFrame('message.received', m));
        }
        if (messages.length < CATCH_UP_PAGE) break;
      }
    } catch (err) {
      this.deps.onError(err, this.roomId);
      retry = true;
    } finally {
      this.filling = false;
    }
    this.drain();
    if (retry) this.scheduleFill(1000);
  }

  private async catchUpConn(conn: C, floor: number, upTo: number): Promise<void> {
    const held: Array<{ seq?: number; payload: Payload }> = [];
    this.holding.set(conn, held);
    let sentUpTo = floor;
    try {
      while (sentUpTo < upTo) {
        const messages = await this.deps.catchUp(this.roomId, sentUpTo, Math.min(CATCH_UP_PAGE, upTo - sentUpTo));
        if (messages.length === 0) break;
        for (const m of messages) {
          if (m.seq > upTo || !this.members.has(conn)) break;
          conn.sendRaw(encodeFrame('message.received', m));
          sentUpTo = m.seq;
        }
      }
    } catch (err) {
      this.deps.onError(err, this.roomId);
    }
    if (this.holding.get(conn) !== held) return; // removed meanwhile
    this.holding.delete(conn);
    for (const item of held) if (item.seq === undefined || item.seq > sentUpTo) conn.sendRaw(item.payload);
  }
}
