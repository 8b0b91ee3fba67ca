/**
 * Chaos, short version (CI): the production topology as local processes — a 3-node NATS
 * cluster with the stream at 3 replicas, PostgreSQL, two of each service — and SDK clients
 * on both gateways sending steadily while faults are injected one after another. A history
 * checker then decides: every acked message stored once with gap-free seq, and received
 * by every member exactly once, in order. `CHAOS_FULL=1` runs the long version.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import WebSocket from 'ws';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createChatClient, type ChatClient } from '@chat/sdk';
import { startNatsCluster, type NatsCluster } from '@chat/testing';
import { checkHistories, type ClientHistory } from './harness/history-checker.ts';
import { startPostgresService, type Service } from './harness/infra.ts';
import { startTopology, type Topology } from './harness/topology.ts';

const FULL = process.env.CHAOS_FULL === '1';
const CLIENTS = FULL ? 200 : 16;
const ROOMS = FULL ? ['chaos-a', 'chaos-b', 'chaos-c', 'chaos-d'] : ['chaos-a', 'chaos-b'];
const PAUSE_MS = FULL ? 10_000 : 3000;
const SEND_EVERY_MS = FULL ? 1500 : 500;

let dir: string;
let cluster: NatsCluster;
let postgres: Service;
let topo: Topology;
const clients: Array<{ sdk: ChatClient; history: ClientHistory; recoveries: number[] }> = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'chaos-'));
  cluster = await startNatsCluster({ dir });
  postgres = await startPostgresService();
  topo = await startTopology({ natsUrl: cluster.url, databaseUrl: postgres.url, replicas: 2, streamReplicas: 3 });
}, 180_000);

afterAll(async () => {
  for (const c of clients) c.sdk.close();
  await topo?.stop();
  await cluster?.stop();
  await postgres?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it(
  'loses, duplicates and reorders nothing through gateway, chat, broadcast and NATS faults',
  async () => {
    const [g1, g2] = topo.gateways;
    for (let i = 0; i < CLIENTS; i++) {
      const [home, other] = i % 2 ? [g2!, g1!] : [g1!, g2!];
      const sdk = createChatClient({ url: [`ws://127.0.0.1:${home.port}/ws`, `ws://127.0.0.1:${other.port}/ws`], auth: { username: `chaos-${i}` }, WebSocket, reconnect: { baseMs: 200, maxMs: 2000 }, pingIntervalMs: 2000, maxSendAttempts: 20 });
      const history: ClientHistory = { name: `chaos-${i}`, rooms: ROOMS, acked: [], received: [], sent: 0 };
      const entry = { sdk, history, recoveries: [] as number[] };
      let lostAt = 0;
      sdk.on('state', (s) => {
        if (s.status === 'reconnecting' && !lostAt) lostAt = Date.now();
        if (s.status === 'open' && lostAt) {
          entry.recoveries.push(Date.now() - lostAt);
          lostAt = 0;
        }
      });
      sdk.on('message.received', (m) => history.received.push({ id: m.id, roomId: m.roomId, seq: m.seq }));
      await sdk.connect();
      for (const roomId of ROOMS) {
        if (i === 0) await sdk.createRoom({ roomId }).catch(() => undefined);
        await sdk.joinRoom(roomId);
      }
      clients.push(entry);
    }

    let sending = true;
    const senders = clients.map(async (c, i) => {
      await sleep((i * SEND_EVERY_MS) / CLIENTS);
      for (let n = 0; sending; n++) {
        const roomId = ROOMS[n % ROOMS.length]!;
        c.history.sent += 1;
        c.sdk
          .sendMessage(roomId, `${c.history.name} #${n}`)
          .then((ack) => c.history.acked.push({ id: ack.id, roomId: ack.roomId, seq: ack.seq }))
          .catch(() => undefined); // not acked: nothing is promised about it
        await sleep(SEND_EVERY_MS);
      }
    });

    const faults: Array<[string, () => Promise<void>]> = [
      ['restart gateway-1 (SIGTERM)', async () => { const g = topo.gateways[0]!; await g.stop('SIGTERM'); await g.start(); }],
      ['kill chat-1 (SIGKILL)', async () => { const c = topo.of('chat')[0]!; await c.stop('SIGKILL'); await c.start(); }],
      ['kill broadcast-1 (SIGKILL)', async () => { const b = topo.of('broadcast')[0]!; await b.stop('SIGKILL'); await b.start(); }],
      ['kill NATS node n1 and bring it back', async () => { await cluster.nodes[0]!.stop(); await sleep(2000); await cluster.nodes[0]!.start(); }],
      ['pause broadcast-2 (SIGSTOP/SIGCONT)', async () => { const b = topo.of('broadcast')[1]!; b.signal('SIGSTOP'); await sleep(PAUSE_MS); b.signal('SIGCONT'); }],
      ['kill gateway-2 (SIGKILL): its clients fail over to gateway-1', async () => { const g = topo.gateways[1]!; await g.stop('SIGKILL'); await sleep(3000); await g.start(); }],
      ['restart PostgreSQL', () => postgres.restart()],
      ['drop every NATS connection at once (all nodes restarted)', async () => { await Promise.all(cluster.nodes.map((n) => n.stop())); await sleep(1000); await Promise.all(cluster.nodes.map((n) => n.start())); }],
      ['rolling restart chat-2 and broadcast-2 (SIGTERM)', async () => { for (const x of [topo.of('chat')[1]!, topo.of('broadcast')[1]!]) { await x.stop('SIGTERM'); await x.start(); } }],
    ];
    for (const [, inject] of faults) {
      await sleep(FULL ? 5000 : 1500);
      await inject();
    }
    await sleep(1500);
    sending = false;
    await Promise.all(senders);

    // Quiesce: every send settled, then every client has caught up with the store.
    const deadline = Date.now() + 60_000;
    while (clients.some((c) => c.sdk.pendingSends().length > 0) && Date.now() < deadline) await sleep(200);
    const db = new pg.Client({ connectionString: postgres.url });
    await db.connect();
    const rows = (await db.query<{ room_id: string; seq: string; id: string }>('SELECT room_id, seq, id FROM messages WHERE room_id = ANY($1) ORDER BY room_id, seq', [ROOMS])).rows;
    await db.end();
    const stored = new Map<string, Array<{ id: string; seq: number }>>(ROOMS.map((r) => [r, []]));
    for (const r of rows) stored.get(r.room_id)!.push({ id: r.id, seq: Number(r.seq) });
    const lastSeq = new Map([...stored].map(([room, list]) => [room, list.length]));
    while (Date.now() < deadline && clients.some((c) => ROOMS.some((r) => (c.sdk.lastSeq(r) ?? 0) < lastSeq.get(r)!))) await sleep(200);

    const verdict = checkHistories(
      clients.map((c) => c.history),
      stored,
    );
    const longestRecovery = Math.max(0, ...clients.flatMap((c) => c.recoveries));
    console.log(
      `chaos: faults=${faults.length} sent=${verdict.sent} acked=${verdict.acked} delivered=${verdict.delivered} lost=${verdict.lost} duplicated=${verdict.duplicated} reordered=${verdict.reordered} storeGaps=${verdict.storeGaps} longestRecoveryMs=${longestRecovery}`,
    );
    expect(verdict.problems.slice(0, 10)).toEqual([]);
    expect(verdict.acked).toBeGreaterThan(CLIENTS * 5);
    expect({ lost: verdict.lost, duplicated: verdict.duplicated, reordered: verdict.reordered, storeGaps: verdict.storeGaps }).toEqual({ lost: 0, duplicated: 0, reordered: 0, storeGaps: 0 });
  },
  FULL ? 900_000 : 170_000,
);
