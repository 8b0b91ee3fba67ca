import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@chat/logging';
import { openDatabase, type Database } from '@chat/chat';
import { runMaintenance } from '../src/db/pglite-maintenance.ts';

let db: Database;
beforeAll(async () => {
  db = await openDatabase({}, createLogger({ service: 'test', level: 'silent' }));
  await db.exec(`INSERT INTO users VALUES ('u1', 'one', 0); INSERT INTO rooms (room_id, name, kind, created_by, created_at) VALUES ('rb', 'b', 'public', 'u1', 0);`);
});
afterAll(() => db?.close());

describe('PGlite maintenance', () => {
  it('vacuums the hot tables every time, and analyses messages only once it doubled, from a small sample', async () => {
    const bulk = (from: number, n: number) =>
      db.exec(`INSERT INTO messages (id, room_id, seq, user_id, username, text, created_at) SELECT 'bulk' || g, 'rb', g, 'u1', 'one', 'x', 0 FROM generate_series(${from}, ${from + n - 1}) g;
               UPDATE rooms SET last_seq = ${from + n - 1} WHERE room_id = 'rb'`);
    const known = async () => Number((await db.query<{ n: number }>("SELECT reltuples AS n FROM pg_class WHERE relname = 'messages'"))[0]!.n);
    await bulk(1, 1000);
    expect(await runMaintenance(db)).toEqual(['vacuum analyze rooms, memberships, outbox, users', 'analyze messages']);
    expect(await known()).toBe(1000);
    await bulk(1001, 1000); // twice as many: not yet worth sampling again
    expect(await runMaintenance(db)).toEqual(['vacuum analyze rooms, memberships, outbox, users']);
    await bulk(2001, 1000);
    expect(await runMaintenance(db)).toContain('analyze messages');
    expect(await known()).toBe(3000);
    // Sampled with a statistics target of 10 (a histogram of at most 11 bounds, not 101),
    // and the target was set for that ANALYZE only.
    const [seq] = await db.query<{ bounds: number }>(
      "SELECT array_length(histogram_bounds::text::text[], 1) AS bounds FROM pg_stats WHERE tablename = 'messages' AND attname = 'seq'",
    );
    expect(Number(seq!.bounds)).toBe(11);
    expect(await db.query('SHOW default_statistics_target')).toEqual([{ default_statistics_target: '100' }]);
  });
});
