/**
 * Both demos as a user runs them (child processes) against a real stack: exit 0, every
 * user named, a latency summary. And the loss check proven able to fail, against a fake
 * gateway that acks every send but loses broadcasts.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from '@chat/testing';
import { startLossyServer, type LossyServer } from './lossy-server.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PYTHON = '/usr/bin/python3';
const hasPythonWebsockets = existsSync(PYTHON) && (await run(PYTHON, ['-c', 'import websockets'])).code === 0;
// npm test installs python3-websockets (scripts/bootstrap.mjs); without it this suite fails loudly.
if (!hasPythonWebsockets) throw new Error(`${PYTHON} with websockets is required: apt-get install -y python3-websockets`);

interface Result {
  code: number;
  out: string;
}

function run(cmd: string, args: string[], timeoutMs = 60_000): Promise<Result> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: ROOT, timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, out: `${stdout}${stderr}` });
    });
  });
}

const tsDemo = (args: string[]) => run(process.execPath, ['--import', 'tsx', 'clients/demo/demo.ts', ...args]);
const pyDemo = (args: string[]) => run(PYTHON, ['clients/demo/demo.py', ...args]);

/** The run's user names, from the first line: "demo: ... (run abcd)". */
function usersOf(out: string, count: number): string[] {
  const runId = /\(run ([a-z0-9]{4})\)/.exec(out)?.[1];
  expect(runId, out).toBeDefined();
  return ['alice', 'bob', 'carol', 'dave', 'erin'].slice(0, count).map((n) => `${n}-${runId}`);
}

const SUMMARY = /latency \(send -> receive, (\d+) deliveries\): p50 [\d.]+ ms {2}p95 [\d.]+ ms {2}max [\d.]+ ms/;

function expectSuccess(r: Result, users: number, messages: number, opts: { listed: boolean } = { listed: true }) {
  expect(r.code, r.out).toBe(0);
  const total = users * messages;
  for (const name of usersOf(r.out, users)) {
    expect(r.out).toContain(`${name} received ${total}/${total} messages`);
    if (opts.listed) expect(r.out).toMatch(new RegExp(`\\[seq \\d+\\] ${name}: message 1 of ${messages} from ${name}`));
  }
  expect(SUMMARY.exec(r.out)?.[1], r.out).toBe(String(users * total));
  expect(r.out).toContain(`OK: all ${users} users received all ${total} messages`);
}

describe('demos against the real stack', () => {
  let stack: TestStack;
  let port: string;
  beforeAll(async () => {
    stack = await startStack();
    port = new URL(stack.gateways[0]!.url).port;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('demo.ts with the defaults: 3 users x 5 messages, all delivered', async () => {
    expectSuccess(await tsDemo(['--port', port]), 3, 5);
  });

  it('demo.py with the defaults: 3 users x 5 messages, all delivered', async () => {
    expectSuccess(await pyDemo(['--port', port]), 3, 5);
  });

  it('both demos share a room across runs and respect the rate limit past its burst', async () => {
    // 25 messages each: more than the burst of 20, so some sends wait out RATE_LIMITED.
    const [py, ts] = [await pyDemo(['--port', port, '--room', 'shared', '--users', '2', '--messages', '25', '--delay', '0', '--quiet']), await tsDemo(['--port', port, '--room', 'shared', '--users', '2', '--messages', '25', '--delay', '0', '--quiet'])];
    expectSuccess(py, 2, 25, { listed: false });
    expectSuccess(ts, 2, 25, { listed: false });
  });
});

describe('the loss check can fail', () => {
  let lossy: LossyServer | undefined;
  afterAll(async () => {
    await lossy?.close();
  });

  it('demo.ts exits 1 when sends are acked but never delivered', async () => {
    lossy = await startLossyServer();
    const r = await tsDemo(['--port', String(lossy.port), '--timeout', '1']);
    expect(r.code, r.out).toBe(1);
    for (const name of usersOf(r.out, 3)) {
      expect(r.out).toContain(`${name} received 0/15 messages`);
      expect(r.out).toContain(`FAIL: ${name} missed 15:`);
    }
    expect(r.out).not.toContain('OK:');
    await lossy.close();
    lossy = undefined;
  });

  it('demo.py exits 1 when one broadcast in four is lost, and names what was missed', async () => {
    lossy = await startLossyServer({ dropEvery: 4 });
    const r = await pyDemo(['--port', String(lossy.port), '--timeout', '1', '--users', '2', '--messages', '4']);
    expect(r.code, r.out).toBe(1);
    const [alice, bob] = usersOf(r.out, 2);
    // Seqs 4 and 8 never went out: each user misses two of the eight, whoever sent them.
    expect(r.out).toMatch(new RegExp(`FAIL: ${alice} missed 2: `));
    expect(r.out).toMatch(new RegExp(`FAIL: ${bob} missed 2: `));
    expect(r.out).toContain(`${alice} received 6/8 messages`);
  });
});
