import { afterAll, beforeAll } from 'vitest';
import { createLogger } from '@chat/logging';
import { openDatabase, type Database } from '@chat/chat';
import { startPostgres, type TestPostgres } from '@chat/testing';

export const DATABASE_KINDS = ['pglite', 'postgres'] as const;

/**
 * A fresh database of `kind` (PGlite, or a real PostgreSQL started for it) for the enclosing
 * describe block, migrated and then seeded with `seed`; closed after the block.
 */
export function seededDatabase(kind: (typeof DATABASE_KINDS)[number], seed = ''): { readonly db: Database; readonly url?: string } {
  const holder = {} as { db: Database; url?: string };
  let pg: TestPostgres | undefined;
  beforeAll(async () => {
    if (kind === 'postgres') pg = await startPostgres();
    holder.url = pg?.url;
    holder.db = await openDatabase({ databaseUrl: pg?.url }, createLogger({ service: 'test', level: 'silent' }));
    if (seed) await holder.db.exec(seed);
  });
  afterAll(async () => {
    await holder.db?.close();
    await pg?.stop();
  });
  return holder;
}
