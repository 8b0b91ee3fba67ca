/**
 * The demo scenario (same as demo.py, same output): users log in, all join the room before
 * anyone speaks, each sends its messages, then every user must hold every user's messages,
 * its own included, in seq order and once. Returns the exit code: 0 ok, 1 any failure.
 */
import { performance } from 'node:perf_hooks';
import { ChatError } from '@chat/sdk';
import { createSimUser, type Received, type SimUser } from './sim-user.ts';
import { latencySummary } from './stats.ts';

export interface DemoOptions {
  users: number;
  messages: number;
  room: string;
  host: string;
  port: number;
  delayS: number;
  timeoutS: number;
  quiet: boolean;
}

const NAMES = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const describe = (err: unknown) =>
  err instanceof ChatError ? `${err.requestType ? `${err.requestType} failed: ` : ''}${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);

interface Sent {
  sender: string;
  k: number;
  at: number;
}

export async function runDemo(o: DemoOptions, print: (line: string) => void): Promise<number> {
  const runId = Math.random().toString(36).slice(2, 6).padEnd(4, '0');
  const url = `ws://${o.host}:${o.port}/ws`;
  const users = Array.from({ length: o.users }, (_, i) => createSimUser({ name: `${NAMES[i] ?? `user${i + 1}`}-${runId}`, url, timeoutMs: o.timeoutS * 1000 }));
  print(`demo: ${o.users} users x ${o.messages} messages in #${o.room} at ${url} (run ${runId})`);

  try {
    await Promise.all(users.map((u) => u.connect()));
    await users[0]!.client.createRoom({ roomId: o.room, name: o.room }).catch((err: unknown) => {
      if (!(err instanceof ChatError && err.code === 'ROOM_EXISTS')) throw err;
    });
    await Promise.all(users.map((u) => u.client.joinRoom(o.room, { limit: 1 })));
  } catch (err) {
    print(`FAIL: setup: ${describe(err)}`);
    for (const u of users) u.client.close();
    return 1;
  }

  // Texts are unique per run (they name the sender): they key this run's messages, so
  // older runs in the same room do not count.
  const sent = new Map<string, Sent>();
  const talk = async (u: SimUser) => {
    for (let k = 1; k <= o.messages; k++) {
      const text = `message ${k} of ${o.messages} from ${u.name}`;
      sent.set(text, { sender: u.name, k, at: performance.now() });
      await u.send(o.room, text, `${runId}-${u.name}-${k}`);
      if (k < o.messages) await sleep(o.delayS * 1000);
    }
  };
  const failures = (await Promise.allSettled(users.map(talk))).flatMap((r) => (r.status === 'rejected' ? [describe(r.reason)] : []));

  const mine = (u: SimUser): Received[] => u.received.filter((r) => r.message.roomId === o.room && sent.has(r.message.text));
  const deadline = performance.now() + o.timeoutS * 1000;
  await Promise.all(users.map((u) => u.waitFor(() => new Set(mine(u).map((r) => r.message.text)).size >= sent.size, deadline)));

  const latencies: number[] = [];
  for (const u of users) {
    const got = mine(u);
    const texts = new Set(got.map((r) => r.message.text));
    print(`${u.name} received ${texts.size}/${sent.size} messages`);
    for (const r of got) {
      const ms = r.at - sent.get(r.message.text)!.at;
      latencies.push(ms);
      if (!o.quiet) print(`  [seq ${r.message.seq}] ${r.message.username}: ${r.message.text}  (${ms.toFixed(1)} ms)`);
    }
    const missing = [...sent].filter(([text]) => !texts.has(text)).map(([, s]) => `${s.sender} #${s.k}`);
    if (missing.length) failures.push(`${u.name} missed ${missing.length}: ${missing.join(', ')}`);
    if (texts.size !== got.length) failures.push(`${u.name} received duplicates`);
    const seqs = got.map((r) => r.message.seq);
    if (seqs.some((s, i) => i > 0 && s <= seqs[i - 1]!)) failures.push(`${u.name} received out of seq order: ${seqs.join(',')}`);
    failures.push(...u.problems.map((p) => `${u.name}: ${p}`));
  }
  print(latencySummary(latencies));

  // Leave, so the demo room's member list does not grow with every run.
  await Promise.allSettled(users.map((u) => u.client.leaveRoom(o.room)));
  for (const u of users) u.client.close();

  for (const f of failures) print(`FAIL: ${f}`);
  if (failures.length) return 1;
  print(`OK: all ${users.length} users received all ${sent.size} messages`);
  return 0;
}
