/**
 * One simulated user on the SDK. What it records is what an application built on the SDK
 * would show: the SDK already orders and de-duplicates per room, so a loss seen here is a
 * loss a real user would see (demo.py checks the raw protocol instead).
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import type { Message } from '@chat/contracts';
import { ChatError, createChatClient, type ChatClient } from '@chat/sdk';

export interface Received {
  message: Message;
  at: number; // performance.now()
}

export interface SimUser {
  name: string;
  client: ChatClient;
  received: Received[];
  problems: string[];
  /** Resolves when `done()` holds or at `deadline` (performance.now() ms), whichever first. */
  waitFor(done: () => boolean, deadline: number): Promise<void>;
  /** Logs in; rejects when the socket cannot be opened or no login within the timeout. */
  connect(): Promise<void>;
  /** message.send, waiting out RATE_LIMITED (the server applied nothing) with the same clientMsgId. */
  send(roomId: string, text: string, clientMsgId: string): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MAX_RATE_RETRIES = 20;

export function createSimUser(opts: { name: string; url: string; timeoutMs: number }): SimUser {
  // No reconnect: a demo run is short, and a dropped connection should fail it loudly.
  const client = createChatClient({ url: opts.url, auth: { username: opts.name }, WebSocket, reconnect: { enabled: false }, requestTimeoutMs: opts.timeoutMs, pingIntervalMs: 0 });
  const received: Received[] = [];
  const problems: string[] = [];
  let wake: (() => void) | undefined;

  client.on('message.received', (message) => {
    received.push({ message, at: performance.now() });
    wake?.();
  });
  client.on('error', (err) => problems.push(`unsolicited error ${err.code}: ${err.message}`));
  let onClosed: ((err: Error) => void) | undefined;
  client.on('state', (s) => {
    if (s.status !== 'closed') return;
    wake?.();
    onClosed?.(s.error ?? new Error('connection closed'));
  });

  return {
    name: opts.name,
    client,
    received,
    problems,
    async connect() {
      // With reconnect disabled, the SDK's connect() never settles when the socket fails to
      // open (it only ends in state 'closed'): watch the state too, and bound the wait.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const failed = new Promise<never>((_, reject) => {
        onClosed = reject;
        timer = setTimeout(() => reject(new Error(`${opts.name}: no login within ${opts.timeoutMs} ms`)), opts.timeoutMs);
      });
      try {
        await Promise.race([client.connect(), failed]);
      } finally {
        clearTimeout(timer);
        onClosed = undefined;
      }
    },
    async waitFor(done, deadline) {
      while (!done() && client.state.status !== 'closed') {
        const left = deadline - performance.now();
        if (left <= 0) return;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          wake = () => (clearTimeout(timer), resolve());
        });
        wake = undefined;
      }
    },
    async send(roomId, text, clientMsgId) {
      for (let i = 0; ; i++) {
        try {
          await client.sendMessage(roomId, text, { clientMsgId });
          return;
        } catch (err) {
          if (!(err instanceof ChatError) || err.code !== 'RATE_LIMITED' || i >= MAX_RATE_RETRIES) throw err;
          await sleep(err.retryAfterMs ?? 1000);
        }
      }
    },
  };
}
