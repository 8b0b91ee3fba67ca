/**
 * Getting back what the socket missed.
 *
 * After a login the gateway streams a room's messages from its snapshot (`auth.success`
 * rooms[].lastSeq) on; anything between the client's cursor and that snapshot was missed.
 * `recoverRooms` asks for it with `room.join {roomId, since: cursor}`, page by page while
 * `hasMore`, and feeds every page through the seq tracker, which drops what the live
 * stream already delivered and holds back live messages that ran ahead. A room whose
 * snapshot equals the cursor has nothing to fetch and is skipped, which keeps a reconnect
 * of a user in hundreds of quiet rooms from tripping the per-connection request cap.
 *
 * `fillGap` handles a hole in the live stream (a message at cursor + 2 or later): it asks
 * `message.history {after: cursor, before: first buffered}` until the hole is closed.
 *
 * Requests run one at a time, a little apart, and a RATE_LIMITED page is retried after
 * `retryAfterMs`: recovery must never cost the connection (three capped windows close it).
 */
import type { Message, RoomState, ServerFrameData } from '@chat/contracts';
import { ChatError } from './errors.ts';
import type { SeqTracker } from './seq-tracker.ts';

const PAGE = 200;
const MAX_RATE_RETRIES = 5;

export interface RecoveryDeps {
  tracker: SeqTracker;
  join(data: { roomId: string; since: number; limit: number }): Promise<ServerFrameData['room.joined']>;
  history(data: { roomId: string; after: number; before: number; limit: number }): Promise<ServerFrameData['message.history']>;
  deliver(messages: Message[]): void;
  onRecovered(info: { roomId: string; count: number; reason: 'reconnect' | 'gap' }): void;
  onError(err: unknown, roomId: string): void;
  /** Pause between two recovery requests, ms (25: well under 50 requests/s). */
  paceMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const isGone = (err: unknown) => err instanceof ChatError && (err.code === 'DISCONNECTED' || err.code === 'CLOSED');

export type Recovery = ReturnType<typeof createRecovery>;

export function createRecovery(deps: RecoveryDeps) {
  const { tracker } = deps;
  const paceMs = deps.paceMs ?? 25;
  const recovering = new Set<string>();
  const filling = new Set<string>();
  let epoch = 0;

  /** Runs a request, waiting out RATE_LIMITED; gives up (throws) on anything else. */
  async function withRateRetry<T>(run: () => Promise<T>): Promise<T> {
    for (let i = 0; ; i++) {
      try {
        return await run();
      } catch (err) {
        if (!(err instanceof ChatError) || err.code !== 'RATE_LIMITED' || i >= MAX_RATE_RETRIES) throw err;
        await sleep(err.retryAfterMs ?? 1000);
      }
    }
  }

  function offerAll(messages: Message[]): number {
    let count = 0;
    for (const m of messages) {
      const ready = tracker.offer(m);
      count += ready.length;
      if (ready.length) deps.deliver(ready);
    }
    return count;
  }

  async function recoverRoom(roomId: string, myEpoch: number): Promise<void> {
    let count = 0;
    recovering.add(roomId);
    try {
      for (;;) {
        const since = tracker.cursor(roomId);
        if (since === undefined || myEpoch !== epoch) return;
        const page = await withRateRetry(() => deps.join({ roomId, since, limit: PAGE }));
        count += offerAll(page.recentMessages);
        if (!page.hasMore || tracker.cursor(roomId) === since) break;
        await sleep(paceMs);
      }
    } finally {
      if (myEpoch === epoch) recovering.delete(roomId);
      if (count > 0) deps.onRecovered({ roomId, count, reason: 'reconnect' });
    }
    if (myEpoch === epoch) fillGap(roomId);
  }

  async function fill(roomId: string): Promise<void> {
    let count = 0;
    const myEpoch = epoch;
    try {
      for (let gap = tracker.gap(roomId); gap && myEpoch === epoch; gap = tracker.gap(roomId)) {
        const g = gap;
        const page = await withRateRetry(() => deps.history({ roomId, after: g.after, before: g.before, limit: PAGE }));
        const delivered = offerAll(page.messages);
        count += delivered;
        if (delivered === 0 && tracker.gap(roomId)?.after === g.after) {
          // The store has nothing in the hole: seqs that will never exist. Step over them
          // rather than hold the room's stream forever.
          deps.onError(new ChatError('INTERNAL', `seq ${g.after + 1}..${g.before - 1} missing in ${roomId}`), roomId);
          const ready = tracker.skipTo(roomId, g.before - 1);
          count += ready.length;
          if (ready.length) deps.deliver(ready);
        }
      }
    } catch (err) {
      // A lost connection is not a failure of the fill: the next login recovers the room.
      if (!isGone(err)) deps.onError(err, roomId);
    } finally {
      if (myEpoch === epoch) filling.delete(roomId);
      if (count > 0) deps.onRecovered({ roomId, count, reason: 'gap' });
    }
  }

  function fillGap(roomId: string): void {
    if (recovering.has(roomId) || filling.has(roomId) || !tracker.gap(roomId)) return;
    filling.add(roomId);
    void fill(roomId);
  }

  return {
    /** After a login: fetch what each known room missed. Resolves when all rooms are done. */
    async recoverRooms(rooms: RoomState[]): Promise<void> {
      const myEpoch = epoch;
      for (const room of rooms) {
        const cursor = tracker.cursor(room.roomId);
        if (cursor === undefined || room.lastSeq <= cursor) continue;
        if (myEpoch !== epoch) return;
        try {
          await recoverRoom(room.roomId, myEpoch);
        } catch (err) {
          if (isGone(err)) return;
          deps.onError(err, room.roomId);
        }
        await sleep(paceMs);
      }
    },
    fillGap,
    /** The connection is gone: loops of the old connection stop at their next step. */
    reset() {
      epoch += 1;
      recovering.clear();
      filling.clear();
    },
  };
}
