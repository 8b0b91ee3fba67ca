import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createLogger } from '@chat/logging';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectNats, type NatsConnection } from './connect.ts';
import { startNatsServer, type EmbeddedNats } from './embedded-server.ts';

// The library builds its errors through this module's export; counting them needs the same
// module instance the library loaded (its package exports hide the file, so resolve by path).
const require = createRequire(import.meta.url);
const errors = require(join(dirname(require.resolve('@nats-io/nats-core')), 'errors.js')) as { RequestError: new (...a: never[]) => Error };

let built = 0;
const Original = errors.RequestError;
class Counted extends Original {
  constructor(...args: never[]) {
    super(...args);
    built += 1;
  }
}

let server: EmbeddedNats;
let store: string;
let nc: NatsConnection;

beforeAll(async () => {
  store = mkdtempSync(join(tmpdir(), 'settled-request-'));
  server = await startNatsServer({ storeDir: store });
  // connectNats installs the change, as it does in every service.
  nc = await connectNats({ url: server.url, name: 'settled-request-test' }, createLogger({ service: 'test', level: 'silent' }));
  nc.subscribe('echo', { callback: (_err, msg) => void msg.respond(msg.data) });
  await nc.flush();
  errors.RequestError = Counted;
});

afterAll(async () => {
  errors.RequestError = Original;
  await nc?.close();
  await server?.stop();
  rmSync(store, { recursive: true, force: true });
});

describe('requests once answered', () => {
  it('build no error', async () => {
    built = 0;
    for (let i = 0; i < 20; i++) expect((await nc.request('echo', `m${i}`, { timeout: 2000 })).string()).toBe(`m${i}`);
    expect(built).toBe(0);
  });

  it('still fail as before when nobody answers or the answer is late', async () => {
    const refused = await nc.request('nobody.listens', 'x', { timeout: 2000 }).then(
      () => undefined,
      (e: unknown) => e as { name: string; isNoResponders(): boolean },
    );
    expect(refused?.name).toBe('RequestError');
    expect(refused?.isNoResponders()).toBe(true);
    nc.subscribe('slow', { callback: (_err, msg) => void setTimeout(() => msg.respond('late'), 300) });
    await nc.flush();
    await expect(nc.request('slow', 'x', { timeout: 50 })).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  it('leave no request behind in the connection', async () => {
    await Promise.all(Array.from({ length: 10 }, (_, i) => nc.request('echo', String(i), { timeout: 2000 })));
    const mux = (nc as unknown as { protocol: { muxSubscriptions: { size(): number } } }).protocol.muxSubscriptions;
    expect(mux.size()).toBe(0);
  });
});
