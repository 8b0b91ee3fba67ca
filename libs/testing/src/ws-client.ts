import WebSocket from 'ws';
import type { ServerFrame, ServerFrameData, ServerFrameType } from '@chat/contracts';

type FrameOf<T extends ServerFrameType> = { type: T; ref?: string; data: ServerFrameData[T] };

/**
 * A real WebSocket client for tests: records every frame, and waits for frames by
 * predicate (already received ones included), never by sleeping.
 */
export class TestClient {
  readonly frames: ServerFrame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: Array<() => void> = [];
  private refCounter = 0;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      if (isBinary) throw new Error('server sent a binary frame');
      this.frames.push(JSON.parse(data.toString()) as ServerFrame);
      this.notify();
    });
    this.closed = new Promise((resolve) =>
      ws.once('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.notify();
      }),
    );
  }

  private notify() {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  static connect(url: string, opts: { headers?: Record<string, string> } = {}): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers: opts.headers });
      const client = new TestClient(ws);
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { statusCode: res.statusCode })));
      ws.once('error', reject);
    });
  }

  /** Connects and logs in as a guest; resolves with auth.success. */
  static async guest(baseWsUrl: string, username: string): Promise<TestClient & { auth: FrameOf<'auth.success'>['data'] }> {
    const client = await TestClient.connect(baseWsUrl);
    const auth = await client.request('auth.login', { username });
    if (auth.type !== 'auth.success') throw new Error(`login failed: ${JSON.stringify(auth)}`);
    return Object.assign(client, { auth: auth.data as FrameOf<'auth.success'>['data'] });
  }

  sendRaw(data: string | Buffer, opts: { binary?: boolean } = {}) {
    this.ws.send(data, { binary: opts.binary ?? false });
  }

  send(type: string, data?: unknown, ref?: string) {
    this.ws.send(JSON.stringify({ type, ...(ref !== undefined ? { ref } : {}), ...(data !== undefined ? { data } : {}) }));
  }

  /** Sends a request with a fresh ref and resolves with the first reply carrying it. */
  async request(type: string, data?: unknown, timeoutMs = 5000): Promise<ServerFrame> {
    const ref = `r${++this.refCounter}`;
    this.send(type, data, ref);
    return this.waitFor((f) => f.ref === ref, timeoutMs);
  }

  /** Like request, but throws unless the reply has the expected type. */
  ok<T extends ServerFrameType>(expected: T, type: string, data?: unknown): Promise<ServerFrameData[T]> {
    return this.okOnceAvailable(expected, type, data, 1);
  }

  /**
   * Like ok, but a reply of UNAVAILABLE is retried after its retryAfterMs, as the SDK does:
   * for requests right after a service restarts, which a loaded machine may still refuse.
   * Give sends a clientMsgId so that a retry cannot store twice.
   */
  async okOnceAvailable<T extends ServerFrameType>(expected: T, type: string, data?: unknown, attempts = 5): Promise<ServerFrameData[T]> {
    for (let attempt = 1; ; attempt++) {
      const reply = await this.request(type, data);
      const error = reply.type === 'error' ? (reply.data as { code: string; retryAfterMs?: number }) : undefined;
      if (error?.code === 'UNAVAILABLE' && attempt < attempts) {
        await new Promise((resolve) => setTimeout(resolve, error.retryAfterMs ?? 500));
        continue;
      }
      if (reply.type !== expected) throw new Error(`${type}: expected ${expected}, got ${JSON.stringify(reply)}`);
      return reply.data as ServerFrameData[T];
    }
  }

  waitFor(predicate: (f: ServerFrame) => boolean, timeoutMs = 5000): Promise<ServerFrame> {
    return this.waitUntil(() => this.frames.find(predicate), timeoutMs, 'frame');
  }

  waitForType<T extends ServerFrameType>(type: T, predicate: (d: ServerFrameData[T]) => boolean = () => true, timeoutMs = 5000): Promise<ServerFrameData[T]> {
    return this.waitFor((f) => f.type === type && predicate(f.data as ServerFrameData[T]), timeoutMs).then((f) => f.data as ServerFrameData[T]);
  }

  /** Resolves once `count` frames match. */
  async waitForCount(predicate: (f: ServerFrame) => boolean, count: number, timeoutMs = 10_000): Promise<ServerFrame[]> {
    await this.waitUntil(() => (this.frames.filter(predicate).length >= count ? true : undefined), timeoutMs, `${count} frames`);
    return this.frames.filter(predicate);
  }

  of<T extends ServerFrameType>(type: T): Array<ServerFrameData[T]> {
    return this.frames.filter((f) => f.type === type).map((f) => f.data as ServerFrameData[T]);
  }

  private waitUntil<R>(check: () => R | undefined, timeoutMs: number, what: string): Promise<R> {
    return new Promise((resolve, reject) => {
      const attempt = () => {
        const found = check();
        if (found !== undefined) {
          clearTimeout(timer);
          resolve(found);
        } else if (this.ws.readyState === WebSocket.CLOSED) {
          clearTimeout(timer);
          reject(new Error(`connection closed while waiting for ${what}; last frames: ${JSON.stringify(this.frames.slice(-3))}`));
        } else this.waiters.push(attempt);
      };
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; last frames: ${JSON.stringify(this.frames.slice(-3))}`)), timeoutMs);
      attempt();
    });
  }

  close() {
    this.ws.close();
    return this.closed;
  }
}
