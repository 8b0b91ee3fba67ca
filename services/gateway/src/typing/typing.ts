/**
 * Typing indicators: ephemeral, over core NATS only, never stored.
 * Every gateway hears every typing signal (`eph.typing.<room>`) and keeps the same
 * per-room list with the same expiry, so typists on different gateways show up together.
 * A gateway that dies mid-typing costs at most TYPING_TIMEOUT_MS of a stale indicator.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { encodeFrame } from '@chat/contracts';
import { publishSignal, subjects } from '@chat/nats';

interface TypingSignal {
  roomId: string;
  username: string;
  typing: boolean;
}

export interface TypingConn {
  readonly username: string;
}

export function createTyping(deps: {
  nc: NatsConnection;
  timeoutMs: number;
  sendToRoom: (roomId: string, payload: string) => void;
}) {
  const rooms = new Map<string, Map<string, NodeJS.Timeout>>();
  /** The rooms each local connection is typing in; only connections typing now have an entry. */
  const typingIn = new Map<TypingConn, Set<string>>();

  function emit(roomId: string) {
    const typists = rooms.get(roomId);
    deps.sendToRoom(roomId, encodeFrame('typing.update', { roomId, usersTyping: [...(typists?.keys() ?? [])] }));
    if (typists && typists.size === 0) rooms.delete(roomId);
  }

  function apply({ roomId, username, typing }: TypingSignal) {
    let typists = rooms.get(roomId);
    const timer = typists?.get(username);
    clearTimeout(timer);
    if (typing) {
      if (!typists) rooms.set(roomId, (typists = new Map()));
      typists.set(
        username,
        setTimeout(() => {
          typists!.delete(username);
          emit(roomId);
        }, deps.timeoutMs),
      );
      if (!timer) emit(roomId);
    } else if (timer && typists) {
      typists.delete(username);
      emit(roomId);
    }
  }

  const sub = deps.nc.subscribe(subjects.typingAll, {
    callback: (err, msg) => {
      if (!err) apply(msg.json<TypingSignal>());
    },
  });

  function signal(conn: TypingConn, roomId: string, typing: boolean, force = false) {
    const mine = typingIn.get(conn);
    if (typing) {
      if (mine) mine.add(roomId);
      else typingIn.set(conn, new Set([roomId]));
    } else {
      const wasTyping = mine?.delete(roomId) ?? false;
      if (mine?.size === 0) typingIn.delete(conn);
      if (!wasTyping && !force) return;
    }
    publishSignal(deps.nc, subjects.typing(roomId), JSON.stringify({ roomId, username: conn.username, typing } satisfies TypingSignal));
  }

  return {
    start: (conn: TypingConn, roomId: string) => signal(conn, roomId, true),
    stop: (conn: TypingConn, roomId: string) => signal(conn, roomId, false),
    /**
     * Sending a message ends the user's typing there, whichever connection typed. Every
     * gateway keeps the same list, so a sender nobody sees typing costs no signal (it was one
     * NATS message per send, to every gateway).
     */
    sent(conn: TypingConn, roomId: string) {
      if (rooms.get(roomId)?.has(conn.username) || typingIn.get(conn)?.has(roomId)) signal(conn, roomId, false, true);
    },
    disconnected(conn: TypingConn) {
      for (const roomId of [...(typingIn.get(conn) ?? [])]) signal(conn, roomId, false);
    },
    close() {
      sub.unsubscribe();
      for (const typists of rooms.values()) for (const t of typists.values()) clearTimeout(t);
    },
  };
}
