import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { PING_FRAME, TextFrame } from './text-frame.ts';

// A real ws client decodes what the server wrote straight onto the TCP socket.
describe('TextFrame', () => {
  let wss: WebSocketServer;
  let raw: Promise<Duplex>;
  let client: WebSocket;

  beforeAll(async () => {
    wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(wss, 'listening');
    raw = new Promise((resolve) => wss.on('connection', (_ws, req) => resolve(req.socket)));
    client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
    await once(client, 'open');
  });
  afterAll(() => {
    client.close();
    wss.close();
  });

  const received = () => new Promise<{ text: string; isBinary: boolean }>((resolve) => client.once('message', (data, isBinary) => resolve({ text: String(data), isBinary })));

  // Every header length form: 7-bit, 16-bit (126..65535) and 64-bit (65536 and more).
  it.each([0, 1, 125, 126, 65_535, 65_536, 200_000])('frames %i bytes so a client reads them as one text message', async (size) => {
    const text = 'x'.repeat(size);
    const got = received();
    (await raw).write(new TextFrame(text).bytes);
    expect(await got).toEqual({ text, isBinary: false });
  });

  it('counts UTF-8 bytes, not characters, and takes bytes as they are', async () => {
    const socket = await raw;
    const text = 'héllo <b>wörld</b> 🎉';
    let got = received();
    socket.write(new TextFrame(text).bytes);
    expect((await got).text).toBe(text);
    got = received();
    socket.write(new TextFrame(new TextEncoder().encode(text)).bytes);
    expect((await got).text).toBe(text);
  });

  it('writes a ping that a client answers with a pong the server reads', async () => {
    const [server] = [...wss.clients];
    const pinged = once(client, 'ping');
    const ponged = once(server!, 'pong');
    (await raw).write(PING_FRAME);
    expect((await pinged)[0]).toHaveLength(0);
    expect((await ponged)[0]).toHaveLength(0);
  });

  it('frames once however many sockets it is written to', () => {
    const frame = new TextFrame('{"type":"message.received"}');
    expect(frame.bytes).toBe(frame.bytes);
  });
});
