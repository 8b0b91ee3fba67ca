/**
 * An in-memory stand-in for the gateway: a WebSocket class whose "server side" is a
 * function. Lets tests produce what a healthy gateway never sends (gaps, silence).
 */
import type { ServerFrame } from '@chat/contracts';
import type { WebSocketLike } from '../src/types.ts';

export interface ClientFrame {
  type: string;
  ref?: string;
  data: Record<string, unknown>;
}

export interface FakeSocket {
  /** Server -> client. */
  push(frame: ServerFrame | { type: string; ref?: string; data: unknown }): void;
  /** Server closes the socket. */
  drop(code?: number, reason?: string): void;
  readonly received: ClientFrame[];
}

export function fakeWebSocket(onClientFrame: (frame: ClientFrame, socket: FakeSocket) => void) {
  const sockets: FakeSocket[] = [];
  class FakeWebSocket implements WebSocketLike {
    readyState = 0;
    onopen: WebSocketLike['onopen'] = null;
    onmessage: WebSocketLike['onmessage'] = null;
    onclose: WebSocketLike['onclose'] = null;
    onerror: WebSocketLike['onerror'] = null;
    private readonly socket: FakeSocket;
    constructor(readonly url: string) {
      const received: ClientFrame[] = [];
      this.socket = {
        received,
        push: (frame) => queueMicrotask(() => this.readyState === 1 && this.onmessage?.({ data: JSON.stringify(frame) })),
        drop: (code = 1006, reason = '') => this.finish(code, reason),
      };
      sockets.push(this.socket);
      setTimeout(() => {
        this.readyState = 1;
        this.onopen?.({});
      }, 0);
    }
    send(data: string) {
      const frame = JSON.parse(data) as ClientFrame;
      this.socket.received.push(frame);
      onClientFrame({ ...frame, data: frame.data ?? {} }, this.socket);
    }
    close(code = 1000, reason = '') {
      setTimeout(() => this.finish(code, reason), 0);
    }
    private finish(code: number, reason: string) {
      if (this.readyState === 3) return;
      this.readyState = 3;
      this.onclose?.({ code, reason });
    }
  }
  return { FakeWebSocket, sockets };
}

export const authSuccess = (rooms: Array<{ roomId: string; lastSeq: number }> = [], serverId = 'gw-fake') => ({
  type: 'auth.success' as const,
  data: {
    userId: 'u-1',
    username: 'alice',
    sessionId: 's-1',
    serverId,
    protocolVersion: 1 as const,
    rooms: rooms.map((r) => ({ ...r, lastReadSeq: r.lastSeq, unread: 0 })),
  },
});

export const message = (roomId: string, seq: number) => ({
  id: `${roomId}-${seq}`,
  roomId,
  seq,
  userId: 'u-2',
  username: 'bob',
  text: `m${seq}`,
  timestamp: 1000 + seq,
});
