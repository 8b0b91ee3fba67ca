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
  it('vacuums and analyses, so the planner learns table sizes', async () => {
    await db.exec(`INSERT INTO messages (id, room_id, seq, user_id, username, text, created_at) SELECT 'bulk' || g, 'rb', 100 + g, 'u1', 'one', 'x', 0 FROM generate_series(1, 500) g`);
    await runMaintenance(db);
    const [row] = await db.query<{ reltuples: number }>("SELECT reltuples FROM pg_class WHERE relname = 'messages'");
    expect(Number(row!.reltuples)).toBeGreaterThanOrEqual(500);
  });
});
