import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '@chat/contracts';
import { createLogger } from '@chat/logging';
import { openDatabase, type Database } from '@chat/chat';
import { createGroupCommit, type Outcome } from '../src/db/group-commit.ts';

let db: Database;
beforeAll(async () => {
  db = await openDatabase({}, createLogger({ service: 'test', level: 'silent' }));
  await db.exec('CREATE TABLE gc (n int PRIMARY KEY)');
});
afterAll(() => db?.close());

/** Writes numbers as the group commit's `one` and `many`; multiples of 10 are refused without writing. */
function numberWriter() {
  const writes: number[][] = [];
  const refuse = (n: number) => new AppError('NOT_A_MEMBER', `refused ${n}`);
  return {
    writes,
    one: async (n: number) => {
      if (n % 10 === 0) throw refuse(n);
      await db.query('INSERT INTO gc (n) VALUES ($1)', [n]);
      writes.push([n]);
      return n * 2;
    },
    many: async (ns: number[]): Promise<Array<Outcome<number>>> => {
      const accepted = ns.filter((n) => n % 10 !== 0);
      await db.query('INSERT INTO gc (n) SELECT unnest($1::int[])', [accepted]); // one statement: all or nothing
      writes.push(accepted);
      return ns.map((n) => (n % 10 === 0 ? { ok: false, error: refuse(n) } : { ok: true, value: n * 2 }));
    },
  };
}

describe('group commit on PGlite', () => {
  it('folds concurrent requests into few writes and answers each', async () => {
    const writer = numberWriter();
    let commits = 0;
    const gc = createGroupCommit({ maxBatch: 100, gatherMs: 2, onCommit: () => commits++, one: writer.one, many: writer.many });
    const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => gc.submit(i + 1)));
    expect(results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<number>).value)).toEqual(
      Array.from({ length: 50 }, (_, i) => i + 1).filter((n) => n % 10 !== 0).map((n) => n * 2),
    );
    expect(results[9]).toMatchObject({ status: 'rejected', reason: { code: 'NOT_A_MEMBER' } });
    // The first went at once; the other 49 arrived during its write and share the next one.
    expect(writer.writes.map((w) => w.length)).toEqual([1, 44]);
    expect(commits).toBe(2);
    const [row] = await db.query<{ c: number }>('SELECT count(*)::int AS c FROM gc');
    expect(row!.c).toBe(45);
  });

  it('waits for company only when requests are coming fast', async () => {
    const writer = numberWriter();
    let clock = 0;
    const gc = createGroupCommit({ maxBatch: 100, gatherMs: 50, now: () => clock, onCommit: () => {}, one: writer.one, many: writer.many });
    /** Two requests, the second a macrotask after the first: together only if the first waited. */
    const pair = async (a: number, b: number) => {
      const first = gc.submit(a);
      await new Promise((r) => setImmediate(r));
      clock += 1;
      await Promise.all([first, gc.submit(b)]);
    };
    await pair(2001, 2002); // nothing came before: the first goes at once
    // Now pairs every 80 ms: each pair's first comes 80 ms after the one before it, but on
    // average a request comes every 40 ms, so the first of a pair soon waits for the second.
    for (let i = 0; i < 20; i++) {
      clock += 80;
      await pair(2101 + 2 * i, 2201 + 2 * i); // odd: never refused
    }
    expect(writer.writes.slice(0, 2)).toEqual([[2001], [2002]]);
    expect(writer.writes.at(-1)).toEqual([2139, 2239]);
  });

  it('fails only the poison request when a batch write fails', async () => {
    const writer = numberWriter();
    const gc = createGroupCommit({ maxBatch: 100, gatherMs: 2, onCommit: () => {}, one: writer.one, many: writer.many });
    // 1000 twice: a unique violation fails the shared write, and each then runs alone.
    const results = await Promise.allSettled([1001, 1000, 1002, 1003, 1000, 1004].map((n) => gc.submit(n + 1)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    const rows = await db.query<{ n: number }>('SELECT n FROM gc WHERE n BETWEEN 1000 AND 1999 ORDER BY n');
    expect(rows.map((r) => r.n)).toEqual([1001, 1002, 1003, 1004, 1005]);
  });
});
