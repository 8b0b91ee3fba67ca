/**
 * Per-room delivery cursor: turns whatever arrives (live broadcasts, recovery pages, gap
 * fills, in any order and with repeats) into one stream per room that is in `seq` order and
 * never repeats a `(roomId, seq)`.
 *
 * - `cursor` is the last seq handed to the application. A message at `cursor + 1` is
 *   delivered, and so is every buffered one that follows it without a hole.
 * - A message at or below the cursor is a duplicate and is dropped.
 * - A message beyond `cursor + 1` waits in a buffer: that is a gap, and `gap()` reports it
 *   so the caller can fetch the missing range (`message.history {after}`).
 * - A room seen for the first time through a message starts at that message: there is
 *   nothing older the application was promised.
 *
 * Pure: no I/O, no timers.
 */
import type { Message } from '@chat/contracts';

interface RoomCursor {
  cursor: number;
  buffer: Map<number, Message>;
}

export interface Gap {
  roomId: string;
  /** Last delivered seq: fetch messages after it. */
  after: number;
  /** Lowest buffered seq: everything below it is missing. */
  before: number;
}

export type SeqTracker = ReturnType<typeof createSeqTracker>;

export function createSeqTracker() {
  const rooms = new Map<string, RoomCursor>();

  function drain(room: RoomCursor, out: Message[]) {
    for (let next = room.buffer.get(room.cursor + 1); next; next = room.buffer.get(room.cursor + 1)) {
      room.buffer.delete(next.seq);
      room.cursor = next.seq;
      out.push(next);
    }
  }

  return {
    has: (roomId: string) => rooms.has(roomId),
    cursor: (roomId: string): number | undefined => rooms.get(roomId)?.cursor,
    roomIds: (): string[] => [...rooms.keys()],

    /** Starts tracking a room at `seq` (nothing at or below it will be delivered). No-op if tracked. */
    init(roomId: string, seq: number): void {
      if (!rooms.has(roomId)) rooms.set(roomId, { cursor: seq, buffer: new Map() });
    },

    /** Stops tracking (the user left the room). */
    forget(roomId: string): void {
      rooms.delete(roomId);
    },

    /** Offers one message; returns those now deliverable, in order (often just it, or none). */
    offer(message: Message): Message[] {
      let room = rooms.get(message.roomId);
      if (!room) {
        room = { cursor: message.seq - 1, buffer: new Map() };
        rooms.set(message.roomId, room);
      }
      if (message.seq <= room.cursor || room.buffer.has(message.seq)) return [];
      room.buffer.set(message.seq, message);
      const out: Message[] = [];
      drain(room, out);
      return out;
    },

    /** Gives up on the seqs up to `seq` (they do not exist); returns what that releases. */
    skipTo(roomId: string, seq: number): Message[] {
      const room = rooms.get(roomId);
      if (!room || seq <= room.cursor) return [];
      room.cursor = seq;
      for (const s of room.buffer.keys()) if (s <= seq) room.buffer.delete(s);
      const out: Message[] = [];
      drain(room, out);
      return out;
    },

    /** The hole in a room's stream, if messages beyond it are waiting. */
    gap(roomId: string): Gap | undefined {
      const room = rooms.get(roomId);
      if (!room || room.buffer.size === 0) return undefined;
      return { roomId, after: room.cursor, before: Math.min(...room.buffer.keys()) };
    },

    /** Number of messages waiting behind a gap (for tests and diagnostics). */
    buffered: (roomId: string): number => rooms.get(roomId)?.buffer.size ?? 0,
  };
}
