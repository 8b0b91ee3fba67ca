/**
 * A text message as WebSocket frame bytes, made once however many sockets it goes to. A
 * room's message reaches a gateway once and leaves it on every member's socket; `ws.send`
 * would build a header and cork, write twice and uncork per socket. Framed once, it is one
 * plain write per socket (RFC 6455 section 5.2: FIN + text opcode, no mask from a server).
 * Connection.sendRaw writes every data frame this way, and Connection.ping its pings (PING_FRAME);
 * `ws` still answers pings and sends close frames.
 *
 * Only valid on sockets without permessage-deflate (the gateway's server never enables it),
 * and only while the socket is OPEN: Connection.sendRaw checks that before writing.
 */
export class TextFrame {
  private framed: Buffer | undefined;

  constructor(readonly payload: string | Uint8Array) {}

  /** The payload as a frame: itself when already one, so it is framed once however it travels. */
  static of(payload: Payload): TextFrame {
    return payload instanceof TextFrame ? payload : new TextFrame(payload);
  }

  get bytes(): Buffer {
    return (this.framed ??= frameText(this.payload));
  }
}

/** A ping with no payload (FIN + opcode 9, unmasked), the same bytes for every socket. */
export const PING_FRAME: Buffer = Buffer.from([0x89, 0x00]);

/** A frame's text, or the same already framed (TextFrame): what Connection.sendRaw takes. */
export type Payload = string | Uint8Array | TextFrame;

function frameText(payload: string | Uint8Array): Buffer {
  const length = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength;
  const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = 0x81; // FIN, opcode 1 (text)
  if (length < 126) frame[1] = length;
  else if (length < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  if (typeof payload === 'string') frame.write(payload, headerLength, 'utf8');
  else frame.set(payload, headerLength);
  return frame;
}
