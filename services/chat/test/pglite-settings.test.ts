import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPgliteDatabase } from '../src/db/pglite-database.ts';

const dir = mkdtempSync(join(tmpdir(), 'pglite-settings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('PGlite settings', () => {
  it('starts without zero-filling new WAL segments, on a new data directory and on reopening it', async () => {
    for (let open = 0; open < 2; open++) {
      const db = await createPgliteDatabase(join(dir, 'data'));
      const [row] = await db.query<{ wal_init_zero: string }>('SHOW wal_init_zero');
      expect(row?.wal_init_zero).toBe('off');
      await db.close();
    }
  });
});
