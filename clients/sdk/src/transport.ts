/**
 * One WebSocket, wrapped: JSON frames in and out, and exactly one `onClose` per socket,
 * whether the server closed it, the network dropped it, or the SDK gave up on it
 * (`abandon`, for a socket that stopped answering pings and may take minutes to report
 * its own death).
 */
import type { ServerFrame } from '@chat/contracts';
import type { WebSocketConstructor, WebSocketLike } from './types.ts';

const OPEN = 1;

export interface TransportHandlers {
  onOpen(): void;
  onFrame(frame: ServerFrame): void;
  onClose(code: number, reason: string): void;
}

export interface Transport {
  /** false when the socket is not open (nothing was sent). */
  send(frame: { type: string; ref?: string; data?: unknown }): boolean;
  close(code?: number, reason?: string): void;
  /** Stops listening at once and reports `code` as the close. */
  abandon(code: number, reason: string): void;
  readonly isOpen: boolean;
}

function textOf(data: unknown): string | undefined {
  if (typeof data === 'string') return data;
  // Defensive: some WebSocket shims hand text frames over as bytes.
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return new TextDecoder().decode(data as ArrayBuffer);
  return undefined;
}

export function openTransport(Ctor: WebSocketConstructor, url: string, handlers: TransportHandlers): Transport {
  const ws: WebSocketLike = new Ctor(url);
  let done = false;

  function finish(code: number, reason: string) {
    if (done) return;
    done = true;
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
    handlers.onClose(code, reason);
  }

  ws.onopen = () => handlers.onOpen();
  ws.onmessage = (ev) => {
    const text = textOf(ev.data);
    if (text === undefined) return;
    let frame: ServerFrame;
    try {
      frame = JSON.parse(text) as ServerFrame;
    } catch {
      return; // the server only sends JSON; a broken frame carries nothing we could use
    }
    if (frame && typeof frame.type === 'string') handlers.onFrame(frame);
  };
  ws.onclose = (ev) => finish(ev.code, ev.reason);
  // 'error' is always followed by 'close' in browsers and in ws; nothing to do here, but an
  // unhandled 'error' would crash a Node process using ws.
  ws.onerror = () => {};

  return {
    send(frame) {
      if (done || ws.readyState !== OPEN) return false;
      ws.send(JSON.stringify(frame));
      return true;
    },
    close(code = 1000, reason = '') {
      try {
        ws.close(code, reason);
      } catch {
        finish(code, reason);
      }
    },
    abandon(code, reason) {
      finish(code, reason);
      try {
        ws.close(1000, reason);
      } catch {
        /* already closing */
      }
    },
    get isOpen() {
      return !done && ws.readyState === OPEN;
    },
  };
}
