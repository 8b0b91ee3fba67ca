import { afterAll, beforeAll, expect, it } from 'vitest';
import { Kvm, type KV } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { PRESENCE_BUCKET } from '@chat/nats';
import { startStack, TestClient, type TestStack } from '@chat/testing';

let stack: TestStack;
let nc: NatsConnection;
let kv: KV;
const TTL_MS = 4000;

beforeAll(async () => {
  stack = await startStack({ gateways: 0 });
  nc = await connect({ servers: stack.nats.url });
  // A bucket made earlier with its own TTL (as an older release made it): the gateway keeps it.
  kv = await new Kvm(nc).create(PRESENCE_BUCKET, { history: 1, ttl: TTL_MS });
  await stack.startGateway();
});
afterAll(async () => {
  await nc?.close();
  await stack?.stop();
});

async function revisions(): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for await (const key of await kv.keys()) out.set(key, (await kv.get(key))?.revision ?? 0);
  return out;
}

it("re-puts every claim within the bucket's own TTL, not the TTL it would have made", async () => {
  expect((await kv.status()).ttl).toBe(TTL_MS);
  const users = await Promise.all([1, 2, 3, 4, 5].map((i) => TestClient.guest(stack.gateways[0]!.wsUrl, `claim-${i}`)));
  await expect.poll(async () => (await revisions()).size).toBe(5);
  const first = await revisions();
  // Paced for a one-hour TTL, five users would be re-put one a second: the last after 5 s,
  // past this bucket's 4 s. Paced for 4 s, all of them are re-put every second.
  await expect
    .poll(async () => [...(await revisions())].filter(([key, rev]) => rev > (first.get(key) ?? Infinity)).length, { timeout: 2500, interval: 200 })
    .toBe(5);
  await Promise.all(users.map((u) => u.close()));
});
