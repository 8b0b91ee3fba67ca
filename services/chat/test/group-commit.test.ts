import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '@chat/contracts';
import { createLogger } from '@chat/logging';
import { openDatabase, type Database } from '@chat/chat';
import { createGroupCommit } from '../src/messages/group-commit.ts';

let db: Database;
beforeAll(async () => {
  db = await openDatabase({}, createLogger({ service: 'test', level: 'silent' }));
  await db.exec('CREATE TABLE gc (n int PRIMARY KEY)');
});
afterAll(() => db?.close());

describe('group commit on PGlite', () => {
  it('folds concurrent requests into few transactions and answers each', async () => {
    let commits = 0;
    const gc = createGroupCommit({
      db,
      maxBatch: 100,
      onCommit: () => commits++,
      apply: async (q, n: number) => {
        if (n % 10 === 0) throw new AppError('NOT_A_MEMBER', `refused ${n}`); // checked before writing
        await q.query('INSERT INTO gc (n) VALUES ($1)', [n]);
        return n * 2;
      },
    });
    const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => gc.submit(i + 1)));
    expect(results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<number>).value)).toHaveLength(45);
    expect(results[9]).toMatchObject({ status: 'rejected', reason: { code: 'NOT_A_MEMBER' } });
    expect(commits).toBeLessThan(10);
    const [row] = await db.query<{ c: number }>('SELECT count(*)::int AS c FROM gc');
    expect(row!.c).toBe(45);
  });

  it('fails only the poison request when an unexpected error aborts a batch', async () => {
    const gc = createGroupCommit({
      db,
      maxBatch: 100,
      onCommit: () => {},
      apply: async (q, n: number) => {
        await q.query('INSERT INTO gc (n) VALUES ($1)', [n]); // 1000 twice: a unique violation
        return n;
      },
    });
    const results = await Promise.allSettled([1001, 1000, 1002, 1000, 1003].map((n) => gc.submit(n)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    const rows = await db.query<{ n: number }>('SELECT n FROM gc WHERE n >= 1000 ORDER BY n');
    expect(rows.map((r) => r.n)).toEqual([1000, 1001, 1002, 1003]);
  });
});
